package io.decisionledger.rewrite;

import java.util.Map;
import java.util.TreeMap;

/**
 * What happened to one partition: the progress line the job prints and the numbers its final report
 * sums. No record values (user ids are personal data): counts, sizes, paths of partitions.
 *
 * @param dataset the dataset
 * @param partition relative partition path (tenant and date; no personal data)
 * @param outcome what the rewrite did
 * @param filesBefore source files merged
 * @param bytesBefore their bytes
 * @param filesAfter merged files written
 * @param bytesAfter their bytes
 * @param rows rows rewritten
 * @param staleRemoved in-progress files removed
 * @param millis wall time spent on the partition
 * @param deleted rows deleted by retention
 * @param held rows a retention run kept (legal hold; in quarantine also rows not yet expired)
 * @param heldByHold rows each legal hold kept, by hold id (a reference, never the held user or case
 *     id); holds that kept nothing here are absent
 */
public record PartitionResult(
        Dataset dataset,
        String partition,
        Outcome outcome,
        int filesBefore,
        long bytesBefore,
        int filesAfter,
        long bytesAfter,
        long rows,
        int staleRemoved,
        long millis,
        long deleted,
        long held,
        Map<String, Long> heldByHold) {

    public PartitionResult {
        // a plain TreeMap: it travels from the task to the client through Flink's serializers
        heldByHold = heldByHold == null ? new TreeMap<>() : new TreeMap<>(heldByHold);
    }

    /** A retention result without a count per hold (dry run, roll-forward). */
    public PartitionResult(
            Dataset dataset,
            String partition,
            Outcome outcome,
            int filesBefore,
            long bytesBefore,
            int filesAfter,
            long bytesAfter,
            long rows,
            int staleRemoved,
            long millis,
            long deleted,
            long held) {
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
                deleted,
                held,
                Map.of());
    }

    /** What a rewrite did with a partition, or (dry run) would do. */
    public enum Outcome {
        /** Merged into sorted, verified files. */
        COMPACTED,
        /** An earlier attempt's committed swap or deletion was finished. */
        ROLLED_FORWARD,
        /** Only stale in-progress files were removed. */
        CLEANED,
        /** An earlier attempt of the same run had already finished the swap or deletion. */
        ALREADY_DONE,
        /** Past retention: summarised, archived if asked, deleted (held rows rewritten). */
        DELETED,
        /** Past retention, but nothing deletable: every row is held or not yet expired. */
        HELD,
        /**
         * One slice of a split partition staged by a task; not a partition's outcome (the client
         * publishes the partition once every slice is staged, as {@link #COMPACTED}).
         */
        SLICE_STAGED,
        /** Dry run: would be merged. */
        PLANNED,
        /** Dry run: would be deleted past retention. */
        PLANNED_DELETE;

        /** Whether this outcome is retention's (for the report's retention line). */
        public boolean retention() {
            return this == DELETED || this == HELD || this == PLANNED_DELETE;
        }
    }

    /** A compaction result: nothing deleted. */
    public PartitionResult(
            Dataset dataset,
            String partition,
            Outcome outcome,
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
                0,
                Map.of());
    }

    /**
     * Whether retention produced this result: a deletion (done, planned or rolled forward) or a
     * partition past retention where everything is held.
     */
    public boolean retention() {
        return outcome.retention() || deleted > 0;
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
