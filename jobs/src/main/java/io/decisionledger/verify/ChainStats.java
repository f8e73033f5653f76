package io.decisionledger.verify;

import io.decisionledger.chain.ChainSharding;

/**
 * What the chain checker saw of one chain, emitted once after its last record on a side output
 * ({@link ChainChecker#CHAIN_STATS}): that the chain has records at all (so the verify job can tell
 * which published heads have none left), where it ends, and how many deleted positions retention
 * anchors bridged in it.
 *
 * @param tenantId the chain's tenant
 * @param chainShard the chain's shard
 * @param lastSeq the last chain position stored (0 when no record carries chain fields)
 * @param bridged deleted positions covered by retention anchors, each hash linking
 * @param dataset {@link Violation#AUDIT} or {@link Violation#QUARANTINE}: which chains
 */
public record ChainStats(
        String tenantId, int chainShard, long lastSeq, long bridged, String dataset) {

    /** Stats of a decision chain. */
    public ChainStats(String tenantId, int chainShard, long lastSeq, long bridged) {
        this(tenantId, chainShard, lastSeq, bridged, Violation.AUDIT);
    }

    public String chainKey() {
        return ChainSharding.chainKey(tenantId, chainShard);
    }
}
