package io.decisionledger.retention;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.lake.LakeLayout;
import io.decisionledger.rewrite.Dataset;
import io.decisionledger.rewrite.PartitionTask;
import io.decisionledger.testing.SmallFileLake;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.LocalDate;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.core.fs.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the retention planner takes from a lake spanning eight years: per tenant and date the audit
 * and ops partitions together, past each tenant's own period; quarantine dates past the shortest
 * period; nothing of a tenant under a tenant-wide hold (said in the log, by hold id only); one
 * tenant on request. Planning only lists; no file changes.
 */
class RetentionPlannerTest {

    private static final LocalDate AS_OF = LocalDate.of(2026, 3, 20);
    private static final List<LocalDate> DATES =
            List.of(
                    LocalDate.of(2018, 5, 10),
                    LocalDate.of(2023, 11, 2),
                    LocalDate.of(2025, 6, 1),
                    AS_OF.minusDays(3));

    @TempDir static java.nio.file.Path work;

    private static LakeLayout lake;
    private static RetentionPolicy policy;
    private static LegalHolds holds;

    @BeforeAll
    static void aLakeSpanningEightYears() throws IOException {
        lake = LakeLayout.at(work.resolve("lake").toUri().toString());
        SmallFileLake.write(lake, 300, DATES, 50, 6, 5);
        java.nio.file.Path policyFile = work.resolve("policy.json");
        // credit_union_12 keeps 25 months: its 2023 date is past retention too
        Files.writeString(
                policyFile,
                "{\"version\": \"p\", \"default\": \"P7Y\","
                        + " \"tenants\": {\"credit_union_12\": \"P25M\"}}");
        policy = RetentionPolicy.load(policyFile.toString());
        java.nio.file.Path holdsFile = work.resolve("holds.json");
        Files.writeString(
                holdsFile,
                "{\"holds\": [{\"id\": \"LH-3\", \"tenant_id\": \"insurer_789\","
                        + " \"reason\": \"class action\", \"placed_by\": \"gc@insurer\"},"
                        + "{\"id\": \"LH-1\", \"tenant_id\": \"bank_456\", \"user_id\":"
                        + " \"user_1234\", \"reason\": \"appeal\", \"placed_by\": \"legal\"}]}");
        holds = LegalHolds.load(holdsFile.toString());
    }

    @Test
    void takesEachTenantsExpiredDatesWithAuditAndOpsTogetherAndSkipsHeldTenants()
            throws IOException {
        ByteArrayOutputStream log = new ByteArrayOutputStream();

        RetentionPlanner.Plan plan =
                planner("r1")
                        .plan(
                                EnumSet.allOf(Dataset.class),
                                null,
                                new PrintStream(log, true, StandardCharsets.UTF_8));

        // bank_456 past seven years, credit_union_12 past 25 months; insurer_789 is held
        List<RetentionTask> perTenant =
                plan.tasks().stream().filter(t -> t.tenantId() != null).toList();
        assertThat(perTenant)
                .extracting(RetentionTask::label)
                .containsExactly(
                        "tenant_id=bank_456/event_date=2018-05-10",
                        "tenant_id=credit_union_12/event_date=2018-05-10",
                        "tenant_id=credit_union_12/event_date=2023-11-02");
        for (RetentionTask t : perTenant) {
            assertThat(t.parts())
                    .extracting(RetentionTask.Part::dataset)
                    .containsExactly(Dataset.AUDIT, Dataset.OPS);
            assertThat(t.parts()).allMatch(p -> p.partition().equals(t.label()));
            assertThat(t.date()).isEqualTo(t.label().substring(t.label().length() - 10));
            assertThat(t.runId()).isEqualTo("r1");
            assertThat(t.stagingDir()).endsWith("/staging/r1/retention/" + t.label());
        }
        // every committed file of the partition, with its size
        RetentionTask.Part audit = perTenant.get(0).parts().get(0);
        assertThat(audit.targetDir())
                .isEqualTo(lake.resolve("audit/decisions/" + audit.partition()).toString());
        assertThat(audit.sources())
                .hasSize(committedFiles("audit/decisions/" + audit.partition()))
                .allMatch(f -> f.bytes() > 0 && f.path().startsWith(audit.targetDir() + "/"));
        // quarantine: the ingest dates past the shortest period (25 months), for every tenant
        assertThat(plan.tasks().stream().filter(t -> t.tenantId() == null))
                .isNotEmpty()
                .allSatisfy(
                        t -> {
                            assertThat(t.parts()).hasSize(1);
                            assertThat(t.parts().get(0).dataset()).isEqualTo(Dataset.QUARANTINE);
                            assertThat(LocalDate.parse(t.date())).isBefore(AS_OF.minusMonths(25));
                        });
        // what retention takes, compaction leaves; a held tenant's partitions stay compaction's
        assertThat(plan.covers(Dataset.AUDIT, "tenant_id=bank_456/event_date=2018-05-10")).isTrue();
        assertThat(plan.covers(Dataset.OPS, "tenant_id=credit_union_12/event_date=2023-11-02"))
                .isTrue();
        assertThat(plan.covers(Dataset.AUDIT, "tenant_id=insurer_789/event_date=2018-05-10"))
                .isFalse();
        assertThat(plan.covers(Dataset.AUDIT, "tenant_id=bank_456/event_date=2023-11-02"))
                .isFalse();
        assertThat(plan.covers(Dataset.QUARANTINE, "ingest_date=2023-11-02")).isTrue();
        // the log names the tenant hold once, by id, never a user nor who placed it
        assertThat(log.toString(StandardCharsets.UTF_8))
                .isEqualTo(
                        "  retention: tenant insurer_789 is under legal hold LH-3:"
                                + " nothing of it is deleted\n")
                .doesNotContain("user_1234")
                .doesNotContain("gc@insurer");
    }

