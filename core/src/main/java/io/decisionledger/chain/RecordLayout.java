package io.decisionledger.chain;

/**
 * The hash layouts a stored decision can have been written under (schemas/CANONICAL.md), told apart
 * by its {@code record_layout} column. Layout 2 ({@code record_layout} null, every record written
 * before layout 3 existed): content {@code DLC2}, chain {@code DLR1}, the model-card link columns
 * outside every hash. Layout 3: content {@code DLC3} (personal columns committed to under a
 * per-record salt, so a commitment kept after erasure reveals nothing), chain {@code DLR3} (which
 * also covers the model-card link). {@link RecordVerifier} recomputes a record under its layout;
 * ingest, the verify job, chain proofs and evidence bundles all go through it.
 */
public enum RecordLayout {
    LAYOUT_2(null, "layout 2 (DLC2/DLR1)", "model-card link columns not covered by the hash"),
    LAYOUT_3(3, "layout 3 (DLC3/DLR3)", "content, chain link and model-card link verified");

    private final Integer columnValue;
    private final String label;
    private final String coverage;

    RecordLayout(Integer columnValue, String label, String coverage) {
        this.columnValue = columnValue;
        this.label = label;
        this.coverage = coverage;
    }

    /** The layout of a record whose {@code record_layout} is {@code value}; null when unknown. */
    public static RecordLayout of(Integer value) {
        if (value == null) {
            return LAYOUT_2;
        }
        return value == 3 ? LAYOUT_3 : null;
    }

    /** What the {@code record_layout} column holds for this layout. */
    public Integer columnValue() {
        return columnValue;
    }

    /** The layout number: 2 or 3. */
    public int number() {
        return this == LAYOUT_2 ? 2 : 3;
    }

    /** E.g. "layout 3 (DLC3/DLR3)". */
    public String label() {
        return label;
    }

    /** What a verification under this layout covers, in words for evidence pages. */
    public String coverage() {
        return coverage;
    }

    /** E.g. "layout 3 (DLC3/DLR3): content, chain link and model-card link verified". */
    public String describe() {
        return label + ": " + coverage;
    }
}
