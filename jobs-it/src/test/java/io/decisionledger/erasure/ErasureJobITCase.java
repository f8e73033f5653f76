package io.decisionledger.erasure;

import static io.decisionledger.testing.DuckDbLake.query;
import static io.decisionledger.testing.DuckDbLake.table;
import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.decision.ErasedColumns;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.rights.ErasureReceipt;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.testing.IngestRun;
import io.decisionledger.testing.MiniClusters;
import io.decisionledger.testing.Proves;
import io.decisionledger.testkit.SampleDecisions;
import io.decisionledger.verify.VerifyReport;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proof of an erasure on a lake the ingest pipeline wrote (IngestJob's operators and production
 * sinks on the MiniCluster, fed from memory: IngestExactlyOnceITCase and
 * IngestTenantBindingKafkaITCase cover the Kafka source): a data subject's decisions on three days
 * and a refused event of theirs among 400 others; the erasure job executes the plan; then an
 * auditor, from the lake alone, finds none of the subject's values in any file (every value of
 * every Parquet row read by DuckDB, every other file's bytes), VerifyJob reports CLEAN with the
 * erased records counted under the request, and still finds a change to an erased record. Running
 * the plan again changes nothing and returns the same receipt.
 */
class ErasureJobITCase {

    @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = MiniClusters.twoSlots();

    @TempDir static Path work;

    @Test
    @Proves({"GDPR-Art-17"})
    void anAuditorFindsNoValueOfTheErasedSubjectAndEveryChainStillVerifies() throws Exception {
        // given an ingested lake holding the subject's decisions and refused input
        String tenant = SampleDecisions.TENANTS.get(0);
        String topic = "decisions-erasure";
        List<SampleDecisions.Event> events =
                new ArrayList<>(SampleDecisions.generate(17, 400, 12, 0, Instant.now()).events());
        events.addAll(ErasureSubject.events(tenant, 6));
        Path lake = work.resolve("lake");
        String lakeUri = lake.toUri().toString();
        IngestRun.ingestInMemory(events, topic, lakeUri);
        List<String> ids = subjectEventIds(lake);
        assertThat(ids).hasSize(6);
        // and compliance officers read the subject's records (logged in access-log/)
        io.decisionledger.access.AccessLog accessLog =
                ErasureSubject.readTheSubject(lakeUri, tenant, ids);
        Map<String, String> values = ErasureSubject.values();
        assertThat(LakeSearch.find(lake, values, List.of("rights/")))
                .as("the subject is in the lake before")
                .anyMatch(hit -> hit.startsWith("audit/"))
                .anyMatch(hit -> hit.startsWith("quarantine/"))
                .anyMatch(hit -> hit.startsWith("ops/"))
                .anyMatch(hit -> hit.startsWith("access-log/") && hit.endsWith(": user id"))
                .anyMatch(hit -> hit.startsWith("access-log/") && hit.endsWith(": name"));

        // when the erasure job executes the request's plan
        String plan = ErasureSubject.writePlan(lake, tenant, ids);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        ErasureRunner.Report report = ErasureSubject.erase(lakeUri, plan, log);

        // then the receipt is in the lake, accounts for every record, and names no value
        ErasureReceipt receipt = report.receipt();
        assertThat(report.alreadyExecuted()).isFalse();
        assertThat(receipt.recordsErased()).isEqualTo(6);
        assertThat(receipt.eventIds()).isEqualTo(ids);
        assertThat(receipt.operator()).isEqualTo("dpo@bank.example");
        assertThat(receipt.warnings()).isEmpty();
        assertThat(receipt.files().stream().map(ErasureReceipt.RewrittenFile::dataset))
                .contains("audit", "ops", "quarantine", "access-log");
        assertThat(receipt.files().stream().filter(f -> f.dataset().equals("access-log")))
                .hasSize(2)
                .allMatch(f -> f.path().equals(f.afterPath()))
                .allMatch(f -> !f.beforeSha256().equals(f.afterSha256()));
        assertThat(receipt.fields()).contains("access-log.purpose", "access-log.query_json");
        Path receiptFile =
                lake.resolve(
                        "rights/receipts/tenant_id="
                                + tenant
                                + "/request_id="
                                + ErasureSubject.REQUEST
                                + "/receipt-1.json");
        assertThat(PlanFile.sha256(Files.readAllBytes(receiptFile)))
                .isEqualTo(report.receiptSha256());
        assertThat(log.toString(StandardCharsets.UTF_8))
                .contains(report.receiptSha256())
                .contains("6 records erased");
        // and an auditor finds no value of the subject anywhere (the request store is rights/)
        assertThat(LakeSearch.find(lake, values, List.of("rights/plans/"))).isEmpty();
        assertThat(LakeSearch.files(lake)).isGreaterThan(20);
        // nor in the job's log
        values.values()
                .forEach(v -> assertThat(log.toString(StandardCharsets.UTF_8)).doesNotContain(v));
        // while every chain verifies, with the erased records counted under the request
        VerifyReport verified = ErasureSubject.verify(lakeUri, work.resolve("verify.json"), log);
        assertThat(verified.clean()).as(log.toString(StandardCharsets.UTF_8)).isTrue();
        assertThat(verified.records()).isEqualTo(406);
        assertThat(verified.erasedByRequest()).isEqualTo(Map.of(ErasureSubject.REQUEST, 6L));
        assertThat(verified.summary())
                .contains("6 records with erased fields under request " + ErasureSubject.REQUEST);
        // and so does the access-log chain, its two entries about the subject erased, the other
        // one as it was
        io.decisionledger.access.AccessLog.Verification accessChain = accessLog.verify();
        assertThat(accessChain.problems()).isEmpty();
        assertThat(accessChain.entries()).isEqualTo(3);
        assertThat(accessChain.erasedByRequest()).isEqualTo(Map.of(ErasureSubject.REQUEST, 2L));
        assertThat(accessLog.entries(null, null, e -> e.getErasedColumnsJson() == null))
                .singleElement()
                .satisfies(e -> assertThat(e.getQueryJson()).contains("user_someone_else"));

        // when the plan is run again, nothing changes and the same receipt comes back
        ErasureRunner.Report again = ErasureSubject.erase(lakeUri, plan, log);
        assertThat(again.alreadyExecuted()).isTrue();
        assertThat(again.receiptSha256()).isEqualTo(report.receiptSha256());

        // and a change to an erased record is still found: its kept commitment ...
        assertTampered(
                lake,
                lakeUri,
                ids.get(0),
                r -> {
                    String json = r.getErasedColumnsJson();
                    int at = json.indexOf("\"prompt\":\"") + "\"prompt\":\"".length();
                    char c = json.charAt(at) == 'a' ? 'b' : 'a';
                    r.setErasedColumnsJson(json.substring(0, at) + c + json.substring(at + 1));
                },
                "CONTENT_MODIFIED");
        // ... or a column it still holds
        assertTampered(
                lake,
                lakeUri,
                ids.get(1),
                r -> r.setDecisionApproved(!Boolean.TRUE.equals(r.getDecisionApproved())),
                "CONTENT_MODIFIED");
        // ... or a value put back where the marker was
        assertTampered(lake, lakeUri, ids.get(2), r -> r.setUserId("user_1234"), "LAYOUT_INVALID");
    }

