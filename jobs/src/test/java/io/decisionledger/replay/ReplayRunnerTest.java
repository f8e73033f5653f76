package io.decisionledger.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.access.AccessLog;
import io.decisionledger.access.AccessRefusedException;
import io.decisionledger.access.AuditRole;
import io.decisionledger.access.Caller;
import io.decisionledger.access.TenantScope;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.schema.AccessLogEntry;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.testing.SmallFileLake;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.core.fs.FileStatus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may replay which tenant, on the client, before the job starts: the caller authenticates like
 * on the audit CLI (the self-asserted environment variable is refused), a tenant-scoped officer is
 * refused another tenant, or every tenant, before any file of the lake is read, and the refusal is
 * in the access log; a row of another tenant filed in the asked tenant's folder is not replayed
 * (ReplaySelection already compared each row's tenant_id with --tenant; the runner checks the grant
 * per row as well).
 */
class ReplayRunnerTest {

    @TempDir static Path dir;

    private static LakeLayout lake;
    private static String tenantA;
    private static String tenantB;

    @BeforeAll
    static void writeALake() throws Exception {
        lake = LakeLayout.at(dir.resolve("lake").toUri().toString());
        LocalDate day = LocalDate.now().minusDays(1);
        SmallFileLake.write(lake, 60, List.of(day), 20, 0, 5);
        Map<String, List<DecisionRecord>> byTenant = new TreeMap<>();
        for (org.apache.flink.core.fs.Path p : LakeFiles.auditPartitions(lake, null, null, null)) {
            for (FileStatus f : LakeFiles.parquetFiles(p)) {
                LakeFiles.forEachRecord(
                        f,
                        DecisionRecord.class,
                        r ->
                                byTenant.computeIfAbsent(r.getTenantId(), t -> new ArrayList<>())
                                        .add(r));
            }
        }
        List<String> tenants = new ArrayList<>(byTenant.keySet());
        tenantA = tenants.get(0);
        tenantB = tenants.get(1);
        // a row of tenant B misfiled in tenant A's folder
        DecisionRecord planted =
                DecisionRecord.newBuilder(byTenant.get(tenantB).get(0))
                        .setEventId("evt-planted")
                        .build();
        LakeFiles.writeParquet(
                new org.apache.flink.core.fs.Path(
                        lake.auditDecisions(),
                        "tenant_id=" + tenantA + "/event_date=" + day + "/part-planted.parquet"),
                List.of(planted));
        // tenant B's folder also holds a file that cannot be read: a refusal that reads nothing
        // cannot trip over it
        Path corrupt =
                dir.resolve(
                        "lake/audit/decisions/tenant_id="
                                + tenantB
                                + "/event_date="
                                + day
                                + "/part-corrupt.parquet");
        Files.writeString(corrupt, "not parquet");
    }

