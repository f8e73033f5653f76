package io.decisionledger.compaction;

import io.decisionledger.rewrite.PartitionResult;
import java.util.List;

/**
 * What a compaction run did (or, in a dry run, would do), summed over its partitions: the final
 * lines the job prints ({@link #summary()}) and what the demo, the benchmarks and the tests read.
 * Counts, sizes and partition paths only; no record values.
 */
public record CompactionReport(
        String runId,
        boolean dryRun,
        int partitions,
        int rolledForward,
        long filesBefore,
        long filesAfter,
        long bytesBefore,
        long bytesAfter,
        long rows,
        long staleRemoved,
        int retentionPartitions,
        long deletedRows,
        long heldRows,
        double seconds,
        List<PartitionResult> results,
        List<HoldCount> holds) {

    /**
     * The records past retention one legal hold kept in this run, named by the hold's id and scope
     * ("tenant", "user", "case"), never by what it holds.
     */
    public record HoldCount(String id, String scope, long kept) {}

    /** The holds that kept no record in this run (a mistyped id, or nothing of it expired yet). */
    public List<HoldCount> unmatchedHolds() {
        return holds.stream().filter(h -> h.kept() == 0).toList();
    }

    /** Sums {@code results}; {@code rolledForward} of them finished earlier runs' work. */
    public static CompactionReport of(
            String runId,
            boolean dryRun,
            List<PartitionResult> results,
            int rolledForward,
            double seconds,
            List<HoldCount> holds) {
        return new CompactionReport(
                runId,
                dryRun,
                results.size(),
                rolledForward,
                results.stream().mapToLong(PartitionResult::filesBefore).sum(),
                results.stream().mapToLong(PartitionResult::filesAfter).sum(),
                results.stream().mapToLong(PartitionResult::bytesBefore).sum(),
                results.stream().mapToLong(PartitionResult::bytesAfter).sum(),
                results.stream().mapToLong(PartitionResult::rows).sum(),
                results.stream().mapToLong(PartitionResult::staleRemoved).sum(),
                (int) results.stream().filter(PartitionResult::retention).count(),
                results.stream().mapToLong(PartitionResult::deleted).sum(),
                results.stream().mapToLong(PartitionResult::held).sum(),
                seconds,
                List.copyOf(results),
                List.copyOf(holds));
    }

    public String summary() {
        if (dryRun) {
            return String.format(
                    "DRY RUN %s: %,d partitions, %,d files (%.1f MB) would be merged,"
                            + " %,d stale in-progress files removed, %,d partitions past"
                            + " retention would be deleted",
                    runId,
                    partitions - retentionPartitions,
                    filesBefore,
                    bytesBefore / 1e6,
                    staleRemoved,
                    retentionPartitions);
        }
        return retentionLine()
                + String.format(
                        "DONE %s: %,d partitions (%d rolled forward), files %,d -> %,d, %.1f MB -> %.1f MB,"
                                + " %,d rows, %,d stale in-progress files removed, %.1f s (%.1f MB/s, %,.0f rows/s)",
                        runId,
                        partitions,
                        rolledForward,
                        filesBefore,
                        filesAfter,
                        bytesBefore / 1e6,
                        bytesAfter / 1e6,
                        rows,
                        staleRemoved,
                        seconds,
                        seconds > 0 ? bytesBefore / 1e6 / seconds : 0,
                        seconds > 0 ? rows / seconds : 0);
    }

    private String retentionLine() {
        StringBuilder lines = new StringBuilder();
        for (HoldCount h : holds) {
            lines.append(
                    h.kept() > 0
                            ? String.format(
                                    "HOLD %s (%s): %,d records past retention kept%n",
                                    h.id(), h.scope(), h.kept())
                            : String.format(
                                    "WARNING HOLD %s (%s): kept no record past retention%n",
                                    h.id(), h.scope()));
        }
        return lines
                + (retentionPartitions == 0
                        ? ""
                        : String.format(
                                "RETENTION %s: %,d partitions past retention, %,d rows deleted"
                                        + " (summarised in summaries/), %,d kept under legal hold or"
                                        + " not yet expired%n",
                                runId, retentionPartitions, deletedRows, heldRows));
    }
}
