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
    public String file;
    public boolean contentOk;
    public boolean hashOk;

    public ChainEntry() {}

    public String chainKey() {
        return ChainSharding.chainKey(tenantId, chainShard);
    }
}