    @Test
    void aJobThatDiesAfterCommittingASwapIsFinishedByTheNextRun() throws Exception {
        // given a lake as ingest leaves it, and a plan for its most frequent user
        Path lake = work.resolve("crash-lake");
        String lakeUri = lake.toUri().toString();
        io.decisionledger.lake.LakeLayout layout = io.decisionledger.lake.LakeLayout.at(lakeUri);
        io.decisionledger.testing.SmallFileLake.write(
                layout,
                300,
                List.of(
                        java.time.LocalDate.of(2026, 3, 1),
                        java.time.LocalDate.of(2026, 3, 2),
                        java.time.LocalDate.of(2026, 3, 3)),
                20,
                0,
                5);
        List<DecisionRecord> before = new ArrayList<>();
        for (FileStatus f : LakeFiles.parquetFiles(layout.auditDecisions())) {
            LakeFiles.forEachRecord(f, DecisionRecord.class, before::add);
        }
        Map<String, List<DecisionRecord>> byUser =
                before.stream()
                        .collect(
                                java.util.stream.Collectors.groupingBy(
                                        r -> r.getTenantId() + "|" + r.getUserId()));
        List<DecisionRecord> mine =
                byUser.values().stream().max((a, b) -> a.size() - b.size()).orElseThrow();
        List<String> ids = mine.stream().map(DecisionRecord::getEventId).sorted().toList();
        String tenant = mine.get(0).getTenantId();
        Path planFile =
                lake.resolve("rights/plans/tenant_id=" + tenant + "/request_id=R-9/plan-1.json");
        Files.createDirectories(planFile.getParent());
        Files.write(
                planFile,
                new io.decisionledger.rights.ErasurePlan(
                                "R-9",
                                1,
                                tenant,
                                io.decisionledger.rights.ErasurePlan.SubjectType.USER,
                                mine.get(0).getUserId(),
                                ids,
                                "2026-12-05T06:00:00Z",
                                "evaluation")
                        .toJson());
        String[] args = {"--lake", lakeUri, "--plan", planFile.toString(), "--operator", "dpo"};

        // when the job dies (no restarts) right after its first swap's manifest is written
        org.apache.flink.configuration.Configuration noRestart =
                new org.apache.flink.configuration.Configuration();
        noRestart.set(
                org.apache.flink.configuration.RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment dying =
                StreamExecutionEnvironment.getExecutionEnvironment(noRestart);
        dying.setParallelism(2);
        String[] failing = java.util.Arrays.copyOf(args, args.length + 2);
        failing[args.length] = "--fail-at";
        failing[args.length + 1] = "MANIFEST_WRITTEN";
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () ->
                                new ErasureRunner(ErasureOptions.parse(failing))
                                        .run(
                                                dying,
                                                new java.io.PrintStream(
                                                        log, true, StandardCharsets.UTF_8)))
                .hasStackTraceContaining("injected failure after swap step MANIFEST_WRITTEN");
        assertThat(Files.exists(lake.resolve(ErasureRunner.STAGING))).isTrue();

        // and is run again
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        ErasureRunner.Report report =
                new ErasureRunner(ErasureOptions.parse(args))
                        .run(env, new java.io.PrintStream(log, true, StandardCharsets.UTF_8));

        // then every record is there once, the subject's erased, the others untouched
        List<DecisionRecord> after = new ArrayList<>();
        for (FileStatus f : LakeFiles.parquetFiles(layout.auditDecisions())) {
            LakeFiles.forEachRecord(f, DecisionRecord.class, after::add);
        }
        assertThat(after).hasSameSizeAs(before);
        assertThat(after.stream().map(DecisionRecord::getEventId).distinct().count())
                .isEqualTo(before.size());
        assertThat(after)
                .filteredOn(r -> ids.contains(r.getEventId()))
                .hasSize(ids.size())
                .allSatisfy(r -> assertThat(r.getUserId()).isEqualTo(ErasedColumns.MARKER));
        // the receipt counts what both runs did; the staging area is gone
        assertThat(report.receipt().recordsErased()).isEqualTo(ids.size());
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("finished the interrupted swap");
        assertThat(Files.exists(lake.resolve(ErasureRunner.STAGING + "/erasure-R-9-1"))).isFalse();
        // and the chains verify
        VerifyReport verified = ErasureSubject.verify(lakeUri, work.resolve("crash.json"), log);
        assertThat(verified.clean()).as(log.toString(StandardCharsets.UTF_8)).isTrue();
        assertThat(verified.erasedByRequest()).isEqualTo(Map.of("R-9", (long) ids.size()));
    }

