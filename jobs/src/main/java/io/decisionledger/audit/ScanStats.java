package io.decisionledger.audit;

import io.decisionledger.lake.ParquetScan;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How much of the lake a query touched: partition folders visited, files opened (footer read),
 * their row groups, the row groups actually fetched after statistics / dictionary / bloom-filter
 * pruning, rows decoded and rows matched, and the wall time. Returned with every result, so "the
 * lookup read 3 of 40 000 files" is visible rather than assumed. Not thread-safe: one per query.
 */
public final class ScanStats {
    private int partitions;
    private int files;
    private long rowGroups;
    private long rowGroupsRead;
    private long rowsDecoded;
    private long rowsMatched;
    private final long startedNanos = System.nanoTime();
    private long elapsedNanos = -1;

    void partition() {
        partitions++;
    }

    void file(ParquetScan.FileCost cost) {
        files++;
        rowGroups += cost.rowGroups();
        rowGroupsRead += cost.rowGroupsRead();
        rowsDecoded += cost.rowsDecoded();
        rowsMatched += cost.rowsMatched();
    }

    /** Stops the clock; later calls keep the first value. */
    ScanStats finish() {
        if (elapsedNanos < 0) {
            elapsedNanos = System.nanoTime() - startedNanos;
        }
        return this;
    }

    public int partitions() {
        return partitions;
    }

    public int files() {
        return files;
    }

    public long rowGroups() {
        return rowGroups;
    }

    public long rowGroupsRead() {
        return rowGroupsRead;
    }

    public long rowsDecoded() {
        return rowsDecoded;
    }

    public long rowsMatched() {
        return rowsMatched;
    }

    public double millis() {
        return (elapsedNanos < 0 ? System.nanoTime() - startedNanos : elapsedNanos) / 1e6;
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("partitions", partitions);
        m.put("files", files);
        m.put("row_groups", rowGroups);
        m.put("row_groups_read", rowGroupsRead);
        m.put("rows_decoded", rowsDecoded);
        m.put("rows_matched", rowsMatched);
        m.put("millis", Math.round(millis() * 10) / 10.0);
        return m;
    }

    /** {@code 2 partitions, 5 files, 3 of 5 row groups read, 412 rows decoded, 18.2 ms}. */
    public String summary() {
        return String.format(
                "%d partition%s, %d file%s, %d of %d row groups read, %,d rows decoded, %.1f ms",
                partitions,
                partitions == 1 ? "" : "s",
                files,
                files == 1 ? "" : "s",
                rowGroupsRead,
                rowGroups,
                rowsDecoded,
                millis());
    }
}
