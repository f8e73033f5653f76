package io.decisionledger.rewrite;

import java.util.List;

/**
 * The commit record of one partition's swap, written to the staging area once the merged files are
 * verified and before anything in the partition changes. Its presence means "the merged files are
 * good; finish the swap": a run that finds it (after a crash) moves any merged file not yet in the
 * partition, deletes the listed sources that are left, and then deletes the manifest. Without a
 * manifest, staged files are simply discarded and the sources are untouched.
 *
 * @param runId the run that wrote it
 * @param dataset the dataset
 * @param partition relative partition path
 * @param sources the files being replaced
 * @param outputs the merged files, staged and final paths with their sizes (a partition merged in
 *     slices: every slice's files, slice after slice in key order)
 * @param rows rows in the sources = rows in the outputs
 */
public record SwapManifest(
        String runId,
        Dataset dataset,
        String partition,
        List<PartitionTask.FileRef> sources,
        List<Output> outputs,
        long rows) {

    public static final String FILE_NAME = "manifest.json";

    /** One merged file: where it was staged, where it goes, its size, its rows. */
    public record Output(String staged, String target, long bytes, long rows) {}

    public String toJson() {
        return PartitionRewrite.toJson(this);
    }

    public static SwapManifest fromJson(String json) {
        return PartitionRewrite.fromJson(json, SwapManifest.class);
    }
}
