package io.decisionledger.audit;

import static io.decisionledger.testing.DuckDbLake.query;
import static io.decisionledger.testing.DuckDbLake.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.decisionledger.access.AccessLog;
import io.decisionledger.access.AccessRefusedException;
import io.decisionledger.access.ApiTokens;
import io.decisionledger.access.AuditRole;
import io.decisionledger.access.Caller;
import io.decisionledger.access.CliIdentity;
import io.decisionledger.decision.ParsedDecision;
import io.decisionledger.ingest.IngestJob;
import io.decisionledger.ingest.IngestOptions;
import io.decisionledger.ingest.IngestPipeline;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.privacy.PseudonymKey;
import io.decisionledger.report.HeadlessChromium;
import io.decisionledger.schema.AccessLogEntry;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.OpsDecisionRecord;
import io.decisionledger.testing.InMemoryDecisions;
import io.decisionledger.testing.IngestRun;
import io.decisionledger.testing.MiniClusters;
import io.decisionledger.testing.Proves;
import io.decisionledger.testkit.SampleDecisions;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit trail on a lake written by IngestJob's pipeline and production sinks on a MiniCluster,
 * read from an in-memory stand-in for the topic (the Kafka connector is covered by the ingest
 * ITCases in jobs-it): one applicant has four decisions on three days, spread over several files
 * among 400 other decisions, and every query, role rule, access-log entry and evidence bundle is
 * checked against what was produced, with DuckDB as the independent reader where one helps.
 */
class AuditTrailITCase {

    @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = MiniClusters.twoSlots();

    @TempDir static Path work;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TENANT = "bank_456";
    private static final String USER = "user_audit_7";
    private static final Caller OFFICER = Caller.cli("a.officer", AuditRole.COMPLIANCE_OFFICER);
    private static final Caller OPERATOR = Caller.cli("o.perator", AuditRole.OPERATOR);
    private static final String PURPOSE = "Complaint C-2026-0042 (applicant request, GDPR Art. 15)";

    /** The applicant's decisions: id → time, in time order. */
    private static final Map<String, Instant> DECISIONS = new LinkedHashMap<>();

    private static Path lakeDir;
    private static LakeLayout lake;
    private static AuditQueries queries;
    private static LocalDate day0;
    private static LocalDate day1;
    private static LocalDate day2;

    @BeforeAll
    static void ingestALakeWithOneApplicantsHistory() throws Exception {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        day0 = today.minusDays(3);
        day1 = today.minusDays(2);
        day2 = today.minusDays(1);
        DECISIONS.put("evt-audit-1", day0.atTime(10, 0, 0, 123_000_000).toInstant(ZoneOffset.UTC));
        DECISIONS.put("evt-audit-2", day1.atTime(9, 0).toInstant(ZoneOffset.UTC));
        DECISIONS.put("evt-audit-3", day1.atTime(15, 30, 0, 500_000_000).toInstant(ZoneOffset.UTC));
        DECISIONS.put("evt-audit-4", day2.atTime(8, 0).toInstant(ZoneOffset.UTC));

        // 400 other decisions (3 tenants, the last 3 days). The in-memory source reads its records
        // as two contiguous ranges, one per reader (a partition each): the applicant's four sit in
        // the first range, two near its start and two at its end, so they keep their order, as
        // one Kafka key's records do in one partition. The job holds back what follows the first
        // decision of day 1 until a checkpoint barrier has passed it, so the two decisions of day
        // 1 are written to different files (the file boundary under test).
        SampleDecisions.Sample sample = SampleDecisions.generate(31, 400, 0, 0, Instant.now());
        List<SampleDecisions.Event> events = new ArrayList<>(sample.events());
        int[] positions = {2, 8, 195, 201};
        int i = 0;
        for (Map.Entry<String, Instant> d : DECISIONS.entrySet()) {
            events.add(positions[i], applicantEvent(d.getKey(), d.getValue(), i));
            i++;
        }
        // the source splits its records into one contiguous range per reader (the environment's
        // parallelism, 2): [0, n/2) and [n/2, n); all four of the applicant's are in the first
        assertThat(positions[3]).isLessThan(events.size() / 2);
        lakeDir = work.resolve("lake");
        IngestOptions options =
                IngestRun.boundedOptions("in-memory:9092", "decisions", lakeDir.toUri().toString())
                        .with("checkpoint-interval", "PT0.2S");
        StreamExecutionEnvironment env = IngestRun.environment(options);
        List<byte[]> values = events.stream().map(SampleDecisions.Event::value).toList();
        IngestPipeline job =
                new IngestPipeline(
                        options,
                        InMemoryDecisions.sourceOfValues(
                                "decisions",
                                values,
                                options.parserLimits(),
                                options.tenantBindings(),
                                RateLimiterStrategy.noOp()),
                        IngestJob.sinks(options));
        job.buildFrom(
                job.readDecisions(env)
                        .map(new HoldBackAfter("evt-audit-2"))
                        .returns(TypeInformation.of(ParsedDecision.class))
                        .name("hold-back-after-marker (test)"));
        env.execute("ingest-for-audit-it");
        lake = LakeLayout.at(lakeDir.toUri().toString());
        queries = new AuditQueries(lake, Clock.systemUTC());
        System.out.printf(
                "audit IT lake: %s files on day 0, %s on day 1, %s on day 2 for %s%n",
                filesIn(day0), filesIn(day1), filesIn(day2), TENANT);
    }

