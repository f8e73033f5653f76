package io.decisionledger.retention;

import io.decisionledger.chain.ChainSharding;
import io.decisionledger.chain.QuarantineChainHasher;
import io.decisionledger.schema.ChainAnchor;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.QuarantineRecord;
import io.decisionledger.schema.RetentionSummary;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What stays of deleted decisions: per model version and chain shard a {@link RetentionSummary}
 * (counts, outcomes, mean confidence, first and last chain position with their hashes, a digest of
 * the deleted event ids), and per chain the runs of consecutive deleted positions as {@link
 * ChainAnchor}s, which let the verify job walk across the hole the deletion leaves.
 */
public final class RetentionSummaries {

    /** The context every summary of one deletion shares. */
    public record Context(
            String tenantId,
            String eventDate,
            long heldRecords,
            String retentionPeriod,
            String policyVersion,
            String runId,
            Instant deletedAt) {}

    private RetentionSummaries() {}

    /** One summary per (model, model version, chain shard) of {@code deleted}, in key order. */
    public static List<RetentionSummary> summaries(List<DecisionRecord> deleted, Context ctx) {
        Map<List<Object>, List<DecisionRecord>> groups =
                new TreeMap<>(
                        Comparator.comparing((List<Object> k) -> (String) k.get(0))
                                .thenComparing(k -> (String) k.get(1))
                                .thenComparing(
                                        k -> (Integer) k.get(2),
                                        Comparator.nullsFirst(Comparator.naturalOrder())));
        for (DecisionRecord r : deleted) {
            List<Object> key =
                    java.util.Arrays.asList(r.getModel(), r.getModelVersion(), r.getChainShard());
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
        }
        List<RetentionSummary> out = new ArrayList<>();
        for (List<DecisionRecord> group : groups.values()) {
            out.add(summary(group, ctx));
        }
        return out;
    }

    private static RetentionSummary summary(List<DecisionRecord> group, Context ctx) {
        DecisionRecord any = group.get(0);
        long approved = 0;
        long denied = 0;
        long withConfidence = 0;
        double confidence = 0;
        Instant first = any.getEventTime();
        Instant last = any.getEventTime();
        DecisionRecord firstChained = null;
        DecisionRecord lastChained = null;
        List<String> ids = new ArrayList<>(group.size());
        for (DecisionRecord r : group) {
            Boolean outcome = r.getDecisionApproved();
            if (outcome != null) {
                if (outcome) {
                    approved++;
                } else {
                    denied++;
                }
            }
            if (r.getDecisionConfidence() != null) {
                withConfidence++;
                confidence += r.getDecisionConfidence();
            }
            first = r.getEventTime().isBefore(first) ? r.getEventTime() : first;
            last = r.getEventTime().isAfter(last) ? r.getEventTime() : last;
            if (r.getChainSeq() != null) {
                if (firstChained == null || r.getChainSeq() < firstChained.getChainSeq()) {
                    firstChained = r;
                }
                if (lastChained == null || r.getChainSeq() > lastChained.getChainSeq()) {
                    lastChained = r;
                }
            }
            ids.add(r.getEventId());
        }
        return RetentionSummary.newBuilder()
                .setTenantId(ctx.tenantId())
                .setEventDate(ctx.eventDate())
                .setModel(any.getModel())
                .setModelVersion(any.getModelVersion())
                .setChainShard(any.getChainShard())
                .setRecords(group.size())
                .setApproved(approved)
                .setDenied(denied)
                .setUndecided(group.size() - approved - denied)
                .setMeanConfidence(withConfidence == 0 ? null : confidence / withConfidence)
                .setFirstEventTime(first)
                .setLastEventTime(last)
                .setFirstChainSeq(firstChained == null ? null : firstChained.getChainSeq())
                .setFirstHash(firstChained == null ? null : firstChained.getHash())
                .setLastChainSeq(lastChained == null ? null : lastChained.getChainSeq())
                .setLastHash(lastChained == null ? null : lastChained.getHash())
                .setDeletedEventIdsSha256(idsDigest(ids))
                .setHeldRecords(ctx.heldRecords())
                .setRetentionPeriod(ctx.retentionPeriod())
                .setPolicyVersion(ctx.policyVersion())
                .setRunId(ctx.runId())
                .setDeletedAt(ctx.deletedAt())
                .build();
    }

