package io.decisionledger.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.options.Exit;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BenchOptionsTest {

    @Test
    void defaultsAreThePublishedRun() {
        BenchOptions options = BenchOptions.parse();

        assertThat(options.events()).isEqualTo(50_000);
        // the ingest comparison runs on 1 M events, profiled, so the report has its CPU budget
        assertThat(options.ingestEvents()).isEqualTo(1_000_000);
        assertThat(options.ingestMix().count()).isEqualTo(1_000_000);
        assertThat(options.ingestMix().seed()).isEqualTo(options.mix().seed());
        assertThat(options.ingestProfile()).isTrue();
        assertThat(options.parallelisms()).containsExactly(1, 2);
        assertThat(options.repetitions()).isEqualTo(1);
        assertThat(options.suites())
                .isEqualTo(
                        Set.of(
                                "ingest",
                                "metrics",
                                "metrics-rebuild",
                                "compaction",
                                "recompaction",
                                "verify",
                                "incremental-verify",
                                "query",
                                "jmh"));
        assertThat(options.dailyRecords()).isEqualTo(10_000);
        assertThat(options.queryLake().records()).isEqualTo(1_000_000);
        assertThat(options.queryLake().tenants()).isEqualTo(10);
        assertThat(options.queryLake().days()).isEqualTo(90);
        assertThat(options.queries()).isEqualTo(20);
        assertThat(options.queryPasses()).isEqualTo(3);
        assertThat(options.ingestVariants()).isEmpty();
        assertThat(options.mix().count()).isEqualTo(50_000);
        assertThat(options.checkpointInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(options.classpath()).isEqualTo(System.getProperty("java.class.path"));
    }

    @Test
    void parsesListsAndBothOptionForms() {
        BenchOptions options =
                BenchOptions.parse("--events=2_000", "--parallelism", "2, 1", "--only", "jmh");

        assertThat(options.events()).isEqualTo(2_000);
        assertThat(options.mix().count()).isEqualTo(2_000);
        assertThat(options.parallelisms()).isEqualTo(List.of(2, 1));
        assertThat(options.suites()).containsExactly("jmh");
    }

    @Test
    void ingestVariantsNameTheMeasurementsThatPriceAFeature() {
        BenchOptions options =
                BenchOptions.parse(
                        "--ingest-variants",
                        "no-chain, no-ops,no-chain,metrics-branch,metrics-branch-hourly,"
                                + "metrics-branch-flink-windows");

        assertThat(options.ingestVariants())
                .containsExactly(
                        "ingest-job-no-chain",
                        "ingest-job-no-ops",
                        "ingest-job-metrics-branch",
                        "ingest-job-metrics-branch-hourly",
                        "ingest-job-metrics-branch-flink-windows");
        assertThatThrownBy(() -> BenchOptions.parse("--ingest-variants", "no-dedup"))
                .hasMessageContaining(
                        "no-chain, no-ops, two-shuffle, metrics-branch, metrics-branch-hourly and"
                                + " metrics-branch-flink-windows, not 'no-dedup'");
    }

    @Test
    void rejectsUnknownOptionsAndBadValues() {
        assertThatThrownBy(() -> BenchOptions.parse("--event", "10"))
                .hasMessageContaining("unknown option --event");
        assertThatThrownBy(() -> BenchOptions.parse("--parallelism", "0"))
                .hasMessageContaining("positive");
        assertThatThrownBy(() -> BenchOptions.parse("--only", "metric"))
                .hasMessageContaining("--only");
        assertThatThrownBy(() -> BenchOptions.parse("--query-records", "100", "--query-days", "90"))
                .hasMessageContaining("one record per tenant and day");
        assertThatThrownBy(() -> BenchOptions.parse("--malformed", "0.7", "--duplicates", "0.7"))
                .hasMessageContaining("fractions");
    }

    @Test
    void helpListsEveryOptionWithItsDefault() {
        assertThat(BenchOptions.help())
                .contains("--events")
                .contains("default: 50000")
                .contains("--checkpoint-interval")
                .contains("--profile");
    }

    @Test
    void runShExitsWith2AndOneLineForABadCommandLine() throws Exception {
        Exit.Captured run = Exit.capture(() -> BenchMain.main(new String[] {"--event", "10"}));
        Exit.Captured help = Exit.capture(() -> BenchMain.main(new String[] {"--help"}));

        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).startsWith("error: unknown option --event;").hasLineCount(1);
        assertThat(help.code()).isZero();
        assertThat(help.out()).isEqualTo(BenchOptions.help());
    }
}