    /**
     * Test-only pass-through: once the marker event has passed, slows its subtask down until a
     * checkpoint barrier has passed it too. The FileSink rolls its files at every barrier it aligns
     * on, so everything behind the marker in this subtask lands in a later file than the marker,
     * however slowly the loaded test machine deploys the job or runs checkpoints.
     */
    static final class HoldBackAfter
            implements MapFunction<ParsedDecision, ParsedDecision>, CheckpointedFunction {
        private static final long serialVersionUID = 1L;

        private final String marker;
        private transient boolean seen;
        private transient boolean barrierPassed;

        HoldBackAfter(String marker) {
            this.marker = marker;
        }

        @Override
        public ParsedDecision map(ParsedDecision value) throws InterruptedException {
            if (!seen && value.decision != null && marker.equals(value.decision.getEventId())) {
                seen = true;
            }
            if (seen && !barrierPassed) {
                // a sleep per record, not a wait: the barrier is taken between two records
                Thread.sleep(100);
            }
            return value;
        }

        @Override
        public void snapshotState(FunctionSnapshotContext context) {
            if (seen) {
                barrierPassed = true;
            }
        }

        @Override
        public void initializeState(FunctionInitializationContext context) {}
    }

    private static SampleDecisions.Event applicantEvent(String id, Instant time, int n)
            throws IOException {
        boolean approved = n % 2 == 0;
        String reasons =
                "R"
                        + (n + 1)
                        + (approved ? ": income verified, score 7" : ": debt-to-income 0.5")
                        + n;
        ObjectNode e = JSON.createObjectNode();
        e.put("eventId", id);
        e.put("eventType", "AI_DECISION");
        e.put("timestamp", time.toString());
        e.put("tenantId", TENANT);
        e.put("userId", USER);
        e.put("caseId", n == 0 ? "loan_A1" : n < 3 ? "loan_A2" : "loan_A3");
        ObjectNode ai = e.putObject("aiInteraction");
        ai.put("model", "gpt-4o");
        ai.put("modelVersion", "gpt-4o-2024-05-13");
        ai.put("modelMetadataId", "meta_20240513");
        ai.put("prompt", "Evaluate this loan application for Zoë Audit (zoe.audit@example.com)");
        ai.put("systemPrompt", "You are a loan underwriting assistant.");
        ObjectNode context = ai.putObject("context");
        context.putArray("userHistory").add("User has 1 previous approved loan");
        context.putArray("relevantDocuments").add("Credit report: score 7" + n).add("Payslip");
        context.putObject("metadata").put("creditScore", 700 + n).put("dtiRatio", 0.31);
        ai.putObject("parameters").put("temperature", 0.3).put("maxTokens", 500).put("topP", 1);
        ai.putObject("response")
                .put("content", "{\"approved\":" + approved + "}")
                .put("tokens", 12)
                .put("finishReason", "stop");
        ai.putObject("decision")
                .put("approved", approved)
                .put("confidence", 0.9 - n / 10.0)
                .put("reasoning", reasons);
        return new SampleDecisions.Event(
                TENANT + ":" + USER, JSON.writeValueAsBytes(e), TENANT, id);
    }

    private static Instant at(String id) {
        return DECISIONS.get(id);
    }

    private static String eventId(QueryResult r) {
        return (String) r.records().get(0).get("event_id");
    }

    // ---- decision-at --------------------------------------------------------------------------

    @Test
    @Proves({"EU-AI-Act-Art-86", "GDPR-Art-22"})
    void decisionAtCrossesBackIntoAnEarlierPartition() throws Exception {
        Instant morningOfDay2 = day2.atTime(7, 0).toInstant(ZoneOffset.UTC);

        QueryResult r =
                queries.decisionAt(OFFICER, PURPOSE, TENANT, Subject.user(USER), morningOfDay2);

        assertThat(r.found()).isTrue();
        assertThat(eventId(r)).isEqualTo("evt-audit-3");
        DecisionRecord d = (DecisionRecord) r.records().get(0);
        assertThat(d.getUserId()).isEqualTo(USER);
        assertThat(d.getDecisionApproved()).isTrue();
        assertThat(d.getDecisionReasoning()).isEqualTo("R3: income verified, score 72");
        assertThat(d.getEventTime()).isEqualTo(at("evt-audit-3"));
        // day 2 (no decision before 07:00) and day 1 (hit): two folders, every file in them
        // opened, but only the row groups that can hold the applicant read
        assertThat(r.stats().partitions()).isEqualTo(2);
        assertThat(r.stats().files()).isEqualTo(filesIn(day2) + filesIn(day1));
        // statistics rule out every file without the applicant; of the rest, the file of day 2
        // has no decision before 07:00, so only the two files of day 1 are decoded in full
        assertThat(r.stats().rowGroupsScanned()).isBetween(2L, 3L);
        assertThat(r.stats().rowGroupsScanned()).isLessThan(r.stats().rowGroups());
        assertThat(r.stats().rowGroupsRead()).isEqualTo(2);
        assertThat(r.stats().rowsMatched()).isEqualTo(2);
        assertThat(r.toText())
                .contains("APPROVED")
                .contains("R3: income verified, score 72")
                .contains("Scanned: 2 partitions, ")
                .contains("2 read in full");
    }

    @Test
    void decisionAtFindsTheLatestOfADayAcrossAFileBoundary() throws Exception {
        QueryResult endOfDay1 =
                queries.decisionAt(
                        OFFICER,
                        PURPOSE,
                        TENANT,
                        Subject.user(USER),
                        TimeBounds.at(day1.toString()));
        QueryResult noonOfDay1 =
                queries.decisionAt(
                        OFFICER,
                        PURPOSE,
                        TENANT,
                        Subject.user(USER),
                        day1.atTime(12, 0).toInstant(ZoneOffset.UTC));

        // the two decisions of day 1 were written to different files
        assertThat(endOfDay1.files().get(0)).isNotEqualTo(noonOfDay1.files().get(0));
        assertThat(endOfDay1.files().get(0)).contains("event_date=" + day1);
        assertThat(eventId(endOfDay1)).isEqualTo("evt-audit-3");
        assertThat(eventId(noonOfDay1)).isEqualTo("evt-audit-2");
        assertThat(endOfDay1.stats().partitions()).isEqualTo(1);
    }

