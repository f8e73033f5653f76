package io.decisionledger.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.decisionledger.access.AccessLog;
import io.decisionledger.access.AccessRefusedException;
import io.decisionledger.access.AuditRole;
import io.decisionledger.access.Caller;
import io.decisionledger.access.TenantScope;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.report.HeadlessChromium;
import io.decisionledger.rights.ErasurePlan.SubjectType;
import io.decisionledger.rights.RequestEntry;
import io.decisionledger.rights.RequestLog;
import io.decisionledger.schema.AccessLogEntry;
import io.decisionledger.testing.IngestRun;
import io.decisionledger.testing.MiniClusters;
import io.decisionledger.testing.Proves;
import io.decisionledger.testkit.SampleDecisions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data-subject rights on a lake written by IngestJob's pipeline: an applicant with three
 * decisions among another applicant of the same tenant, the same user id in another tenant, and
 * sample traffic. The subject access export (CLI, JSON and HTML rendered in headless Chromium)
 * holds every record of the subject and nothing of anyone else, is logged, and answers the request
 * on file; a caller without the tenant grant is refused (and that is logged); a restricted
 * subject's records are refused to masked reads (logged) but still read by a compliance officer
 * stating a purpose.
 */
class SubjectRightsITCase {

    @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = MiniClusters.twoSlots();

    @TempDir static Path work;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TENANT = "bank_456";
    private static final String USER = "user_rights_9";
    private static final String OTHER_USER = "user_other_3";
    private static final String OTHER_TENANT = "bank_999";
    private static final List<String> MINE = List.of("evt-dsr-1", "evt-dsr-2", "evt-dsr-3");
    private static final Caller OFFICER = Caller.cli("a.officer", AuditRole.COMPLIANCE_OFFICER);
    private static final Caller OPERATOR = Caller.cli("o.perator", AuditRole.OPERATOR);
    private static final String PURPOSE = "DSR-A1: applicant's access request (GDPR Art. 15)";

    private static LakeLayout lake;
    private static AuditQueries queries;

    @BeforeAll
    static void ingest() throws Exception {
        Instant base =
                LocalDate.now(ZoneOffset.UTC).minusDays(2).atTime(9, 0).toInstant(ZoneOffset.UTC);
        List<SampleDecisions.Event> events =
                new ArrayList<>(SampleDecisions.generate(7, 60, 0, 0, Instant.now()).events());
        for (int i = 0; i < MINE.size(); i++) {
            events.add(event(MINE.get(i), TENANT, USER, base.plusSeconds(3600L * i), i));
        }
        events.add(event("evt-other-user", TENANT, OTHER_USER, base.plusSeconds(60), 7));
        events.add(event("evt-other-tenant", OTHER_TENANT, USER, base.plusSeconds(120), 8));
        lake = LakeLayout.at(work.resolve("lake").toUri().toString());
        IngestRun.ingestInMemory(events, "decisions", lake.root());
        queries = new AuditQueries(lake, Clock.systemUTC());
    }

    private static SampleDecisions.Event event(
            String id, String tenant, String user, Instant time, int n) throws Exception {
        ObjectNode e = JSON.createObjectNode();
        e.put("eventId", id);
        e.put("eventType", "AI_DECISION");
        e.put("timestamp", time.toString());
        e.put("tenantId", tenant);
        e.put("userId", user);
        e.put("caseId", "loan_" + id);
        ObjectNode ai = e.putObject("aiInteraction");
        ai.put("model", "gpt-4o");
        ai.put("modelVersion", "gpt-4o-2024-05-13");
        ai.put("prompt", "Evaluate the loan application of " + user);
        ai.put("systemPrompt", "You are a loan underwriting assistant. Apply policy LP-7.");
        ai.putObject("response").put("content", "{\"approved\":false}").put("tokens", 9);
        ai.putObject("decision")
                .put("approved", n % 2 == 0)
                .put("confidence", 0.8)
                .put("reasoning", "R" + n + ": reasons for " + id);
        return new SampleDecisions.Event(
                tenant + ":" + user, JSON.writeValueAsBytes(e), tenant, id);
    }

    private static int cli(Map<String, String> env, ByteArrayOutputStream out, String... args)
            throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code =
                AuditCommand.run(
                        args,
                        env,
                        Clock.systemUTC(),
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
        out.write(err.toByteArray());
        return code;
    }

