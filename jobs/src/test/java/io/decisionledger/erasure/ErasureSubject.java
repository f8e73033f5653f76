package io.decisionledger.erasure;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.decisionledger.erasure.ErasureRunner.Report;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.rights.ErasurePlan;
import io.decisionledger.testkit.SampleDecisions;
import io.decisionledger.verify.VerifyJob;
import io.decisionledger.verify.VerifyReport;
import io.decisionledger.verify.VerifyRunner;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The data subject of the erasure ITCases: an applicant with values found nowhere else in the
 * sample (user id, name, e-mail, phone, prompt, case ids), decisions on three different days (so in
 * three partitions of audit/ and ops/), and one refused event (truncated, so quarantined with its
 * raw input); plus the steps the ITCases share (write the plan, run the erasure job, run
 * VerifyJob).
 */
final class ErasureSubject {

    static final String USER = "user_ingrid_4711";
    static final String NAME = "Ingrid Solberg-Vik";
    static final String EMAIL = "ingrid.solberg-vik@example.org";
    static final String PHONE = "+47 55 12 34 99";
    static final String PROMPT =
            "Evaluate this loan application for "
                    + NAME
                    + " (contact "
                    + EMAIL
                    + ", "
                    + PHONE
                    + ")";
    static final String REQUEST = "DSR-2026-0042";

    private static final ObjectMapper JSON = new ObjectMapper();

    private ErasureSubject() {}

    /** Every value the auditor searches for, by what it is. */
    static Map<String, String> values() {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("user id", USER);
        v.put("name", NAME);
        v.put("e-mail", EMAIL);
        v.put("phone", PHONE);
        v.put("prompt", PROMPT);
        v.put("case id", "loan_ingrid_");
        return v;
    }

    /** The subject's {@code n} decisions, a day apart from yesterday back, and one refused. */
    static List<SampleDecisions.Event> events(String tenant, int n) {
        List<SampleDecisions.Event> events = new ArrayList<>();
        Instant base = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(1, ChronoUnit.DAYS);
        for (int i = 0; i < n; i++) {
            Instant time = base.minus(i % 3, ChronoUnit.DAYS);
            SampleDecisions.Event e = SampleDecisions.eventAt(4711, i, tenant, time);
            events.add(
                    new SampleDecisions.Event(e.key(), rewrite(e.value(), i), tenant, e.eventId()));
        }
        byte[] whole = events.get(0).value();
        byte[] truncated = Arrays.copyOf(whole, whole.length * 2 / 3);
        events.add(new SampleDecisions.Event(tenant + ":refused", truncated, tenant, null));
        return events;
    }

    private static byte[] rewrite(byte[] value, int i) {
        try {
            ObjectNode event = (ObjectNode) JSON.readTree(value);
            event.put("userId", USER);
            event.put("caseId", "loan_ingrid_" + i);
            ((ObjectNode) event.get("aiInteraction")).put("prompt", PROMPT);
            return JSON.writeValueAsBytes(event);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Writes the plan where the request evaluation puts it; returns its path. */
    static String writePlan(Path lake, String tenant, List<String> eventIds) throws IOException {
        ErasurePlan plan =
                new ErasurePlan(
                        REQUEST,
                        1,
                        tenant,
                        ErasurePlan.SubjectType.USER,
                        USER,
                        eventIds,
                        Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
                        "rights-evaluation");
        Path f =
                lake.resolve(
                        "rights/plans/tenant_id="
                                + tenant
                                + "/request_id="
                                + REQUEST
                                + "/plan-1.json");
        Files.createDirectories(f.getParent());
        Files.write(f, plan.toJson());
        return f.toUri().toString();
    }

    /** Runs the erasure job on the MiniCluster; its log goes to {@code log}. */
    static Report erase(String lakeUri, String planUri, ByteArrayOutputStream log, String... more)
            throws Exception {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "--lake",
                                lakeUri,
                                "--plan",
                                planUri,
                                "--operator",
                                "dpo@bank.example"));
        args.addAll(List.of(more));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        Report r =
                new ErasureRunner(ErasureOptions.parse(args.toArray(String[]::new)))
                        .run(env, new PrintStream(log, true, StandardCharsets.UTF_8));
        log.write((r.summary() + "\n").getBytes(StandardCharsets.UTF_8));
        return r;
    }

    /**
     * Compliance officers read the subject's records before the request, as the audit library logs
     * such reads: a history by user id (purpose naming the applicant), one decision by event id
     * (purpose naming a case id), and a read about somebody else that must stay as it is. Returns
     * the lake's access log.
     */
    static io.decisionledger.access.AccessLog readTheSubject(
            String lakeUri, String tenant, List<String> eventIds) throws IOException {
        io.decisionledger.access.AccessLog log =
                new io.decisionledger.access.AccessLog(
                        io.decisionledger.lake.LakeLayout.at(lakeUri), java.time.Clock.systemUTC());
        io.decisionledger.access.Caller officer =
                io.decisionledger.access.Caller.cli(
                        "a.officer", io.decisionledger.access.AuditRole.COMPLIANCE_OFFICER);
        Map<String, String> history = new java.util.TreeMap<>();
        history.put("tenant", tenant);
        history.put("user", USER);
        history.put("from", "2026-01-01T00:00:00Z");
        history.put("to_exclusive", "2027-01-01T00:00:00Z");
        log.record(
                new io.decisionledger.access.AccessLog.Access(
                        officer,
                        io.decisionledger.access.AccessLog.Action.HISTORY,
                        "Complaint from " + NAME,
                        io.decisionledger.access.AccessLog.DATASET_DECISIONS,
                        tenant,
                        eventIds,
                        history));
        log.record(
                new io.decisionledger.access.AccessLog.Access(
                        officer,
                        io.decisionledger.access.AccessLog.Action.EVENT,
                        "Dispute about loan_ingrid_0",
                        io.decisionledger.access.AccessLog.DATASET_DECISIONS,
                        tenant,
                        List.of(eventIds.get(0)),
                        Map.of("tenant", tenant, "event_id", eventIds.get(0))));
        log.record(
                new io.decisionledger.access.AccessLog.Access(
                        officer,
                        io.decisionledger.access.AccessLog.Action.HISTORY,
                        "Routine sample",
                        io.decisionledger.access.AccessLog.DATASET_DECISIONS,
                        tenant,
                        List.of(),
                        Map.of("tenant", tenant, "user", "user_someone_else")));
        return log;
    }

    static VerifyReport verify(String lakeUri, Path report, ByteArrayOutputStream log)
            throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        VerifyReport r =
                new VerifyRunner(new VerifyJob.Options(LakeLayout.at(lakeUri), null, report))
                        .run(env, new PrintStream(log, true, StandardCharsets.UTF_8));
        log.write((r.summary() + "\n").getBytes(StandardCharsets.UTF_8));
        return r;
    }
}