    @Test
    void decisionAtIncludesADecisionMadeExactlyAtTheInstant() throws Exception {
        Instant exact = at("evt-audit-3");

        QueryResult atIt = queries.decisionAt(OFFICER, PURPOSE, TENANT, Subject.user(USER), exact);
        QueryResult justBefore =
                queries.decisionAt(
                        OFFICER,
                        PURPOSE,
                        TENANT,
                        Subject.user(USER),
                        exact.minus(1, ChronoUnit.MICROS));

        assertThat(eventId(atIt)).isEqualTo("evt-audit-3");
        assertThat(eventId(justBefore)).isEqualTo("evt-audit-2");
    }

    @Test
    void answersNoneBeforeTheFirstDecisionAndLogsTheAttempt() throws Exception {
        Instant before = at("evt-audit-1").minus(1, ChronoUnit.MICROS);

        QueryResult r = queries.decisionAt(OFFICER, PURPOSE, TENANT, Subject.user(USER), before);

        assertThat(r.found()).isFalse();
        assertThat(r.records()).isEmpty();
        assertThat(r.toText())
                .contains("None: no decision about this user at or before that instant.");
        JsonNode json = r.toJson();
        assertThat(json.get("found").asBoolean()).isFalse();
        assertThat(json.get("count").asInt()).isZero();
        assertThat(r.logged().getOutcome()).isEqualTo("NONE_FOUND");
        assertThat(r.logged().getRecordIds()).isEmpty();
        assertThat(r.logged().getQueryJson()).contains(USER).contains(before.toString());
    }

    @Test
    void decisionAtByCaseId() throws Exception {
        QueryResult r =
                queries.decisionAt(
                        OFFICER,
                        PURPOSE,
                        TENANT,
                        Subject.caseId("loan_A2"),
                        TimeBounds.at(day2.toString()));

        assertThat(eventId(r)).isEqualTo("evt-audit-3");
    }

    // ---- history and event --------------------------------------------------------------------

    @Test
    void historyListsEveryDecisionInTimeOrderAsDuckDbSeesThem() throws Exception {
        QueryResult all =
                queries.history(
                        OFFICER,
                        PURPOSE,
                        TENANT,
                        Subject.user(USER),
                        TimeBounds.from(day0.toString()),
                        TimeBounds.toExclusive(day2.toString()));
        QueryResult day1Only =
                queries.history(
                        OFFICER,
                        PURPOSE,
                        TENANT,
                        Subject.user(USER),
                        TimeBounds.from(day1.toString()),
                        TimeBounds.toExclusive(day1.toString()));
        QueryResult exactBounds =
                queries.history(
                        OFFICER,
                        PURPOSE,
                        TENANT,
                        Subject.user(USER),
                        at("evt-audit-2"),
                        TimeBounds.toExclusive(at("evt-audit-3").toString()));

        List<String> duckdb =
                query(
                                "SELECT event_id FROM "
                                        + table(lakeDir.resolve("audit/decisions"))
                                        + " WHERE tenant_id = 'bank_456' AND user_id = '"
                                        + USER
                                        + "' ORDER BY event_time")
                        .stream()
                        .map(row -> (String) row.get("event_id"))
                        .toList();
        assertThat(ids(all)).containsExactlyElementsOf(DECISIONS.keySet()).isEqualTo(duckdb);
        assertThat(all.records())
                .extracting(r -> (Instant) r.get("event_time"))
                .isSorted()
                .containsExactlyElementsOf(DECISIONS.values());
        assertThat(ids(day1Only)).containsExactly("evt-audit-2", "evt-audit-3");
        assertThat(day1Only.stats().partitions()).isEqualTo(1);
        assertThat(ids(exactBounds)).containsExactly("evt-audit-2", "evt-audit-3");
        assertThat(all.logged().getRecordIds()).containsExactlyElementsOf(DECISIONS.keySet());
        assertThat(all.toText()).contains("R1: income verified").contains("DECLINED");
    }

    @Test
    @Proves({"Reg-B-1002.9"})
    void eventByIdGivesTheFullRecordToAnOfficerAndTheMaskedCopyToAnOperator() throws Exception {
        QueryResult full = queries.event(OFFICER, PURPOSE, TENANT, "evt-audit-2", null);
        QueryResult masked = queries.event(OPERATOR, null, TENANT, "evt-audit-2", null);
        QueryResult missing = queries.event(OFFICER, PURPOSE, TENANT, "evt-no-such", null);

        assertThat(((DecisionRecord) full.records().get(0)).getUserId()).isEqualTo(USER);
        assertThat(full.view()).isEqualTo(AuditQueries.View.FULL);
        OpsDecisionRecord ops = (OpsDecisionRecord) masked.records().get(0);
        assertThat(masked.view()).isEqualTo(AuditQueries.View.MASKED);
        assertThat(ops.getUserPseudonym()).isEqualTo(pseudonym(USER));
        assertThat(ops.getPrompt()).doesNotContain("zoe.audit@example.com").contains("[EMAIL]");
        assertThat(masked.toJson().toString()).doesNotContain(USER).doesNotContain("zoe.audit");
        assertThat(masked.logged()).isNull();
        assertThat(missing.found()).isFalse();
        assertThat(missing.toText()).contains("None: no decision with this event id");
    }

    // ---- roles --------------------------------------------------------------------------------

