package io.decisionledger.verify;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.chain.ChainHasher;
import io.decisionledger.decision.CanonicalContent;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.privacy.RecordErasure;
import io.decisionledger.schema.ChainHead;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.testing.IngestRun;
import io.decisionledger.testing.MiniClusters;
import io.decisionledger.testing.Proves;
import io.decisionledger.testkit.SampleDecisions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificData;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Builds a lake with the real ingest path, then tampers with copies of it in each way an insider
 * could, and checks that VerifyJob reports exactly that kind of violation (and that the untouched
 * lake verifies clean). The tampering rewrites Parquet files with plain parquet-avro, as an
 * attacker with write access to the bucket would.
 */
class VerifyJobITCase {

    @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = MiniClusters.twoSlots();

    @TempDir static Path work;

    private static Path pristine;
    private static SampleDecisions.Sample sample;

    @BeforeAll
    static void ingestALake() throws Exception {
        // The ingest pipeline from an in-memory topic: the Kafka connector is covered by the
        // ingest ITCases; this test is about the lake it leaves.
        sample = SampleDecisions.generate(17, 600, 0, 0, Instant.now());
        pristine = work.resolve("pristine");
        IngestRun.ingestInMemory(sample.events(), "decisions", pristine.toUri().toString());
    }

    @AfterAll
    static void noop() {}

    // ---- the checks ---------------------------------------------------------------------------

    @Test
    void verifiesAnUntouchedLakeAsClean() throws Exception {
        VerifyReport report = verify(pristine);

        assertThat(report.violations()).isEmpty();
        assertThat(report.clean()).isTrue();
        assertThat(report.records()).isEqualTo(600);
        assertThat(report.chains()).isEqualTo(sample.acceptedPerTenant().size());
        assertThat(report.heads()).isEqualTo(sample.acceptedPerTenant().size());
        assertThat(report.summary()).startsWith("CLEAN: 600 records (layout 3: 600) in 3 chains");
        // everything the ingest job writes now is layout 3
        assertThat(report.recordsByLayout()).isEqualTo(Map.of("3", 600L));
        assertThat(report.erasedByRequest()).isEmpty();
    }

    // ---- record layouts and erasure ------------------------------------------------------------

    @Test
    void verifiesALakeMixingLayoutTwoAndLayoutThreeRecordsAsClean() throws Exception {
        // given: the first half of the biggest chain as an older ingest job wrote it (layout 2:
        // no salt, DLC2 content, DLR1 chain), the rest layout 3, the chain and heads re-linked
        Path lake = copy("mixed-layouts");
        Lake files = Lake.read(lake);
        DecisionRecord middle = files.someRecordInTheMiddle();
        List<DecisionRecord> chain = files.chainOf(middle);
        int upgradedAt = chain.indexOf(middle);
        for (DecisionRecord old : chain.subList(0, upgradedAt)) {
            files.change(
                    old,
                    r -> {
                        r.setRecordLayout(null);
                        r.setFieldSalt(null);
                        r.setContentSha256(new CanonicalContent().sha256Hex(r));
                    });
        }
        files.relink(chain);
        files.writeChanged();
        rewriteHeads(lake, chain);

        // when
        VerifyReport report = verify(lake);

        // then
        assertThat(report.violations()).isEmpty();
        assertThat(report.recordsByLayout())
                .isEqualTo(Map.of("2", (long) upgradedAt, "3", 600L - upgradedAt));
        assertThat(report.summary())
                .startsWith(
                        "CLEAN: 600 records (layout 2: "
                                + upgradedAt
                                + ", layout 3: "
                                + (600 - upgradedAt)
                                + ")");
    }

