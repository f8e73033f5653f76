package io.decisionledger.chain;

import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.lake.ParquetScan;
import io.decisionledger.schema.ChainHead;
import io.decisionledger.schema.DecisionRecord;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificData;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.parquet.filter2.predicate.FilterApi;
import org.apache.parquet.filter2.predicate.FilterPredicate;

/**
 * Proof that one stored decision is an unaltered member of its tenant's hash chain, up to a
 * published chain head: the record's own link, the link of its predecessor (so {@code prev_hash} is
 * shown to be a real record's hash), and the witnesses of every following record up to the earliest
 * published head that covers it. A verifier recomputes the record's content hash and chain hash
 * from the record, then each following hash from its witness, and compares the last one with the
 * head (schemas/CANONICAL.md sections 2 and 3). Trust then rests on the head: compare it with the
 * protected copy of {@code chain/heads/}.
 *
 * @param head the earliest published head at or after the record's seq; null when none has been
 *     published yet (the proof is then incomplete)
 * @param headFile where the head was read from
 * @param previous the predecessor's witness; null for seq 1
 * @param following witnesses of seq + 1 .. head seq, in order
 */
public record ChainProof(
        String tenantId,
        int chainShard,
        long chainSeq,
        ChainLinkWitness previous,
        List<ChainLinkWitness> following,
        ChainHead head,
        String headFile) {

    /** One verification step and its outcome; details name seqs and hashes, never content. */
    public record Check(String name, boolean ok, String detail) {}

    private static final List<String> LINK_COLUMNS =
            List.of(
                    "chain_shard",
                    "chain_seq",
                    "prev_hash",
                    "hash",
                    "content_sha256",
                    "event_id_derived",
                    "source_topic",
                    "source_partition",
                    "source_offset",
                    "ingest_time",
                    "record_layout",
                    "model_card_id",
                    "model_card_sha256",
                    "model_card_status");

    /**
     * Collects the proof for {@code record} from the lake: the covering head from {@code
     * chain/heads/} (head-date folders from the record's ingest date on), then the links of seqs
     * {@code seq-1 .. head seq} from the tenant's audit files, nearest event dates first, with the
     * chain range pushed down so files of other checkpoints are skipped by their statistics.
     */
    public static ChainProof gather(LakeLayout lake, DecisionRecord record) throws IOException {
        if (record.getChainSeq() == null || record.getHash() == null) {
            throw new IllegalStateException(
                    "the record carries no chain fields (written with --hash-chain false)");
        }
        String tenant = record.getTenantId();
        int shard = record.getChainShard() == null ? 0 : record.getChainShard();
        long seq = record.getChainSeq();
        Found<ChainHead> head = coveringHead(lake, tenant, shard, seq, record.getIngestTime());
        long lo = Math.max(1, seq - 1);
        long hi = head == null ? seq : Math.max(seq, head.value().getChainSeq());
        TreeMap<Long, ChainLinkWitness> links = links(lake, record, shard, lo, hi);
        ChainLinkWitness previous = seq > 1 ? links.get(seq - 1) : null;
        List<ChainLinkWitness> following = new ArrayList<>(links.tailMap(seq, false).values());
        return new ChainProof(
                tenant,
                shard,
                seq,
                previous,
                following,
                head == null ? null : head.value(),
                head == null ? null : head.file());
    }

    /** Recomputes everything the proof claims, from {@code record} and the witnesses. */
    public List<Check> verify(DecisionRecord record) {
        List<Check> checks = new ArrayList<>();
        ChainHasher hasher = new ChainHasher();
        RecordVerifier verifier = new RecordVerifier();
        RecordVerifier.Result result = verifier.verifyContent(record);
        checks.add(layoutCheck(result));
        RecordLayout layout = result.layout();
        String contentMagic = layout == RecordLayout.LAYOUT_3 ? "DLC3" : "DLC2";
        checks.add(
                new Check(
                        "content hash",
                        result.contentOk(),
                        result.problem() != null
                                ? "not recomputed: " + result.problem()
                                : "SHA-256("
                                        + contentMagic
                                        + " ‖ 24 field commitments"
                                        + (result.erasure() == null
                                                ? ""
                                                : ", the kept ones for "
                                                        + String.join(
                                                                ", ", result.erasure().columns()))
                                        + ") = "
                                        + result.contentSha256()
                                        + ", stored content_sha256 = "
                                        + record.getContentSha256()));
        String recomputed = verifier.chainHash(record.getPrevHash(), record);
        checks.add(
                new Check(
                        "record chain hash",
                        recomputed != null && recomputed.equals(record.getHash()),
                        (layout == RecordLayout.LAYOUT_3
                                        ? "SHA-256(prev_hash ‖ DLR3 ‖ content ‖ provenance digests"
                                                + " ‖ model-card link digests) = "
                                        : "SHA-256(prev_hash ‖ DLR1 ‖ content ‖ provenance digests) = ")
                                + recomputed
                                + ", stored hash = "
                                + record.getHash()));
        boolean sameChain =
                tenantId.equals(record.getTenantId())
                        && chainShard
                                == (record.getChainShard() == null ? 0 : record.getChainShard())
                        && record.getChainSeq() != null
                        && chainSeq == record.getChainSeq();
        checks.add(
                new Check(
                        "proof is for this record",
                        sameChain,
                        "tenant " + tenantId + ", shard " + chainShard + ", seq " + chainSeq));
        if (chainSeq == 1) {
            checks.add(
                    new Check(
                            "link to previous record",
                            ChainHasher.GENESIS.equals(record.getPrevHash()),
                            "seq 1: prev_hash must be 64 zeros"));
        } else if (previous == null) {
            checks.add(
                    new Check(
                            "link to previous record",
                            false,
                            "the link of seq " + (chainSeq - 1) + " is missing"));
        } else {
            String prevHash = safeHash(hasher, previous.prevHash(), previous);
            boolean ok =
                    previous.chainSeq() == chainSeq - 1
                            && previous.hash().equals(prevHash)
                            && previous.hash().equals(record.getPrevHash());
            checks.add(
                    new Check(
                            "link to previous record",
                            ok,
                            "seq "
                                    + previous.chainSeq()
                                    + " recomputes to "
                                    + prevHash
                                    + "; the record's prev_hash is "
                                    + record.getPrevHash()));
        }
        String last = record.getHash();
        long lastSeq = chainSeq;
        boolean linked = true;
        String broken = null;
        for (ChainLinkWitness w : following) {
            String h = safeHash(hasher, w.prevHash(), w);
            if (w.chainSeq() != lastSeq + 1 || !w.prevHash().equals(last) || !w.hash().equals(h)) {
                linked = false;
                broken = "at seq " + w.chainSeq() + " (expected seq " + (lastSeq + 1) + ")";
                break;
            }
            last = w.hash();
            lastSeq = w.chainSeq();
        }
        checks.add(
                new Check(
                        "links to the following records",
                        linked,
                        !linked
                                ? "broken " + broken
                                : following.isEmpty()
                                        ? "none needed: the record is the last one the head covers"
                                        : following.size()
                                                + " following records recompute and link, seq "
                                                + (chainSeq + 1)
                                                + " to "
                                                + lastSeq));
        if (head == null) {
            checks.add(
                    new Check(
                            "published chain head",
                            false,
                            "no published head covers seq " + chainSeq + " yet"));
        } else {
            boolean ok =
                    linked
                            && head.getTenantId().equals(tenantId)
                            && head.getChainShard() == chainShard
                            && head.getChainSeq() == lastSeq
                            && head.getHash().equals(last);
            checks.add(
                    new Check(
                            "published chain head",
                            ok,
                            "head seq "
                                    + head.getChainSeq()
                                    + " hash "
                                    + head.getHash()
                                    + ", published "
                                    + head.getPublishedAt()
                                    + "; chain reaches seq "
                                    + lastSeq
                                    + " hash "
                                    + last));
        }
        return checks;
    }

    /** The name of the check that states the layout the record was verified under. */
    public static final String LAYOUT_CHECK = "record layout";

    /**
     * The layout {@code checks} (from {@link #verify}) verified the record under; null when its
     * record_layout is unknown, {@link RecordLayout#LAYOUT_2} for checks made before layouts were
     * stated.
     */
    public static RecordLayout verifiedLayout(List<Check> checks) {
        for (Check c : checks) {
            if (c.name().equals(LAYOUT_CHECK)) {
                for (RecordLayout l : RecordLayout.values()) {
                    if (c.detail() != null && c.detail().startsWith(l.label())) {
                        return l;
                    }
                }
                return null;
            }
        }
        return RecordLayout.LAYOUT_2;
    }

    /** The layout the record was verified under, and what erasure did to it. */
    private static Check layoutCheck(RecordVerifier.Result result) {
        if (result.layout() == null) {
            return new Check(LAYOUT_CHECK, false, result.problem());
        }
        StringBuilder detail = new StringBuilder(result.layout().describe());
        RecordVerifier.Erasure e = result.erasure();
        if (e != null) {
            detail.append("; erased columns ")
                    .append(String.join(", ", e.columns()))
                    .append(" at ")
                    .append(e.erasedAt())
                    .append(" under erasure request ")
                    .append(e.requestId());
        }
        if (result.problem() != null) {
            detail.append("; ").append(result.problem());
        }
        return new Check(LAYOUT_CHECK, result.problem() == null, detail.toString());
    }

    private static String safeHash(ChainHasher hasher, String prev, ChainLinkWitness w) {
        return isHex64(prev) && isHex64(w.contentSha256()) && w.layout() != null
                ? w.recompute(hasher)
                : null;
    }

    static boolean isHex64(String s) {
        return s != null
                && s.length() == 64
                && s.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }

    private record Found<T>(T value, String file) {}

    private static Found<ChainHead> coveringHead(
            LakeLayout lake, String tenant, int shard, long seq, Instant ingestTime)
            throws IOException {
        Path dir = new Path(lake.chainHeads(), "tenant_id=" + tenant);
        // heads are published after the record was read; a day earlier allows for clock skew
        LocalDate from = LocalDate.ofInstant(ingestTime, ZoneOffset.UTC).minusDays(1);
        FilterPredicate filter =
                FilterApi.and(
                        FilterApi.eq(FilterApi.intColumn("chain_shard"), shard),
                        FilterApi.gtEq(FilterApi.longColumn("chain_seq"), seq));
        SpecificData model = SpecificData.getForClass(ChainHead.class);
        for (LocalDate d : dates(dir, "head_date=")) {
            if (d.isBefore(from)) {
                continue;
            }
            Found<ChainHead> best = null;
            for (FileStatus f : LakeFiles.parquetFiles(new Path(dir, "head_date=" + d))) {
                List<ChainHead> heads = new ArrayList<>();
                ParquetScan.<ChainHead>read(
                        f, filter, model, ChainHead.getClassSchema(), heads::add);
                for (ChainHead h : heads) {
                    if (best == null || h.getChainSeq() < best.value().getChainSeq()) {
                        best = new Found<>(h, f.getPath().toString());
                    }
                }
            }
            // heads only grow with time: the first day with a covering head has the earliest one
            if (best != null) {
                return best;
            }
        }
        return null;
    }

    private static TreeMap<Long, ChainLinkWitness> links(
            LakeLayout lake, DecisionRecord record, int shard, long lo, long hi)
            throws IOException {
        Path tenantDir = new Path(lake.auditDecisions(), "tenant_id=" + record.getTenantId());
        LocalDate home = LocalDate.ofInstant(record.getEventTime(), ZoneOffset.UTC);
        List<LocalDate> dates = dates(tenantDir, "event_date=");
        // neighbours in the chain were ingested together, so their events mostly share the day
        dates.sort(
                Comparator.comparingLong(
                                (LocalDate d) -> Math.abs(d.toEpochDay() - home.toEpochDay()))
                        .thenComparing(Comparator.reverseOrder()));
        Schema projection = projection();
        FilterPredicate filter =
                FilterApi.and(
                        FilterApi.eq(FilterApi.intColumn("chain_shard"), shard),
                        FilterApi.and(
                                FilterApi.gtEq(FilterApi.longColumn("chain_seq"), lo),
                                FilterApi.ltEq(FilterApi.longColumn("chain_seq"), hi)));
        TreeMap<Long, ChainLinkWitness> links = new TreeMap<>();
        long needed = hi - lo + 1;
        for (LocalDate d : dates) {
            for (FileStatus f : LakeFiles.parquetFiles(new Path(tenantDir, "event_date=" + d))) {
                ParquetScan.<GenericRecord>read(
                        f,
                        filter,
                        GenericData.get(),
                        projection,
                        g -> {
                            ChainLinkWitness w = witness(g);
                            // a repeated seq is a tampered chain: keep the first, verify will fail
                            links.putIfAbsent(w.chainSeq(), w);
                            return true;
                        });
            }
            if (links.size() >= needed) {
                break;
            }
        }
        return links;
    }

    private static ChainLinkWitness witness(GenericRecord g) {
        long micros = (Long) g.get("ingest_time");
        return new ChainLinkWitness(
                (Long) g.get("chain_seq"),
                str(g.get("prev_hash")),
                str(g.get("hash")),
                str(g.get("content_sha256")),
                (Boolean) g.get("event_id_derived"),
                str(g.get("source_topic")),
                (Integer) g.get("source_partition"),
                (Long) g.get("source_offset"),
                Instant.ofEpochSecond(
                        Math.floorDiv(micros, 1_000_000L),
                        Math.floorMod(micros, 1_000_000L) * 1_000L),
                (Integer) g.get("record_layout"),
                str(g.get("model_card_id")),
                str(g.get("model_card_sha256")),
                str(g.get("model_card_status")));
    }

    private static String str(Object o) {
        return o == null ? null : o.toString();
    }

    private static Schema projection() {
        Schema full = DecisionRecord.getClassSchema();
        List<Schema.Field> fields = new ArrayList<>();
        for (String name : LINK_COLUMNS) {
            Schema.Field f = full.getField(name);
            fields.add(new Schema.Field(f, f.schema()));
        }
        return Schema.createRecord(
                "ChainLinkColumns", null, "io.decisionledger.chain", false, fields);
    }

    private static List<LocalDate> dates(Path dir, String prefix) throws IOException {
        FileSystem fs = dir.getFileSystem();
        List<LocalDate> dates = new ArrayList<>();
        if (!fs.exists(dir)) {
            return dates;
        }
        FileStatus[] children = fs.listStatus(dir);
        for (FileStatus c : children == null ? new FileStatus[0] : children) {
            String n = c.getPath().getName();
            if (c.isDir() && n.startsWith(prefix)) {
                try {
                    dates.add(LocalDate.parse(n.substring(prefix.length())));
                } catch (DateTimeParseException e) {
                    // not a partition folder of this layout
                }
            }
        }
        dates.sort(Comparator.naturalOrder());
        return dates;
    }
}
