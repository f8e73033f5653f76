package io.decisionledger.verify;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.chain.ChainHasher;
import io.decisionledger.decision.CanonicalContent;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.testing.IngestRun;
import io.decisionledger.testing.MiniClusters;
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
        assertThat(report.summary()).startsWith("CLEAN: 600 records in 3 chains");
    }

    @Test
    void reportsAChangedFieldAsContentModified() throws Exception {
        Path lake = copy("changed-field");
        Lake files = Lake.read(lake);
        DecisionRecord victim = files.someRecordInTheMiddle();
        files.change(victim, r -> r.setDecisionApproved(!r.getDecisionApproved()));
        files.writeChanged();

        assertKinds(verify(lake), ViolationKind.CONTENT_MODIFIED);
        assertThat(verify(lake).violations().get(0).seqFrom).isEqualTo(victim.getChainSeq());
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
            forged.setContentSha256(new CanonicalContent().sha256Hex(forged));
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