    @Test
    void verifiesAnErasedRecordAndCountsItUnderItsRequest() throws Exception {
        Path lake = copy("erased");
        Lake files = Lake.read(lake);
        DecisionRecord victim = files.someRecordInTheMiddle();
        DecisionRecord other = files.next(victim);
        String user = victim.getUserId();
        for (DecisionRecord r : List.of(victim, other)) {
            files.change(
                    r,
                    x ->
                            RecordErasure.erase(
                                    x,
                                    List.of("user_id"),
                                    "erasure-42",
                                    Instant.parse("2026-04-01T00:00:00Z")));
        }
        files.writeChanged();

        VerifyReport report = verify(lake);

        assertThat(report.violations()).isEmpty();
        assertThat(report.erasedByRequest()).isEqualTo(Map.of("erasure-42", 2L));
        assertThat(report.summary())
                .contains("2 erased")
                .contains("2 records with erased fields under request erasure-42");
        DecisionRecord stored =
                Lake.read(lake).chainOf(victim).stream()
                        .filter(r -> r.getChainSeq().equals(victim.getChainSeq()))
                        .findFirst()
                        .orElseThrow();
        assertThat(stored.getUserId()).isEqualTo("[ERASED]").isNotEqualTo(user);
        assertThat(stored.getFieldSalt()).isNull();
        assertThat(stored.getErasureRequestId()).isEqualTo("erasure-42");
    }

    @Test
    void reportsAChangedModelCardLinkOfALayoutThreeRecordAsHashMismatch() throws Exception {
        Path lake = copy("card-link");
        Lake files = Lake.read(lake);
        DecisionRecord victim = files.someRecordInTheMiddle();
        files.change(
                victim,
                r ->
                        r.setModelCardStatus(
                                "LINKED".equals(r.getModelCardStatus()) ? "NO_CARD" : "LINKED"));
        files.writeChanged();

        VerifyReport report = verify(lake);
        assertKinds(report, ViolationKind.HASH_MISMATCH);
        assertThat(report.violations().get(0).seqFrom).isEqualTo(victim.getChainSeq());
    }

    @Test
    void reportsAValuePutBackIntoAnErasedColumnAsLayoutInvalid() throws Exception {
        Path lake = copy("unerased");
        Lake files = Lake.read(lake);
        DecisionRecord victim = files.someRecordInTheMiddle();
        String user = victim.getUserId();
        files.change(
                victim,
                r -> {
                    RecordErasure.erase(
                            r,
                            List.of("user_id"),
                            "erasure-43",
                            Instant.parse("2026-04-01T00:00:00Z"));
                    r.setUserId(user);
                });
        files.writeChanged();

        VerifyReport report = verify(lake);
        assertKinds(report, ViolationKind.LAYOUT_INVALID);
        assertThat(report.violations().get(0).detail)
                .contains("user_id is listed as erased")
                .doesNotContain(user);
    }

    @Test
    void reportsAnUnknownRecordLayout() throws Exception {
        Path lake = copy("unknown-layout");
        Lake files = Lake.read(lake);
        DecisionRecord victim = files.someRecordInTheMiddle();
        files.change(victim, r -> r.setRecordLayout(7));
        files.writeChanged();

        VerifyReport report = verify(lake);
        assertKinds(report, ViolationKind.UNKNOWN_LAYOUT);
        assertThat(report.recordsByLayout()).containsEntry("unknown", 1L);
    }

    @Test
    void reportsAChangedFieldAsContentModified() throws Exception {
        Path lake = copy("changed-field");
        Lake files = Lake.read(lake);
        DecisionRecord victim = files.someRecordInTheMiddle();
        files.change(victim, r -> r.setDecisionApproved(!r.getDecisionApproved()));
        files.writeChanged();

        VerifyReport report = verify(lake);
        assertKinds(report, ViolationKind.CONTENT_MODIFIED);
        assertThat(report.violations().get(0).seqFrom).isEqualTo(victim.getChainSeq());
    }

    @Test
    void reportsADeletedFileAsAGap() throws Exception {
        Path lake = copy("deleted-file");
        Lake files = Lake.read(lake);
        Path file = files.aFileHoldingNoChainTail();
        Files.delete(file);

        VerifyReport report = verify(lake);
        assertKinds(report, ViolationKind.SEQ_GAP);
    }