    /**
     * SHA-256 over the ids sorted in Java (UTF-16) order, each followed by '\n'. Documented in the
     * schema so that anyone holding a list of ids can recompute it.
     */
    public static String idsDigest(List<String> eventIds) {
        List<String> sorted = new ArrayList<>(eventIds);
        sorted.sort(Comparator.naturalOrder());
        MessageDigest sha = PolicyFiles.digest();
        for (String id : sorted) {
            sha.update(id.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) '\n');
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /**
     * The runs of consecutive chain positions among {@code deleted}, per chain shard, in shard then
     * seq order. Records without chain fields have no position and are left out.
     */
    public static List<ChainAnchor> anchors(List<DecisionRecord> deleted, Context ctx) {
        List<DecisionRecord> chained =
                deleted.stream()
                        .filter(r -> r.getChainSeq() != null && r.getChainShard() != null)
                        .sorted(
                                Comparator.comparing(DecisionRecord::getChainShard)
                                        .thenComparing(DecisionRecord::getChainSeq))
                        .toList();
        List<ChainAnchor> out = new ArrayList<>();
        DecisionRecord start = null;
        DecisionRecord end = null;
        for (DecisionRecord r : chained) {
            if (start != null
                    && Objects.equals(r.getChainShard(), end.getChainShard())
                    && r.getChainSeq() == end.getChainSeq() + 1) {
                end = r;
                continue;
            }
            if (start != null) {
                out.add(anchor(start, end, ctx));
            }
            start = r;
            end = r;
        }
        if (start != null) {
            out.add(anchor(start, end, ctx));
        }
        return out;
    }

    /**
     * The runs of consecutive quarantine chain positions among {@code deleted}, per quarantine
     * chain (tenant_id = the chain's tenant part, {@code _none} for input without a valid tenant),
     * in chain then seq order; event_date holds the ingest date of the partition. Records without
     * chain fields are left out.
     */
    public static List<ChainAnchor> quarantineAnchors(
            List<QuarantineRecord> deleted, String ingestDate, String runId, Instant deletedAt) {
        List<QuarantineRecord> chained =
                deleted.stream()
                        .filter(
                                q ->
                                        q.getChainSeq() != null
                                                && q.getChainShard() != null
                                                && q.getHash() != null
                                                && q.getPrevHash() != null)
                        .sorted(
                                Comparator.comparing(
                                                (QuarantineRecord q) ->
                                                        QuarantineChainHasher.chainTenant(
                                                                q.getTenantId()))
                                        .thenComparing(QuarantineRecord::getChainShard)
                                        .thenComparing(QuarantineRecord::getChainSeq))
                        .toList();
        List<ChainAnchor> out = new ArrayList<>();
        QuarantineRecord start = null;
        QuarantineRecord end = null;
        for (QuarantineRecord q : chained) {
            if (start != null
                    && chainOf(q).equals(chainOf(end))
                    && q.getChainSeq() == end.getChainSeq() + 1) {
                end = q;
                continue;
            }
            if (start != null) {
                out.add(quarantineAnchor(start, end, ingestDate, runId, deletedAt));
            }
            start = q;
            end = q;
        }
        if (start != null) {
            out.add(quarantineAnchor(start, end, ingestDate, runId, deletedAt));
        }
        return out;
    }

    private static String chainOf(QuarantineRecord q) {
        return ChainSharding.chainKey(
                QuarantineChainHasher.chainTenant(q.getTenantId()), q.getChainShard());
    }

    private static ChainAnchor quarantineAnchor(
            QuarantineRecord from,
            QuarantineRecord to,
            String ingestDate,
            String runId,
            Instant deletedAt) {
        return ChainAnchor.newBuilder()
                .setTenantId(QuarantineChainHasher.chainTenant(from.getTenantId()))
                .setChainShard(from.getChainShard())
                .setEventDate(ingestDate)
                .setFromSeq(from.getChainSeq())
                .setToSeq(to.getChainSeq())
                .setFromPrevHash(from.getPrevHash())
                .setToHash(to.getHash())
                .setRunId(runId)
                .setDeletedAt(deletedAt)
                .build();
    }

    private static ChainAnchor anchor(DecisionRecord from, DecisionRecord to, Context ctx) {
        return ChainAnchor.newBuilder()
                .setTenantId(ctx.tenantId())
                .setChainShard(from.getChainShard())
                .setEventDate(ctx.eventDate())
                .setFromSeq(from.getChainSeq())
                .setToSeq(to.getChainSeq())
                .setFromPrevHash(from.getPrevHash())
                .setToHash(to.getHash())
                .setRunId(ctx.runId())
                .setDeletedAt(ctx.deletedAt())
                .build();
    }
}
