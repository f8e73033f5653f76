package io.decisionledger.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.decisionledger.access.AccessLog;
import io.decisionledger.access.ApiTokens;
import io.decisionledger.access.AuditRole;
import io.decisionledger.access.Caller;
import io.decisionledger.access.CliIdentity;
import io.decisionledger.access.TenantScope;
import io.decisionledger.audit.AuditCommand;
import io.decisionledger.audit.AuditQueries;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.rights.ErasurePlan;
import io.decisionledger.rights.RequestEntry;
import io.decisionledger.rights.RequestLog;
import io.decisionledger.schema.AccessLogEntry;
import io.decisionledger.schema.LateDecision;
import io.decisionledger.schema.ReplayResult;
import io.decisionledger.schema.RetentionSummary;
import io.decisionledger.testing.DuckDbLake;
import io.decisionledger.testing.IngestRun;
import io.decisionledger.testing.MiniClusters;
import io.decisionledger.testing.Proves;
import io.decisionledger.testkit.SampleDecisions;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compliance report on a lake written by IngestJob's pipeline and production sinks (a sample of
 * 600 decisions over three days, malformed records and re-sends, a new model version on the last
 * day), with replay results, late decisions, access-log entries, retention summaries and
 * data-subject requests beside it: every figure is checked against the sample and recomputed by
 * DuckDB from the report's own appendix SQL; the page is rendered in headless Chromium (no console
 * errors, every chart drew data, a PDF, a screenshot) and holds no personal data.
 */
class ComplianceReportITCase {

    @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = MiniClusters.twoSlots();

    @TempDir static Path work;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TENANT = "bank_456";
    private static final String NEW_VERSION = "gpt-4o-2024-11-20";
    private static final Caller OFFICER = Caller.cli("r.officer", AuditRole.COMPLIANCE_OFFICER);

    private static LocalDate today;
    private static LocalDate from;
    private static List<JsonNode> stored;
    private static SampleDecisions.Sample sample;
    private static Path lakeDir;
    private static LakeLayout lake;
    private static Map<String, String> officerEnv;
    private static Map<String, String> operatorEnv;
    private static Map<String, String> otherTenantEnv;
    private static Path html;
    private static Run produced;