    @Test
    void reportsAFileMovedIntoAnotherTenantsFolderAsMisplaced() throws Exception {
        Path lake = copy("moved-tenant");
        Path file = Lake.read(lake).aFileHoldingNoChainTail();
        // tenant_id=T/event_date=D/part.parquet → tenant_id=intruder/event_date=D/part.parquet:
        // the chain is intact (the rows are read wherever they are), but DuckDB would now count
        // them for the other tenant
        Path date = file.getParent();
        Path moved =
                date.getParent()
                        .resolveSibling("tenant_id=other_tenant")
                        .resolve(date.getFileName().toString())
                        .resolve(file.getFileName().toString());
        Files.createDirectories(moved.getParent());
        Files.move(file, moved);

        VerifyReport report = verify(lake);

        assertKinds(report, ViolationKind.MISPLACED_ROW);
        assertThat(report.violations())
                .allSatisfy(
                        v ->
                                assertThat(v.detail)
                                        .contains(
                                                "stored under tenant_id=other_tenant/"
                                                        + date.getFileName())
                                        .contains("belong in " + date.getParent().getFileName()));
    }

    @Test
    void reportsAFileMovedIntoAnotherDaysFolderAsMisplaced() throws Exception {
        Path lake = copy("moved-date");
        Path file = Lake.read(lake).aFileHoldingNoChainTail();
        Path moved =
                file.getParent()
                        .resolveSibling("event_date=1999-12-31")
                        .resolve(file.getFileName().toString());
        Files.createDirectories(moved.getParent());
        Files.move(file, moved);

        VerifyReport report = verify(lake);

        assertKinds(report, ViolationKind.MISPLACED_ROW);
        assertThat(report.violations().get(0).detail).contains("/event_date=1999-12-31 but its");
    }

    @Test
    void reportsADeletedRowAsAGap() throws Exception {
        Path lake = copy("deleted-row");
        Lake files = Lake.read(lake);
        DecisionRecord victim = files.someRecordInTheMiddle();
        files.remove(victim);
        files.writeChanged();

        VerifyReport report = verify(lake);
        assertKinds(report, ViolationKind.SEQ_GAP);
        assertThat(report.violations().get(0).seqFrom).isEqualTo(victim.getChainSeq());
        assertThat(report.violations().get(0).seqTo).isEqualTo(victim.getChainSeq());
    }

    @Test
    void reportsADuplicatedRowAsRepeatedSeqAndDuplicateEventId() throws Exception {
        Path lake = copy("duplicated-row");
        Lake files = Lake.read(lake);
        DecisionRecord victim = files.someRecordInTheMiddle();
        files.duplicate(victim);
        files.writeChanged();

        assertKinds(verify(lake), ViolationKind.SEQ_REPEATED, ViolationKind.DUPLICATE_EVENT_ID);
    }

    @Test
    void reportsTwoRowsWithSwappedSeqAsBrokenLinks() throws Exception {
        Path lake = copy("swapped-seq");
        Lake files = Lake.read(lake);
        DecisionRecord a = files.someRecordInTheMiddle();
        DecisionRecord b = files.next(a);
        long seqA = a.getChainSeq();
        files.change(a, r -> r.setChainSeq(seqA + 1));
        files.change(b, r -> r.setChainSeq(seqA));
        files.writeChanged();

        assertKinds(verify(lake), ViolationKind.BROKEN_LINK);
    }

    @Test
    @Proves({"EU-AI-Act-Art-12"})
    void catchesAForgedRowWithARecomputedChainByThePublishedHead() throws Exception {
        Path lake = copy("forged-insert");
        Lake files = Lake.read(lake);
        DecisionRecord after = files.someRecordInTheMiddle();
        files.insertForgedAfter(after);
        files.writeChanged();

        // the chain itself is consistent again: only the published head gives it away
        assertKinds(verify(lake), ViolationKind.HEAD_MISMATCH, ViolationKind.BEYOND_HEAD);
    }

    @Test
    void reportsATruncatedTail() throws Exception {
        Path lake = copy("truncated-tail");
        Lake files = Lake.read(lake);
        List<DecisionRecord> chain = files.chainOf(files.someRecordInTheMiddle());
        for (DecisionRecord r : chain.subList(chain.size() - 3, chain.size())) {
            files.remove(r);
        }
        files.writeChanged();

        VerifyReport report = verify(lake);
        assertKinds(report, ViolationKind.TRUNCATED);
        assertThat(report.violations().get(0).seqTo - report.violations().get(0).seqFrom)
                .isEqualTo(2);
    }