    @Test
    void operatorReadsMaskedCopiesByPseudonymAndIsRefusedFullRecords() throws Exception {
        long logged = accessLogSize();

        QueryResult byPseudonym =
                queries.decisionAt(
                        OPERATOR,
                        null,
                        TENANT,
                        Subject.userPseudonym(pseudonym(USER)),
                        TimeBounds.at(day1.toString()));

        assertThat(byPseudonym.view()).isEqualTo(AuditQueries.View.MASKED);
        assertThat(eventId(byPseudonym)).isEqualTo("evt-audit-3");
        assertThat(byPseudonym.records().get(0)).isInstanceOf(OpsDecisionRecord.class);
        assertThatThrownBy(
                        () ->
                                queries.decisionAt(
                                        OPERATOR,
                                        PURPOSE,
                                        TENANT,
                                        Subject.user(USER),
                                        Instant.now()))
                .isInstanceOf(AccessRefusedException.class)
                .hasMessageContaining("role operator may not read full records")
                .hasMessageContaining("user_pseudonym")
                .hasMessageNotContaining(USER);
        assertThatThrownBy(
                        () ->
                                queries.history(
                                        OPERATOR,
                                        PURPOSE,
                                        TENANT,
                                        Subject.caseId("loan_A2"),
                                        Instant.EPOCH,
                                        Instant.now()))
                .isInstanceOf(AccessRefusedException.class);
        assertThatThrownBy(
                        () ->
                                queries.event(
                                        OPERATOR,
                                        PURPOSE,
                                        TENANT,
                                        "evt-audit-2",
                                        AuditQueries.View.FULL))
                .isInstanceOf(AccessRefusedException.class);
        assertThatThrownBy(
                        () ->
                                new EvidenceBundle(queries, Clock.systemUTC())
                                        .create(
                                                OPERATOR,
                                                PURPOSE,
                                                TENANT,
                                                "evt-audit-2",
                                                work.resolve("op-bundle"),
                                                false))
                .isInstanceOf(AccessRefusedException.class)
                .hasMessageContaining("may not build evidence bundles");
        assertThatThrownBy(
                        () ->
                                queries.readAccessLog(
                                        OPERATOR, PURPOSE, null, null, null, null, null, false))
                .isInstanceOf(AccessRefusedException.class)
                .hasMessageContaining("restricted to compliance officers");
        assertThat(Files.exists(work.resolve("op-bundle"))).isFalse();
        // masked reads and refusals are not full reads: nothing added to the access log
        assertThat(accessLogSize()).isEqualTo(logged);
    }

