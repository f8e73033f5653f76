package io.decisionledger.verify;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.chain.ChainHasher;
import io.decisionledger.chain.HeadSigner;
import io.decisionledger.chain.PemFileSigningKey;
import io.decisionledger.chain.Signatures;
import io.decisionledger.chain.TrustedKeys;
import io.decisionledger.decision.CanonicalContent;
import io.decisionledger.ingest.IngestOptions;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.schema.ChainAnchor;
import io.decisionledger.schema.ChainHead;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.RetentionSummary;
import io.decisionledger.testing.IngestRun;
import io.decisionledger.testing.MiniClusters;
import io.decisionledger.testkit.SampleDecisions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signed chain heads end to end: a lake written by the real ingest pipeline (MiniCluster) with a
 * signing key, then tampered copies verified by VerifyJob against the operator's trusted keys and
 * without any protected copy of the heads. The tampering rewrites Parquet files with plain
 * parquet-avro, as an attacker with write access to the bucket (and to chain/heads/) would.
 */
class SignedHeadsITCase {

    @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = MiniClusters.twoSlots();

    @TempDir static Path work;

    private static Path pristine;
    private static SampleDecisions.Sample sample;
    private static KeyPair current;
    private static KeyPair retired;
    private static KeyPair attacker;

    /** Trusts the ingest key k2026 and the retired k2025. */
    private static Path trustedBoth;

    /** Trusts k2026 only. */
    private static Path trustedCurrent;

    @BeforeAll
    static void ingestASignedLake() throws Exception {
        KeyPairGenerator ed = KeyPairGenerator.getInstance("Ed25519");
        current = ed.generateKeyPair();
        retired = ed.generateKeyPair();
        attacker = ed.generateKeyPair();
        Path key = work.resolve("k2026.pem");
        writePrivatePem(key, current);
        trustedBoth = work.resolve("trusted-both.keys");
        Files.writeString(
                trustedBoth,
                "# the operator's trusted keys, kept outside the lake\n"
                        + TrustedKeys.line("k2025", retired.getPublic())
                        + "\n"
                        + TrustedKeys.line("k2026", current.getPublic())
                        + "\n");
        trustedCurrent = work.resolve("trusted-current.keys");
        Files.writeString(trustedCurrent, TrustedKeys.line("k2026", current.getPublic()) + "\n");

        sample = SampleDecisions.generate(23, 400, 0, 0, Instant.now());
        pristine = work.resolve("pristine");
        IngestOptions options =
                IngestRun.boundedOptions("in-memory:9092", "decisions", pristine.toUri().toString())
                        .with(
                                "signing-key",
                                key.toString(),
                                "signing-key-id",
                                "k2026",
                                "require-signing",
                                "true");
        IngestRun.ingestInMemory(sample.events(), "decisions", options);
    }

    @Test
    void theIngestJobSignsEveryHeadAndTheSignedLakeVerifiesClean() throws Exception {
        List<ChainHead> heads = new ArrayList<>();
        for (Path f : parquetFiles(pristine.resolve("chain/heads"))) {
            heads.addAll(read(f, ChainHead.class));
        }
        assertThat(heads).isNotEmpty();
        assertThat(heads)
                .allSatisfy(
                        h -> {
                            assertThat(h.getSignatureKeyId()).isEqualTo("k2026");
                            assertThat(h.getSignatureAlgorithm()).isEqualTo("Ed25519");
                            assertThat(Base64.getDecoder().decode(h.getSignature())).hasSize(64);
                        });

        VerifyReport report = verify(pristine, trustedCurrent);

        assertThat(report.violations()).isEmpty();
        assertThat(report.clean()).isTrue();
        assertThat(report.records()).isEqualTo(400);
        assertThat(report.heads()).isEqualTo(sample.acceptedPerTenant().size());
    }

