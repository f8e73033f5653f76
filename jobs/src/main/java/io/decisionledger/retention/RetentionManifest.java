package io.decisionledger.retention;

import io.decisionledger.rewrite.PartitionRewrite;
import io.decisionledger.rewrite.PartitionTask;
import io.decisionledger.rewrite.SwapManifest;
import java.util.List;

/**
 * The commit record of one retention deletion, written to the staging area once the summaries are
 * written and the kept (held) rows are rewritten and verified, before anything is copied, published
 * or deleted. A run that finds it rolls forward: archive copies, summaries and kept files
 * published, sources deleted, manifest removed. Without it, staged files are discarded and the
 * partition is untouched.
 *
 * @param runId the run that wrote it
 * @param label the partition, for messages
 * @param archives source files and where their archive copies go ({@code staged} = the source)
 * @param outputs summaries, chain anchors and kept-row files: staged and final paths
 * @param sources the files deleted
 * @param deleted rows deleted
 * @param held rows kept under legal hold (or, in quarantine, not yet expired)
 */
public record RetentionManifest(
        String runId,
        String label,
        List<SwapManifest.Output> archives,
        List<SwapManifest.Output> outputs,
        List<PartitionTask.FileRef> sources,
        long deleted,
        long held) {

    public static final String FILE_NAME = "retention-manifest.json";

    public String toJson() {
        return PartitionRewrite.toJson(this);
    }

    public static RetentionManifest fromJson(String json) {
        return PartitionRewrite.fromJson(json, RetentionManifest.class);
    }
}
