package io.decisionledger.chain;

/**
 * What the verify job keeps of one stored record: its chain position and links, whether its hashes
 * recompute, and where it was found. Small on purpose: the sort by chain and seq spills these, not
 * whole records, so verifying a large lake does not need it in memory.
 */
public class ChainEntry {
    public String tenantId;
    public int chainShard;

    /** -1 when the record carries no chain fields. */
    public long seq;

    public String prevHash;
    public String hash;
    public String eventId;

    /** The file the record was read from; null when {@link #fileIndex} names it instead. */
    public String file;

    /**
     * The file as a position in the list of files the verify job was given, or -1: a number instead
     * of a path of a hundred characters, carried through two sorts for every record.
     */
    public int fileIndex = -1;

    public boolean contentOk;
    public boolean hashOk;

    /** The layout the record was verified under: 2 or 3; 0 when its record_layout is unknown. */
    public int layout;

    /**
     * Why the record's layout columns do not hang together (unknown layout, missing salt, an erased
     * column holding a value …), naming columns only; null when they do.
     */
    public String layoutProblem;

    /** The erasure request that erased columns of this record; null unless erased. */
    public String erasureRequestId;

    /**
     * Where the record is stored against where its own tenant_id and event time put it ({@code
     * tenant_id=T/event_date=D} folders), when the two differ; null when it is in its folder.
     */
    public String misplaced;

    public ChainEntry() {}

    /** True when the record's record_layout is not a known layout. */
    public boolean unknownLayout() {
        return layout == 0 && layoutProblem != null;
    }

    public String chainKey() {
        return ChainSharding.chainKey(tenantId, chainShard);
    }
}
