package io.decisionledger.verify;

import io.decisionledger.chain.ChainEntry;
import io.decisionledger.chain.ChainHasher;
import io.decisionledger.chain.Hex64;
import io.decisionledger.retention.RetentionAnchors;
import io.decisionledger.schema.ChainHead;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * Walks each chain in sequence order and reports what breaks it: gaps, repeats, broken links,
 * records whose hashes do not recompute, and disagreement with the chain's latest published head.
 * Its input is sorted by chain, then seq (the verify job sorts with Flink's external batch sort),
 * so it holds one chain position at a time, never a chain. It checks that order as it goes: a seq
 * lower than the one before in the same chain, or a chain that comes back after another one, can
 * only come from a broken sort, not from the lake, so it fails the job rather than report gaps and
 * repeats that are not there. After the last record of each chain it emits the chain's {@link
 * ChainStats} on the {@link #CHAIN_STATS} side output, so the job can tell which published heads
 * have no records left at all and how many deleted positions retention anchors bridged.
 */
public final class ChainChecker extends AbstractStreamOperator<Violation>
        implements OneInputStreamOperator<ChainEntry, Violation>, BoundedOneInput {
    private static final long serialVersionUID = 1L;

    /** One {@link ChainStats} per chain that has records, after its last one. */
    public static final OutputTag<ChainStats> CHAIN_STATS =
            new OutputTag<>("chain-stats", TypeInformation.of(ChainStats.class));

    private final Map<String, ChainHead> latestHeads;
    private final RetentionAnchors anchors;
    private final String dataset;
    private final Map<String, VerifyState.Chain> starts;
    private String[] files = new String[0];

    private transient String chain;
    private transient String tenant;
    private transient int shard;
    private transient long lastSeq;

    /** The hash of the position before, in {@link ChainEntry#setHashes}' form. */
    private transient byte[] lastHashBytes;

    private transient String lastHashRaw;
    private transient String lastFile;
    private transient long bridged;

    /** The seq of the entry before, as sorted (not moved by repeats): the order guard's. */
    private transient long inputSeq;

    /** The chains already walked: none may come back. */
    private transient Set<String> walked;

    /** Entries with a seq out of the sort key's range, held until their run ends. */
    private transient java.util.List<ChainEntry> unplaced;

    public ChainChecker(Map<String, ChainHead> latestHeads) {
        this(latestHeads, RetentionAnchors.none());
    }

    /**
     * @param anchors runs of positions retention deleted: holes they cover exactly, with every hash
     *     linking, are not gaps
     */
    public ChainChecker(Map<String, ChainHead> latestHeads, RetentionAnchors anchors) {
        this(latestHeads, anchors, Violation.AUDIT);
    }

    /**
     * A checker of {@code dataset}'s chains ({@link Violation#AUDIT} or {@link
     * Violation#QUARANTINE}): its violations and stats are marked with it.
     */
    public ChainChecker(
            Map<String, ChainHead> latestHeads, RetentionAnchors anchors, String dataset) {
        this(latestHeads, anchors, dataset, Map.of());
    }

    /**
     * An incremental checker: a chain in {@code starts} was verified up to its seq and hash (the
     * verify state), so its records here must go on from there; a record at or before that seq is a
     * repeat, and the first one after it must link to its hash. Other chains start at seq 1.
     */
    public ChainChecker(
            Map<String, ChainHead> latestHeads,
            RetentionAnchors anchors,
            String dataset,
            Map<String, VerifyState.Chain> starts) {
        this.latestHeads = latestHeads;
        this.anchors = anchors;
        this.dataset = dataset;
        this.starts = Map.copyOf(starts);
    }

    /** The files entries name by {@link ChainEntry#fileIndex}, in the readers' order. */
    public ChainChecker namingFiles(String[] files) {
        this.files = files.clone();
        return this;
    }

    @Override
    public void processElement(StreamRecord<ChainEntry> element) {
        ChainEntry e = element.getValue();
        if (!ChainSortKey.placed(e.seq)) {
            if (unplaced == null) {
                unplaced = new java.util.ArrayList<>();
            }
            if (!unplaced.isEmpty() && !unplaced.get(0).chainKey().equals(e.chainKey())) {
                walkUnplaced();
            }
            unplaced.add(e);
            return;
        }
        walkUnplaced();
        check(e);
    }

    /**
     * Walks the entries held back because their seq is out of the sort key's range ({@link
     * ChainSortKey}): they arrive together at their chain's start or end, unsorted among
     * themselves, and go through the walk in seq order.
     */
    private void walkUnplaced() {
        if (unplaced == null || unplaced.isEmpty()) {
            return;
        }
        unplaced.sort(java.util.Comparator.comparingLong(x -> x.seq));
        for (ChainEntry x : unplaced) {
            check(x);
        }
        unplaced.clear();
    }

    private void check(ChainEntry e) {
        e.normalizeHashes();
        if (e.file == null && e.fileIndex >= 0) {
            e.file = files[e.fileIndex];
        }
        if (!e.chainKey().equals(chain)) {
            finishChain();
            if (walked == null) {
                walked = new HashSet<>();
            }
            if (!walked.add(e.chainKey())) {
                throw unsorted(e.chainKey(), "comes back after other chains at seq " + e.seq);
            }
            chain = e.chainKey();
            tenant = e.tenantId;
            shard = e.chainShard;
            VerifyState.Chain start = starts.get(chain);
            lastSeq = start == null ? 0 : start.seq();
            setLastHash(start == null ? ChainHasher.GENESIS : start.hash());
            bridged = 0;
        } else if (e.seq < inputSeq) {
            throw unsorted(chain, "goes back from seq " + inputSeq + " to " + e.seq);
        }
        inputSeq = e.seq;
        if (e.layoutProblem != null) {
            emit(
                    e.unknownLayout() ? ViolationKind.UNKNOWN_LAYOUT : ViolationKind.LAYOUT_INVALID,
                    e.seq,
                    e.seq,
                    e.file,
                    "event " + e.eventId + ": " + e.layoutProblem);
        } else if (!e.contentOk) {
            emit(
                    ViolationKind.CONTENT_MODIFIED,
                    e.seq,
                    e.seq,
                    e.file,
                    "event " + e.eventId + ": fields do not hash to content_sha256");
        }
        if (e.misplaced != null) {
            emit(
                    ViolationKind.MISPLACED_ROW,
                    e.seq,
                    e.seq,
                    e.file,
                    "event " + e.eventId + ": " + e.misplaced);
        }
        if (e.seq < 0) {
            emit(
                    ViolationKind.UNCHAINED,
                    -1,
                    -1,
                    e.file,
                    "event " + e.eventId + " has no chain fields");
            return;
        }
        // an unknown layout has no chain hash to recompute: reported once, as UNKNOWN_LAYOUT
        if (!e.hashOk && !e.unknownLayout()) {
            emit(
                    ViolationKind.HASH_MISMATCH,
                    e.seq,
                    e.seq,
                    e.file,
                    "hash does not recompute from prev_hash and the record");
        }
        if (e.seq <= lastSeq) {
            emit(
                    ViolationKind.SEQ_REPEATED,
                    e.seq,
                    e.seq,
                    e.file,
                    "seq " + e.seq + " appears again (event " + e.eventId + ")");
            return;
        }
        if (e.seq > lastSeq + 1) {
            checkHole(e);
        } else if (!e.samePrevHash(lastHashBytes, lastHashRaw)) {
            emit(
                    ViolationKind.BROKEN_LINK,
                    e.seq,
                    e.seq,
                    e.file,
                    "prev_hash is not the hash of seq "
                            + lastSeq
                            + (starts.containsKey(chain) && starts.get(chain).seq() == lastSeq
                                    ? " (the position the verify state recorded)"
                                    : ""));
        }
        ChainHead head = latestHeads.get(chain);
        if (head != null
                && e.seq == head.getChainSeq()
                && !java.util.Objects.equals(e.storedHash(), head.getHash())) {
            emit(
                    ViolationKind.HEAD_MISMATCH,
                    e.seq,
                    e.seq,
                    e.file,
                    "hash differs from the published head at this seq");
        }
        lastSeq = e.seq;
        lastHashBytes = e.hashBytes;
        lastHashRaw = e.hash;
        lastFile = e.file;
    }

    /** Positions before {@code e} are missing: deleted by retention (anchored), or a gap. */
    private void checkHole(ChainEntry e) {
        RetentionAnchors.Bridge b = anchors.bridge(chain, lastSeq, lastHash(), e.seq);
        bridged += b.bridged();
        if (b.brokenAt() != null) {
            emit(
                    ViolationKind.BROKEN_LINK,
                    b.brokenAt().fromSeq(),
                    b.brokenAt().toSeq(),
                    e.file,
                    "the retention anchor of seqs "
                            + b.brokenAt().fromSeq()
                            + ".."
                            + b.brokenAt().toSeq()
                            + " does not link to the hash before it");
        } else if (b.nextSeq() < e.seq) {
            emit(
                    ViolationKind.SEQ_GAP,
                    b.nextSeq(),
                    e.seq - 1,
                    e.file,
                    (e.seq - b.nextSeq())
                            + " record(s) missing before this file's seq "
                            + e.seq
                            + (b.bridged() > 0 ? " (not covered by retention summaries)" : ""));
        } else if (b.nextSeq() > e.seq) {
            emit(
                    ViolationKind.SEQ_REPEATED,
                    e.seq,
                    e.seq,
                    e.file,
                    "seq " + e.seq + " is recorded as deleted by retention but is still stored");
        } else if (!java.util.Objects.equals(e.storedPrevHash(), b.hash())) {
            emit(
                    ViolationKind.BROKEN_LINK,
                    e.seq,
                    e.seq,
                    e.file,
                    "prev_hash is not the last hash of the retention anchor before it");
        }
    }

    private void setLastHash(String stored) {
        lastHashBytes = Hex64.parse(stored);
        lastHashRaw = lastHashBytes == null ? stored : null;
    }

    /** The hash of the position before, as stored. */
    private String lastHash() {
        return lastHashBytes != null ? Hex64.format(lastHashBytes) : lastHashRaw;
    }

    @Override
    public void endInput() {
        walkUnplaced();
        finishChain();
    }

    private void finishChain() {
        if (chain == null) {
            return;
        }
        ChainHead head = latestHeads.get(chain);
        if (lastSeq > 0) {
            if (head == null) {
                emit(
                        ViolationKind.NO_HEAD,
                        1,
                        lastSeq,
                        null,
                        "no published head for this chain: truncation cannot be ruled out");
            } else if (lastSeq < head.getChainSeq()) {
                RetentionAnchors.Bridge b =
                        anchors.bridge(chain, lastSeq, lastHash(), head.getChainSeq() + 1);
                boolean anchoredTail =
                        b.brokenAt() == null
                                && b.nextSeq() == head.getChainSeq() + 1
                                && b.hash().equals(head.getHash());
                if (anchoredTail) {
                    bridged += b.bridged();
                } else {
                    emit(
                            ViolationKind.TRUNCATED,
                            lastSeq + 1,
                            head.getChainSeq(),
                            lastFile,
                            "chain ends at seq "
                                    + lastSeq
                                    + ", the latest head is at "
                                    + head.getChainSeq());
                }
            } else if (lastSeq > head.getChainSeq()) {
                emit(
                        ViolationKind.BEYOND_HEAD,
                        head.getChainSeq() + 1,
                        lastSeq,
                        lastFile,
                        "records after the latest published head (seq " + head.getChainSeq() + ")");
            }
        }
        output.collect(
                CHAIN_STATS,
                new StreamRecord<>(new ChainStats(tenant, shard, lastSeq, bridged, dataset)));
        chain = null;
    }

    /**
     * The input is not sorted by chain, then seq: walking it would report gaps and repeats the lake
     * does not have (and could hide real ones), so the verification fails instead of reporting.
     */
    private static IllegalStateException unsorted(String chainKey, String what) {
        return new IllegalStateException(
                "the chain checker's input is not sorted by chain and seq: chain "
                        + chainKey
                        + " "
                        + what
                        + "; the sort before the checker is broken, no report is made");
    }

    private void emit(ViolationKind kind, long from, long to, String file, String detail) {
        output.collect(
                new StreamRecord<>(
                        Violation.of(kind, tenant, shard, from, to, file, detail).in(dataset)));
    }
}
