package io.decisionledger.compaction;

/**
 * What happened to one partition: the progress line the job prints and the numbers its final report
 * sums. No record values (user ids are personal data): counts, sizes, paths of partitions.
 *
 * @param dataset the dataset
 * @param partition relative partition path (tenant and date; no personal data)
 * @param outcome COMPACTED, ROLLED_FORWARD (an earlier attempt's swap was finished) or CLEANED
 *     (only stale in-progress files were removed)
 * @param filesBefore source files merged
 * @param bytesBefore their bytes
 * @param filesAfter merged files written
 * @param bytesAfter their bytes
 * @param rows rows rewritten
 * @param staleRemoved in-progress files removed
 * @param millis wall time spent on the partition
 */
public record PartitionResult(
        Dataset dataset,
        String partition,
        String outcome,
        int filesBefore,
        long bytesBefore,
        int filesAfter,
        long bytesAfter,
        long rows,
        int staleRemoved,
        long millis) {

    public String toJson() {
        return PartitionTask.write(this);
    }

    public static PartitionResult fromJson(String json) {
        return PartitionTask.read(json, PartitionResult.class);
    }

    public String progressLine() {
        return String.format(
                "  %-10s %s %s: %d files (%.2f MB) -> %d files (%.2f MB), %,d rows, %d stale removed, %.1f s",
                dataset.label(),
                partition,
                outcome,
                filesBefore,
                bytesBefore / 1e6,
                filesAfter,
                bytesAfter / 1e6,
                rows,
                staleRemoved,
                millis / 1e3);
    }
}