    /** Changes one erased record in its file, verifies, puts the file back. */
    private static void assertTampered(
            Path lake, String lakeUri, String eventId, Consumer<DecisionRecord> change, String kind)
            throws Exception {
        FileStatus file = null;
        List<DecisionRecord> rows = new ArrayList<>();
        for (FileStatus f :
                LakeFiles.parquetFiles(
                        new org.apache.flink.core.fs.Path(lakeUri + "/audit/decisions"))) {
            List<DecisionRecord> in = new ArrayList<>();
            LakeFiles.forEachRecord(f, DecisionRecord.class, in::add);
            if (in.stream().anyMatch(r -> r.getEventId().equals(eventId))) {
                file = f;
                rows = in;
            }
        }
        assertThat(file).isNotNull();
        Path local = Path.of(file.getPath().toUri());
        byte[] original = Files.readAllBytes(local);
        for (DecisionRecord r : rows) {
            if (r.getEventId().equals(eventId)) {
                assertThat(r.getUserId()).isEqualTo(ErasedColumns.MARKER);
                change.accept(r);
            }
        }
        Files.delete(local);
        LakeFiles.writeParquet(file.getPath(), rows);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        VerifyReport report = ErasureSubject.verify(lakeUri, work.resolve("tampered.json"), log);
        Files.write(local, original);
        assertThat(report.clean()).isFalse();
        assertThat(report.violationsByKind()).containsKey(kind);
    }

    private static List<String> subjectEventIds(Path lake) {
        List<String> ids = new ArrayList<>();
        for (Map<String, Object> row :
                query(
                        "SELECT event_id FROM "
                                + table(lake.resolve("audit/decisions"))
                                + " WHERE user_id = '"
                                + ErasureSubject.USER
                                + "' ORDER BY event_id")) {
            ids.add((String) row.get("event_id"));
        }
        return ids;
    }
}
