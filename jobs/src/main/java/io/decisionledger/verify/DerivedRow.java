package io.decisionledger.verify;

/**
 * One row of a derived dataset as the derived verification compares it: the row re-derived from the
 * record of truth ({@code expected…}) and the row stored ({@code stored…}), joined by key. A Flink
 * POJO, merged per key by {@link #merge}; only digests travel, never values, so the comparison's
 * shuffle holds no personal data and the report can name columns but not contents.
 */
public class DerivedRow {
    /** The dataset: {@code ops} or {@code metrics}. */
    public String dataset;

    /** Tenant of the row. */
    public String tenantId;

    /** The join key within the tenant: event id (ops) or window (metrics). */
    public String key;

    /** How many re-derived rows have this key (1, or 0 when only a stored row has it). */
    public int expectedCount;

    /** SHA-256 of the re-derived row's Avro binary encoding, hex; null without one. */
    public String expectedDigest;

    /** 64-bit digests of the re-derived row's columns, in schema order; null without one. */
    public long[] expectedColumns;

    /** The file of the record of truth it was re-derived from. */
    public String expectedFile;

    /** Metrics: the re-derived row's revision (the highest wins a merge); 0 for ops. */
    public long expectedRevision;

    /** Metrics: the stored row's revision (the current row of a window is the highest). */
    public long storedRevision;

    public int storedCount;
    public String storedDigest;
    public long[] storedColumns;
    public String storedFile;

    public DerivedRow() {}

    /**
     * The two halves of one key together: counts add up; of each side the row with the highest
     * revision (metrics), or the first (ops).
     */
    static DerivedRow merge(DerivedRow a, DerivedRow b) {
        DerivedRow m = new DerivedRow();
        m.dataset = a.dataset;
        m.tenantId = a.tenantId;
        m.key = a.key;
        m.expectedCount = a.expectedCount + b.expectedCount;
        m.storedCount = a.storedCount + b.storedCount;
        boolean aExpected =
                a.expectedDigest != null
                        && (b.expectedDigest == null || a.expectedRevision >= b.expectedRevision);
        m.expectedDigest = aExpected ? a.expectedDigest : b.expectedDigest;
        m.expectedColumns = aExpected ? a.expectedColumns : b.expectedColumns;
        m.expectedFile = aExpected ? a.expectedFile : b.expectedFile;
        m.expectedRevision = aExpected ? a.expectedRevision : b.expectedRevision;
        boolean aStored =
                a.storedDigest != null
                        && (b.storedDigest == null || a.storedRevision >= b.storedRevision);
        m.storedRevision = aStored ? a.storedRevision : b.storedRevision;
        m.storedDigest = aStored ? a.storedDigest : b.storedDigest;
        m.storedColumns = aStored ? a.storedColumns : b.storedColumns;
        m.storedFile = aStored ? a.storedFile : b.storedFile;
        return m;
    }

    /** The key the two halves are joined by. */
    String joinKey() {
        return dataset + "/" + tenantId + "/" + key;
    }
}
