package io.decisionledger.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.lake.LakeLayout;
import io.decisionledger.metrics.MetricsJob;
import io.decisionledger.metrics.MetricsOptions;
import io.decisionledger.metrics.MetricsPipeline;
import io.decisionledger.options.OptionTable;
import io.decisionledger.privacy.PseudonymKey;
import io.decisionledger.schema.DecisionMetrics;
import io.decisionledger.schema.OpsDecisionRecord;
import io.decisionledger.testing.InMemoryDecisions;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificData;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
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
 * The derived mode ({@code --derived ops}) end to end: the ops copy the real ingest path wrote
 * verifies clean against its audit records re-masked with the same policy and key, and each way an
 * insider could falsify what operators and BI tools read — edit a masked value, delete a row, add
 * one — is reported by file and event id, never by value; likewise the metrics read model the live
 * MetricsJob wrote, against its windows recomputed from the audit records. The chain check alone
 * (without the derived mode) sees none of it: ops and metrics are outside every chain.
 */
class DerivedVerifyITCase {

    @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = MiniClusters.twoSlots();

    @TempDir static Path work;

    private static Path pristine;

    @BeforeAll
    static void ingestALake() throws Exception {
        SampleDecisions.Sample sample = SampleDecisions.generate(31, 300, 0, 0, Instant.now());
        pristine = work.resolve("pristine");
        IngestRun.ingestInMemory(sample.events(), "decisions", pristine.toUri().toString());

        // and the live metrics job reads the same records into the same lake (the sample spreads
        // over three days in random order: an out-of-orderness bound that large keeps every
        // decision in its window, as a rebuild would)
        MetricsOptions live =
                MetricsOptions.parse(
                        new String[] {
                            "--bootstrap-servers", "in-memory:9092",
                            "--topic", "decisions",
                            "--group-id", "derived-it",
                            "--starting-offsets", "earliest",
                            "--bounded", "true",
                            "--lake", pristine.toUri().toString(),
                            "--checkpoint-interval", "PT0.5S",
                            "--max-out-of-orderness", "PT100H"
                        });
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        MetricsJob.configureEnvironment(env, live);
        MetricsPipeline.live(
                        live,
                        InMemoryDecisions.source("decisions", sample.events(), live.parserLimits()),
                        new MetricsPipeline.Sinks(
                                MetricsJob.metricsSink(live), MetricsJob.lateSink(live), null))
                .build(env);
        env.execute("metrics-live-for-derived-it");
    }

    @Test
    void verifiesTheUntouchedOpsCopyAsClean() throws Exception {
        VerifyReport report = verifyDerived(pristine);

        assertThat(report.violations()).isEmpty();
        assertThat(report.clean()).isTrue();
        assertThat(report.derivedRows())
                .containsEntry("ops-rows-read", 300L)
                .containsEntry("ops-rows-rederived", 300L);
        assertThat(report.summary())
                .contains("; ops: 300 rows equal to the audit records re-masked");
    }

    @Test
    void verifiesTheUntouchedMetricsAsCleanAndCountsThem() throws Exception {
        VerifyReport report = verify(pristine, Set.of("ops", "metrics"), IngestRun.testKeyFile());

        assertThat(report.violations()).isEmpty();
        assertThat(report.derivedRows().get("metrics-rows-read")).isPositive();
        assertThat(report.derivedRows().get("metrics-windows-recomputed")).isPositive();
        assertThat(report.summary()).contains("; metrics: ");
    }

    @Test
    void reportsAChangedMetricsCountAsMetricsMismatch() throws Exception {
        // given the current row of one window with one more approval
        Path lake = copy("metrics-count");
        Map<Path, List<DecisionMetrics>> files = read(lake.resolve("metrics/decision_metrics"));
        Map.Entry<Path, List<DecisionMetrics>> file =
                files.entrySet().stream()
                        .filter(e -> e.getKey().toString().contains("granularity=1d"))
                        .findFirst()
                        .orElseThrow();
        DecisionMetrics victim =
                file.getValue().stream()
                        .max(java.util.Comparator.comparingLong(DecisionMetrics::getRevision))
                        .orElseThrow();
        victim.setApproved(victim.getApproved() + 1);
        rewrite(file.getKey(), file.getValue());

        // the chain check alone does not see it
        assertThat(verifyChains(lake).clean()).isTrue();

        VerifyReport report = verify(lake, Set.of("metrics"), null);
        assertThat(report.violationsByKind()).containsOnlyKeys("METRICS_MISMATCH");
        Violation v = report.violations().get(0);
        assertThat(v.dataset).isEqualTo("metrics");
        assertThat(v.tenantId).isEqualTo(victim.getTenantId());
        assertThat(v.detail)
                .startsWith("granularity=1d model=" + victim.getModel())
                .contains("window_start=" + victim.getWindowStart())
                .contains(": approved differ");
    }

