package io.decisionledger.verify;

/**
 * What the verify job can find wrong with a lake. Each names one way the trail could have been
 * altered after ingest; the report lists every occurrence with tenant, chain, seq range and file.
 */
public enum ViolationKind {
    /** A record's fields no longer hash to its content_sha256: a value was changed. */
    CONTENT_MODIFIED,
    /** A record's chain hash does not recompute from its prev_hash and fields. */
    HASH_MISMATCH,
    /** A record's prev_hash is not the hash of the record before it: reordered or replaced. */
    BROKEN_LINK,
    /** Sequence numbers are missing: records or whole files were deleted. */
    SEQ_GAP,
    /** A sequence number appears more than once: a record was duplicated or inserted. */
    SEQ_REPEATED,
    /** The chain ends before the latest published head: its tail was deleted. */
    TRUNCATED,
    /** The chain goes on past the latest published head: records were appended after the fact. */
    BEYOND_HEAD,
    /** The record at the head's seq does not have the head's hash: the chain was rewritten. */
    HEAD_MISMATCH,
    /** Records whose chain has no published head: truncation cannot be ruled out. */
    NO_HEAD,
    /** A record without chain fields (written before the chain existed, or with it disabled). */
    UNCHAINED,
    /** The same event id is stored more than once for a tenant. */
    DUPLICATE_EVENT_ID,
    /** A record's record_layout is neither null (layout 2) nor 3: it cannot be verified. */
    UNKNOWN_LAYOUT,
    /**
     * A record's layout columns do not hang together: a layout-3 record without salt and without
     * erased columns, a salt kept after erasure, an erased column holding a value instead of its
     * erasure marker, an unreadable erased_columns_json. Its content hash is not recomputed.
     */
    LAYOUT_INVALID,
    /**
     * A record stored in another tenant's or another day's folder than its own tenant_id and event
     * time name: a file was moved, and readers that trust the partition folders would count it for
     * the wrong tenant or date.
     */
    MISPLACED_ROW,
    /**
     * With {@code --trusted-keys}: chain heads without a signature (one finding per chain, seq
     * range of its unsigned heads). Heads written before signing was configured are reported too:
     * nothing tells them from heads forged by whoever can write chain/heads/.
     */
    UNSIGNED_HEAD,
    /** With {@code --trusted-keys}: a retention summary or chain anchor without a signature. */
    UNSIGNED_SUMMARY,
    /**
     * With {@code --trusted-keys}: a head, summary or anchor whose signature does not verify, names
     * a key id that is not trusted, or another algorithm than its key's. A bad head is not used to
     * check its chain, and a bad anchor bridges no gap.
     */
    BAD_SIGNATURE,
    /** Derived mode: an audit record has no row in ops/ (the masked copy was deleted). */
    OPS_MISSING,
    /**
     * Derived mode: an ops row has no audit record of its tenant and event id, or an event has more
     * than one ops row (a row was added).
     */
    OPS_EXTRA,
    /**
     * Derived mode: an ops row differs from its audit record re-masked with the masking policy and
     * pseudonym key (a masked value was edited, or the row was masked with another policy or key).
     */
    OPS_MISMATCH,
    /**
     * Derived mode: a stored metrics row differs from the aggregate recomputed from the audit
     * records for its window.
     */
    METRICS_MISMATCH,
    /**
     * An audit file that cannot be read to its end: truncated, not Parquet, or a page that does not
     * decode. Its records (or those after the damage) are not verified; restore the file.
     */
    UNREADABLE_FILE,
    /**
     * {@code --incremental}: the newest verify state does not hold: its content does not hash to
     * its recorded sha256, it does not name the previous state's hash, its signature does not
     * verify, it is about another lake, or a chain position it recorded differs from the published
     * head at that seq. The run ignores it and verifies the whole lake.
     */
    STATE_TAMPERED,
    /**
     * {@code --incremental}: the newest verify state file holds an older run's state (copied over
     * it), or a verify state is missing from the run sequence. The run verifies the whole lake.
     */
    STATE_ROLLED_BACK,
    /**
     * {@code --incremental} with {@code --trusted-keys}: the verify state carries no signature, so
     * nothing tells it from one written by whoever can write its folder. The run verifies the whole
     * lake.
     */
    STATE_UNSIGNED
}