    private static ReplayOptions options(String runId, String... more) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "--lake",
                                lake.root(),
                                "--run-id",
                                runId,
                                "--purpose",
                                "Model-risk review MR-9",
                                "--base-url",
                                "https://models.example.invalid/v1"));
        args.addAll(List.of(more));
        return ReplayOptions.parse(args.toArray(String[]::new));
    }

    private static Caller scopedTo(String tenant) {
        return Caller.authenticated(
                "scoped.officer",
                AuditRole.COMPLIANCE_OFFICER,
                Caller.Channel.CLI,
                TenantScope.parse(tenant));
    }

    @Test
    void refusesTheSelfAssertedEnvironmentIdentity() {
        ReplayOptions options = options("run-env");

        assertThatThrownBy(
                        () ->
                                ReplayRunner.caller(
                                        options,
                                        Map.of(Caller.LEGACY_ENV, "j.doe:compliance_officer")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is no longer accepted");
    }

    @Test
    void refusesAScopedOfficerAnotherTenantOrEveryTenantBeforeReadingAndLogsIt() throws Exception {
        AccessLog log = new AccessLog(lake, Clock.systemUTC());
        long before = log.verify().entries();

        assertThatThrownBy(
                        () ->
                                ReplayRunner.selectAndLog(
                                        options("run-other", "--tenant", tenantB),
                                        scopedTo(tenantA)))
                .isInstanceOf(AccessRefusedException.class)
                .hasMessage(
                        "tenant "
                                + tenantB
                                + " is not granted to this caller (granted: "
                                + tenantA
                                + "); the refusal is in the access log");
        assertThatThrownBy(() -> ReplayRunner.selectAndLog(options("run-all"), scopedTo(tenantA)))
                .isInstanceOf(AccessRefusedException.class)
                .hasMessageStartingWith("replaying every tenant (no --tenant) needs a grant");

        List<AccessLogEntry> added = log.entries(null, null, e -> e.getLogSeq() > before);
        assertThat(added)
                .extracting(
                        e ->
                                e.getActor()
                                        + "|"
                                        + e.getAction()
                                        + "|"
                                        + e.getTenantId()
                                        + "|"
                                        + e.getOutcome())
                .containsExactly(
                        "scoped.officer|REPLAY|" + tenantB + "|REFUSED",
                        "scoped.officer|REPLAY|null|REFUSED");
        // the unreadable file in tenant B's folder fails a read of B that is allowed
        assertThatThrownBy(
                        () ->
                                ReplayRunner.selectAndLog(
                                        options("run-b", "--tenant", tenantB), scopedTo(tenantB)))
                .isNotInstanceOf(AccessRefusedException.class);
    }

    @Test
    void replaysOnlyRowsOfTheTenantAskedFor() throws Exception {
        ReplayPlan selected =
                ReplayRunner.selectAndLog(options("run-a", "--tenant", tenantA), scopedTo(tenantA));

        assertThat(selected.isEmpty()).isFalse();
        assertThat(selected.files()).allMatch(f -> f.contains("tenant_id=" + tenantA + "/"));
        assertThat(selected.eventIdsByFile().values().stream().flatMap(List::stream))
                .doesNotContain("evt-planted");
    }

    @Test
    void leavesOutTheDecisionsOfARestrictedSubjectAndCountsThem() throws Exception {
        // given a user of tenant A with decisions in the selection, and a restriction request
        ReplayPlan before =
                ReplayRunner.selectAndLog(
                        options("run-r0", "--tenant", tenantA), scopedTo(tenantA));
        Map<String, List<String>> idsByUser = new TreeMap<>();
        for (org.apache.flink.core.fs.Path p :
                LakeFiles.auditPartitions(lake, tenantA, null, null)) {
            for (FileStatus f : LakeFiles.parquetFiles(p)) {
                if (f.getPath().getName().contains("corrupt")) {
                    continue;
                }
                LakeFiles.forEachRecord(
                        f,
                        DecisionRecord.class,
                        r -> {
                            if (r.getTenantId().equals(tenantA)) {
                                idsByUser
                                        .computeIfAbsent(r.getUserId(), u -> new ArrayList<>())
                                        .add(r.getEventId());
                            }
                        });
            }
        }
        String user = idsByUser.keySet().iterator().next();
        List<String> userIds = idsByUser.get(user);
        io.decisionledger.rights.RequestLog requests =
                new io.decisionledger.rights.RequestLog(lake, Clock.systemUTC());
        requests.receive(
                scopedTo(tenantA),
                tenantA,
                "DSR-R1",
                io.decisionledger.rights.RequestEntry.Kind.RESTRICTION,
                io.decisionledger.rights.ErasurePlan.SubjectType.USER,
                user,
                LocalDate.now().minusDays(1),
                "letter R1");
        try {
            // when a replay of the tenant is planned
            ReplayPlan after =
                    ReplayRunner.selectAndLog(
                            options("run-r1", "--tenant", tenantA), scopedTo(tenantA));

            // then none of the subject's decisions is in it, and only those are missing
            List<String> planned =
                    after.eventIdsByFile().values().stream().flatMap(List::stream).toList();
            assertThat(userIds).isNotEmpty();
            assertThat(planned).doesNotContainAnyElementsOf(userIds);
            assertThat(after.size()).isEqualTo(before.size() - userIds.size());
            assertThat(
                            ReplayRunner.withoutRestricted(
                                            lake,
                                            ReplaySelection.select(
                                                    options("run-r2", "--tenant", tenantA)))
                                    .skipped())
                    .isEqualTo(userIds.size());
        } finally {
            requests.transition(
                    scopedTo(tenantA),
                    tenantA,
                    "DSR-R1",
                    io.decisionledger.rights.RequestEntry.State.LIFTED,
                    io.decisionledger.rights.RequestLog.Change.plain(false));
        }
    }
}
