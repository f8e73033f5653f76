package io.decisionledger.compaction;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.lake.LakeLayout;
import io.decisionledger.rewrite.PartitionTask;
import io.decisionledger.testing.SmallFileLake;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the planner picks: closed partitions only, one tenant on request, stale leftovers only. */
class CompactionPlannerTest {

    private static final LocalDate AS_OF = LocalDate.of(2026, 3, 20);

    @TempDir Path work;

    @Test
    void plansClosedPartitionsOfOneTenantAndOnlyStaleInProgressFiles() throws Exception {
        // given partitions the day before yesterday (closed) and yesterday (open)
        LakeLayout lake = LakeLayout.at(work.resolve("lake").toUri().toString());
        SmallFileLake.write(lake, 120, List.of(AS_OF.minusDays(2), AS_OF.minusDays(1)), 20, 10, 1);
        Path closed =
                work.resolve(
                        "lake/audit/decisions/tenant_id=bank_456/event_date=" + AS_OF.minusDays(2));
        Path stale =
                SmallFileLake.inProgressFile(closed, ".part-a-0.inprogress.1", Duration.ofDays(3));
        SmallFileLake.inProgressFile(closed, ".part-b-0.inprogress.2", Duration.ofHours(2));
        Files.writeString(closed.resolve("_SUCCESS"), "");

        // when planning one tenant with a one-day in-progress age
        List<PartitionTask> tasks =
                new CompactionPlanner(
                                CompactionOptions.parse(
                                        new String[] {
                                            "--lake", lake.root(),
                                            "--as-of", AS_OF.toString(),
                                            "--tenant", "bank_456",
                                            "--inprogress-min-age", "P1D",
                                            "--run-id", "plan"
                                        }))
                        .plan();

        // then only that tenant's closed audit and ops partitions are planned, no quarantine
        assertThat(tasks)
                .extracting(t -> t.dataset().label() + " " + t.partition())
                .containsExactly(
                        "audit tenant_id=bank_456/event_date=" + AS_OF.minusDays(2),
                        "ops tenant_id=bank_456/event_date=" + AS_OF.minusDays(2));
        PartitionTask audit = tasks.get(0);
        // with every committed file as a source (not the hidden or underscore ones)
        try (var files = Files.list(closed)) {
            long committed =
                    files.map(p -> p.getFileName().toString())
                            .filter(n -> n.startsWith("part-") && n.endsWith(".parquet"))
                            .count();
            assertThat(audit.sources()).hasSize((int) committed);
        }
        assertThat(audit.sources()).allMatch(f -> f.bytes() > 0 && f.path().endsWith(".parquet"));
        // and only the in-progress file older than a day as stale
        assertThat(audit.staleInProgress())
                .containsExactly(stale.toUri().toString().replace("file:///", "file:/"));
        assertThat(audit.targetDir()).endsWith("/audit/decisions/" + audit.partition());
        assertThat(audit.stagingDir())
                .endsWith("/_staging/compaction/plan/audit/" + audit.partition());
    }
}
