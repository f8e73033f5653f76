package io.decisionledger.verify;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.chain.ChainSharding;
import io.decisionledger.chain.QuarantineChainHasher;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.retention.RetentionSummaries;
import io.decisionledger.schema.ChainAnchor;
import io.decisionledger.schema.QuarantineRecord;
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
import java.util.stream.Collectors;
import java.util.stream.Stream;
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
 * The quarantine's own hash chains, end to end: a lake written by the real ingest path (with
 * malformed input and re-sent duplicates, so refused input in several chains) verifies clean, and
 * each way an insider could hide refused input — delete a quarantined record, alter one, cut a
 * chain's tail, delete the whole quarantine — is reported against the quarantine. Positions that
 * retention deleted and anchored are bridged. Tampering rewrites Parquet with plain parquet-avro,
 * as an attacker with write access to the bucket would.
 */
class QuarantineVerifyITCase {

    @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = MiniClusters.twoSlots();

    @TempDir static Path work;

    private static Path pristine;
    private static SampleDecisions.Sample sample;

    @BeforeAll
    static void ingestALakeWithRefusedInput() throws Exception {
        sample = SampleDecisions.generate(23, 200, 40, 20, Instant.now());
        pristine = work.resolve("pristine");
        IngestRun.ingestInMemory(sample.events(), "decisions", pristine.toUri().toString());
    }

    @Test
    void verifiesTheUntouchedQuarantineAsCleanAndCountsItApart() throws Exception {
        VerifyReport report = verify(pristine);

        assertThat(report.violations()).isEmpty();
        assertThat(report.clean()).isTrue();
        assertThat(report.records()).isEqualTo(200);
        VerifyReport.QuarantineCounts q = report.quarantine();
        assertThat(q.checked()).isTrue();
        assertThat(q.records()).isEqualTo(sample.quarantinedTotal()).isEqualTo(60);
        Map<String, List<QuarantineRecord>> chains = Quarantined.read(pristine).chains();
        assertThat(q.chains()).isEqualTo(chains.size()).isGreaterThan(1);
        assertThat(q.heads()).isEqualTo(chains.size());
        assertThat(q.violationsByKind()).isEmpty();
        assertThat(report.summary())
                .contains("; quarantine: 60 records in " + chains.size() + " chains");
    }

    @Test
    void reportsADeletedQuarantinedRecordAsAGapInTheQuarantine() throws Exception {
        Path lake = copy("deleted-record");
        Quarantined q = Quarantined.read(lake);
        QuarantineRecord victim = q.middleOfTheLongestChain();
        q.remove(victim);
        q.writeChanged();

        VerifyReport report = verify(lake);

        assertQuarantineKinds(report, ViolationKind.SEQ_GAP);
        Violation v = report.violations().get(0);
        assertThat(v.dataset).isEqualTo("quarantine");
        assertThat(v.tenantId).isEqualTo(QuarantineChainHasher.chainTenant(victim.getTenantId()));
        assertThat(v.seqFrom).isEqualTo(victim.getChainSeq());
        assertThat(v.seqTo).isEqualTo(victim.getChainSeq());
        assertThat(report.quarantine().violationsByKind()).containsOnlyKeys("SEQ_GAP");
    }

    @Test
    void reportsAnAlteredQuarantinedRecordAsAHashMismatch() throws Exception {
        Path lake = copy("altered-record");
        Quarantined q = Quarantined.read(lake);
        // a record with a non-empty refused input, so the check below that the report does not
        // quote it can fail (an empty input, e.g. an empty Kafka value, is in every string)
        QuarantineRecord victim = q.middleOfTheLongestChain(r -> bytes(r).length > 8);
        q.change(
                victim,
                r ->
                        r.setReasonCode(
                                "DUPLICATE_EVENT_ID".equals(r.getReasonCode())
                                        ? "MALFORMED_JSON"
                                        : "DUPLICATE_EVENT_ID"));
        q.writeChanged();

        VerifyReport report = verify(lake);

        assertQuarantineKinds(report, ViolationKind.HASH_MISMATCH);
        Violation v = report.violations().get(0);
        assertThat(v.dataset).isEqualTo("quarantine");
        assertThat(v.seqFrom).isEqualTo(victim.getChainSeq());
        // the report names positions and files, never the refused input
        assertThat(v.detail).doesNotContain(new String(bytes(victim), StandardCharsets.UTF_8));
    }