    @Test
    void detectsAForgedHeadOverARecomputedChainWithoutTheProtectedCopy() throws Exception {
        // given: one decision rewritten (denied -> approved), its content hash and every chain
        // hash after it recomputed, and the heads rewritten to the new hashes, keeping the old
        // signatures (or dropping them): the chain is consistent again
        Path forged = copy("forged-head");
        String tenant = forgeChainAndHeads(forged, h -> {});
        Path stripped = copy("forged-unsigned-head");
        forgeChainAndHeads(stripped, SignedHeadsITCase::stripSignature);

        // then: without trusted keys (the verifier before signed heads) nothing is seen ...
        assertThat(verify(forged, null).violations()).isEmpty();
        assertThat(verify(stripped, null).violations()).isEmpty();

        // ... with them the forged heads are refused
        VerifyReport report = verify(forged, trustedCurrent);
        assertThat(report.clean()).isFalse();
        List<Violation> bad = ofKind(report, ViolationKind.BAD_SIGNATURE);
        assertThat(bad).isNotEmpty();
        assertThat(bad)
                .allSatisfy(
                        v -> {
                            assertThat(v.tenantId).isEqualTo(tenant);
                            assertThat(v.detail)
                                    .isEqualTo(
                                            "chain head: the signature does not verify with"
                                                    + " trusted key k2026");
                            assertThat(v.file).contains("chain/heads/tenant_id=" + tenant);
                        });
        assertThat(kinds(report)).doesNotContain(ViolationKind.UNSIGNED_HEAD.name());

        VerifyReport unsigned = verify(stripped, trustedCurrent);
        assertThat(unsigned.clean()).isFalse();
        assertThat(ofKind(unsigned, ViolationKind.UNSIGNED_HEAD))
                .singleElement()
                .satisfies(v -> assertThat(v.tenantId).isEqualTo(tenant));
        assertThat(kinds(unsigned)).doesNotContain(ViolationKind.BAD_SIGNATURE.name());
    }

    @Test
    void reportsAForgedHeadSignedByAnUntrustedKeyAsBadSignature() throws Exception {
        Path sameId = copy("attacker-same-id");
        String tenant = forgeChainAndHeads(sameId, h -> resign(h, "k2026", attacker));
        Path ownId = copy("attacker-own-id");
        forgeChainAndHeads(ownId, h -> resign(h, "mallory", attacker));

        assertThat(ofKind(verify(sameId, trustedCurrent), ViolationKind.BAD_SIGNATURE))
                .isNotEmpty()
                .allSatisfy(
                        v ->
                                assertThat(v.detail)
                                        .isEqualTo(
                                                "chain head: the signature does not verify with"
                                                        + " trusted key k2026"));
        assertThat(ofKind(verify(ownId, trustedCurrent), ViolationKind.BAD_SIGNATURE))
                .isNotEmpty()
                .allSatisfy(
                        v -> {
                            assertThat(v.tenantId).isEqualTo(tenant);
                            assertThat(v.detail)
                                    .isEqualTo(
                                            "chain head: signed with key id mallory, which is not"
                                                    + " among the trusted keys [k2026]");
                        });
    }

    @Test
    void reportsUnsignedHeadsOfAnOlderLakeOnlyWhenTrustedKeysAreGiven() throws Exception {
        // given: every head file rewritten as an ingest job before signing wrote it (the v1 head
        // schema, without the signature columns)
        Path old = copy("old-unsigned-heads");
        Schema v1 = historySchema("ChainHead-v1.avsc");
        for (Path f : parquetFiles(old.resolve("chain/heads"))) {
            List<ChainHead> heads = read(f, ChainHead.class);
            Files.delete(f);
            try (ParquetWriter<GenericRecord> writer =
                    AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(f))
                            .withSchema(v1)
                            .withDataModel(GenericData.get())
                            .build()) {
                for (ChainHead h : heads) {
                    GenericRecord g = new GenericData.Record(v1);
                    g.put("tenant_id", h.getTenantId());
                    g.put("chain_shard", h.getChainShard());
                    g.put("chain_seq", h.getChainSeq());
                    g.put("hash", h.getHash());
                    g.put("event_id", h.getEventId());
                    g.put(
                            "published_at",
                            h.getPublishedAt().getEpochSecond() * 1_000_000L
                                    + h.getPublishedAt().getNano() / 1000);
                    writer.write(g);
                }
            }
        }