    @Test
    void aFullReadWithoutPurposeIsRefusedBeforeAnythingIsRead() throws Exception {
        long logged = accessLogSize();

        assertThatThrownBy(
                        () ->
                                queries.decisionAt(
                                        OFFICER, " ", TENANT, Subject.user(USER), Instant.now()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a purpose is required");
        assertThat(accessLogSize()).isEqualTo(logged);
    }

    // ---- access log ---------------------------------------------------------------------------

    @Test
    @Proves({"GDPR-Art-30"})
    void everyFullReadIsInTheAccessLogAndReadingTheLogIsLoggedToo() throws Exception {
        Caller auditor = Caller.cli("log.checker", AuditRole.COMPLIANCE_OFFICER);

        QueryResult a =
                queries.decisionAt(auditor, "check 1", TENANT, Subject.user(USER), Instant.now());
        QueryResult b =
                queries.history(
                        auditor,
                        "check 2",
                        TENANT,
                        Subject.caseId("loan_A2"),
                        Instant.EPOCH,
                        Instant.now());
        QueryResult c = queries.event(auditor, "check 3", TENANT, "evt-audit-1", null);
        QueryResult read =
                queries.readAccessLog(
                        auditor, "review my reads", null, null, "log.checker", null, null, true);

        List<AccessLogEntry> mine = read.records().stream().map(r -> (AccessLogEntry) r).toList();
        assertThat(mine)
                .extracting(AccessLogEntry::getPurpose)
                .containsExactly("check 1", "check 2", "check 3");
        assertThat(mine)
                .extracting(AccessLogEntry::getAction)
                .containsExactly("DECISION_AT", "HISTORY", "EVENT");
        assertThat(mine)
                .extracting(e -> e.getRecordIds().toString())
                .containsExactly("[evt-audit-4]", "[evt-audit-2, evt-audit-3]", "[evt-audit-1]");
        assertThat(mine)
                .allSatisfy(
                        e -> {
                            assertThat(e.getActorRole()).isEqualTo("compliance_officer");
                            // the test's own configuration vouches only for root
                            // (CliIdentity.controlledBy)
                            assertThat(e.getChannel())
                                    .isEqualTo(
                                            "root".equals(System.getProperty("user.name"))
                                                    ? "CLI"
                                                    : "CLI-UNAUTHENTICATED");
                            assertThat(e.getTenantId()).isEqualTo(TENANT);
                            assertThat(e.getDataset()).isEqualTo("audit/decisions");
                        });
        assertThat(List.of(a.logged(), b.logged(), c.logged()))
                .extracting(AccessLogEntry::getAccessId)
                .containsExactlyElementsOf(mine.stream().map(AccessLogEntry::getAccessId).toList());
        // the read of the log is itself an entry, naming how many entries it returned and a
        // digest of their ids (not the ids: the log would grow with the square of its reads)
        AccessLogEntry logRead = read.logged();
        assertThat(logRead.getAction()).isEqualTo("ACCESS_LOG");
        assertThat(logRead.getDataset()).isEqualTo("access-log");
        String digest =
                AuditQueries.idsDigest(
                        mine.stream().map(AccessLogEntry::getAccessId).sorted().toList());
        assertThat(logRead.getRecordIds()).containsExactly("sha256:" + digest);
        JsonNode logged = JSON.readTree(logRead.getQueryJson());
        assertThat(logged.get("returned_count").asInt()).isEqualTo(3);
        assertThat(logged.get("returned_ids_sha256").asText()).isEqualTo(digest);
        assertThat(read.verification().problems()).isEmpty();
        // an independent reader sees one file per entry, with the columns of the schema
        Path logDir = lakeDir.resolve("access-log");
        long files;
        try (Stream<Path> s = Files.walk(logDir)) {
            files =
                    s.filter(
                                    p ->
                                            p.toString().endsWith(".parquet")
                                                    && !p.getFileName().toString().startsWith("."))
                            .count();
        }
        List<Map<String, Object>> rows =
                query(
                        "SELECT log_seq, actor, purpose, access_date FROM "
                                + table(logDir)
                                + " ORDER BY log_seq");
        assertThat(rows).hasSize((int) files);
        assertThat(rows.get(rows.size() - 1).get("actor")).isEqualTo("log.checker");
        assertThat(rows.get(rows.size() - 1).get("log_seq")).isEqualTo(logRead.getLogSeq());
        assertThat(rows)
                .extracting(r -> ((Number) r.get("log_seq")).longValue())
                .isSorted()
                .doesNotHaveDuplicates();
        assertThat(new AccessLog(lake, Clock.systemUTC()).verify().intact()).isTrue();
    }

    // ---- evidence bundle ----------------------------------------------------------------------

    @Test
    @Proves({"EU-AI-Act-Art-86", "GDPR-Art-22", "EU-AI-Act-Art-12"})
    void evidenceBundleVerifiesAndAnyOneByteChangeIsCaught() throws Exception {
        Path folder = work.resolve("bundles/evt-audit-3");

        EvidenceBundle.Result made =
                new EvidenceBundle(queries, Clock.systemUTC())
                        .create(OFFICER, PURPOSE, TENANT, "evt-audit-3", folder, true);

        assertThat(made.verified()).as("checks: %s", made.checks()).isTrue();
        assertThat(fileNames(folder))
                .containsExactly(
                        "access-log.json",
                        "chain-proof.json",
                        "decision.json",
                        "evidence.html",
                        "manifest.json",
                        "model-card.json",
                        "record.json");
        BundleVerifier.Report clean = BundleVerifier.verify(folder, lake);
        assertThat(clean.ok()).as(clean.toText()).isTrue();
        assertThat(clean.checks())
                .extracting(BundleVerifier.Check::name)
                .contains(
                        "content hash",
                        "record chain hash",
                        "link to previous record",
                        "links to the following records",
                        "published chain head",
                        "head in the given lake",
                        "access-log entries");
        assertThat(BundleVerifier.verify(made.zip(), lake).ok()).isTrue();
        JsonNode record = JSON.readTree(folder.resolve("record.json").toFile());
        assertThat(record.get("user_id").asText()).isEqualTo(USER);
        assertThat(record.get("decision_reasoning").asText())
                .isEqualTo("R3: income verified, score 72");
        JsonNode modelCard = JSON.readTree(folder.resolve("model-card.json").toFile());
        assertThat(modelCard.get("registered").asBoolean()).isFalse();
        assertThat(modelCard.get("statement").asText()).isEqualTo("no registered model card");
        JsonNode proof = JSON.readTree(folder.resolve("chain-proof.json").toFile());
        assertThat(proof.get("chain_seq").asLong()).isEqualTo(record.get("chain_seq").asLong());
        assertThat(proof.get("previous").get("hash").asText())
                .isEqualTo(record.get("prev_hash").asText());
        assertThat(proof.get("head").get("chain_seq").asLong())
                .isEqualTo(record.get("chain_seq").asLong() + proof.get("following").size());
        JsonNode accesses =
                JSON.readTree(folder.resolve("access-log.json").toFile()).get("entries");
        assertThat(accesses.get(accesses.size() - 1).get("action").asText()).isEqualTo("BUNDLE");
        assertThat(accesses.get(accesses.size() - 1).get("access_id").asText())
                .isEqualTo(made.logged().getAccessId());
        JsonNode decision = JSON.readTree(folder.resolve("decision.json").toFile());
        assertThat(decision.get("decision").get("reasoning").asText())
                .isEqualTo("R3: income verified, score 72");
        assertThat(decision.get("parameters").get("max_tokens").asLong()).isEqualTo(500);

        // one byte of the record: its file digest and its content hash both fail
        Path tamperedRecord = copyBundle(folder, "tampered-record");
        flipOneByte(
                tamperedRecord.resolve("record.json"),
                "income verified, score 72",
                "income verified, score 73");
        BundleVerifier.Report r1 = BundleVerifier.verify(tamperedRecord, null);
        assertThat(r1.ok()).isFalse();
        assertThat(failed(r1))
                .contains("file record.json", "content hash", "decision.json matches the record");

        // one byte of the page: only its digest fails
        Path tamperedPage = copyBundle(folder, "tampered-page");
        flipOneByte(tamperedPage.resolve("evidence.html"), "APPROVED", "APPROVEE");
        assertThat(failed(BundleVerifier.verify(tamperedPage, null)))
                .containsExactly("file evidence.html");

        // a careful forger who also fixes the manifest still fails the content hash
        Path forged = copyBundle(folder, "forged-with-manifest");
        flipOneByte(
                forged.resolve("record.json"),
                "\"decision_confidence\" : 0.7,",
                "\"decision_confidence\" : 0.8,");
        rewriteManifestDigest(forged, "record.json");
        List<String> forgedFailures = failed(BundleVerifier.verify(forged, null));
        assertThat(forgedFailures).doesNotContain("file record.json");
        assertThat(forgedFailures).contains("content hash", "decision.json matches the record");

        // one byte of the chain proof (the predecessor's offset): its hash no longer recomputes
        Path tamperedProof = copyBundle(folder, "tampered-proof");
        long offset = proof.get("previous").get("source_offset").asLong();
        flipOneByte(
                tamperedProof.resolve("chain-proof.json"),
                "\"source_offset\" : " + offset + ",",
                "\"source_offset\" : " + (offset % 10 == 9 ? offset - 1 : offset + 1) + ",");
        rewriteManifestDigest(tamperedProof, "chain-proof.json");
        assertThat(failed(BundleVerifier.verify(tamperedProof, null)))
                .containsExactly("link to previous record");
    }

    @Test
    void evidenceBundleIncludesTheRegisteredModelCardWhenThereIsOne() throws Exception {
        Path copy = work.resolve("lake-with-model-card");
        copyTree(lakeDir, copy);
        Schema card =
                SchemaBuilder.record("ModelVersion")
                        .fields()
                        .requiredString("model_metadata_id")
                        .requiredString("model_name")
                        .requiredString("version")
                        .requiredString("release_date")
                        .requiredString("training_cutoff")
                        .requiredString("fine_tuning_dataset")
                        .requiredDouble("accuracy")
                        .endRecord();
        Path dir = copy.resolve("models/model_versions");
        Files.createDirectories(dir);
        try (ParquetWriter<GenericRecord> w =
                AvroParquetWriter.<GenericRecord>builder(
                                new LocalOutputFile(dir.resolve("part-0.parquet")))
                        .withSchema(card)
                        .build()) {
            GenericRecord r = new GenericData.Record(card);
            r.put("model_metadata_id", "meta_20240513");
            r.put("model_name", "gpt-4o");
            r.put("version", "gpt-4o-2024-05-13");
            r.put("release_date", "2024-05-13");
            r.put("training_cutoff", "2024-04-01");
            r.put("fine_tuning_dataset", "proprietary_loan_decisions_2024");
            r.put("accuracy", 0.94);
            w.write(r);
        }
        AuditQueries withCard =
                new AuditQueries(LakeLayout.at(copy.toUri().toString()), Clock.systemUTC());
        Path folder = work.resolve("bundles/with-card");

        new EvidenceBundle(withCard, Clock.systemUTC())
                .create(OFFICER, PURPOSE, TENANT, "evt-audit-2", folder, false);

        JsonNode modelCard = JSON.readTree(folder.resolve("model-card.json").toFile());
        assertThat(modelCard.get("registered").asBoolean()).isTrue();
        assertThat(modelCard.get("matched_on").asText()).isEqualTo("model_metadata_id");
        assertThat(modelCard.get("card").get("fine_tuning_dataset").asText())
                .isEqualTo("proprietary_loan_decisions_2024");
        assertThat(modelCard.get("card").get("accuracy").asDouble()).isEqualTo(0.94);
        assertThat(Files.readString(folder.resolve("evidence.html")))
                .contains("proprietary_loan_decisions_2024");
        assertThat(BundleVerifier.verify(folder, null).ok()).isTrue();
    }

    @Test
    void evidencePageRendersInHeadlessChromium() throws Exception {
        HeadlessChromium chromium = HeadlessChromium.find("chromium");
        Assumptions.assumeTrue(
                chromium != null,
                "chromium is not installed (apt-get install -y chromium; .ci/run installs it): skipping the rendering check");
        Path folder = work.resolve("bundles/for-screenshot");
        new EvidenceBundle(queries, Clock.systemUTC())
                .create(OFFICER, PURPOSE, TENANT, "evt-audit-2", folder, false);
        Path png = work.resolve("evidence.png");
        Path page = folder.resolve("evidence.html");

        String dom = chromium.run(page, "--dump-dom").stdout();
        chromium.run(page, "--screenshot=" + png, "--window-size=1200,1600");

        assertThat(dom)
                .contains("DECLINED")
                .contains("R2: debt-to-income 0.51")
                .contains("Integrity: VERIFIED")
                .contains("gpt-4o-2024-05-13");
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(1200);
        assertThat(image.getHeight()).isEqualTo(1600);
        // the green "VERIFIED" banner and the red "DECLINED" verdict were painted
        assertThat(pixelsNear(image, 0xdafbe1)).isGreaterThan(5_000);
        assertThat(pixelsNear(image, 0xcf222e)).isGreaterThan(200);
        Path kept = Path.of("target/audit-evidence-screenshot.png").toAbsolutePath();
        Files.createDirectories(kept.getParent());
        Files.copy(png, kept, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(
                folder.resolve("evidence.html"),
                kept.resolveSibling("audit-evidence-sample.html"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    // ---- CLI and HTTP API ---------------------------------------------------------------------

    @Test
    void cliAnswersAsTextOrJsonAndRefusesWithExitCode3() throws Exception {
        // each person proves who they are with their own token file, checked against the
        // operators' token digests
        Path auth = work.resolve("cli-auth");
        Files.createDirectories(auth);
        Files.writeString(
                auth.resolve("api-tokens"),
                ApiTokens.digestHex("cli-officer-token")
                        + " cli.officer compliance_officer *\n"
                        + ApiTokens.digestHex("cli-operator-token")
                        + " cli.operator operator "
                        + TENANT
                        + "\n");
        Path config = auth.resolve("auth.properties");
        Files.writeString(config, "tokens = api-tokens\n");
        Map<String, String> officerEnv =
                Map.of(
                        CliIdentity.TOKEN_FILE_ENV,
                        ownerOnly(auth.resolve("officer.token"), "cli-officer-token").toString(),
                        CliIdentity.AUTH_CONFIG_ENV,
                        config.toString());
        Map<String, String> operatorEnv =
                Map.of(
                        CliIdentity.TOKEN_FILE_ENV,
                        ownerOnly(auth.resolve("operator.token"), "cli-operator-token").toString(),
                        CliIdentity.AUTH_CONFIG_ENV,
                        config.toString());

        Run text =
                cli(
                        officerEnv,
                        "decision-at",
                        "--lake",
                        lakeDir.toString(),
                        "--tenant",
                        TENANT,
                        "--user",
                        USER,
                        "--at",
                        day1.toString(),
                        "--purpose",
                        "CLI check");
        Run json =
                cli(
                        officerEnv,
                        "event",
                        "--lake",
                        lakeDir.toString(),
                        "--tenant",
                        TENANT,
                        "--event-id",
                        "evt-audit-4",
                        "--purpose",
                        "CLI check",
                        "--json");
        Run refused =
                cli(
                        operatorEnv,
                        "decision-at",
                        "--lake",
                        lakeDir.toString(),
                        "--tenant",
                        TENANT,
                        "--user",
                        USER,
                        "--at",
                        day1.toString());
        Run anonymous =
                cli(
                        Map.of(),
                        "decision-at",
                        "--lake",
                        lakeDir.toString(),
                        "--tenant",
                        TENANT,
                        "--user",
                        USER,
                        "--at",
                        day1.toString());

        assertThat(text.code()).isZero();
        assertThat(text.out())
                .contains(
                        "Decision for user " + USER + " at or before " + day1 + "T23:59:59.999999Z")
                .contains("APPROVED")
                .contains("R3: income verified, score 72")
                .contains("Access logged: #");
        assertThat(json.code()).isZero();
        assertThat(
                        JSON.readTree(json.out())
                                .get("records")
                                .get(0)
                                .get("decision_reasoning")
                                .asText())
                .isEqualTo("R4: debt-to-income 0.53");
        assertThat(refused.code()).isEqualTo(3);
        assertThat(refused.err())
                .startsWith("refused: role operator may not read full records")
                .doesNotContain(USER);
        assertThat(anonymous.code()).isEqualTo(2);
        assertThat(anonymous.err()).contains("who is asking?", "--token-file");
    }

    @Test
    void httpApiChecksTokensRolesAndTheSsoProxyHeaders() throws Exception {
        Path tokens = work.resolve("api-tokens");
        Files.writeString(
                tokens,
                ApiTokens.digestHex("officer-token")
                        + " api.officer compliance_officer *\n"
                        + ApiTokens.digestHex("operator-token")
                        + " api.operator operator *\n"
                        + ApiTokens.digestHex("proxy-token")
                        + " gateway sso_proxy *\n");
        AuditApi.Options options =
                AuditApi.Options.parse(
                        new String[] {
                            "--lake",
                            lakeDir.toString(),
                            "--tokens",
                            tokens.toString(),
                            "--port",
                            "0",
                            "--trusted-user-header",
                            "X-Forwarded-User",
                            "--trusted-role-header",
                            "X-Forwarded-Role",
                            "--trusted-tenants-header",
                            "X-Forwarded-Tenants"
                        });
        HttpClient http = HttpClient.newHttpClient();
        try (AuditApi api = new AuditApi(options, Clock.systemUTC())) {
            String base = "http://127.0.0.1:" + api.start();
            String decisionAt =
                    base
                            + "/v1/decision-at?tenant="
                            + TENANT
                            + "&user="
                            + USER
                            + "&at="
                            + day1
                            + "&purpose="
                            + enc("API check");

            HttpResponse<String> health = get(http, base + "/health", null, Map.of());
            HttpResponse<String> noToken = get(http, decisionAt, null, Map.of());
            HttpResponse<String> officer = get(http, decisionAt, "officer-token", Map.of());
            HttpResponse<String> noPurpose =
                    get(
                            http,
                            base
                                    + "/v1/decision-at?tenant="
                                    + TENANT
                                    + "&user="
                                    + USER
                                    + "&at="
                                    + day1,
                            "officer-token",
                            Map.of());
            HttpResponse<String> operator = get(http, decisionAt, "operator-token", Map.of());
            HttpResponse<String> operatorMasked =
                    get(
                            http,
                            base
                                    + "/v1/decision-at?tenant="
                                    + TENANT
                                    + "&user_pseudonym="
                                    + pseudonym(USER)
                                    + "&at="
                                    + day1,
                            "operator-token",
                            Map.of());
            HttpResponse<String> viaProxy =
                    get(
                            http,
                            decisionAt,
                            "proxy-token",
                            Map.of(
                                    "X-Forwarded-User",
                                    "sso.officer",
                                    "X-Forwarded-Role",
                                    "compliance_officer",
                                    "X-Forwarded-Tenants",
                                    TENANT));
            HttpResponse<String> proxyWithoutHeaders =
                    get(http, decisionAt, "proxy-token", Map.of());
            HttpResponse<String> spoofedHeaders =
                    get(
                            http,
                            decisionAt,
                            "operator-token",
                            Map.of(
                                    "X-Forwarded-User",
                                    "sso.officer",
                                    "X-Forwarded-Role",
                                    "compliance_officer"));
            HttpResponse<String> post =
                    http.send(
                            HttpRequest.newBuilder(URI.create(decisionAt))
                                    .header("Authorization", "Bearer officer-token")
                                    .POST(HttpRequest.BodyPublishers.noBody())
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            HttpResponse<byte[]> bundle =
                    http.send(
                            HttpRequest.newBuilder(
                                            URI.create(
                                                    base
                                                            + "/v1/bundle?tenant="
                                                            + TENANT
                                                            + "&event_id=evt-audit-1&purpose="
                                                            + enc("API bundle")))
                                    .header("Authorization", "Bearer officer-token")
                                    .build(),
                            HttpResponse.BodyHandlers.ofByteArray());

            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(noToken.statusCode()).isEqualTo(401);
            assertThat(officer.statusCode()).isEqualTo(200);
            JsonNode found = JSON.readTree(officer.body());
            assertThat(found.get("records").get(0).get("event_id").asText())
                    .isEqualTo("evt-audit-3");
            assertThat(found.get("scan").get("partitions").asInt()).isEqualTo(1);
            assertThat(noPurpose.statusCode()).isEqualTo(400);
            assertThat(operator.statusCode()).isEqualTo(403);
            assertThat(JSON.readTree(operator.body()).get("error").asText())
                    .contains("may not read full records");
            assertThat(operator.body()).doesNotContain(USER);
            assertThat(operatorMasked.statusCode()).isEqualTo(200);
            assertThat(operatorMasked.body()).doesNotContain(USER).contains(pseudonym(USER));
            assertThat(viaProxy.statusCode()).isEqualTo(200);
            assertThat(proxyWithoutHeaders.statusCode()).isEqualTo(403);
            assertThat(spoofedHeaders.statusCode()).isEqualTo(403);
            assertThat(post.statusCode()).isEqualTo(405);
            assertThat(bundle.statusCode()).isEqualTo(200);
            assertThat(bundle.headers().firstValue("Content-Type")).hasValue("application/zip");
            Path zip = work.resolve("api-bundle.zip");
            Files.write(zip, bundle.body());
            assertThat(BundleVerifier.verify(zip, lake).ok()).isTrue();
        }
        List<AccessLogEntry> httpReads =
                queries.accessLog().entries(null, null, e -> e.getChannel().equals("HTTP"));
        assertThat(httpReads)
                .extracting(
                        e ->
                                e.getActor()
                                        + "|"
                                        + e.getActorRole()
                                        + "|"
                                        + e.getVia()
                                        + "|"
                                        + e.getAction())
                .contains(
                        "api.officer|compliance_officer|null|DECISION_AT",
                        "sso.officer|compliance_officer|sso_proxy:gateway|DECISION_AT",
                        "api.officer|compliance_officer|null|BUNDLE")
                .noneMatch(s -> s.startsWith("api.operator"));
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static String pseudonym(String userId) {
        return new PseudonymKey(IngestRun.testKeyFile().toString(), null, "k1")
                .open()
                .pseudonym(TENANT, userId);
    }

    private static List<String> ids(QueryResult r) {
        return r.records().stream().map(x -> (String) x.get("event_id")).toList();
    }

    private static long filesIn(LocalDate day) throws IOException {
        try (Stream<Path> s =
                Files.list(
                        lakeDir.resolve(
                                "audit/decisions/tenant_id=" + TENANT + "/event_date=" + day))) {
            return s.filter(
                            p ->
                                    p.getFileName().toString().endsWith(".parquet")
                                            && !p.getFileName().toString().startsWith("."))
                    .count();
        }
    }

    private static List<String> fileNames(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static long accessLogSize() throws IOException {
        return new AccessLog(lake, Clock.systemUTC()).verify().entries();
    }

    private static List<String> failed(BundleVerifier.Report r) {
        return r.checks().stream().filter(c -> !c.ok()).map(BundleVerifier.Check::name).toList();
    }

    private static Path copyBundle(Path folder, String name) throws IOException {
        Path target = work.resolve("bundles/" + name);
        copyTree(folder, target);
        return target;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path dest = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(p, dest);
                }
            }
        }
    }

    /** Replaces {@code from} by {@code to}, which differ in exactly one byte. */
    private static void flipOneByte(Path file, String from, String to) throws IOException {
        byte[] a = from.getBytes(StandardCharsets.UTF_8);
        byte[] b = to.getBytes(StandardCharsets.UTF_8);
        int differing = 0;
        for (int i = 0; i < a.length; i++) {
            differing += a[i] == b[i] ? 0 : 1;
        }
        assertThat(a.length).isEqualTo(b.length);
        assertThat(differing).isEqualTo(1);
        String content = Files.readString(file);
        assertThat(content).contains(from);
        Files.writeString(file, content.replaceFirst(java.util.regex.Pattern.quote(from), to));
    }

    private static void rewriteManifestDigest(Path folder, String name) throws IOException {
        ObjectNode manifest = (ObjectNode) JSON.readTree(folder.resolve("manifest.json").toFile());
        for (JsonNode f : manifest.get("files")) {
            if (f.get("name").asText().equals(name)) {
                ((ObjectNode) f)
                        .put(
                                "sha256",
                                EvidenceBundle.sha256Hex(Files.readAllBytes(folder.resolve(name))));
            }
        }
        JSON.writerWithDefaultPrettyPrinter()
                .writeValue(folder.resolve("manifest.json").toFile(), manifest);
    }

    private static long pixelsNear(BufferedImage image, int rgb) {
        long n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int p = image.getRGB(x, y);
                if (Math.abs(((p >> 16) & 0xff) - ((rgb >> 16) & 0xff)) < 12
                        && Math.abs(((p >> 8) & 0xff) - ((rgb >> 8) & 0xff)) < 12
                        && Math.abs((p & 0xff) - (rgb & 0xff)) < 12) {
                    n++;
                }
            }
        }
        return n;
    }

    private record Run(int code, String out, String err) {}

    /** Writes a token file readable by its owner only, as the CLI requires. */
    private static Path ownerOnly(Path file, String token) throws IOException {
        Files.writeString(file, token + "\n");
        Files.setPosixFilePermissions(
                file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private static Run cli(Map<String, String> env, String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code =
                AuditCommand.run(
                        args,
                        env,
                        Clock.systemUTC(),
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(
                code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static HttpResponse<String> get(
            HttpClient http, String url, String token, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