    @Test
    void countsTheRowsATenantHoldKeepsOutOfThePlan() throws IOException {
        RetentionPlanner planner = planner("r4");
        planner.plan(EnumSet.allOf(Dataset.class), null, quiet());

        // the decisions of insurer_789's expired date (2018-05-10), counted row by row
        long rows = 0;
        for (String dir : List.of("audit/decisions/tenant_id=insurer_789/event_date=2018-05-10")) {
            for (org.apache.flink.core.fs.FileStatus f :
                    io.decisionledger.lake.LakeFiles.parquetFiles(lake.resolve(dir))) {
                long[] n = {0};
                io.decisionledger.lake.LakeFiles.forEachRecord(f, r -> n[0]++);
                rows += n[0];
            }
        }
        assertThat(rows).isPositive();
        assertThat(planner.tenantHoldRows()).containsOnly(java.util.Map.entry("LH-3", rows));
    }

    @Test
    void oneTenantOnRequestAndOnlyTheDatasetsAsked() throws IOException {
        RetentionPlanner.Plan plan =
                planner("r2").plan(Set.of(Dataset.AUDIT, Dataset.QUARANTINE), "bank_456", quiet());

        assertThat(plan.tasks()).hasSize(1);
        RetentionTask bank = plan.tasks().get(0);
        assertThat(bank.tenantId()).isEqualTo("bank_456");
        assertThat(bank.parts())
                .extracting(RetentionTask.Part::dataset)
                .containsExactly(Dataset.AUDIT);
        // quarantine is not per tenant: skipped
        assertThat(plan.partitions())
                .containsExactly("audit/tenant_id=bank_456/event_date=2018-05-10");
        assertThat(bank.sourceFiles()).isEqualTo(bank.parts().get(0).sources().size()).isPositive();
        assertThat(bank.sourceBytes())
                .isEqualTo(
                        bank.parts().get(0).sources().stream()
                                .mapToLong(PartitionTask.FileRef::bytes)
                                .sum());
    }

    @Test
    void nothingIsPastRetentionInAYoungLake() throws IOException {
        RetentionPlanner.Plan plan =
                new RetentionPlanner(
                                lake,
                                new Path(work.resolve("staging").toUri().toString(), "r3"),
                                "r3",
                                LocalDate.of(2019, 1, 1),
                                policy,
                                LegalHolds.none())
                        .plan(EnumSet.allOf(Dataset.class), null, quiet());

        assertThat(plan.tasks()).isEmpty();
        assertThat(plan.partitions()).isEmpty();
        assertThat(RetentionPlanner.Plan.none().covers(Dataset.AUDIT, "x")).isFalse();
    }

    private static RetentionPlanner planner(String runId) {
        return new RetentionPlanner(
                lake,
                new Path(work.resolve("staging").toUri().toString(), runId + "/retention"),
                runId,
                AS_OF,
                policy,
                holds);
    }

    private static int committedFiles(String relative) throws IOException {
        try (var files = Files.list(work.resolve("lake").resolve(relative))) {
            return (int)
                    files.map(p -> p.getFileName().toString())
                            .filter(n -> n.endsWith(".parquet") && !n.startsWith("."))
                            .count();
        }
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }
}