    @Test
    void reportsACutTailAsTruncatedAgainstThePublishedQuarantineHead() throws Exception {
        Path lake = copy("cut-tail");
        Quarantined q = Quarantined.read(lake);
        List<QuarantineRecord> chain = q.longestChain();
        QuarantineRecord tail = chain.get(chain.size() - 1);
        q.remove(tail);
        q.writeChanged();

        VerifyReport report = verify(lake);

        assertQuarantineKinds(report, ViolationKind.TRUNCATED);
        assertThat(report.violations().get(0).seqFrom).isEqualTo(tail.getChainSeq());
    }

    @Test
    void reportsADeletedQuarantineAsTruncatedChains() throws Exception {
        Path lake = copy("no-quarantine");
        int chains = Quarantined.read(lake).chains().size();
        deleteTree(lake.resolve("quarantine"));

        VerifyReport report = verify(lake);

        assertQuarantineKinds(report, ViolationKind.TRUNCATED);
        assertThat(report.violations())
                .hasSize(chains)
                .allMatch(v -> v.dataset.equals("quarantine"));
    }

    @Test
    void bridgesQuarantinePositionsThatRetentionDeletedAndAnchored() throws Exception {
        // given the first half of the longest chain deleted, as retention would, with its anchors
        Path lake = copy("retained");
        Quarantined q = Quarantined.read(lake);
        List<QuarantineRecord> chain = q.longestChain();
        List<QuarantineRecord> deleted = new ArrayList<>(chain.subList(0, chain.size() / 2));
        deleted.forEach(q::remove);
        q.writeChanged();
        List<ChainAnchor> anchors =
                RetentionSummaries.quarantineAnchors(deleted, "2026-01-01", "run-1", Instant.now());
        assertThat(anchors).hasSize(1);
        write(
                lake.resolve(
                        "summaries/quarantine_anchors/ingest_date=2026-01-01/retention-run-1.parquet"),
                anchors);

        // when verified, then the hole is bridged
        VerifyReport report = verify(lake);
        assertThat(report.violations()).isEmpty();
        assertThat(report.quarantine().deletedByRetention()).isEqualTo(deleted.size());

        // and an anchor that does not link is no bridge
        Path forged = copy("retained-forged");
        Quarantined f = Quarantined.read(forged);
        deleted.forEach(f::remove);
        f.writeChanged();
        ChainAnchor bad = ChainAnchor.newBuilder(anchors.get(0)).setToHash("0".repeat(64)).build();
        write(
                forged.resolve(
                        "summaries/quarantine_anchors/ingest_date=2026-01-01/retention-run-1.parquet"),
                List.of(bad));
        assertQuarantineKinds(verify(forged), ViolationKind.BROKEN_LINK);
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static void assertQuarantineKinds(VerifyReport report, ViolationKind... kinds) {
        assertThat(report.violationsByKind().keySet())
                .as("violations: %s", report.violations())
                .isEqualTo(Stream.of(kinds).map(Enum::name).collect(Collectors.toSet()));
        assertThat(report.violations()).allMatch(v -> v.dataset.equals("quarantine"));
        assertThat(report.clean()).isFalse();
    }

    private static VerifyReport verify(Path lake) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        return new VerifyRunner(
                        new VerifyJob.Options(
                                LakeLayout.at(lake.toUri().toString()),
                                null,
                                work.resolve("r.json")))
                .run(
                        env,
                        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    private static byte[] bytes(QuarantineRecord q) {
        java.nio.ByteBuffer b = q.getRaw().duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
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

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static <T extends SpecificRecordBase> void write(Path file, List<T> records)
            throws IOException {
        Files.createDirectories(file.getParent());
        Files.deleteIfExists(file);
        try (ParquetWriter<T> writer =
                AvroParquetWriter.<T>builder(new LocalOutputFile(file))
                        .withSchema(records.get(0).getSchema())
                        .withDataModel(SpecificData.getForClass(records.get(0).getClass()))
                        .build()) {
            for (T r : records) {
                writer.write(r);
            }
        }
    }

    /** The quarantine files of a lake copy, in memory, with the edits an attacker would make. */
    private static final class Quarantined {
        private final Map<Path, List<QuarantineRecord>> files = new LinkedHashMap<>();
        private final java.util.Set<Path> changed = new java.util.HashSet<>();

        static Quarantined read(Path lake) throws IOException {
            Quarantined q = new Quarantined();
            try (Stream<Path> paths = Files.walk(lake.resolve("quarantine"))) {
                for (Path p :
                        paths.filter(f -> f.getFileName().toString().endsWith(".parquet"))
                                .filter(f -> !f.getFileName().toString().startsWith("."))
                                .sorted()
                                .toList()) {
                    List<QuarantineRecord> records = new ArrayList<>();
                    try (ParquetReader<QuarantineRecord> reader =
                            AvroParquetReader.<QuarantineRecord>builder(new LocalInputFile(p))
                                    .withDataModel(SpecificData.getForClass(QuarantineRecord.class))
                                    .build()) {
                        QuarantineRecord r;
                        while ((r = reader.read()) != null) {
                            records.add(r);
                        }
                    }
                    q.files.put(p, records);
                }
            }
            return q;
        }

        Map<String, List<QuarantineRecord>> chains() {
            return files.values().stream()
                    .flatMap(List::stream)
                    .collect(
                            Collectors.groupingBy(
                                    r ->
                                            ChainSharding.chainKey(
                                                    QuarantineChainHasher.chainTenant(
                                                            r.getTenantId()),
                                                    r.getChainShard())));
        }

        List<QuarantineRecord> longestChain() {
            List<QuarantineRecord> chain =
                    chains().values().stream()
                            .max(Comparator.comparingInt(List::size))
                            .orElseThrow();
            return chain.stream()
                    .sorted(Comparator.comparingLong(QuarantineRecord::getChainSeq))
                    .toList();
        }

        QuarantineRecord middleOfTheLongestChain() {
            return middleOfTheLongestChain(r -> true);
        }

        /** The middle one of the longest chain's records that {@code wanted} accepts. */
        QuarantineRecord middleOfTheLongestChain(
                java.util.function.Predicate<QuarantineRecord> wanted) {
            List<QuarantineRecord> chain = longestChain().stream().filter(wanted).toList();
            assertThat(chain.size()).isGreaterThan(4);
            return chain.get(chain.size() / 2);
        }

        Path fileOf(QuarantineRecord r) {
            return files.entrySet().stream()
                    .filter(e -> e.getValue().contains(r))
                    .map(Map.Entry::getKey)
                    .findFirst()
                    .orElseThrow();
        }

        void change(QuarantineRecord r, java.util.function.Consumer<QuarantineRecord> edit) {
            Path file = fileOf(r);
            edit.accept(r);
            changed.add(file);
        }

        void remove(QuarantineRecord r) {
            Path file = fileOf(r);
            files.get(file).remove(r);
            changed.add(file);
        }

        void writeChanged() throws IOException {
            for (Path f : changed) {
                Files.delete(f);
                if (!files.get(f).isEmpty()) {
                    write(f, files.get(f));
                }
            }
            changed.clear();
        }
    }
}
