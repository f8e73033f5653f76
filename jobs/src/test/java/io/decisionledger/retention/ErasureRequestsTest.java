package io.decisionledger.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.decisionledger.access.AccessLog;
import io.decisionledger.access.AccessRefusedException;
import io.decisionledger.access.AuditRole;
import io.decisionledger.access.Caller;
import io.decisionledger.access.TenantScope;
import io.decisionledger.decision.StrictJson;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.options.Exit;
import io.decisionledger.rights.ErasurePlan;
import io.decisionledger.rights.ErasurePlan.SubjectType;
import io.decisionledger.rights.RequestEntry;
import io.decisionledger.rights.RequestEntry.Kind;
import io.decisionledger.rights.RequestEntry.State;
import io.decisionledger.rights.RequestLog;
import io.decisionledger.schema.DecisionRecord;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Evaluating an erasure request of an applicant with a mixed history: records still under Reg B's
 * 25 months are restricted and deferred to the day Reg B ends (not to the tenant's seven years),
 * older ones are erased now (a plan), one under a legal hold waits for its release, and the kept
 * ones get a RESTRICT plan (their ops rows go); 'due' turns the deferred part into a new plan on
 * its day and not before, and plans a restricted subject's ops rows once.
 */
class ErasureRequestsTest {

    @TempDir Path dir;

    private static final String TENANT = "bank_456";
    private static final Caller OFFICER = Caller.cli("a.officer", AuditRole.COMPLIANCE_OFFICER);
    private static final LocalDate AS_OF = LocalDate.of(2026, 12, 5);
    private static final String REG_B = "Reg B (12 CFR 1002.12(b))";
    private static final String AI_ACT = "EU AI Act Art. 19/26(6)";

    private LakeLayout lake;
    private RetentionPolicy policy;
    private LegalHolds holds;

    private static Clock at(LocalDate day) {
        return Clock.fixed(day.atTime(9, 0).toInstant(ZoneOffset.UTC), ZoneOffset.UTC);
    }

    @BeforeEach
    void writeALake() throws Exception {
        lake = LakeLayout.at(dir.resolve("lake").toUri().toString());
        // the applicant user-0042: two records under Reg B, two older than 25 months, one held
        write(TENANT, "evt-recent", "2026-10-01", "user-0042", null);
        write(TENANT, "evt-2025", "2025-06-15", "user-0042", null);
        write(TENANT, "evt-2024", "2024-01-10", "user-0042", null);
        write(TENANT, "evt-2023", "2023-05-02", "user-0042", null);
        write(TENANT, "evt-held", "2022-11-20", "user-0042", "case-held-7");
        // another applicant of the tenant, and the same user id in another tenant
        write(TENANT, "evt-other-user", "2023-05-02", "user-0077", null);
        write("bank_999", "evt-other-tenant", "2023-05-02", "user-0042", null);
        Path policyFile = dir.resolve("retention.json");
        Files.writeString(
                policyFile,
                """
                {"version": "2026-12-05.1", "default": "P7Y",
                 "tenants": {"bank_456": {"period": "P7Y", "obligations": [
                   {"regulation": "Reg B (12 CFR 1002.12(b))", "period": "P25M"},
                   {"regulation": "EU AI Act Art. 19/26(6)", "period": "P6M"}]}}}
                """);
        policy = RetentionPolicy.load(policyFile.toString());
        Path holdsFile = dir.resolve("holds.json");
        Files.writeString(
                holdsFile,
                """
                {"holds": [{"id": "LH-2026-014", "tenant_id": "bank_456", "case_id": "case-held-7",
                  "reason": "Litigation 2026-CV-1187", "placed_by": "j.doe@bank.example",
                  "placed_at": "2026-10-01"}]}
                """);
        holds = LegalHolds.load(holdsFile.toString());
        new RequestLog(lake, at(AS_OF))
                .receive(
                        OFFICER,
                        TENANT,
                        "DSR-7",
                        Kind.ERASURE,
                        SubjectType.USER,
                        "user-0042",
                        LocalDate.of(2026, 12, 1),
                        "letter of 2026-11-28");
    }

    private void write(String tenant, String eventId, String date, String user, String caseId)
            throws Exception {
        Instant time = LocalDate.parse(date).atTime(10, 0).toInstant(ZoneOffset.UTC);
        DecisionRecord r =
                DecisionRecord.newBuilder()
                        .setEventId(eventId)
                        .setEventIdDerived(false)
                        .setEventType("AI_DECISION")
                        .setEventTime(time)
                        .setTenantId(tenant)
                        .setUserId(user)
                        .setCaseId(caseId)
                        .setModel("gpt-4o")
                        .setModelVersion("gpt-4o-2024-05-13")
                        .setPrompt("Evaluate this loan application")
                        .setSystemPrompt(null)
                        .setContextUserHistory(List.of())
                        .setContextMetadataJson("{}")
                        .setResponseContent("{\"approved\":false}")
                        .setResponseFinishReason("stop")
                        .setDecisionApproved(false)
                        .setDecisionConfidence(0.9)
                        .setDecisionReasoning("income below threshold")
                        .setSourceTopic("decisions")
                        .setSourcePartition(0)
                        .setSourceOffset(0L)
                        .setIngestTime(time)
                        .setContentSha256("0".repeat(64))
                        .build();
        LakeFiles.writeParquet(
                new org.apache.flink.core.fs.Path(
                        lake.auditDecisions(),
                        "tenant_id="
                                + tenant
                                + "/event_date="
                                + date
                                + "/part-"
                                + eventId
                                + ".parquet"),
                List.of(r));
    }

    private ErasurePlan plan(int sequence) throws Exception {
        Path p =
                dir.resolve(
                        "lake/rights/plans/tenant_id=bank_456/request_id=DSR-7/plan-"
                                + sequence
                                + ".json");
        return ErasurePlan.fromJson(Files.readAllBytes(p), p.toString());
    }

    @Test
    void aMixedSubjectIsSplitIntoEraseNowDeferredUnderRegBAndHeld() throws Exception {
        ErasureRequests.Evaluated done =
                new ErasureRequests(lake, at(AS_OF))
                        .evaluate(OFFICER, TENANT, "DSR-7", policy, holds, AS_OF);

        // the split: Reg B's 25 months defer the two recent records to the day Reg B ends for
        // each (not to the tenant's P7Y); the two older ones are free; the held one waits
        Map<String, ErasureEvaluation.RecordDecision> byId = new java.util.TreeMap<>();
        done.result().records().forEach(r -> byId.put(r.eventId(), r));
        assertThat(byId.keySet())
                .containsExactly("evt-2023", "evt-2024", "evt-2025", "evt-held", "evt-recent");
        assertThat(byId.get("evt-2023").outcome()).isEqualTo(ErasureEvaluation.Outcome.ERASE_NOW);
        assertThat(byId.get("evt-2024").outcome()).isEqualTo(ErasureEvaluation.Outcome.ERASE_NOW);
        assertThat(byId.get("evt-2025").outcome()).isEqualTo(ErasureEvaluation.Outcome.DEFERRED);
        assertThat(byId.get("evt-2025").until()).isEqualTo(LocalDate.of(2027, 7, 16));
        assertThat(byId.get("evt-2025").obligations()).containsExactly(REG_B);
        assertThat(byId.get("evt-recent").until()).isEqualTo(LocalDate.of(2028, 11, 2));
        assertThat(byId.get("evt-recent").obligations()).containsExactly(REG_B, AI_ACT);
        assertThat(byId.get("evt-held").outcome()).isEqualTo(ErasureEvaluation.Outcome.HELD);
        assertThat(byId.get("evt-held").holdId()).isEqualTo("LH-2026-014");

        // plan 1 holds exactly the erase-now part
        ErasurePlan plan = plan(1);
        assertThat(plan.scope()).isEqualTo(ErasurePlan.Scope.ERASE);
        assertThat(plan.requestId()).isEqualTo("DSR-7");
        assertThat(plan.tenantId()).isEqualTo(TENANT);
        assertThat(plan.subjectType()).isEqualTo(SubjectType.USER);
        assertThat(plan.subjectId()).isEqualTo("user-0042");
        assertThat(plan.eventIds()).containsExactly("evt-2023", "evt-2024");
        assertThat(plan.operator()).isEqualTo("a.officer");
        // plan 2 restricts the kept part: deferred and held, their ops rows to be removed
        ErasurePlan restrict = plan(2);
        assertThat(restrict.scope()).isEqualTo(ErasurePlan.Scope.RESTRICT);
        assertThat(restrict.eventIds()).containsExactly("evt-2025", "evt-held", "evt-recent");
        assertThat(restrict.subjectId()).isEqualTo("user-0042");
        assertThat(done.restrictPlanSequence()).isEqualTo(2);
        assertThat(done.restricted()).containsExactly("evt-2025", "evt-held", "evt-recent");

        // the request's log: evaluated (with the reasons), planned (erase), planned (restrict),
        // deferred, held; restricted
        List<RequestEntry> history =
                new RequestLog(lake, at(AS_OF)).history(OFFICER, TENANT, "DSR-7");
        assertThat(history)
                .extracting(RequestEntry::state)
                .containsExactly(
                        State.RECEIVED,
                        State.EVALUATED,
                        State.PLANNED,
                        State.PLANNED,
                        State.DEFERRED,
                        State.HELD);
        assertThat(history.get(3).reason())
                .isEqualTo(
                        "3 record(s) kept but restricted (Art. 18): their ops rows are removed by"
                                + " plan 2 (RESTRICT); audit keeps them");
        assertThat(history.get(3).detailsJson()).contains("\"scope\": \"RESTRICT\"");
        JsonNode details =
                StrictJson.readObject(
                        history.get(1).detailsJson().getBytes(StandardCharsets.UTF_8), "details");
        assertThat(details.get("erase_now").asInt()).isEqualTo(2);
        assertThat(details.get("deferred").asInt()).isEqualTo(2);
        assertThat(details.get("held").asInt()).isEqualTo(1);
        assertThat(details.get("next_due").asText()).isEqualTo("2027-07-16");
        assertThat(details.toString()).doesNotContain("user-0042").contains("Art. 17(3)(b)");
        assertThat(history.get(4).until()).isEqualTo("2027-07-16");
        assertThat(history.get(4).reason()).contains(REG_B);
        assertThat(history.get(5).reason()).contains("LH-2026-014");
        assertThat(history.subList(1, 6)).allMatch(RequestEntry::subjectRestricted);
        assertThat(new RequestLog(lake, at(AS_OF)).restrictedSubjects(TENANT))
                .containsExactly(new RequestLog.Subject(SubjectType.USER, "user-0042"));
        assertThat(new RequestLog(lake, at(AS_OF)).verify(OFFICER, TENANT).problems()).isEmpty();

        // the read of the subject's ids is in the access log
        assertThat(
                        new AccessLog(lake, at(AS_OF))
                                .entries(null, null, e -> true).stream()
                                        .map(e -> e.getAction())
                                        .toList())
                .containsExactly("ERASURE_EVALUATION");
    }

    @Test
    void dueTurnsTheDeferredPartIntoANewPlanOnItsDayAndNotBefore() throws Exception {
        new ErasureRequests(lake, at(AS_OF))
                .evaluate(OFFICER, TENANT, "DSR-7", policy, holds, AS_OF);

        LocalDate dayBefore = LocalDate.of(2027, 7, 15);
        List<ErasureRequests.Evaluated> early =
                new ErasureRequests(lake, at(dayBefore))
                        .due(OFFICER, TENANT, policy, holds, dayBefore);
        assertThat(early).isEmpty();
        // plan 2 is the RESTRICT plan of the evaluation; the deferred records are still in it
        assertThat(dir.resolve("lake/rights/plans/tenant_id=bank_456/request_id=DSR-7/plan-3.json"))
                .doesNotExist();

        LocalDate day = LocalDate.of(2027, 7, 16);
        List<ErasureRequests.Evaluated> due =
                new ErasureRequests(lake, at(day)).due(OFFICER, TENANT, policy, holds, day);
        assertThat(due).hasSize(1);
        // the deferred record restricted by plan 2 is erased now by plan 3 (a RESTRICT plan
        // does not count as planned for erasure); no new RESTRICT plan: nothing new is restricted
        assertThat(plan(3).eventIds()).containsExactly("evt-2025");
        assertThat(plan(3).scope()).isEqualTo(ErasurePlan.Scope.ERASE);
        assertThat(due.get(0).restrictPlanPath()).isNull();

        // the hold's release: the held record comes free (the recent one is still under Reg B)
        List<ErasureRequests.Evaluated> released =
                new ErasureRequests(lake, at(day))
                        .due(OFFICER, TENANT, policy, LegalHolds.none(), day);
        assertThat(plan(4).eventIds()).containsExactly("evt-held");
        assertThat(dir.resolve("lake/rights/plans/tenant_id=bank_456/request_id=DSR-7/plan-5.json"))
                .doesNotExist();
        assertThat(released.get(0).result().nextDue()).isEqualTo(LocalDate.of(2028, 11, 2));
        assertThat(new RequestLog(lake, at(day)).restrictedSubjects(TENANT)).hasSize(1);
        assertThat(new RequestLog(lake, at(day)).verify(OFFICER, TENANT).problems()).isEmpty();
    }

    @Test
    void dueRestrictsARestrictedSubjectsOpsRowsOnceAndCatchesLaterRecordsOnItsNextRun()
            throws Exception {
        // given a restriction request of user-0077, restricted
        RequestLog log = new RequestLog(lake, at(AS_OF));
        log.receive(
                OFFICER,
                TENANT,
                "DSR-9",
                Kind.RESTRICTION,
                SubjectType.USER,
                "user-0077",
                LocalDate.of(2026, 12, 2),
                "e-mail of 2026-12-02");
        log.transition(
                OFFICER,
                TENANT,
                "DSR-9",
                State.RESTRICTED,
                new RequestLog.Change(null, null, "accuracy contested", null, true));

        // when due runs: the subject's records get a RESTRICT plan of the restriction request
        List<ErasureRequests.Evaluated> first =
                new ErasureRequests(lake, at(AS_OF)).due(OFFICER, TENANT, policy, holds, AS_OF);
        assertThat(first).singleElement().satisfies(e -> assertThat(e.result()).isNull());
        ErasurePlan plan1 = plan("DSR-9", 1);
        assertThat(plan1.scope()).isEqualTo(ErasurePlan.Scope.RESTRICT);
        assertThat(plan1.subjectId()).isEqualTo("user-0077");
        assertThat(plan1.eventIds()).containsExactly("evt-other-user");
        List<RequestEntry> history = log.history(OFFICER, TENANT, "DSR-9");
        assertThat(history.get(history.size() - 1).state()).isEqualTo(State.PLANNED);
        assertThat(history.get(history.size() - 1).subjectRestricted()).isTrue();

        // a second run plans nothing again: the records are covered
        assertThat(new ErasureRequests(lake, at(AS_OF)).due(OFFICER, TENANT, policy, holds, AS_OF))
                .isEmpty();
        assertThat(planFile("DSR-9", 2)).doesNotExist();

        // a record ingested after the restriction is caught by the next run, alone
        write(TENANT, "evt-other-later", "2026-12-06", "user-0077", null);
        LocalDate next = LocalDate.of(2026, 12, 6);
        List<ErasureRequests.Evaluated> later =
                new ErasureRequests(lake, at(next)).due(OFFICER, TENANT, policy, holds, next);
        assertThat(later).hasSize(1);
        assertThat(plan("DSR-9", 2).eventIds()).containsExactly("evt-other-later");

        // a subject already restricted by an erasure request's RESTRICT plan: a restriction
        // request of the same subject finds every record covered, and plans nothing
        new ErasureRequests(lake, at(next)).evaluate(OFFICER, TENANT, "DSR-7", policy, holds, next);
        new RequestLog(lake, at(next))
                .receive(
                        OFFICER,
                        TENANT,
                        "DSR-10",
                        Kind.RESTRICTION,
                        SubjectType.USER,
                        "user-0042",
                        next,
                        "letter of 2026-12-06");
        assertThat(new ErasureRequests(lake, at(next)).due(OFFICER, TENANT, policy, holds, next))
                .isEmpty();
        assertThat(planFile("DSR-10", 1)).doesNotExist();

        // a lifted restriction plans nothing more (and brings no row back)
        log.transition(
                OFFICER,
                TENANT,
                "DSR-9",
                State.LIFTED,
                new RequestLog.Change(null, null, "accuracy verified", null, false));
        write(TENANT, "evt-other-after-lift", "2026-12-07", "user-0077", null);
        LocalDate after = LocalDate.of(2026, 12, 7);
        assertThat(new ErasureRequests(lake, at(after)).due(OFFICER, TENANT, policy, holds, after))
                .isEmpty();
        assertThat(planFile("DSR-9", 3)).doesNotExist();
        assertThat(new RequestLog(lake, at(after)).verify(OFFICER, TENANT).problems()).isEmpty();
        // each planning read of the subject's ids is logged
        assertThat(
                        new AccessLog(lake, at(after))
                                .entries(null, null, e -> true).stream()
                                        .map(e -> e.getAction())
                                        .filter("RESTRICTION_PLANNING"::equals)
                                        .count())
                .isEqualTo(6);
    }

    private Path planFile(String requestId, int sequence) {
        return dir.resolve(
                "lake/rights/plans/tenant_id=bank_456/request_id="
                        + requestId
                        + "/plan-"
                        + sequence
                        + ".json");
    }

    private ErasurePlan plan(String requestId, int sequence) throws Exception {
        Path p = planFile(requestId, sequence);
        return ErasurePlan.fromJson(Files.readAllBytes(p), p.toString());
    }

    @Test
    void aCallerWithoutTheTenantGrantIsRefusedAndNothingIsWritten() throws Exception {
        Caller otherTenant =
                Caller.authenticated(
                        "b.officer",
                        AuditRole.COMPLIANCE_OFFICER,
                        Caller.Channel.CLI,
                        TenantScope.of(Set.of("bank_999")));

        assertThatThrownBy(
                        () ->
                                new ErasureRequests(lake, at(AS_OF))
                                        .evaluate(
                                                otherTenant, TENANT, "DSR-7", policy, holds, AS_OF))
                .isInstanceOf(AccessRefusedException.class)
                .hasMessageNotContaining("user-0042");
        assertThat(dir.resolve("lake/rights/plans")).doesNotExist();
        assertThat(new RequestLog(lake, at(AS_OF)).history(OFFICER, TENANT, "DSR-7")).hasSize(1);
    }

    @Test
    void theCommandPrintsCountsAndThePlanButNeverTheSubject() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int code =
                ErasureRequests.run(
                        new String[] {
                            "evaluate",
                            "--lake",
                            lake.root(),
                            "--tenant",
                            TENANT,
                            "--request-id",
                            "DSR-7",
                            "--retention-policy",
                            dir.resolve("retention.json").toString(),
                            "--legal-holds",
                            dir.resolve("holds.json").toString(),
                            "--as-of",
                            "2026-12-05",
                            "--insecure-self-asserted-identity",
                            "a.officer:compliance_officer:bank_456"
                        },
                        Map.of(),
                        at(AS_OF),
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));

        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(printed)
                .contains(
                        "request DSR-7 (tenant bank_456, as of 2026-12-05): 2 record(s) erase now,"
                                + " 2 deferred (first due 2027-07-16), 1 held")
                .contains("plan 1 (ERASE)")
                .contains("plan-1.json")
                .contains("plan 2 (RESTRICT: 3 record(s) kept, their ops rows removed)")
                .contains("plan-2.json")
                .doesNotContain("user-0042");
        assertThat(err.toString(StandardCharsets.UTF_8)).doesNotContain("user-0042");
        assertThat(Exit.class).isNotNull();
    }

    @Test
    void theHelpSaysWhatRestrictPlansDoAndWhenOpsMayStillShowARestrictedSubject() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        int code =
                ErasureRequests.run(
                        new String[] {"--help"},
                        Map.of(),
                        at(AS_OF),
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));

        assertThat(code).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8).replaceAll("\\s+", " "))
                .contains("a RESTRICT plan for the deferred and held ones")
                .contains(
                        "records ingested after a restriction stay in ops/ until the next due run")
                .contains("Lifting a restriction brings no row back into ops/");
    }

    @Test
    void theCommandRefusesToEvaluateWithoutAPolicyOrAnExplicitHoldSource() throws Exception {
        String policy = dir.resolve("retention.json").toString();
        String holds = dir.resolve("holds.json").toString();

        assertThat(evaluateWith("--legal-holds", holds)).isEqualTo(2);
        assertThat(evaluateWith("--retention-policy", policy)).isEqualTo(2);
        assertThat(
                        evaluateWith(
                                "--retention-policy",
                                policy,
                                "--legal-holds",
                                holds,
                                "--no-legal-holds"))
                .isEqualTo(2);
        // nothing was evaluated or planned by the refused runs
        assertThat(dir.resolve("lake/rights/plans")).doesNotExist();
        assertThat(new RequestLog(lake, at(AS_OF)).history(OFFICER, TENANT, "DSR-7")).hasSize(1);
    }

    private int evaluateWith(String... sources) throws Exception {
        List<String> args =
                new java.util.ArrayList<>(
                        List.of(
                                "evaluate",
                                "--lake",
                                lake.root(),
                                "--tenant",
                                TENANT,
                                "--request-id",
                                "DSR-7",
                                "--as-of",
                                "2026-12-05",
                                "--insecure-self-asserted-identity",
                                "a.officer:compliance_officer:bank_456"));
        args.addAll(List.of(sources));
        return ErasureRequests.run(
                args.toArray(String[]::new),
                Map.of(),
                at(AS_OF),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }
}
