package io.decisionledger.retention;

import io.decisionledger.chain.ChainSharding;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.schema.ChainAnchor;
import java.io.IOException;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;

/**
 * The chain positions retention deleted, per chain, as the compaction job recorded them in {@code
 * <lake>/summaries/chain_anchors/} before deleting: runs of consecutive seqs with the prev_hash of
 * their first record and the hash of their last. A verifier walks a chain across a hole only where
 * anchors cover it exactly and every hash links, so a chain that starts after a retention cut (or
 * has held records standing alone in a deleted stretch) verifies, while a record deleted without a
 * summary is still a gap.
 */
public final class RetentionAnchors implements Serializable {
    private static final long serialVersionUID = 1L;

    /** One run of deleted positions. */
    public record Run(long fromSeq, long toSeq, String fromPrevHash, String toHash)
            implements Serializable {}

    /** How far a walk across deleted positions got. */
    public record Bridge(long nextSeq, String hash, long bridged, Run brokenAt) {}

    private final Map<String, TreeMap<Long, Run>> runs;

    private RetentionAnchors(Map<String, TreeMap<Long, Run>> runs) {
        this.runs = runs;
    }

    public static RetentionAnchors none() {
        return new RetentionAnchors(new HashMap<>());
    }

    /** Every anchor under the lake (one tenant's when {@code tenant} is not null). */
    public static RetentionAnchors load(LakeLayout lake, String tenant) throws IOException {
        return load(lake, tenant, (file, anchor) -> true);
    }

    /**
     * The anchors under the lake that {@code accept} keeps (it sees each anchor with its file): a
     * verifier leaves out anchors whose signature it does not trust, so they bridge no gap.
     */
    public static RetentionAnchors load(
            LakeLayout lake,
            String tenant,
            java.util.function.BiPredicate<FileStatus, ChainAnchor> accept)
            throws IOException {
        Path dir = lake.resolve(LakeLayout.CHAIN_ANCHORS);
        if (tenant != null) {
            dir = new Path(dir, "tenant_id=" + tenant);
        }
        return loadFrom(dir, accept);
    }

    /**
     * Every anchor of the quarantine chains ({@code summaries/quarantine_anchors/}): their
     * tenant_id is the quarantine chain's tenant part.
     */
    public static RetentionAnchors loadQuarantine(LakeLayout lake) throws IOException {
        return loadQuarantine(lake, (file, anchor) -> true);
    }

    /** The quarantine chains' anchors that {@code accept} keeps (see {@link #load}). */
    public static RetentionAnchors loadQuarantine(
            LakeLayout lake, java.util.function.BiPredicate<FileStatus, ChainAnchor> accept)
            throws IOException {
        return loadFrom(lake.resolve(LakeLayout.QUARANTINE_ANCHORS), accept);
    }

    private static RetentionAnchors loadFrom(
            Path dir, java.util.function.BiPredicate<FileStatus, ChainAnchor> accept)
            throws IOException {
        Map<String, TreeMap<Long, Run>> runs = new HashMap<>();
        for (FileStatus f : LakeFiles.parquetFiles(dir)) {
            LakeFiles.forEachRecord(
                    f,
                    ChainAnchor.class,
                    a -> {
                        if (!accept.test(f, a)) {
                            return;
                        }
                        runs.computeIfAbsent(
                                        ChainSharding.chainKey(a.getTenantId(), a.getChainShard()),
                                        k -> new TreeMap<>())
                                .put(
                                        a.getFromSeq(),
                                        new Run(
                                                a.getFromSeq(),
                                                a.getToSeq(),
                                                a.getFromPrevHash(),
                                                a.getToHash()));
                    });
        }
        return new RetentionAnchors(runs);
    }

    /** Anchors of one chain, for tests and tools. */
    public static RetentionAnchors of(String chainKey, java.util.List<Run> runs) {
        TreeMap<Long, Run> chain = new TreeMap<>();
        runs.forEach(r -> chain.put(r.fromSeq(), r));
        Map<String, TreeMap<Long, Run>> all = new HashMap<>();
        all.put(chainKey, chain);
        return new RetentionAnchors(all);
    }

    public boolean isEmpty() {
        return runs.isEmpty();
    }

    public long runs() {
        return runs.values().stream().mapToLong(TreeMap::size).sum();
    }

    /**
     * Walks chain {@code chainKey} from the position after {@code lastSeq} (whose hash is {@code
     * lastHash}) over consecutive anchored runs, as long as each run starts where the walk is and
     * links to it, stopping before {@code untilSeq}. The result says where the walk stopped (equal
     * to {@code untilSeq} when the hole is fully bridged), the hash there, and the run that did not
     * link, if that is why it stopped.
     */
    public Bridge bridge(String chainKey, long lastSeq, String lastHash, long untilSeq) {
        TreeMap<Long, Run> chain = runs.get(chainKey);
        long next = lastSeq + 1;
        String hash = lastHash;
        long bridged = 0;
        while (chain != null && next < untilSeq) {
            Run run = chain.get(next);
            if (run == null) {
                break;
            }
            if (!run.fromPrevHash().equals(hash)) {
                return new Bridge(next, hash, bridged, run);
            }
            bridged += run.toSeq() - run.fromSeq() + 1;
            hash = run.toHash();
            next = run.toSeq() + 1;
        }
        return new Bridge(next, hash, bridged, null);
    }
}