    @Test
    void reportsAnEditedMaskedPromptAsOpsMismatch() throws Exception {
        Path lake = copy("edited-prompt");
        Ops ops = Ops.read(lake);
        OpsDecisionRecord victim = ops.any();
        String secret = "call me at +41 79 555 12 34";
        ops.change(victim, o -> o.setPrompt(secret));
        ops.writeChanged();

        // the chain check alone does not see it
        assertThat(verifyChains(lake).clean()).isTrue();

        VerifyReport report = verifyDerived(lake);
        assertKinds(report, ViolationKind.OPS_MISMATCH);
        Violation v = report.violations().get(0);
        assertThat(v.dataset).isEqualTo("ops");
        assertThat(v.tenantId).isEqualTo(victim.getTenantId());
        assertThat(v.file).endsWith("/" + ops.fileOf(victim).getFileName());
        assertThat(v.detail)
                .startsWith("event " + victim.getEventId() + ": prompt differ")
                .doesNotContain(secret);
    }

    @Test
    void reportsADeletedOpsRowAsOpsMissing() throws Exception {
        Path lake = copy("deleted-row");
        Ops ops = Ops.read(lake);
        OpsDecisionRecord victim = ops.any();
        ops.remove(victim);
        ops.writeChanged();

        VerifyReport report = verifyDerived(lake);

        assertKinds(report, ViolationKind.OPS_MISSING);
        assertThat(report.violations()).hasSize(1);
        assertThat(report.violations().get(0).detail)
                .isEqualTo("event " + victim.getEventId() + ": the audit record has no ops row");
    }

    @Test
    void reportsAnAddedOpsRowAsOpsExtra() throws Exception {
        Path lake = copy("extra-row");
        Ops ops = Ops.read(lake);
        OpsDecisionRecord forged = OpsDecisionRecord.newBuilder(ops.any()).build();
        forged.setEventId("evt-forged-1");
        ops.add(ops.fileOf(ops.any()), forged);
        // and a second copy of an existing row
        OpsDecisionRecord copied = OpsDecisionRecord.newBuilder(ops.any()).build();
        ops.add(ops.fileOf(ops.any()), copied);
        ops.writeChanged();

        VerifyReport report = verifyDerived(lake);

        assertKinds(report, ViolationKind.OPS_EXTRA);
        assertThat(report.violations())
                .extracting(v -> v.detail)
                .containsExactlyInAnyOrder(
                        "event evt-forged-1: ops row without an audit record",
                        "event " + copied.getEventId() + ": 2 ops rows for one audit record");
    }

    @Test
    void reportsEveryRowAsOpsMismatchWithTheWrongPseudonymKey() throws Exception {
        Path otherKey = work.resolve("other.key");
        IngestRun.writeKey(otherKey, new byte[32]);

        VerifyReport report = verify(pristine, Set.of("ops"), otherKey);

        assertKinds(report, ViolationKind.OPS_MISMATCH);
        assertThat(report.violationCount()).isEqualTo(300);
        assertThat(report.violations()).allMatch(v -> v.detail.contains("user_pseudonym"));
    }

    @Test
    void refusesUnknownDerivedDatasetsAndKeyOptionsWithoutDerivedMode() {
        assertThatThrownBy(
                        () ->
                                VerifyJob.Options.parse(
                                        new String[] {
                                            "--lake", "/tmp/l", "--derived", "summaries"
                                        }))
                .isInstanceOf(OptionTable.InvalidOptionException.class)
                .hasMessageContaining("--derived must name datasets among [ops, metrics]");
        assertThatThrownBy(
                        () ->
                                VerifyJob.Options.parse(
                                        new String[] {
                                            "--lake", "/tmp/l", "--pseudonym-key-file", "/tmp/k"
                                        }))
                .isInstanceOf(OptionTable.InvalidOptionException.class)
                .hasMessageContaining("are for --derived ops");
        VerifyJob.Options o =
                VerifyJob.Options.parse(
                        new String[] {
                            "--lake", "/tmp/l", "--derived", "ops", "--pseudonym-key-file", "/tmp/k"
                        });
        assertThat(o.derives("ops")).isTrue();
        assertThat(o.pseudonymKey().file()).isEqualTo("/tmp/k");
        assertThat(VerifyJob.Options.help()).contains("--derived").contains("OPS_MISMATCH");
    }

