package io.decisionledger.audit;

import io.decisionledger.lake.ParquetScan;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How much of the lake a query touched: partition folders visited, files considered (footer read,
 * or taken from the JVM's footer cache when its bloom filters rule the file out), their row groups,
 * the row groups scanned after statistics / dictionary / bloom-filter pruning (filter columns
 * only), those read in full because they hold a match, rows decoded and matched, and the wall time.
 * Returned with every result, so "the lookup read 3 of 40 000 files" is visible rather than
 * assumed. Not thread-safe: one per query.
 */
public final class ScanStats {
    private int partitions;
    private int files;
    private long rowGroups;
    private long rowGroupsScanned;
    private long rowGroupsRead;
    private long rowsDecoded;
    private long rowsMatched;
    private long rowsOfAnotherTenant;
    private final long startedNanos = System.nanoTime();
    private long elapsedNanos = -1;

    void partition() {
        partitions++;
    }

    void file(ParquetScan.FileCost cost) {
        files++;
        rowGroups += cost.rowGroups();
        rowGroupsScanned += cost.rowGroupsScanned();
        rowGroupsRead += cost.rowGroupsRead();
        rowsDecoded += cost.rowsDecoded();
        rowsMatched += cost.rowsMatched();
    }

    void rowsOfAnotherTenant(long rows) {
        rowsOfAnotherTenant += rows;
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

    /** Row groups left after footer-level pruning, whose filter columns were decoded. */
    public long rowGroupsScanned() {
        return rowGroupsScanned;
    }

    /** Row groups that held a match and were decoded in full. */
    public long rowGroupsRead() {
        return rowGroupsRead;
    }

    public long rowsDecoded() {
        return rowsDecoded;
    }

    public long rowsMatched() {
        return rowsMatched;
    }

    /**
     * Matching rows skipped because their own tenant_id is not the tenant asked for (they sit in
     * its folder by mistake or by tampering); never returned.
     */
    public long rowsOfAnotherTenant() {
        return rowsOfAnotherTenant;
    }

    public double millis() {
        return (elapsedNanos < 0 ? System.nanoTime() - startedNanos : elapsedNanos) / 1e6;
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("partitions", partitions);
        m.put("files", files);
        m.put("row_groups", rowGroups);
        m.put("row_groups_scanned", rowGroupsScanned);
        m.put("row_groups_read", rowGroupsRead);
        m.put("rows_decoded", rowsDecoded);
        m.put("rows_matched", rowsMatched);
        m.put("rows_of_another_tenant", rowsOfAnotherTenant);
        m.put("millis", Math.round(millis() * 10) / 10.0);
        return m;
    }

    /**
     * {@code 2 partitions, 5 files (footers), 3 of 5 row groups scanned, 1 read in full (412 rows),
     * 18.2 ms}.
     */
    public String summary() {
        return String.format(
                        "%d partition%s, %d file%s (footers), %d of %d row groups scanned, %d read in full"
                                + " (%,d rows), %.1f ms",
                        partitions,
                        partitions == 1 ? "" : "s",
                        files,
                        files == 1 ? "" : "s",
                        rowGroupsScanned,
                        rowGroups,
                        rowGroupsRead,
                        rowsDecoded,
                        millis())
                + (rowsOfAnotherTenant == 0
                        ? ""
                        : String.format(
                                "; %,d row%s of another tenant skipped (misfiled: see the log)",
                                rowsOfAnotherTenant, rowsOfAnotherTenant == 1 ? "" : "s"));
    }
}