    @Test
    void writesAJsonReportAndVerifiesOneTenantOnly() throws Exception {
        Path lake = copy("one-tenant");
        Lake files = Lake.read(lake);
        DecisionRecord victim = files.someRecordInTheMiddle();
        files.change(victim, r -> r.setPrompt(r.getPrompt() + " "));
        files.writeChanged();
        String otherTenant =
                sample.acceptedPerTenant().keySet().stream()
                        .filter(t -> !t.equals(victim.getTenantId()))
                        .findFirst()
                        .orElseThrow();

        VerifyReport other = verify(lake, otherTenant);
        VerifyReport same = verify(lake, victim.getTenantId());
        Path reportFile = work.resolve("reports/one-tenant.json");
        same.writeTo(reportFile);

        assertThat(other.clean()).isTrue();
        assertThat(other.records()).isEqualTo(sample.acceptedPerTenant().get(otherTenant));
        assertThat(same.clean()).isFalse();
        String json = Files.readString(reportFile);
        assertThat(json)
                .contains("\"result\" : \"VIOLATIONS\"")
                .contains("\"kind\" : \"CONTENT_MODIFIED\"")
                .contains("\"tenantId\" : \"" + victim.getTenantId() + "\"")
                .doesNotContain(victim.getPrompt().strip());
    }

    @Test
    void thePipelineSeesEveryRowOfAFileListedTwiceStoredTwice() throws Exception {
        // given the pipeline fed one audit file twice, through its source seam
        Lake files = Lake.read(pristine);
        Map.Entry<Path, List<DecisionRecord>> file = files.files.entrySet().iterator().next();
        List<DecisionRecord> rows = file.getValue();
        String path =
                org.apache.flink.core.fs.Path.fromLocalFile(file.getKey().toFile()).toString();
        String tenant = rows.get(0).getTenantId();
        String chain = io.decisionledger.chain.ChainSharding.chainKey(tenant, 0);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        VerifyPipeline.Outputs outputs =
                new VerifyPipeline(
                                VerifyPipeline.filesListed(List.of(path, path)),
                                VerifyRunner.latestHeads(
                                        LakeLayout.at(pristine.toUri().toString()), null),
                                io.decisionledger.retention.RetentionAnchors.none())
                        .build(env);

        // when it runs (the outputs are tiny: both can be collected on their own)
        List<Violation> violations = new ArrayList<>();
        List<ChainStats> chains = new ArrayList<>();
        try (var v = outputs.violations().collectAsync();
                var c = outputs.chains().collectAsync()) {
            env.execute("verify a file listed twice");
            v.forEachRemaining(violations::add);
            c.forEachRemaining(chains::add);
        }

        // then every event id is stored twice, every seq repeated, in the file's one chain
        Map<String, Long> byKind = new java.util.TreeMap<>();
        violations.forEach(x -> byKind.merge(x.kind, 1L, Long::sum));
        assertThat(byKind).containsEntry("DUPLICATE_EVENT_ID", (long) rows.size());
        assertThat(byKind).containsEntry("SEQ_REPEATED", (long) rows.size());
        assertThat(violations)
                .filteredOn(x -> x.kind.equals("DUPLICATE_EVENT_ID"))
                .allMatch(x -> x.tenantId.equals(tenant) && x.detail.endsWith(" is stored 2 times"))
                .extracting(x -> x.file)
                .containsOnly(path);
        assertThat(chains).hasSize(1);
        assertThat(chains.get(0).chainKey()).isEqualTo(chain);
        assertThat(chains.get(0).lastSeq())
                .isEqualTo(
                        rows.stream().mapToLong(DecisionRecord::getChainSeq).max().orElseThrow());
        assertThat(chains.get(0).bridged()).isZero();
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static void assertKinds(VerifyReport report, ViolationKind... kinds) {
        Set<String> expected =
                Stream.of(kinds).map(Enum::name).collect(java.util.stream.Collectors.toSet());
        assertThat(report.violationsByKind().keySet())
                .as("violations: %s", report.violations())
                .isEqualTo(expected);
        assertThat(report.clean()).isFalse();
    }

    private static VerifyReport verify(Path lake) throws Exception {
        return verify(lake, null);
    }

    private static VerifyReport verify(Path lake, String tenant) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        return new VerifyRunner(
                        new VerifyJob.Options(
                                LakeLayout.at(lake.toUri().toString()),
                                tenant,
                                work.resolve("r.json")))
                .run(env, new PrintStream(log, true, StandardCharsets.UTF_8));
    }