    @Test
    void expectsNoOpsRowForErasedRecordsOrForRecordsARestrictionPlanRemoved() throws Exception {
        // given one applicant's decisions: the first under an executed RESTRICT plan (its
        // ops rows removed on purpose), the rest erased
        Path lake = copy("rights");
        LakeLayout layout = LakeLayout.at(lake.toUri().toString());
        Map<String, List<String[]>> bySubject = new LinkedHashMap<>();
        for (org.apache.flink.core.fs.FileStatus f :
                io.decisionledger.lake.LakeFiles.parquetFiles(layout.auditDecisions())) {
            io.decisionledger.lake.LakeFiles.forEachRecord(
                    f,
                    r ->
                            bySubject
                                    .computeIfAbsent(
                                            r.get("tenant_id") + "|" + r.get("user_id"),
                                            k -> new ArrayList<>())
                                    .add(
                                            new String[] {
                                                r.get("tenant_id").toString(),
                                                r.get("user_id").toString(),
                                                r.get("event_id").toString()
                                            }));
        }
        List<String[]> mine =
                bySubject.values().stream().max((a, b) -> a.size() - b.size()).orElseThrow();
        assertThat(mine.size()).isGreaterThanOrEqualTo(2);
        String tenant = mine.get(0)[0];
        List<String> ids = mine.stream().map(r -> r[2]).sorted().toList();
        runPlan(lake, tenant, mine.get(0)[1], ids.subList(0, 1), 1, "RESTRICT");
        runPlan(lake, tenant, mine.get(0)[1], ids.subList(1, ids.size()), 2, "ERASE");

        // when the ops copy is re-derived, then nothing is missing: both were on purpose
        VerifyReport report = verifyDerived(lake);

        assertThat(report.violations()).isEmpty();
        assertThat(report.derivedRows())
                .containsEntry("ops-rows-read", 300L - ids.size())
                .containsEntry("ops-rows-rederived", 300L - ids.size());
        assertThat(report.erasedByRequest()).containsEntry("DSR-DERIVED", (long) ids.size() - 1);
    }

    private static void runPlan(
            Path lake, String tenant, String user, List<String> ids, int sequence, String scope)
            throws Exception {
        Path plan =
                lake.resolve(
                        "rights/plans/tenant_id="
                                + tenant
                                + "/request_id=DSR-DERIVED/plan-"
                                + sequence
                                + ".json");
        Files.createDirectories(plan.getParent());
        Files.write(
                plan,
                new io.decisionledger.rights.ErasurePlan(
                                "DSR-DERIVED",
                                sequence,
                                tenant,
                                io.decisionledger.rights.ErasurePlan.SubjectType.USER,
                                user,
                                ids,
                                "2026-12-05T06:00:00Z",
                                "dpo@bank.example",
                                io.decisionledger.rights.ErasurePlan.Scope.valueOf(scope))
                        .toJson());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        new io.decisionledger.erasure.ErasureRunner(
                        io.decisionledger.erasure.ErasureOptions.parse(
                                new String[] {
                                    "--lake",
                                    lake.toUri().toString(),
                                    "--plan",
                                    plan.toUri().toString(),
                                    "--operator",
                                    "dpo@bank.example"
                                }))
                .run(
                        env,
                        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static Map<Path, List<DecisionMetrics>> read(Path dir) throws IOException {
        Map<Path, List<DecisionMetrics>> files = new LinkedHashMap<>();
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p :
                    paths.filter(f -> f.getFileName().toString().endsWith(".parquet"))
                            .filter(f -> !f.getFileName().toString().startsWith("."))
                            .sorted()
                            .toList()) {
                List<DecisionMetrics> rows = new ArrayList<>();
                try (ParquetReader<DecisionMetrics> reader =
                        AvroParquetReader.<DecisionMetrics>builder(new LocalInputFile(p))
                                .withDataModel(SpecificData.getForClass(DecisionMetrics.class))
                                .build()) {
                    DecisionMetrics r;
                    while ((r = reader.read()) != null) {
                        rows.add(r);
                    }
                }
                files.put(p, rows);
            }
        }
        return files;
    }