    @BeforeAll
    static void ingestALakeAndProduceTheReport() throws Exception {
        today = LocalDate.now(ZoneOffset.UTC);
        from = today.minusDays(2);
        Instant now = today.atStartOfDay(ZoneOffset.UTC).toInstant();
        sample = SampleDecisions.generate(21, 600, 12, 8, now);
        List<SampleDecisions.Event> events = new ArrayList<>(sample.events());
        // a new model version takes over part of the last day
        int n = 0;
        for (SampleDecisions.Event e : sample.valid()) {
            ObjectNode j = (ObjectNode) JSON.readTree(e.value());
            if (TENANT.equals(e.tenantId())
                    && j.get("timestamp").asText().startsWith(today.minusDays(1).toString())
                    && n < 12) {
                j.put("eventId", "evt-new-" + n++);
                ((ObjectNode) j.get("aiInteraction")).put("modelVersion", NEW_VERSION);
                events.add(
                        new SampleDecisions.Event(
                                "k", JSON.writeValueAsBytes(j), TENANT, j.get("eventId").asText()));
            }
        }
        stored = new ArrayList<>();
        for (SampleDecisions.Event e : events) {
            if (e.eventId() != null && TENANT.equals(e.tenantId())) {
                JsonNode j = JSON.readTree(e.value());
                if (stored.stream().noneMatch(s -> s.get("eventId").equals(j.get("eventId")))) {
                    stored.add(j);
                }
            }
        }
        lakeDir = work.resolve("lake");
        IngestRun.ingestInMemory(events, "decisions", lakeDir.toUri().toString());
        lake = LakeLayout.at(lakeDir.toUri().toString());

        writeReplays();
        writeLateDecisions();
        writeRetentionSummary();
        // access: one read, one refused read (an officer granted another tenant only)
        AuditQueries q = new AuditQueries(lake, Clock.systemUTC());
        q.event(OFFICER, "complaint C-1", TENANT, stored.get(0).get("eventId").asText(), null);
        try {
            q.event(
                    Caller.cli("x.officer", AuditRole.COMPLIANCE_OFFICER)
                            .within(TenantScope.of(Set.of("insurer_789"))),
                    "curious",
                    TENANT,
                    stored.get(1).get("eventId").asText(),
                    null);
        } catch (io.decisionledger.access.AccessRefusedException expected) {
            // logged as REFUSED
        }
        RequestLog requests = new RequestLog(lake, Clock.systemUTC());
        requests.receive(
                OFFICER,
                TENANT,
                "DSR-1",
                RequestEntry.Kind.ACCESS,
                ErasurePlan.SubjectType.USER,
                stored.get(2).get("userId").asText(),
                today.minusDays(1),
                "letter 1");
        requests.receive(
                OFFICER,
                TENANT,
                "DSR-2",
                RequestEntry.Kind.ERASURE,
                ErasurePlan.SubjectType.USER,
                stored.get(3).get("userId").asText(),
                today.minusDays(1),
                "letter 2");
        requests.transition(
                OFFICER,
                TENANT,
                "DSR-2",
                RequestEntry.State.REFUSED,
                new RequestLog.Change(null, null, "retention obligation", null, false));

        Path auth = Files.createDirectories(work.resolve("auth"));
        Files.writeString(
                auth.resolve("api-tokens"),
                ApiTokens.digestHex("officer-token")
                        + " report.officer compliance_officer *\n"
                        + ApiTokens.digestHex("operator-token")
                        + " report.operator operator *\n"
                        + ApiTokens.digestHex("other-token")
                        + " other.officer compliance_officer insurer_789\n");
        Files.writeString(auth.resolve("auth.properties"), "tokens = api-tokens\n");
        officerEnv = env(auth, "officer-token");
        operatorEnv = env(auth, "operator-token");
        otherTenantEnv = env(auth, "other-token");

        html = work.resolve("out/report.html");
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "report",
                                "--lake",
                                lakeDir.toString(),
                                "--tenant",
                                TENANT,
                                "--from",
                                from.toString(),
                                "--to",
                                today.toString(),
                                "--purpose",
                                "quarterly post-market monitoring",
                                "--out",
                                html.toString()));
        if (HeadlessChromium.find("chromium") != null) {
            args.add("--pdf");
        }
        produced = cli(officerEnv, args.toArray(String[]::new));
    }

    // ---- the figures against the sample ------------------------------------------------------

    @Test
    @Proves({"EU-AI-Act-Art-72", "SR-26-2-monitoring"})
    void decisionsPerDayAndVersionAreTheSamplesCounts() throws Exception {
        assertThat(produced.code()).as(produced.err()).isZero();
        Figure f = result().figure("decisions_per_day");
        Map<String, long[]> expected = new TreeMap<>();
        for (JsonNode j : stored) {
            LocalDate day =
                    Instant.parse(j.get("timestamp").asText()).atZone(ZoneOffset.UTC).toLocalDate();
            if (!day.isBefore(from)) {
                long[] c =
                        expected.computeIfAbsent(
                                day + " " + j.at("/aiInteraction/modelVersion").asText(),
                                k -> new long[2]);
                c[0]++;
                if (j.at("/aiInteraction/decision/approved").asBoolean()) {
                    c[1]++;
                }
            }
        }
        Map<String, long[]> actual = new TreeMap<>();
        for (int i = 0; i < f.rows().size(); i++) {
            actual.put(
                    f.value(i, "event_date") + " " + f.value(i, "model_version"),
                    new long[] {(Long) f.value(i, "decisions"), (Long) f.value(i, "approved")});
        }
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        expected.forEach((k, c) -> assertThat(actual.get(k)).as(k).containsExactly(c));
        assertThat(actual.keySet()).contains(today.minusDays(1) + " " + NEW_VERSION);
        // the new version's first day is in the period: the rate chart marks it
        Figure changes = result().figure("version_changes");
        int row = changes.columns().indexOf("model_version");
        assertThat(changes.rows())
                .anySatisfy(
                        r -> {
                            assertThat(r.get(row)).isEqualTo(NEW_VERSION);
                            assertThat(r.get(1)).isEqualTo(today.minusDays(1));
                        });
        assertThat(Files.readString(html)).contains("first " + NEW_VERSION);
    }

    @Test
    void quarantineReplaysAccessAndRequestsAreCountedForTheTenantOnly() throws Exception {
        ComplianceReport.Result r = result();
        Figure q = r.figure("quarantine_by_reason");
        long duplicates = sample.events().size() - sample.valid().size() - 12;
        assertThat(q.rows()).isNotEmpty();
        Object dup =
                q.rows().stream()
                        .filter(x -> x.get(0).equals("DUPLICATE_EVENT_ID"))
                        .findFirst()
                        .map(x -> x.get(1))
                        .orElse(0L);
        long bankDuplicates = countDuplicates();
        assertThat(dup).isEqualTo(bankDuplicates);
        assertThat(duplicates).isGreaterThanOrEqualTo(bankDuplicates);

        Figure replays = r.figure("replay_runs");
        assertThat(replays.rows()).hasSize(1);
        assertThat(replays.value(0, "replayed")).isEqualTo(6L);
        assertThat(replays.value(0, "matched")).isEqualTo(3L);
        assertThat((Double) replays.value(0, "match_rate")).isEqualTo(0.5);
        Figure drifts = r.figure("worst_drifts");
        assertThat(drifts.rows()).hasSize(2);
        assertThat((Double) drifts.value(0, "confidence_delta")).isEqualTo(-0.35);

        Figure access = r.figure("access");
        assertThat(access.rows())
                .anySatisfy(
                        x ->
                                assertThat(x)
                                        .containsExactly(
                                                "compliance_officer",
                                                "x.officer",
                                                "curious",
                                                "EVENT",
                                                "REFUSED",
                                                1L))
                .anySatisfy(
                        x ->
                                assertThat(x)
                                        .containsExactly(
                                                "compliance_officer",
                                                "r.officer",
                                                "complaint C-1",
                                                "EVENT",
                                                "RETURNED",
                                                1L));

        Figure requests = r.figure("requests");
        assertThat(requests.rows())
                .containsExactly(
                        List.of("ACCESS", "RECEIVED", 1L), List.of("ERASURE", "REFUSED", 1L));
        Figure late = r.figure("late_decisions");
        assertThat(late.rows())
                .containsExactly(List.of(today.minusDays(1), "gpt-4o-2024-05-13", 2L));
        Figure coverage = r.figure("head_coverage");
        assertThat(coverage.value(0, "covered_by_a_head"))
                .isEqualTo(coverage.value(0, "decisions"));
        assertThat(r.figure("retention").rows())
                .containsExactly(List.of("run-r1", today.minusDays(400), 40L, 3L));
        assertThat(r.checks()).allSatisfy(c -> assertThat(c.intact()).as(c.name()).isTrue());
    }

    @Test
    @Proves({"EU-AI-Act-Art-72", "SR-26-2-monitoring", "Reg-B-1002.9"})
    void everyFigureRecomputesInDuckDbFromTheAppendixSql() throws Exception {
        // computed now: other tests of this class append to the access log
        ComplianceReport.Result r =
                new ComplianceReport(lake, Clock.systemUTC())
                        .compute(OFFICER, new ComplianceReport.Period(TENANT, from, today), 5);
        String page = Files.readString(html);
        int compared = 0;
        for (Figure f : r.figures()) {
            assertThat(f.present()).as(f.id() + ": the test lake holds its dataset").isTrue();
            assertThat(page)
                    .as(f.id() + "'s SQL is in the appendix")
                    .contains(ReportHtml.esc(f.sql()));
            List<Map<String, Object>> duck = DuckDbLake.query(f.sql());
            assertThat(duck).as(f.id()).hasSize(f.rows().size());
            for (int i = 0; i < duck.size(); i++) {
                for (Map.Entry<String, Object> c : duck.get(i).entrySet()) {
                    Object mine = f.value(i, c.getKey());
                    Object theirs = c.getValue();
                    String where = f.id() + " row " + i + " " + c.getKey();
                    if (theirs instanceof Number t && mine instanceof Number m) {
                        assertThat(m.doubleValue())
                                .as(where)
                                .isCloseTo(t.doubleValue(), within(1e-9));
                    } else {
                        assertThat(String.valueOf(mine))
                                .as(where)
                                .isEqualTo(String.valueOf(theirs));
                    }
                }
            }
            compared++;
        }
        assertThat(compared).isEqualTo(15);
        // a drift row is comparable for both versions of the earlier period
        assertThat(r.figure("confidence_drift").rows())
                .filteredOn(x -> x.get(3) != null)
                .hasSize(2);
        assertThat(r.figure("stated_reasons").rows()).isNotEmpty();
    }

    // ---- access ------------------------------------------------------------------------------

    @Test
    @Proves({"EU-AI-Act-Art-12", "GDPR-Art-30"})
    void theReportsSha256IsInTheAccessLogAndOnlyOfficersOfTheTenantMayProduceIt() throws Exception {
        assertThat(produced.code()).as(produced.err()).isZero();
        String sha = ReportWriter.sha256(Files.readAllBytes(html));
        List<AccessLogEntry> reports =
                new AccessLog(lake, Clock.systemUTC())
                        .entries(null, null, e -> "REPORT".equals(e.getAction()));
        assertThat(reports).hasSize(1);
        JsonNode query = JSON.readTree(reports.get(0).getQueryJson());
        assertThat(query.get("report_sha256").asText()).isEqualTo(sha);
        assertThat(reports.get(0).getActor()).isEqualTo("report.officer");
        assertThat(produced.out()).contains(sha);

        Run operator =
                cli(
                        operatorEnv,
                        "report",
                        "--lake",
                        lakeDir.toString(),
                        "--tenant",
                        TENANT,
                        "--from",
                        from.toString(),
                        "--to",
                        today.toString(),
                        "--purpose",
                        "x",
                        "--out",
                        work.resolve("op/report.html").toString());
        assertThat(operator.code()).isEqualTo(3);
        assertThat(operator.err()).contains("may not produce the compliance report");
        Run other =
                cli(
                        otherTenantEnv,
                        "report",
                        "--lake",
                        lakeDir.toString(),
                        "--tenant",
                        TENANT,
                        "--from",
                        from.toString(),
                        "--to",
                        today.toString(),
                        "--purpose",
                        "x",
                        "--out",
                        work.resolve("other/report.html").toString());
        assertThat(other.code()).isEqualTo(3);
        assertThat(work.resolve("op/report.html")).doesNotExist();
        assertThat(work.resolve("other/report.html")).doesNotExist();
        assertThat(
                        new AccessLog(lake, Clock.systemUTC())
                                .entries(
                                        null,
                                        null,
                                        e ->
                                                "REPORT".equals(e.getAction())
                                                        && "REFUSED".equals(e.getOutcome())))
                .hasSize(1);
        Run backwards =
                cli(
                        officerEnv,
                        "report",
                        "--lake",
                        lakeDir.toString(),
                        "--tenant",
                        TENANT,
                        "--from",
                        today.toString(),
                        "--to",
                        from.toString(),
                        "--purpose",
                        "x",
                        "--out",
                        work.resolve("bad/report.html").toString());
        assertThat(backwards.code()).isEqualTo(2);
        assertThat(backwards.err()).contains("--to is before --from");
    }

    @Test
    void theReportHoldsNoPersonalData() throws Exception {
        String page = Files.readString(html);
        Pattern name =
                Pattern.compile("application for ([A-Z][a-z]+ [A-Z][a-z]+) \\(contact ([^,]+),");
        Set<String> personal = new HashSet<>();
        for (JsonNode j : stored) {
            personal.add(j.get("userId").asText());
            personal.add(j.get("caseId").asText());
            Matcher m = name.matcher(j.at("/aiInteraction/prompt").asText());
            assertThat(m.find()).isTrue();
            personal.add(m.group(1));
            personal.add(m.group(2));
            personal.add(j.at("/aiInteraction/prompt").asText());
        }
        assertThat(personal).hasSizeGreaterThan(100);
        for (String p : personal) {
            assertThat(page).as("personal value in the report").doesNotContain(ReportHtml.esc(p));
        }
        assertThat(page)
                .doesNotContain("@example.com")
                .doesNotContainPattern("user_[0-9]")
                .doesNotContainPattern("loan_[0-9]");
        // the approval reasons name each applicant's score: none passes the group size
        assertThat(page).doesNotContain("meet policy");
        assertThat(page).contains("Declined: credit score below 660");
    }

    // ---- rendering ---------------------------------------------------------------------------

    @Test
    @Proves({"EU-AI-Act-Art-72"})
    void theReportRendersInHeadlessChromiumWithDataInEveryChartAndPrintsToPdf() throws Exception {
        HeadlessChromium chromium = HeadlessChromium.find("chromium");
        Assumptions.assumeTrue(
                chromium != null,
                "chromium is not installed (apt-get install -y chromium; .ci/run installs it)");
        String page = Files.readString(html);
        // self-contained: nothing to fetch (the only URLs are XML namespace names, identifiers)
        assertThat(page.replaceAll("xmlns(:[a-z]+)?=['\"][^'\"]*['\"]", ""))
                .doesNotContain("<script")
                .doesNotContain("http://")
                .doesNotContain("https://")
                .doesNotContain("<link")
                .doesNotContain("@import")
                .doesNotContain("<img");

        HeadlessChromium.Output out =
                chromium.run(html, "--enable-logging=stderr", "--v=0", "--dump-dom");
        assertThat(consoleErrors(out.stderr())).isEmpty();
        // the check sees an error when there is one
        Path broken = work.resolve("broken.html");
        Files.writeString(
                broken,
                "<html><body><script>console.error('boom');undefinedCall()</script></body></html>");
        assertThat(
                        consoleErrors(
                                chromium.run(
                                                broken,
                                                "--enable-logging=stderr",
                                                "--v=0",
                                                "--dump-dom")
                                        .stderr()))
                .isNotEmpty();

        String dom = out.stdout();
        Matcher chart =
                Pattern.compile(
                                "<div class=\"chart\" data-figure=\"([a-z_]+)\">(.*?)</svg>",
                                Pattern.DOTALL)
                        .matcher(dom);
        Map<String, Integer> marks = new TreeMap<>();
        while (chart.find()) {
            marks.merge(chart.group(1), dataMarks(chart.group(2)), Integer::sum);
        }
        assertThat(marks.keySet())
                .containsExactlyInAnyOrder(
                        "decisions_per_day",
                        "version_changes",
                        "confidence_histogram",
                        "stated_reasons",
                        "card_status",
                        "replay_runs",
                        "quarantine_by_reason",
                        "late_decisions",
                        "access");
        marks.forEach(
                (id, count) ->
                        assertThat(count).as(id + ": marks drawn in a series colour").isPositive());
        assertThat(marks.get("decisions_per_day"))
                .isGreaterThanOrEqualTo(result().figure("decisions_per_day").rows().size());

        Path pdf = ReportWriter.pdfPath(html);
        assertThat(pdf).exists();
        byte[] bytes = Files.readAllBytes(pdf);
        assertThat(new String(bytes, 0, 5, StandardCharsets.US_ASCII)).isEqualTo("%PDF-");
        assertThat(bytes.length).isGreaterThan(20_000);
        JsonNode logged =
                JSON.readTree(
                        new AccessLog(lake, Clock.systemUTC())
                                .entries(
                                        null,
                                        null,
                                        e ->
                                                "REPORT".equals(e.getAction())
                                                        && !"REFUSED".equals(e.getOutcome()))
                                .get(0)
                                .getQueryJson());
        assertThat(logged.get("pdf_sha256").asText()).isEqualTo(ReportWriter.sha256(bytes));

        Path png = work.resolve("report.png");
        chromium.run(html, "--screenshot=" + png, "--window-size=1000,1500", "--hide-scrollbars");
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(1000);
        Path kept = Path.of("target/compliance-report.png").toAbsolutePath();
        Files.createDirectories(kept.getParent());
        Files.copy(png, kept, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(
                html,
                kept.resolveSibling("compliance-report-sample.html"),
                StandardCopyOption.REPLACE_EXISTING);
        String docs = System.getProperty("report.screenshot.dir");
        if (docs != null) {
            Files.copy(
                    png,
                    Path.of(docs).resolve("compliance-report.png"),
                    StandardCopyOption.REPLACE_EXISTING);
        }
    }

    // ---- helpers -----------------------------------------------------------------------------

    private static ComplianceReport.Result cached;

    private static synchronized ComplianceReport.Result result() throws Exception {
        if (cached == null) {
            cached =
                    new ComplianceReport(lake, Clock.systemUTC())
                            .compute(OFFICER, new ComplianceReport.Period(TENANT, from, today), 5);
        }
        return cached;
    }

    /**
     * Chromium's log lines of console messages (errors, uncaught exceptions): the report has no
     * script, so any console message at all is unexpected.
     */
    static List<String> consoleErrors(String stderr) {
        return stderr.lines().filter(l -> l.contains("CONSOLE")).toList();
    }

    /** Shapes filled or stroked in one of the report's series colours. */
    private static int dataMarks(String svg) {
        int n = 0;
        for (String colour :
                List.of(
                        "rgb(9,105,218)",
                        "rgb(191,57,137)",
                        "rgb(26,127,55)",
                        "rgb(154,103,0)",
                        "rgb(130,80,223)",
                        "rgb(207,34,46)",
                        "#0969da",
                        "#bf3989",
                        "#1a7f37",
                        "#9a6700",
                        "#8250df",
                        "#cf222e")) {
            n += svg.split(Pattern.quote(colour), -1).length - 1;
        }
        return n;
    }

    private static long countDuplicates() throws Exception {
        long[] n = {0};
        for (org.apache.flink.core.fs.FileStatus f : LakeFiles.parquetFiles(lake.quarantine())) {
            LakeFiles.forEachRecord(
                    f,
                    io.decisionledger.schema.QuarantineRecord.class,
                    r -> {
                        if (TENANT.equals(r.getTenantId())
                                && "DUPLICATE_EVENT_ID".equals(r.getReasonCode())) {
                            n[0]++;
                        }
                    });
        }
        return n[0];
    }

    private static void writeReplays() throws Exception {
        Instant at = today.minusDays(1).atTime(12, 0).toInstant(ZoneOffset.UTC);
        String[] status = {"MATCH", "MATCH", "MATCH", "DRIFT", "DRIFT", "ERROR"};
        Double[] delta = {0.0, 0.01, -0.02, 0.2, -0.35, null};
        List<ReplayResult> rows = new ArrayList<>();
        for (int i = 0; i < status.length; i++) {
            rows.add(replay(TENANT, "evt-r" + i, status[i], delta[i], at));
        }
        rows.add(replay("insurer_789", "evt-other", "DRIFT", 0.9, at));
        LakeFiles.writeParquet(
                new org.apache.flink.core.fs.Path(
                        lakeDir.resolve("replays/run_id=run-1/part-0.parquet").toUri()),
                rows);
    }

    private static ReplayResult replay(
            String tenant, String id, String status, Double delta, Instant at) {
        return ReplayResult.newBuilder()
                .setRunId("run-1")
                .setTenantId(tenant)
                .setEventId(id)
                .setEventTime(at.minusSeconds(86400))
                .setStoredModel("gpt-4o")
                .setStoredModelVersion("gpt-4o-2024-05-13")
                .setReplayModel("gpt-4o-2024-05-13")
                .setWhatIf(false)
                .setStatus(status)
                .setStoredApproved(true)
                .setReplayedApproved(!"DRIFT".equals(status) || delta < 0.3)
                .setApprovedEqual(!"DRIFT".equals(status))
                .setStoredConfidence(0.6)
                .setReplayedConfidence(delta == null ? null : 0.6 + delta)
                .setConfidenceDelta(delta)
                .setReasoningSimilarity(delta == null ? null : 0.8)
                .setReplayedReasoning(null)
                .setReplayedContent(null)
                .setError("ERROR".equals(status) ? "TIMEOUT" : null)
                .setAttempts(1)
                .setLatencyMs(10L)
                .setReplayedAt(at)
                .build();
    }

    private static void writeLateDecisions() throws Exception {
        Instant start = today.minusDays(1).atTime(3, 0).toInstant(ZoneOffset.UTC);
        List<LateDecision> rows = new ArrayList<>();
        for (String id : List.of("evt-late-1", "evt-late-1", "evt-late-2")) {
            rows.add(
                    LateDecision.newBuilder()
                            .setGranularity("1m")
                            .setTenantId(TENANT)
                            .setModel("gpt-4o")
                            .setModelVersion("gpt-4o-2024-05-13")
                            .setWindowStart(start)
                            .setWindowEnd(start.plusSeconds(60))
                            .setEventId(id)
                            .setEventTime(start)
                            .setWatermark(null)
                            .build());
        }
        LakeFiles.writeParquet(
                new org.apache.flink.core.fs.Path(
                        lakeDir.resolve(
                                        "metrics/late_decisions/granularity=1m/tenant_id="
                                                + TENANT
                                                + "/window_date="
                                                + today.minusDays(1)
                                                + "/part-0.parquet")
                                .toUri()),
                rows);
    }

    private static void writeRetentionSummary() throws Exception {
        LocalDate old = today.minusDays(400);
        Instant t = old.atStartOfDay(ZoneOffset.UTC).toInstant();
        List<RetentionSummary> rows = new ArrayList<>();
        for (String v : List.of("gpt-4o-2024-05-13", "gpt-4o-2024-08-06")) {
            rows.add(
                    RetentionSummary.newBuilder()
                            .setTenantId(TENANT)
                            .setEventDate(old.toString())
                            .setModel("gpt-4o")
                            .setModelVersion(v)
                            .setChainShard(null)
                            .setRecords(20L)
                            .setApproved(10L)
                            .setDenied(10L)
                            .setUndecided(0L)
                            .setMeanConfidence(0.7)
                            .setFirstEventTime(t)
                            .setLastEventTime(t)
                            .setFirstChainSeq(null)
                            .setFirstHash(null)
                            .setLastChainSeq(null)
                            .setLastHash(null)
                            .setDeletedEventIdsSha256("0".repeat(64))
                            .setHeldRecords(3L)
                            .setRetentionPeriod("P1Y")
                            .setPolicyVersion("v1")
                            .setRunId("run-r1")
                            .setDeletedAt(today.minusDays(1).atTime(2, 0).toInstant(ZoneOffset.UTC))
                            .build());
        }
        LakeFiles.writeParquet(
                new org.apache.flink.core.fs.Path(
                        lakeDir.resolve(
                                        "summaries/decisions/tenant_id="
                                                + TENANT
                                                + "/event_date="
                                                + old
                                                + "/retention-run-r1.parquet")
                                .toUri()),
                rows);
    }

    private static Map<String, String> env(Path auth, String token) throws Exception {
        Path file = auth.resolve(token + ".token");
        Files.writeString(file, token + "\n");
        Files.setPosixFilePermissions(
                file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        return Map.of(
                CliIdentity.TOKEN_FILE_ENV,
                file.toString(),
                CliIdentity.AUTH_CONFIG_ENV,
                auth.resolve("auth.properties").toString());
    }

    private record Run(int code, String out, String err) {}

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
}