        // then: the old files read (no signature) and verify clean as before ...
        assertThat(verify(old, null).clean()).isTrue();
        // ... and with trusted keys each chain is reported once, still checked against its head
        VerifyReport report = verify(old, trustedCurrent);
        assertThat(kinds(report)).containsOnly(ViolationKind.UNSIGNED_HEAD.name());
        assertThat(ofKind(report, ViolationKind.UNSIGNED_HEAD))
                .extracting(v -> v.tenantId)
                .containsExactlyInAnyOrderElementsOf(sample.acceptedPerTenant().keySet());
        assertThat(ofKind(report, ViolationKind.UNSIGNED_HEAD))
                .allSatisfy(
                        v ->
                                assertThat(v.detail)
                                        .endsWith(
                                                "published head(s) without a signature; the chain"
                                                        + " has no validly signed head, so it is"
                                                        + " checked against its latest unsigned"
                                                        + " one"));
    }

    @Test
    void verifiesHeadsSignedByARetiredAndTheCurrentKeyWhileBothAreTrusted() throws Exception {
        // given: the heads of one tenant signed by the retired key k2025 (before the rotation)
        Path rotated = copy("rotated");
        String tenant = biggestTenant();
        for (Path f : parquetFiles(rotated.resolve("chain/heads/tenant_id=" + tenant))) {
            rewrite(f, ChainHead.class, h -> resign(h, "k2025", retired));
        }

        assertThat(verify(rotated, trustedBoth).violations()).isEmpty();
        // once k2025's public key is dropped from the file, its heads no longer verify
        assertThat(ofKind(verify(rotated, trustedCurrent), ViolationKind.BAD_SIGNATURE))
                .isNotEmpty()
                .allSatisfy(v -> assertThat(v.tenantId).isEqualTo(tenant));
    }

    @Test
    void detectsTamperedSignedRetentionSummariesAndAnchors() throws Exception {
        // given: retention deleted the first 20 records of a chain and left a signed summary and
        // a signed anchor bridging the hole (as the compaction job writes them)
        Path lake = copy("retention");
        String tenant = biggestTenant();
        List<DecisionRecord> chain = chainOf(lake, tenant);
        List<DecisionRecord> deleted = chain.subList(0, 20);
        deleteRecords(lake, deleted);
        HeadSigner k2026 = signer("k2026", current);
        Path anchorFile =
                lake.resolve(
                        "summaries/chain_anchors/tenant_id="
                                + tenant
                                + "/event_date=2020-01-01/retention-r1.parquet");
        Path summaryFile =
                lake.resolve(
                        "summaries/decisions/tenant_id="
                                + tenant
                                + "/event_date=2020-01-01/retention-r1.parquet");
        ChainAnchor anchor =
                Signatures.sign(
                        ChainAnchor.newBuilder()
                                .setTenantId(tenant)
                                .setChainShard(0)
                                .setEventDate("2020-01-01")
                                .setFromSeq(1)
                                .setToSeq(20)
                                .setFromPrevHash(ChainHasher.GENESIS)
                                .setToHash(deleted.get(19).getHash())
                                .setRunId("r1")
                                .setDeletedAt(Instant.parse("2026-12-01T00:00:00Z"))
                                .build(),
                        k2026);
        RetentionSummary summary =
                Signatures.sign(
                        RetentionSummary.newBuilder()
                                .setTenantId(tenant)
                                .setEventDate("2020-01-01")
                                .setModel("m")
                                .setModelVersion("1")
                                .setChainShard(0)
                                .setRecords(20)
                                .setApproved(12)
                                .setDenied(8)
                                .setUndecided(0)
                                .setFirstEventTime(Instant.parse("2020-01-01T00:00:00Z"))
                                .setLastEventTime(Instant.parse("2020-01-01T23:00:00Z"))
                                .setFirstChainSeq(1L)
                                .setFirstHash(deleted.get(0).getHash())
                                .setLastChainSeq(20L)
                                .setLastHash(deleted.get(19).getHash())
                                .setDeletedEventIdsSha256("e".repeat(64))
                                .setHeldRecords(0)
                                .setRetentionPeriod("P7Y")
                                .setPolicyVersion("v1")
                                .setRunId("r1")
                                .setDeletedAt(Instant.parse("2026-12-01T00:00:00Z"))
                                .build(),
                        k2026);
        write(anchorFile, ChainAnchor.getClassSchema(), List.of(anchor));
        write(summaryFile, RetentionSummary.getClassSchema(), List.of(summary));
        VerifyReport clean = verify(lake, trustedCurrent);
        assertThat(clean.violations()).isEmpty();
        assertThat(clean.deletedByRetention()).isEqualTo(20);

        // when: the summary's count is lowered and the anchor re-dated, both keeping signatures
        rewrite(summaryFile, RetentionSummary.class, s -> s.setRecords(3L));
        rewrite(
                anchorFile,
                ChainAnchor.class,
                a -> a.setDeletedAt(Instant.parse("2026-06-01T00:00:00Z")));

        // then: both are reported, and the anchor no longer bridges the hole
        VerifyReport report = verify(lake, trustedCurrent);
        assertThat(ofKind(report, ViolationKind.BAD_SIGNATURE))
                .extracting(v -> v.detail)
                .containsExactlyInAnyOrder(
                        "retention summary: the signature does not verify with trusted key k2026",
                        "retention chain anchor: the signature does not verify with trusted key"
                                + " k2026");
        assertThat(kinds(report)).contains(ViolationKind.SEQ_GAP.name());
        assertThat(report.deletedByRetention()).isZero();

        // and an unsigned anchor (a run before signing) still bridges, but is reported
        rewrite(anchorFile, ChainAnchor.class, SignedHeadsITCase::stripSignature);
        rewrite(summaryFile, RetentionSummary.class, s -> s.setRecords(20L));
        VerifyReport unsigned = verify(lake, trustedCurrent);
        assertThat(kinds(unsigned)).containsOnly(ViolationKind.UNSIGNED_SUMMARY.name());
        assertThat(unsigned.deletedByRetention()).isEqualTo(20);
    }

    // ---- tampering ------------------------------------------------------------------------

    /**
     * Flips the outcome of a decision in the middle of the biggest tenant's chain, recomputes its
     * content hash and the chain from there, rewrites that tenant's heads to the new hashes and
     * applies {@code onHead} to each rewritten head. Returns the tenant.
     */
    private static String forgeChainAndHeads(Path lake, Consumer<ChainHead> onHead)
            throws IOException {
        String tenant = biggestTenant();
        Map<Path, List<DecisionRecord>> files = auditFiles(lake);
        List<DecisionRecord> chain =
                files.values().stream()
                        .flatMap(List::stream)
                        .filter(r -> r.getTenantId().equals(tenant))
                        .sorted(Comparator.comparingLong(DecisionRecord::getChainSeq))
                        .toList();
        DecisionRecord victim = chain.get(chain.size() / 2);
        victim.setDecisionApproved(
                victim.getDecisionApproved() == null || !victim.getDecisionApproved());
        victim.setContentSha256(
                new CanonicalContent()
                        .layout3(victim, HexFormat.of().parseHex(victim.getFieldSalt()))
                        .contentSha256());
        ChainHasher hasher = new ChainHasher();
        Map<Long, String> hashBySeq = new java.util.HashMap<>();
        String prev = ChainHasher.GENESIS;
        for (DecisionRecord r : chain) {
            r.setPrevHash(prev);
            r.setHash(hasher.hash(prev, r));
            prev = r.getHash();
            hashBySeq.put(r.getChainSeq(), r.getHash());
        }
        for (Map.Entry<Path, List<DecisionRecord>> f : files.entrySet()) {
            write(f.getKey(), DecisionRecord.getClassSchema(), f.getValue());
        }
        for (Path f : parquetFiles(lake.resolve("chain/heads/tenant_id=" + tenant))) {
            rewrite(
                    f,
                    ChainHead.class,
                    h -> {
                        if (!h.getHash().equals(hashBySeq.get(h.getChainSeq()))) {
                            h.setHash(hashBySeq.get(h.getChainSeq()));
                            onHead.accept(h);
                        }
                    });
        }
        return tenant;
    }

    private static void resign(ChainHead h, String keyId, KeyPair key) {
        try {
            Signatures.sign(h, signer(keyId, key));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void stripSignature(SpecificRecordBase r) {
        r.put("signature_key_id", null);
        r.put("signature_algorithm", null);
        r.put("signature", null);
    }

    private static void deleteRecords(Path lake, List<DecisionRecord> gone) throws IOException {
        java.util.Set<String> ids = new java.util.HashSet<>();
        gone.forEach(r -> ids.add(r.getEventId()));
        for (Map.Entry<Path, List<DecisionRecord>> f : auditFiles(lake).entrySet()) {
            List<DecisionRecord> kept =
                    f.getValue().stream().filter(r -> !ids.contains(r.getEventId())).toList();
            if (kept.size() != f.getValue().size()) {
                if (kept.isEmpty()) {
                    Files.delete(f.getKey());
                } else {
                    write(f.getKey(), DecisionRecord.getClassSchema(), kept);
                }
            }
        }
    }

    // ---- helpers ----------------------------------------------------------------------------

    private static HeadSigner signer(String keyId, KeyPair key) throws IOException {
        Path pem = Files.createTempFile(work, keyId, ".pem");
        writePrivatePem(pem, key);
        return new PemFileSigningKey(pem.toString(), keyId).open();
    }

    private static void writePrivatePem(Path file, KeyPair key) throws IOException {
        Files.writeString(
                file,
                "-----BEGIN PRIVATE KEY-----\n"
                        + Base64.getMimeEncoder().encodeToString(key.getPrivate().getEncoded())
                        + "\n-----END PRIVATE KEY-----\n");
    }

    private static String biggestTenant() {
        return sample.acceptedPerTenant().entrySet().stream()
                .max(Map.Entry.comparingByValue())
                .orElseThrow()
                .getKey();
    }

    private static List<DecisionRecord> chainOf(Path lake, String tenant) throws IOException {
        return auditFiles(lake).values().stream()
                .flatMap(List::stream)
                .filter(r -> r.getTenantId().equals(tenant))
                .sorted(Comparator.comparingLong(DecisionRecord::getChainSeq))
                .toList();
    }

    private static Map<Path, List<DecisionRecord>> auditFiles(Path lake) throws IOException {
        Map<Path, List<DecisionRecord>> files = new LinkedHashMap<>();
        for (Path f : parquetFiles(lake.resolve("audit/decisions"))) {
            files.put(f, new ArrayList<>(read(f, DecisionRecord.class)));
        }
        return files;
    }

    private static VerifyReport verify(Path lake, Path trustedKeys) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        return new VerifyRunner(
                        new VerifyJob.Options(
                                LakeLayout.at(lake.toUri().toString()),
                                null,
                                work.resolve("r.json"),
                                trustedKeys))
                .run(env, new PrintStream(log, true, StandardCharsets.UTF_8));
    }

    private static List<String> kinds(VerifyReport report) {
        return report.violations().stream().map(v -> v.kind).distinct().toList();
    }

    private static List<Violation> ofKind(VerifyReport report, ViolationKind kind) {
        return report.violations().stream().filter(v -> v.kind.equals(kind.name())).toList();
    }

    private static List<Path> parquetFiles(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            return paths.filter(f -> f.getFileName().toString().endsWith(".parquet"))
                    .filter(f -> !f.getFileName().toString().startsWith("."))
                    .sorted()
                    .toList();
        }
    }

    private static <T extends SpecificRecordBase> List<T> read(Path f, Class<T> type)
            throws IOException {
        List<T> out = new ArrayList<>();
        try (ParquetReader<T> reader =
                AvroParquetReader.<T>builder(new LocalInputFile(f))
                        .withDataModel(SpecificData.getForClass(type))
                        .build()) {
            T r;
            while ((r = reader.read()) != null) {
                out.add(r);
            }
        }
        return out;
    }

    private static <T extends SpecificRecordBase> void write(Path f, Schema schema, List<T> records)
            throws IOException {
        Files.createDirectories(f.getParent());
        Files.deleteIfExists(f);
        try (ParquetWriter<T> writer =
                AvroParquetWriter.<T>builder(new LocalOutputFile(f))
                        .withSchema(schema)
                        .withDataModel(SpecificData.getForClass(records.get(0).getClass()))
                        .build()) {
            for (T r : records) {
                writer.write(r);
            }
        }
    }

    private static <T extends SpecificRecordBase> void rewrite(
            Path f, Class<T> type, Consumer<T> edit) throws IOException {
        List<T> records = read(f, type);
        records.forEach(edit);
        Files.delete(f);
        try (ParquetWriter<T> writer =
                AvroParquetWriter.<T>builder(new LocalOutputFile(f))
                        .withSchema(SpecificData.get().getSchema(type))
                        .withDataModel(SpecificData.getForClass(type))
                        .build()) {
            for (T r : records) {
                writer.write(r);
            }
        }
    }

    private static Schema historySchema(String name) throws IOException {
        try (InputStream in =
                SignedHeadsITCase.class.getResourceAsStream("/avro-history/" + name)) {
            return new Schema.Parser().parse(in);
        }
    }

    private static Path copy(String name) throws IOException {
        Path target = work.resolve(name);
        try (Stream<Path> paths = Files.walk(pristine)) {
            for (Path p : paths.toList()) {
                Path dest = target.resolve(pristine.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(p, dest);
                }
            }
        }
        return target;
    }
}
