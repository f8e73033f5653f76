package io.decisionledger.rewrite;

import java.util.List;

/**
 * One closed partition to rewrite, as a planner found it: the files to merge (fixed at planning
 * time, so files that arrive later are left for the next run), where the merged files go, and stale
 * in-progress files to remove. Compaction plans one per partition; retention derives one for the
 * rows it keeps. Planned on the job's client, rewritten in a Flink task.
 *
 * @param dataset which dataset
 * @param partition relative partition path, e.g. {@code tenant_id=T/event_date=D}
 * @param targetDir partition folder the merged files are moved into
 * @param stagingDir this partition's folder in the run's staging area (outside every dataset)
 * @param runId the run
 * @param sources committed files to merge, with their sizes
 * @param staleInProgress hidden in-progress files old enough to delete
 */
public record PartitionTask(
        Dataset dataset,
        String partition,
        String targetDir,
        String stagingDir,
        String runId,
        List<FileRef> sources,
        List<String> staleInProgress) {

    /** A file and its size in bytes. */
    public record FileRef(String path, long bytes) {}

    public long sourceBytes() {
        return sources.stream().mapToLong(FileRef::bytes).sum();
    }
}