    private static void rewrite(Path file, List<DecisionMetrics> rows) throws IOException {
        Files.delete(file);
        try (ParquetWriter<DecisionMetrics> writer =
                AvroParquetWriter.<DecisionMetrics>builder(new LocalOutputFile(file))
                        .withSchema(DecisionMetrics.getClassSchema())
                        .withDataModel(SpecificData.getForClass(DecisionMetrics.class))
                        .build()) {
            for (DecisionMetrics r : rows) {
                writer.write(r);
            }
        }
    }

    private static void assertKinds(VerifyReport report, ViolationKind kind) {
        assertThat(report.violationsByKind().keySet())
                .as("violations: %s", report.violations())
                .containsExactly(kind.name());
        assertThat(report.violations()).allMatch(v -> v.dataset.equals("ops"));
        assertThat(report.clean()).isFalse();
    }

    private static VerifyReport verifyDerived(Path lake) throws Exception {
        return verify(lake, Set.of("ops"), IngestRun.testKeyFile());
    }

    private static VerifyReport verifyChains(Path lake) throws Exception {
        return verify(lake, Set.of(), null);
    }

    private static VerifyReport verify(Path lake, Set<String> derived, Path keyFile)
            throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        return new VerifyRunner(
                        new VerifyJob.Options(
                                LakeLayout.at(lake.toUri().toString()),
                                null,
                                work.resolve("r.json"),
                                null,
                                derived,
                                null,
                                keyFile == null
                                        ? null
                                        : new PseudonymKey(
                                                keyFile.toString(), "UNUSED_KEY_ENV", "k1")))
                .run(
                        env,
                        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
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

    /** The ops files of a lake copy, in memory, with the edits an attacker would make. */
    private static final class Ops {
        private final Map<Path, List<OpsDecisionRecord>> files = new LinkedHashMap<>();
        private final java.util.Set<Path> changed = new java.util.HashSet<>();

        static Ops read(Path lake) throws IOException {
            Ops o = new Ops();
            try (Stream<Path> paths = Files.walk(lake.resolve("ops/decisions"))) {
                for (Path p :
                        paths.filter(f -> f.getFileName().toString().endsWith(".parquet"))
                                .filter(f -> !f.getFileName().toString().startsWith("."))
                                .sorted()
                                .toList()) {
                    List<OpsDecisionRecord> records = new ArrayList<>();
                    try (ParquetReader<OpsDecisionRecord> reader =
                            AvroParquetReader.<OpsDecisionRecord>builder(new LocalInputFile(p))
                                    .withDataModel(
                                            SpecificData.getForClass(OpsDecisionRecord.class))
                                    .build()) {
                        OpsDecisionRecord r;
                        while ((r = reader.read()) != null) {
                            records.add(r);
                        }
                    }
                    o.files.put(p, records);
                }
            }
            return o;
        }

        /** A row from the middle of the biggest file. */
        OpsDecisionRecord any() {
            List<OpsDecisionRecord> biggest =
                    files.values().stream()
                            .max(java.util.Comparator.comparingInt(List::size))
                            .orElseThrow();
            return biggest.get(biggest.size() / 2);
        }

        Path fileOf(OpsDecisionRecord r) {
            return files.entrySet().stream()
                    .filter(e -> e.getValue().contains(r))
                    .map(Map.Entry::getKey)
                    .findFirst()
                    .orElseThrow();
        }

        void change(OpsDecisionRecord r, java.util.function.Consumer<OpsDecisionRecord> edit) {
            Path file = fileOf(r);
            edit.accept(r);
            changed.add(file);
        }

        void remove(OpsDecisionRecord r) {
            Path file = fileOf(r);
            files.get(file).remove(r);
            changed.add(file);
        }

        void add(Path file, OpsDecisionRecord r) {
            files.get(file).add(r);
            changed.add(file);
        }

        void writeChanged() throws IOException {
            for (Path f : changed) {
                Files.delete(f);
                if (files.get(f).isEmpty()) {
                    continue;
                }
                try (ParquetWriter<OpsDecisionRecord> writer =
                        AvroParquetWriter.<OpsDecisionRecord>builder(new LocalOutputFile(f))
                                .withSchema(OpsDecisionRecord.getClassSchema())
                                .withDataModel(SpecificData.getForClass(OpsDecisionRecord.class))
                                .build()) {
                    for (OpsDecisionRecord r : files.get(f)) {
                        writer.write(r);
                    }
                }
            }
            changed.clear();
        }
    }
}