    @Test
    @Proves({"GDPR-Art-15-1-h", "EU-AI-Act-Art-86"})
    void theAccessExportHoldsEveryRecordOfTheSubjectAndNothingOfAnyoneElse() throws Exception {
        // given the applicant's access request on file and an earlier read of one record
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int logged =
                cli(
                        Map.of(),
                        out,
                        "request",
                        "log",
                        "--lake",
                        lake.root(),
                        "--tenant",
                        TENANT,
                        "--request-id",
                        "DSR-A1",
                        "--kind",
                        "access",
                        "--user",
                        USER,
                        "--received",
                        LocalDate.now(ZoneOffset.UTC).minusDays(1).toString(),
                        "--requester-ref",
                        "letter of the applicant",
                        "--insecure-self-asserted-identity",
                        "a.officer:compliance_officer:" + TENANT);
        assertThat(logged).as(out.toString(StandardCharsets.UTF_8)).isZero();
        queries.event(OFFICER, "complaint C-9", TENANT, "evt-dsr-2", null);

        // when the export is made on the command line, answering the request
        Path folder = work.resolve("export");
        out.reset();
        int code =
                cli(
                        Map.of(),
                        out,
                        "subject-export",
                        "--lake",
                        lake.root(),
                        "--tenant",
                        TENANT,
                        "--user",
                        USER,
                        "--purpose",
                        PURPOSE,
                        "--out",
                        folder.toString(),
                        "--request-id",
                        "DSR-A1",
                        "--insecure-self-asserted-identity",
                        "a.officer:compliance_officer:" + TENANT);

        // then the JSON holds the three records in full, their reasons, the request, the reads
        assertThat(code).as(out.toString(StandardCharsets.UTF_8)).isZero();
        JsonNode export = JSON.readTree(folder.resolve("subject-export.json").toFile());
        List<String> ids = new ArrayList<>();
        export.get("decisions").forEach(d -> ids.add(d.get("event_id").asText()));
        assertThat(ids).containsExactlyElementsOf(MINE);
        export.get("decisions")
                .forEach(
                        d -> {
                            assertThat(d.get("user_id").asText()).isEqualTo(USER);
                            assertThat(d.get("tenant_id").asText()).isEqualTo(TENANT);
                            assertThat(d.get("prompt").asText()).contains(USER);
                            assertThat(d.get("hash").asText()).hasSize(64);
                        });
        assertThat(export.get("explanations").get(1).get("stated_reasons").asText())
                .isEqualTo("R1: reasons for evt-dsr-2");
        assertThat(
                        export.get("explanations")
                                .get(1)
                                .get("instructions_given_to_the_model")
                                .asText())
                .contains("policy LP-7");
        assertThat(export.get("requests").get(0).get("request_id").asText()).isEqualTo("DSR-A1");
        List<String> actions = new ArrayList<>();
        export.get("accesses").forEach(a -> actions.add(a.get("action").asText()));
        assertThat(actions).containsExactly("EVENT", "SUBJECT_ACCESS_EXPORT");
        assertThat(export.get("accesses").get(0).get("your_records_read").toString())
                .isEqualTo("[\"evt-dsr-2\"]");
        String raw = Files.readString(folder.resolve("subject-export.json"));
        assertThat(raw)
                .doesNotContain(OTHER_USER)
                .doesNotContain("evt-other-user")
                .doesNotContain("evt-other-tenant")
                .doesNotContain(OTHER_TENANT);

        // the export is in the access log, with the subject's record ids
        List<AccessLogEntry> exports =
                queries.accessLog()
                        .entries(
                                null,
                                null,
                                e ->
                                        e.getAction().equals("SUBJECT_ACCESS_EXPORT")
                                                && !e.getOutcome().equals(AccessLog.REFUSED));
        assertThat(exports).hasSize(1);
        assertThat(exports.get(0).getRecordIds()).containsExactlyElementsOf(MINE);
        assertThat(exports.get(0).getPurpose()).isEqualTo(PURPOSE);
        // and the request was answered
        List<RequestEntry> history =
                new RequestLog(lake, Clock.systemUTC()).history(OFFICER, TENANT, "DSR-A1");
        assertThat(history)
                .extracting(RequestEntry::state)
                .containsExactly(RequestEntry.State.RECEIVED, RequestEntry.State.ANSWERED);

        // and the HTML page, rendered by a browser, shows the same
        HeadlessChromium chromium = HeadlessChromium.find("chromium");
        Assumptions.assumeTrue(chromium != null, "chromium is not installed: skipping rendering");
        String dom = chromium.run(folder.resolve("subject-export.html"), "--dump-dom").stdout();
        assertThat(dom).contains("What we hold about you").contains("R2: reasons for evt-dsr-3");
        for (String id : MINE) {
            assertThat(dom).contains("<tr class=\"decision\" data-event-id=\"" + id + "\">");
            assertThat(dom).contains("<div class=\"record\" data-event-id=\"" + id + "\">");
        }
        assertThat(dom.split("<tr class=\"decision\"", -1)).hasSize(MINE.size() + 1);
        assertThat(dom).contains("<tr class=\"request\">").contains("DSR-A1");
        assertThat(dom)
                .doesNotContain(OTHER_USER)
                .doesNotContain("evt-other-user")
                .doesNotContain("evt-other-tenant");
        Path kept = Path.of("target/subject-export-sample.html").toAbsolutePath();
        Files.createDirectories(kept.getParent());
        Files.copy(
                folder.resolve("subject-export.html"),
                kept,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void aCallerWithoutTheTenantGrantIsRefusedAndTheRefusalLogged() throws Exception {
        Caller otherBank =
                Caller.authenticated(
                        "b.officer",
                        AuditRole.COMPLIANCE_OFFICER,
                        Caller.Channel.CLI,
                        TenantScope.of(Set.of(OTHER_TENANT)));

        assertThatThrownBy(
                        () ->
                                new SubjectAccessExport(queries, Clock.systemUTC())
                                        .create(otherBank, PURPOSE, TENANT, Subject.user(USER)))
                .isInstanceOf(AccessRefusedException.class)
                .hasMessageContaining("tenant " + TENANT + " is not granted")
                .hasMessageNotContaining(USER);
        assertThatThrownBy(() -> new RequestLog(lake, Clock.systemUTC()).entries(otherBank, TENANT))
                .isInstanceOf(AccessRefusedException.class);
        assertThatThrownBy(
                        () ->
                                new SubjectAccessExport(queries, Clock.systemUTC())
                                        .create(OPERATOR, PURPOSE, TENANT, Subject.user(USER)))
                .isInstanceOf(AccessRefusedException.class);
        assertThat(
                        queries.accessLog()
                                .entries(
                                        null,
                                        null,
                                        e ->
                                                e.getActor().equals("b.officer")
                                                        && e.getOutcome()
                                                                .equals(AccessLog.REFUSED)))
                .extracting(AccessLogEntry::getAction)
                .containsExactly("SUBJECT_ACCESS_EXPORT");
    }

    @Test
    @Proves({"GDPR-Art-18"})
    void aRestrictedSubjectIsRefusedToMaskedReadsButNotToAnOfficerWithAPurpose() throws Exception {
        RequestLog requests = new RequestLog(lake, Clock.systemUTC());
        requests.receive(
                OFFICER,
                TENANT,
                "DSR-R1",
                RequestEntry.Kind.RESTRICTION,
                SubjectType.USER,
                OTHER_USER,
                LocalDate.now(ZoneOffset.UTC).minusDays(1),
                "ticket 88");
        try {
            // an operator's masked read of the restricted subject's record is refused and logged
            assertThatThrownBy(() -> queries.event(OPERATOR, null, TENANT, "evt-other-user", null))
                    .isInstanceOf(AccessRefusedException.class)
                    .hasMessageContaining("restricted (GDPR Art. 18)")
                    .hasMessageNotContaining(OTHER_USER);
            assertThat(
                            queries.accessLog()
                                    .entries(
                                            null,
                                            null,
                                            e ->
                                                    e.getActor().equals("o.perator")
                                                            && e.getOutcome()
                                                                    .equals(AccessLog.REFUSED)))
                    .hasSize(1);
            // another subject's masked record is still served
            assertThat(queries.event(OPERATOR, null, TENANT, "evt-dsr-1", null).found()).isTrue();
            // a compliance officer stating a purpose reads it
            assertThat(
                            queries.event(
                                            OFFICER,
                                            "legal claim LC-3",
                                            TENANT,
                                            "evt-other-user",
                                            null)
                                    .found())
                    .isTrue();
        } finally {
            requests.transition(
                    OFFICER,
                    TENANT,
                    "DSR-R1",
                    RequestEntry.State.LIFTED,
                    RequestLog.Change.plain(false));
        }
    }
}
