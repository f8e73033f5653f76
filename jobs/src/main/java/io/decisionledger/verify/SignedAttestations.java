package io.decisionledger.verify;

import io.decisionledger.chain.ChainSharding;
import io.decisionledger.chain.TrustedKeys;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.retention.RetentionAnchors;
import io.decisionledger.schema.ChainAnchor;
import io.decisionledger.schema.ChainHead;
import io.decisionledger.schema.RetentionSummary;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;

/**
 * What the verifier takes from the lake's attestations (published heads, retention anchors and
 * summaries) and what it finds wrong with their signatures. Without trusted keys every head and
 * anchor is taken as before. With the operator's {@link TrustedKeys}: a head, summary or anchor
 * whose signature is bad is reported ({@link ViolationKind#BAD_SIGNATURE}) and not used; unsigned
 * ones are reported ({@link ViolationKind#UNSIGNED_HEAD}, {@link ViolationKind#UNSIGNED_SUMMARY});
 * each chain is checked against its latest validly signed head, or, when it has none, against its
 * latest unsigned head (so truncation is still seen in a lake written before signing).
 */
final class SignedAttestations {

    /** The heads a verification uses, and the signature findings about all of them. */
    record Heads(
            Map<String, ChainHead> latest,
            List<Violation> violations,
            Map<String, ChainHead> atWanted) {}

    private SignedAttestations() {}

    static Heads heads(LakeLayout lake, String tenant, TrustedKeys keys) throws IOException {
        return heads(
                tenant == null
                        ? lake.chainHeads()
                        : new Path(lake.chainHeads(), "tenant_id=" + tenant),
                keys);
    }

    /**
     * The heads published under {@code dir} ({@code chain/heads/} or {@code
     * chain/quarantine_heads/}), checked against {@code keys} when given.
     */
    static Heads heads(Path dir, TrustedKeys keys) throws IOException {
        return heads(dir, keys, Map.of());
    }

    /**
     * As above, and the head (without a bad signature) published at exactly the seq {@code wanted}
     * names for its chain, where there is one: what a verify state's positions are checked against.
     */
    static Heads heads(Path dir, TrustedKeys keys, Map<String, Long> wanted) throws IOException {
        Map<String, ChainHead> atWanted = new HashMap<>();
        Map<String, ChainHead> signed = new HashMap<>();
        Map<String, ChainHead> unsigned = new HashMap<>();
        Map<String, long[]> unsignedRange = new TreeMap<>();
        List<Violation> found = new ArrayList<>();
        for (FileStatus f : LakeFiles.parquetFiles(dir)) {
            LakeFiles.forEachRecord(
                    f,
                    ChainHead.class,
                    h -> {
                        String chain = ChainSharding.chainKey(h.getTenantId(), h.getChainShard());
                        TrustedKeys.Verdict v =
                                keys == null
                                        ? new TrustedKeys.Verdict(TrustedKeys.Status.VALID, "")
                                        : keys.check(h);
                        Long want = wanted.get(chain);
                        if (want != null
                                && want.longValue() == h.getChainSeq()
                                && v.status() != TrustedKeys.Status.BAD) {
                            atWanted.put(chain, h);
                        }
                        switch (v.status()) {
                            case VALID -> signed.merge(chain, h, SignedAttestations::later);
                            case UNSIGNED -> {
                                unsigned.merge(chain, h, SignedAttestations::later);
                                unsignedRange.merge(
                                        chain,
                                        new long[] {h.getChainSeq(), h.getChainSeq(), 1},
                                        (a, b) ->
                                                new long[] {
                                                    Math.min(a[0], b[0]),
                                                    Math.max(a[1], b[1]),
                                                    a[2] + b[2]
                                                });
                            }
                            case BAD ->
                                    found.add(
                                            Violation.of(
                                                    ViolationKind.BAD_SIGNATURE,
                                                    h.getTenantId(),
                                                    h.getChainShard(),
                                                    h.getChainSeq(),
                                                    h.getChainSeq(),
                                                    f.getPath().toString(),
                                                    "chain head: " + v.detail()));
                        }
                    });
        }
        for (Map.Entry<String, long[]> u : unsignedRange.entrySet()) {
            ChainHead any = unsigned.get(u.getKey());
            long[] r = u.getValue();
            found.add(
                    Violation.of(
                            ViolationKind.UNSIGNED_HEAD,
                            any.getTenantId(),
                            any.getChainShard(),
                            r[0],
                            r[1],
                            null,
                            r[2]
                                    + " published head(s) without a signature"
                                    + (signed.containsKey(u.getKey())
                                            ? ""
                                            : "; the chain has no validly signed head, so it is"
                                                    + " checked against its latest unsigned one")));
        }
        Map<String, ChainHead> latest = new HashMap<>(unsigned);
        latest.putAll(signed);
        return new Heads(latest, found, atWanted);
    }