    /** Rewrites the published heads of {@code chain}'s tenant to the chain's current hashes. */
    private static void rewriteHeads(Path lake, List<DecisionRecord> chain) throws IOException {
        Map<Long, String> hashBySeq = new java.util.HashMap<>();
        chain.forEach(r -> hashBySeq.put(r.getChainSeq(), r.getHash()));
        Path dir = lake.resolve("chain/heads/tenant_id=" + chain.get(0).getTenantId());
        List<Path> headFiles;
        try (Stream<Path> paths = Files.walk(dir)) {
            headFiles =
                    paths.filter(f -> f.getFileName().toString().endsWith(".parquet"))
                            .filter(f -> !f.getFileName().toString().startsWith("."))
                            .toList();
        }
        for (Path f : headFiles) {
            List<ChainHead> heads = new ArrayList<>();
            try (ParquetReader<ChainHead> reader =
                    AvroParquetReader.<ChainHead>builder(new LocalInputFile(f))
                            .withDataModel(SpecificData.getForClass(ChainHead.class))
                            .build()) {
                ChainHead h;
                while ((h = reader.read()) != null) {
                    heads.add(h);
                }
            }
            heads.forEach(h -> h.setHash(hashBySeq.get(h.getChainSeq())));
            Files.delete(f);
            try (ParquetWriter<ChainHead> writer =
                    AvroParquetWriter.<ChainHead>builder(new LocalOutputFile(f))
                            .withSchema(ChainHead.getClassSchema())
                            .withDataModel(SpecificData.getForClass(ChainHead.class))
                            .build()) {
                for (ChainHead h : heads) {
                    writer.write(h);
                }
            }
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

    /** The audit files of a lake copy, in memory, with the edits an attacker would make. */
    private static final class Lake {
        private final Map<Path, List<DecisionRecord>> files = new LinkedHashMap<>();
        private final Set<Path> changed = new java.util.HashSet<>();

        static Lake read(Path lake) throws IOException {
            Lake l = new Lake();
            try (Stream<Path> paths = Files.walk(lake.resolve("audit/decisions"))) {
                for (Path p :
                        paths.filter(f -> f.getFileName().toString().endsWith(".parquet"))
                                .filter(f -> !f.getFileName().toString().startsWith("."))
                                .sorted()
                                .toList()) {
                    List<DecisionRecord> records = new ArrayList<>();
                    try (ParquetReader<DecisionRecord> reader =
                            AvroParquetReader.<DecisionRecord>builder(new LocalInputFile(p))
                                    .withDataModel(SpecificData.getForClass(DecisionRecord.class))
                                    .build()) {
                        DecisionRecord r;
                        while ((r = reader.read()) != null) {
                            records.add(r);
                        }
                    }
                    l.files.put(p, records);
                }
            }
            return l;
        }

        List<DecisionRecord> chainOf(DecisionRecord r) {
            return files.values().stream()
                    .flatMap(List::stream)
                    .filter(x -> x.getTenantId().equals(r.getTenantId()))
                    .sorted(Comparator.comparingLong(DecisionRecord::getChainSeq))
                    .toList();
        }

        /** A record of the biggest tenant's chain, well away from both ends. */
        DecisionRecord someRecordInTheMiddle() {
            DecisionRecord any = files.values().iterator().next().get(0);
            String biggest =
                    sample.acceptedPerTenant().entrySet().stream()
                            .max(Map.Entry.comparingByValue())
                            .orElseThrow()
                            .getKey();
            List<DecisionRecord> chain =
                    chainOf(
                            files.values().stream()
                                    .flatMap(List::stream)
                                    .filter(x -> x.getTenantId().equals(biggest))
                                    .findFirst()
                                    .orElse(any));
            return chain.get(chain.size() / 2);
        }

        DecisionRecord next(DecisionRecord r) {
            List<DecisionRecord> chain = chainOf(r);
            return chain.get(chain.indexOf(r) + 1);
        }

        Path fileOf(DecisionRecord r) {
            return files.entrySet().stream()
                    .filter(e -> e.getValue().contains(r))
                    .map(Map.Entry::getKey)
                    .findFirst()
                    .orElseThrow();
        }

        Path aFileHoldingNoChainTail() {
            Set<DecisionRecord> tails = new java.util.HashSet<>();
            for (String tenant : sample.acceptedPerTenant().keySet()) {
                files.values().stream()
                        .flatMap(List::stream)
                        .filter(x -> x.getTenantId().equals(tenant))
                        .max(Comparator.comparingLong(DecisionRecord::getChainSeq))
                        .ifPresent(tails::add);
            }
            return files.entrySet().stream()
                    .filter(e -> e.getValue().stream().noneMatch(tails::contains))
                    .filter(e -> e.getValue().stream().noneMatch(r -> r.getChainSeq() == 1))
                    .map(Map.Entry::getKey)
                    .findFirst()
                    .orElseThrow();
        }

        void change(DecisionRecord r, Consumer<DecisionRecord> edit) {
            edit.accept(r);
            changed.add(fileOf(r));
        }

        void remove(DecisionRecord r) {
            Path f = fileOf(r);
            files.get(f).remove(r);
            changed.add(f);
        }

        void duplicate(DecisionRecord r) {
            Path f = fileOf(r);
            files.get(f).add(DecisionRecord.newBuilder(r).build());
            changed.add(f);
        }

        /** Inserts a forged decision after {@code after} and re-links the rest of the chain. */
        void insertForgedAfter(DecisionRecord after) {
            List<DecisionRecord> chain = chainOf(after);
            int at = chain.indexOf(after) + 1;
            DecisionRecord forged = DecisionRecord.newBuilder(after).build();
            forged.setEventId(after.getEventId() + "-forged");
            forged.setDecisionApproved(true);
            forged.setContentSha256(
                    new CanonicalContent()
                            .layout3(forged, HexFormat.of().parseHex(forged.getFieldSalt()))
                            .contentSha256());
            Path f = fileOf(after);
            files.get(f).add(forged);
            changed.add(f);
            List<DecisionRecord> relinked = new ArrayList<>(chain.subList(0, at));
            relinked.add(forged);
            relinked.addAll(chain.subList(at, chain.size()));
            ChainHasher hasher = new ChainHasher();
            for (int i = at; i < relinked.size(); i++) {
                DecisionRecord r = relinked.get(i);
                DecisionRecord prev = relinked.get(i - 1);
                r.setChainSeq(prev.getChainSeq() + 1);
                r.setPrevHash(prev.getHash());
                r.setHash(hasher.hash(r.getPrevHash(), r));
                changed.add(fileOf(r));
            }
        }

        /** Recomputes every hash of {@code chain} (in seq order) from seq 1, under each layout. */
        void relink(List<DecisionRecord> chain) {
            ChainHasher hasher = new ChainHasher();
            String prev = ChainHasher.GENESIS;
            for (DecisionRecord r : chain) {
                r.setPrevHash(prev);
                r.setHash(hasher.hash(prev, r));
                prev = r.getHash();
                changed.add(fileOf(r));
            }
        }

        void writeChanged() throws IOException {
            for (Path f : changed) {
                Files.delete(f);
                try (ParquetWriter<DecisionRecord> writer =
                        AvroParquetWriter.<DecisionRecord>builder(new LocalOutputFile(f))
                                .withSchema(DecisionRecord.getClassSchema())
                                .withDataModel(SpecificData.getForClass(DecisionRecord.class))
                                .build()) {
                    for (DecisionRecord r : files.get(f)) {
                        writer.write(r);
                    }
                }
            }
            changed.clear();
        }
    }
}
