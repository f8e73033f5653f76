package io.decisionledger.compaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.rewrite.Dataset;
import io.decisionledger.rewrite.SwapStep;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class CompactionOptionsTest {

    @Test
    void defaultsCompactEveryDatasetBeforeYesterdayInPlaceInto256MbFiles() {
        CompactionOptions o = CompactionOptions.parse(new String[] {"--lake", "s3://b/lake"});

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
                            "published"
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
        assertThatThrownBy(() -> CompactionOptions.parse(new String[] {"--min-age", "P0D"}))
                .hasMessageContaining("today's partition");
        assertThatThrownBy(() -> CompactionOptions.parse(new String[] {"--min-age", "P1M"}))
                .hasMessageContaining("days");
        assertThatThrownBy(() -> CompactionOptions.parse(new String[] {"--datasets", "metrics"}))
                .hasMessageContaining("unknown dataset");
        assertThatThrownBy(() -> CompactionOptions.parse(new String[] {"--run-id", "../x"}))
                .hasMessageContaining("--run-id");
        assertThatThrownBy(() -> CompactionOptions.parse(new String[] {"--target", "1"}))
                .hasMessageContaining("unknown option --target");
        assertThatThrownBy(
                        () -> CompactionOptions.parse(new String[] {"--target-file-bytes", "1k"}))
                .hasMessageContaining("--target-file-bytes must be an integer");
    }

    @Test
    void helpListsEveryOption() {
        assertThat(CompactionOptions.help())
                .contains("--lake", "--landing", "--min-age", "--target-file-bytes", "--dry-run")
                .contains("--datasets", "--tenant", "--run-id", "--inprogress-min-age");
    }
}
