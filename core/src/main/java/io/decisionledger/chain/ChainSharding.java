package io.decisionledger.chain;

import java.io.Serializable;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * How many hash chains each tenant has. One chain per tenant (the default) is one sequential
 * operator key: fine for most tenants, a bottleneck for a very hot one. A sharded tenant gets
 * {@code n} independent chains, and an event goes to shard {@code eventId.hashCode() mod n} (Java's
 * String hash is specified, so any verifier can recompute it). Changing a tenant's shard count
 * starts new chains only for new shard numbers; existing chains continue.
 */
public final class ChainSharding implements Serializable {
    private static final long serialVersionUID = 1L;

    private final Map<String, Integer> shardsPerTenant;

    private ChainSharding(Map<String, Integer> shardsPerTenant) {
        this.shardsPerTenant = shardsPerTenant;
    }

    public static ChainSharding none() {
        return new ChainSharding(Collections.emptyMap());
    }

    /** Parses {@code tenantA=4,tenantB=2}; tenants not named have one chain. */
    public static ChainSharding parse(String spec) {
        Map<String, Integer> shards = new TreeMap<>();
        if (spec != null && !spec.isBlank()) {
            for (String entry : spec.split(",")) {
                String[] kv = entry.strip().split("=");
                if (kv.length != 2) {
                    throw new IllegalArgumentException(
                            "chain shards must look like tenantA=4,tenantB=2");
                }
                int n;
                try {
                    n = Integer.parseInt(kv[1].strip());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("chain shard count must be an integer");
                }
                if (n < 1 || n > 1024) {
                    throw new IllegalArgumentException(
                            "chain shard count must be within [1, 1024]");
                }
                shards.put(kv[0].strip(), n);
            }
        }
        return new ChainSharding(Collections.unmodifiableMap(shards));
    }

    public int shardsOf(String tenantId) {
        return shardsPerTenant.getOrDefault(tenantId, 1);
    }

    public int shardOf(String tenantId, String eventId) {
        return Math.floorMod(eventId.hashCode(), shardsOf(tenantId));
    }

    /** The operator key of a chain: tenant ids cannot contain '/', so this is unambiguous. */
    public static String chainKey(String tenantId, int shard) {
        return tenantId + "/" + shard;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        shardsPerTenant.forEach(
                (t, n) -> s.append(s.length() == 0 ? "" : ",").append(t).append('=').append(n));
        return s.toString();
    }
}