    /** The anchors a verification may bridge gaps with: without a bad signature. */
    static RetentionAnchors anchors(
            LakeLayout lake, String tenant, TrustedKeys keys, List<Violation> found)
            throws IOException {
        return keys == null
                ? RetentionAnchors.load(lake, tenant)
                : RetentionAnchors.load(lake, tenant, trusted(keys, found));
    }

    /** The quarantine chains' anchors a verification may bridge gaps with. */
    static RetentionAnchors quarantineAnchors(
            LakeLayout lake, TrustedKeys keys, List<Violation> found) throws IOException {
        return keys == null
                ? RetentionAnchors.loadQuarantine(lake)
                : RetentionAnchors.loadQuarantine(lake, trusted(keys, found));
    }

    /**
     * Keeps the anchors whose signature verifies, and the unsigned ones (a retention run before
     * signing): the gap an unsigned anchor covers is reported as UNSIGNED_SUMMARY instead of
     * passing silently; a bad one bridges nothing.
     */
    private static java.util.function.BiPredicate<FileStatus, ChainAnchor> trusted(
            TrustedKeys keys, List<Violation> found) {
        return (file, a) -> {
            TrustedKeys.Verdict v = keys.check(a);
            if (v.status() == TrustedKeys.Status.VALID) {
                return true;
            }
            found.add(
                    Violation.of(
                            v.status() == TrustedKeys.Status.UNSIGNED
                                    ? ViolationKind.UNSIGNED_SUMMARY
                                    : ViolationKind.BAD_SIGNATURE,
                            a.getTenantId(),
                            a.getChainShard(),
                            a.getFromSeq(),
                            a.getToSeq(),
                            file.getPath().toString(),
                            "retention chain anchor: " + v.detail()));
            return v.status() == TrustedKeys.Status.UNSIGNED;
        };
    }

    /** Signature findings about the retention summaries (read only with trusted keys). */
    static List<Violation> summaries(LakeLayout lake, String tenant, TrustedKeys keys)
            throws IOException {
        List<Violation> found = new ArrayList<>();
        if (keys == null) {
            return found;
        }
        Path dir = lake.resolve(LakeLayout.RETENTION_SUMMARIES);
        if (tenant != null) {
            dir = new Path(dir, "tenant_id=" + tenant);
        }
        for (FileStatus f : LakeFiles.parquetFiles(dir)) {
            LakeFiles.forEachRecord(
                    f,
                    RetentionSummary.class,
                    s -> {
                        TrustedKeys.Verdict v = keys.check(s);
                        if (v.status() != TrustedKeys.Status.VALID) {
                            long from = s.getFirstChainSeq() == null ? 0 : s.getFirstChainSeq();
                            long to = s.getLastChainSeq() == null ? 0 : s.getLastChainSeq();
                            found.add(
                                    Violation.of(
                                            v.status() == TrustedKeys.Status.UNSIGNED
                                                    ? ViolationKind.UNSIGNED_SUMMARY
                                                    : ViolationKind.BAD_SIGNATURE,
                                            s.getTenantId(),
                                            s.getChainShard() == null ? 0 : s.getChainShard(),
                                            from,
                                            to,
                                            f.getPath().toString(),
                                            "retention summary: " + v.detail()));
                        }
                    });
        }
        return found;
    }

    private static ChainHead later(ChainHead a, ChainHead b) {
        return a.getChainSeq() >= b.getChainSeq() ? a : b;
    }
}
