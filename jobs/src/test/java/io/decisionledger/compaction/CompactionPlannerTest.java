package io.decisionledger.compaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.retention.RetentionManifest;
import io.decisionledger.retention.RetentionPlanner;
import io.decisionledger.rewrite.PartitionResult;
import io.decisionledger.rewrite.PartitionRewrite;
import io.decisionledger.rewrite.PartitionTask;
import io.decisionledger.rewrite.SwapStep;
import io.decisionledger.testing.SmallFileLake;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the planner picks: closed partitions only, one tenant on request, stale leftovers only, not
 * what retention takes; and what it does first: finish the swaps earlier runs committed, discard
 * what they left uncommitted, refuse to go on past a committed retention deletion it cannot finish.
 */
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
                                            "--lake",
                                            lake.root(),
                                            "--as-of",
                                            AS_OF.toString(),
                                            "--tenant",
                                            "bank_456",
                                            "--inprogress-min-age",
                                            "P1D",
                                            "--run-id",
                                            "plan",
                                            "--no-legal-holds"
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

    @Test
    void leavesThePartitionsRetentionTakesUnlessTheyAreReadFromALandingArea() throws Exception {
        LakeLayout lake = LakeLayout.at(work.resolve("lake").toUri().toString());
        SmallFileLake.write(lake, 120, List.of(AS_OF.minusDays(3), AS_OF.minusDays(2)), 20, 0, 2);
        String taken = "tenant_id=bank_456/event_date=" + AS_OF.minusDays(3);
        RetentionPlanner.Plan retention =
                new RetentionPlanner.Plan(List.of(), java.util.Set.of("audit/" + taken));
        CompactionOptions inPlace =
                CompactionOptions.parse(
                        new String[] {
                            "--lake",
                            lake.root(),
                            "--as-of",
                            AS_OF.toString(),
                            "--run-id",
                            "p",
                            "--no-legal-holds"
                        });

        List<String> planned = labels(new CompactionPlanner(inPlace).plan(retention));
        List<String> all = labels(new CompactionPlanner(inPlace).plan());

        assertThat(all).contains("audit " + taken, "ops " + taken);
        assertThat(planned).doesNotContain("audit " + taken).contains("ops " + taken);
        assertThat(planned).hasSize(all.size() - 1);
        // files in a separate landing area move into the lake of record first
        CompactionOptions landing =
                inPlace.with(
                        "landing", lake.root(), "lake", work.resolve("locked").toUri().toString());
        assertThat(labels(new CompactionPlanner(landing).plan(retention)))
                .contains("audit " + taken);
    }

    @Test
    void finishesTheSwapAnEarlierRunCommittedAndDiscardsWhatItLeftUncommitted() throws Exception {
        // given an earlier run that died after committing one partition and staging another
        LakeLayout lake = LakeLayout.at(work.resolve("lake").toUri().toString());
        SmallFileLake.write(lake, 120, List.of(AS_OF.minusDays(2)), 20, 0, 3);
        CompactionOptions crashed = options(lake, "crashed");
        List<PartitionTask> tasks = new CompactionPlanner(crashed).plan();
        PartitionTask committed = tasks.get(0);
        PartitionTask staged = tasks.get(1);
        long rows = rowsIn(committed);
        crash(crashed, committed, SwapStep.PUBLISHED);
        crash(crashed, staged, SwapStep.STAGED);
        List<String> stagedSources = fileNames(staged);

        // when a dry run looks, then it only says what it would do
        ByteArrayOutputStream dryLog = new ByteArrayOutputStream();
        assertThat(
                        new CompactionPlanner(options(lake, "dry").with("dry-run", "true"))
                                .recoverEarlierRuns(print(dryLog)))
                .isEmpty();
        assertThat(dryLog.toString(StandardCharsets.UTF_8))
                .isEqualTo(
                        "  would finish the interrupted swap of "
                                + committed.dataset().label()
                                + " "
                                + committed.partition()
                                + " (run crashed)\n"
                                + "  would delete the staging folder of run crashed\n");
        assertThat(fileNames(committed))
                .contains("compacted-crashed-0.parquet")
                .hasSizeGreaterThan(1);

        // when the next run recovers
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        List<PartitionResult> recovered =
                new CompactionPlanner(options(lake, "next")).recoverEarlierRuns(print(log));

        // then the committed swap is finished, the uncommitted files are gone, the sources kept
        assertThat(recovered).hasSize(1);
        PartitionResult r = recovered.get(0);
        assertThat(r.outcome()).isEqualTo(PartitionResult.Outcome.ROLLED_FORWARD);
        assertThat(r.partition()).isEqualTo(committed.partition());
        assertThat(r.filesBefore()).isEqualTo(committed.sources().size());
        assertThat(r.rows()).isEqualTo(rows);
        assertThat(log.toString(StandardCharsets.UTF_8))
                .contains("ROLLED_FORWARD", "(run crashed)");
        assertThat(fileNames(committed)).containsExactly("compacted-crashed-0.parquet");
        assertThat(rowsIn(committed.targetDir())).isEqualTo(rows);
        assertThat(fileNames(staged))
                .isEqualTo(stagedSources)
                .noneMatch(n -> n.startsWith("compacted-"));
        assertThat(Files.exists(work.resolve("lake/_staging/compaction/crashed"))).isFalse();
    }

    @Test
    void aRerunWithTheSameRunIdFinishesWhatItsKilledAttemptCommittedBeforePlanning()
            throws Exception {
        // given an attempt of run "nightly" killed after deleting a partition's sources, before
        // removing its manifest: the partition holds only its merged file, nothing left to plan
        LakeLayout lake = LakeLayout.at(work.resolve("lake").toUri().toString());
        SmallFileLake.write(lake, 120, List.of(AS_OF.minusDays(2)), 20, 0, 3);
        CompactionOptions nightly = options(lake, "nightly");
        List<PartitionTask> tasks = new CompactionPlanner(nightly).plan();
        PartitionTask swapped = tasks.get(0);
        PartitionTask staged = tasks.get(1);
        long rows = rowsIn(swapped);
        crash(nightly, swapped, SwapStep.SOURCES_DELETED);
        crash(nightly, staged, SwapStep.STAGED);
        List<String> stagedSources = fileNames(staged);
        assertThat(fileNames(swapped)).containsExactly("compacted-nightly-0.parquet");

        // when the same run id runs again
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        CompactionPlanner rerun = new CompactionPlanner(nightly);
        List<PartitionResult> recovered = rerun.recoverEarlierRuns(print(log));

        // then the committed swap is finished on the client, the uncommitted one discarded, and
        // nothing of the killed attempt is left in staging
        assertThat(recovered)
                .singleElement()
                .satisfies(
                        r -> {
                            assertThat(r.outcome())
                                    .isEqualTo(PartitionResult.Outcome.ROLLED_FORWARD);
                            assertThat(r.partition()).isEqualTo(swapped.partition());
                            assertThat(r.rows()).isEqualTo(rows);
                        });
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("(run nightly)");
        assertThat(Files.exists(work.resolve("lake/_staging/compaction/nightly"))).isFalse();
        assertThat(fileNames(swapped)).containsExactly("compacted-nightly-0.parquet");
        assertThat(rowsIn(swapped)).isEqualTo(rows);
        assertThat(fileNames(staged)).isEqualTo(stagedSources);
        assertThat(labels(rerun.plan()))
                .doesNotContain("audit " + swapped.partition())
                .contains("audit " + staged.partition());
    }

    @Test
    void refusesToGoOnWithoutRetentionWhenAnEarlierRunCommittedADeletion() throws Exception {
        LakeLayout lake = LakeLayout.at(work.resolve("lake").toUri().toString());
        java.nio.file.Path manifest =
                work.resolve("lake/_staging/compaction/old/retention/ingest_date=2018-01-01");
        Files.createDirectories(manifest);
        Files.writeString(
                manifest.resolve(RetentionManifest.FILE_NAME),
                new RetentionManifest(
                                "old",
                                "ingest_date=2018-01-01",
                                List.of(),
                                List.of(),
                                List.of(),
                                3,
                                0)
                        .toJson());

        assertThatThrownBy(
                        () ->
                                new CompactionPlanner(
                                                options(lake, "now").with("retention", "false"))
                                        .recoverEarlierRuns(
                                                print(new ByteArrayOutputStream()), null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage(
                        "run old committed a retention deletion of ingest_date=2018-01-01 that must"
                                + " be finished first: run with --retention true");
    }

    private static CompactionOptions options(LakeLayout lake, String runId) {
        return CompactionOptions.parse(
                new String[] {
                    "--lake",
                    lake.root(),
                    "--as-of",
                    AS_OF.toString(),
                    "--run-id",
                    runId,
                    "--datasets",
                    "audit",
                    "--no-legal-holds"
                });
    }

    private static void crash(CompactionOptions options, PartitionTask task, SwapStep step) {
        assertThatThrownBy(
                        () ->
                                new PartitionCompactor(
                                                options.parquet(), options.targetFileBytes(), step)
                                        .compact(task))
                .isInstanceOf(PartitionRewrite.InjectedFailure.class);
    }

    private static List<String> labels(List<PartitionTask> tasks) {
        return tasks.stream().map(t -> t.dataset().label() + " " + t.partition()).toList();
    }

    private static List<String> fileNames(PartitionTask task) throws java.io.IOException {
        return LakeFiles.parquetFiles(new org.apache.flink.core.fs.Path(task.targetDir())).stream()
                .map(f -> f.getPath().getName())
                .sorted()
                .toList();
    }

    private static long rowsIn(PartitionTask task) throws java.io.IOException {
        return rowsIn(task.targetDir());
    }

    private static long rowsIn(String dir) throws java.io.IOException {
        long rows = 0;
        for (org.apache.flink.core.fs.FileStatus f :
                LakeFiles.parquetFiles(new org.apache.flink.core.fs.Path(dir))) {
            rows += LakeFiles.rowCount(f);
        }
        return rows;
    }

    private static PrintStream print(ByteArrayOutputStream out) {
        return new PrintStream(out, true, StandardCharsets.UTF_8);
    }
}
