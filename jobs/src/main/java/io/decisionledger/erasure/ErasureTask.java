package io.decisionledger.erasure;

import io.decisionledger.rewrite.Dataset;
import io.decisionledger.rewrite.PartitionTask;
import java.io.Serializable;
import java.util.List;

/**
 * One partition folder an erasure run searches for the plan's records, as the client listed it: a
 * Flink task reads its files, and rewrites each file that holds a record to erase (one staged file
 * per source file, so the receipt can name each file before and after).
 *
 * @param root the root the partition is under (lake, landing or archive)
 * @param rootLabel {@code lake}, {@code landing} or {@code archive}: names the root in the receipt
 * @param dataset audit, ops or quarantine
 * @param partition relative partition path ({@code tenant_id=T/event_date=D} or {@code
 *     ingest_date=D})
 * @param files the committed files of the partition, with their sizes at planning time
 * @param stagingDir this partition's folder in the run's staging area
 * @param runId the run (names the rewritten files)
 */
public record ErasureTask(
        String root,
        String rootLabel,
        Dataset dataset,
        String partition,
        List<PartitionTask.FileRef> files,
        String stagingDir,
        String runId)
        implements Serializable {

    /** The partition folder. */
    public String partitionDir() {
        return root.replaceAll("/+$", "") + "/" + dataset.directory() + "/" + partition;
    }

    public long bytes() {
        return files.stream().mapToLong(PartitionTask.FileRef::bytes).sum();
    }
}
