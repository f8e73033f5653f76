package io.decisionledger.rewrite;

/**
 * What happened to one partition: the progress line the job prints and the numbers its final report
 * sums. No record values (user ids are personal data): counts, sizes, paths of partitions.
 *
 * @param dataset the dataset
 * @param partition relative partition path (tenant and date; no personal data)
 * @param outcome COMPACTED, ROLLED_FORWARD (an earlier attempt's swap or deletion was finished),
 *     CLEANED (only stale in-progress files were removed), ALREADY_DONE; for retention DELETED
 *     (past retention: summarised, archived if asked, deleted) or HELD (nothing deletable)
 * @param filesBefore source files merged
 * @param bytesBefore their bytes
 * @param filesAfter merged files written
 * @param bytesAfter their bytes
 * @param rows rows rewritten
 * @param staleRemoved in-progress files removed
 * @param millis wall time spent on the partition
 * @param deleted rows deleted by retention
 * @param held rows a retention run kept (legal hold; in quarantine also rows not yet expired)
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
        long millis,
        long deleted,
        long held) {

    /** A compaction result: nothing deleted. */
    public PartitionResult(
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
        this(
                dataset,
                partition,
                outcome,
                filesBefore,
                bytesBefore,
                filesAfter,
                bytesAfter,
                rows,
                staleRemoved,
                millis,
                0,
                0);
    }

    public boolean retention() {
        return outcome.equals("DELETED") || outcome.equals("HELD") || deleted > 0;
    }

    public String toJson() {
        return PartitionRewrite.toJson(this);
    }

    public static PartitionResult fromJson(String json) {
        return PartitionRewrite.fromJson(json, PartitionResult.class);
    }

    public String progressLine() {
        if (retention()) {
            return String.format(
                    "  %-10s %s %s: %,d rows deleted, %,d kept (hold or not yet expired), %d files"
                            + " (%.2f MB) -> %d files (%.2f MB), %.1f s",
                    "retention",
                    partition,
                    outcome,
                    deleted,
                    held,
                    filesBefore,
                    bytesBefore / 1e6,
                    filesAfter,
                    bytesAfter / 1e6,
                    millis / 1e3);
        }
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
