package io.decisionledger.compaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.rewrite.Dataset;
import io.decisionledger.rewrite.SwapStep;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompactionOptionsTest {

    @Test
    void defaultsCompactEveryDatasetBeforeYesterdayInPlaceInto256MbFiles() {
        CompactionOptions o =
                CompactionOptions.parse(new String[] {"--lake", "s3://b/lake", "--no-legal-holds"});

        assertThat(o.lake().root()).isEqualTo("s3://b/lake");
        assertThat(o.landing().root()).isEqualTo("s3://b/lake");
        assertThat(o.separateLanding()).isFalse();
        assertThat(o.newestClosedDate()).isEqualTo(LocalDate.now(ZoneOffset.UTC).minusDays(2));
        assertThat(o.targetFileBytes()).isEqualTo(256L * 1024 * 1024);
        assertThat(o.datasets()).isEqualTo(EnumSet.allOf(Dataset.class));
        assertThat(o.dryRun()).isFalse();
        assertThat(o.tenant()).isNull();
        assertThat(o.failAt()).isNull();
        assertThat(o.runId()).matches("\\d{8}T\\d{6}Z-[0-9a-f]{4}");
        assertThat(o.parquet().compression()).isEqualTo("ZSTD");
        assertThat(o.inProgressMinAge()).hasDays(7);
    }

    @Test
    void parsesEveryOption() {
        CompactionOptions o =
                CompactionOptions.parse(
                        new String[] {
                            "--landing",
                            "s3://landing/ledger",
                            "--lake",
                            "s3://lake/ledger",
                            "--min-age",
                            "P5D",
                            "--as-of",
                            "2026-03-15",
                            "--target-file-bytes",
                            "134217728",
                            "--dry-run",
                            "--datasets",
                            "audit, ops",
                            "--tenant",
                            "bank_456",
                            "--run-id",
                            "nightly-1",
                            "--inprogress-min-age",
                            "PT12H",
                            "--fail-at",
                            "published",
                            "--retention",
                            "false"
                        });

        assertThat(o.separateLanding()).isTrue();
        assertThat(o.newestClosedDate()).isEqualTo(LocalDate.of(2026, 3, 10));
        assertThat(o.targetFileBytes()).isEqualTo(134_217_728L);
        assertThat(o.dryRun()).isTrue();
        assertThat(o.datasets()).containsExactly(Dataset.AUDIT, Dataset.OPS);
        assertThat(o.tenant()).isEqualTo("bank_456");
        assertThat(o.runId()).isEqualTo("nightly-1");
        assertThat(o.inProgressMinAge()).hasHours(12);
        assertThat(o.failAt()).isEqualTo(SwapStep.PUBLISHED);
        assertThat(o.with("run-id", "other").runId()).isEqualTo("other");
        assertThat(o.with("run-id", "other").tenant()).isEqualTo("bank_456");
    }

    @Test
    void refusesWhatWouldBeUnsafeOrAmbiguous() {
        assertThatThrownBy(
                        () ->
                                CompactionOptions.parse(
                                        new String[] {"--min-age", "P0D", "--no-legal-holds"}))
                .hasMessageContaining("today's partition");
        assertThatThrownBy(
                        () ->
                                CompactionOptions.parse(
                                        new String[] {"--min-age", "P1M", "--no-legal-holds"}))
                .hasMessageContaining("days");
        assertThatThrownBy(
                        () ->
                                CompactionOptions.parse(
                                        new String[] {"--datasets", "metrics", "--no-legal-holds"}))
                .hasMessageContaining("unknown dataset");
        assertThatThrownBy(
                        () ->
                                CompactionOptions.parse(
                                        new String[] {"--run-id", "../x", "--no-legal-holds"}))
                .hasMessageContaining("--run-id");
        assertThatThrownBy(
                        () ->
                                CompactionOptions.parse(
                                        new String[] {"--target", "1", "--no-legal-holds"}))
                .hasMessageContaining("unknown option --target");
        assertThatThrownBy(
                        () ->
                                CompactionOptions.parse(
                                        new String[] {
                                            "--target-file-bytes", "1k", "--no-legal-holds"
                                        }))
                .hasMessageContaining("--target-file-bytes must be an integer");
    }

    @Test
    void aRetentionRunWithoutAnExplicitHoldSourceIsRefusedWithExitCode2() throws Exception {
        // given a nightly run whose command line forgot --legal-holds (retention is on by default)
        String[] forgotten = {"--lake", "s3://b/lake"};
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        // when it is run, then it refuses before anything is planned, let alone deleted
        int code =
                CompactionOptions.COMMAND.run(
                        forgotten,
                        new PrintStream(new ByteArrayOutputStream()),
                        new PrintStream(err, true, StandardCharsets.UTF_8),
                        o -> 0);
        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("--legal-holds FILE, or --no-legal-holds");
        // both at once contradict each other
        assertThatThrownBy(
                        () ->
                                CompactionOptions.parse(
                                        new String[] {
                                            "--legal-holds", "holds.json", "--no-legal-holds"
                                        }))
                .hasMessageContaining("contradict");
        // an explicit answer is accepted: a hold file, none, or no retention at all
        assertThat(CompactionOptions.parse(new String[] {"--legal-holds", "h.json"}).legalHolds())
                .isEqualTo("h.json");
        assertThat(CompactionOptions.parse(new String[] {"--no-legal-holds"}).noLegalHolds())
                .isTrue();
        assertThat(CompactionOptions.parse(new String[] {"--retention", "false"}).retention())
                .isFalse();
        // and the explicit answer survives a reparse
        assertThat(
                        CompactionOptions.parse(new String[] {"--no-legal-holds"})
                                .with("run-id", "r2")
                                .noLegalHolds())
                .isTrue();
    }

    @Test
    void retentionWithoutTheAuditRowsThatResolveHoldsIsRefused() {
        // ops rows carry pseudonyms: which of them are held is only known from their audit rows
        for (String datasets : List.of("ops", "quarantine", "ops,quarantine")) {
            assertThatThrownBy(
                            () ->
                                    CompactionOptions.parse(
                                            new String[] {
                                                "--datasets", datasets, "--no-legal-holds"
                                            }))
                    .as(datasets)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("without audit is refused")
                    .hasMessageContaining("--retention false");
        }
        // compaction alone of ops is fine
        assertThat(
                        CompactionOptions.parse(
                                        new String[] {"--datasets", "ops", "--retention", "false"})
                                .datasets())
                .containsExactly(Dataset.OPS);
    }

    @Test
    void anAsOfDateAfterTodayIsRefused() throws Exception {
        // a later "today" would make every period, the six-month minimum too, run out early
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        for (LocalDate future : List.of(today.plusDays(1), today.plusYears(7))) {
            assertThatThrownBy(
                            () ->
                                    CompactionOptions.parse(
                                            new String[] {
                                                "--as-of", future.toString(), "--no-legal-holds"
                                            }))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("--as-of " + future + " is after today");
        }
        // also for a compaction-only run, and as exit code 2 like every bad option
        assertThat(
                        runQuietly(
                                new String[] {
                                    "--as-of", today.plusDays(1).toString(), "--retention", "false"
                                }))
                .isEqualTo(2);
        assertThat(
                        CompactionOptions.parse(
                                        new String[] {
                                            "--as-of", today.toString(), "--no-legal-holds"
                                        })
                                .asOf())
                .isEqualTo(today);
    }

    private static int runQuietly(String[] args) throws Exception {
        PrintStream none = new PrintStream(new ByteArrayOutputStream());
        return CompactionOptions.COMMAND.run(args, none, none, o -> 0);
    }

    @Test
    void aPartitionAboveSplitBytesIsSplitIntoAtMostParallelismSlices() {
        // the default follows the target: twice it
        CompactionOptions o =
                CompactionOptions.parse(new String[] {"--lake", "s3://b/lake", "--no-legal-holds"});
        assertThat(o.splitBytes()).isEqualTo(512L * 1024 * 1024);
        assertThat(o.with("target-file-bytes", "1048576").splitBytes()).isEqualTo(2L * 1048576);
        assertThat(o.slicesFor(512L * 1024 * 1024, 8)).isEqualTo(1);
        assertThat(o.slicesFor(512L * 1024 * 1024 + 1, 8)).isEqualTo(2);
        assertThat(o.slicesFor(3L * 1024 * 1024 * 1024, 4)).isEqualTo(4);
        assertThat(o.slicesFor(3L * 1024 * 1024 * 1024, 1)).isEqualTo(1);
        // 0: never split
        CompactionOptions never = o.with("split-bytes", "0");
        assertThat(never.splitBytes()).isZero();
        assertThat(never.slicesFor(Long.MAX_VALUE / 2, 8)).isEqualTo(1);
        assertThat(o.with("split-bytes", "300000000").splitBytes()).isEqualTo(300_000_000L);
        // a slice smaller than one merged file would only write small files
        assertThatThrownBy(() -> o.with("split-bytes", "1000"))
                .hasMessageContaining("--split-bytes must be 0 (never split) or at least");
        assertThat(CompactionOptions.help()).contains("--split-bytes");
    }

    @Test
    void helpListsEveryOption() {
        assertThat(CompactionOptions.help())
                .contains("--lake", "--landing", "--min-age", "--target-file-bytes", "--dry-run")
                .contains("--datasets", "--tenant", "--run-id", "--inprogress-min-age")
                .contains("--legal-holds", "--no-legal-holds", "--strict");
    }
}
