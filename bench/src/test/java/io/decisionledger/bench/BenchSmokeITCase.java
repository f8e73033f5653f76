package io.decisionledger.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole benchmark code path on a few hundred events: a real Kafka broker, IngestJob and the
 * Flink SQL baseline each in a child JVM, the output checks, a short JMH run, the result files. It
 * asserts that the harness produced well-formed lines with positive numbers and correct output
 * counts, never how fast anything was: CI timings mean nothing.
 */
class BenchSmokeITCase {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int EVENTS = 300;

    @TempDir static Path work;

    private static Path report;
    private static List<Map<String, Object>> lines;

    @BeforeAll
    static void runATinyBenchmark() throws Exception {
        // given a run small enough for CI: one parallelism, one-second checkpoints, short JMH
        BenchOptions options =
                BenchOptions.parse(
                        "--events", String.valueOf(EVENTS),
                        // the published run's ingest default is 1 M events; CI runs the same path
                        // on a few hundred, profiled so the CPU budget code runs too
                        "--ingest-events", String.valueOf(EVENTS),
                        "--ingest-profile", "true",
                        "--parallelism", "1",
                        "--only", "ingest,jmh",
                        "--ingest-variants", "no-ops,metrics-branch",
                        "--checkpoint-interval", "PT1S",
                        "--child-heap", "1g",
                        "--jmh-warmup", "0",
                        "--jmh-iterations", "1",
                        "--jmh-time", "PT0.2S",
                        "--work", work.resolve("work").toString(),
                        "--results", work.resolve("results").toString(),
                        "--lake-cache", work.resolve("lakes").toString(),
                        "--stack-dir", System.getProperty("decisionledger.stack.dir"));

        // when everything runs
        report = BenchMain.run(options);

        lines = new ArrayList<>();
        for (String line : Files.readAllLines(work.resolve("results/latest.jsonl"))) {
            lines.add(JSON.readValue(line, new TypeReference<Map<String, Object>>() {}));
        }
    }

    @Test
    void recordsOneLinePerMeasurementWithItsParametersAndTheMachine() {
        List<Map<String, Object>> measurements = ofKind("measurement");
        assertThat(measurements)
                .extracting(m -> m.get("measurement"))
                .containsExactlyInAnyOrder(
                        "ingest-job",
                        "flink-sql",
                        "ingest-job-no-ops",
                        "ingest-job-metrics-branch");
        for (Map<String, Object> m : measurements) {
            assertThat(m.get("events")).isEqualTo(EVENTS);
            assertThat(m.get("parallelism")).isEqualTo(1);
            assertThat(m.get("checkpoint_interval")).isEqualTo("PT1S");
            assertThat(m.get("seed")).isEqualTo(42);
            assertThat(((Number) m.get("cores")).intValue()).isPositive();
            assertThat(m.get("load_avg_1m")).isInstanceOf(Number.class);
            assertThat(m.get("commit")).isNotNull();
            for (String key :
                    List.of(
                            "wall_s",
                            "cpu_s",
                            "events_per_s",
                            "mb_per_s",
                            "events_per_s_per_core",
                            "events_per_cpu_s",
                            "event_bytes_avg")) {
                assertThat(((Number) m.get(key)).doubleValue()).as(key).isPositive();
            }
        }
    }

    @Test
    void checksThatEachJobWroteWhatItsInputDemands() {
        Map<String, Object> input = ofKind("input").get(0);
        long valid = ((Number) input.get("valid")).longValue();
        long refused =
                ((Number) input.get("malformed")).longValue()
                        + ((Number) input.get("duplicates")).longValue();
        assertThat(valid + refused).isEqualTo(EVENTS);

        Map<String, Object> ingest = measurement("ingest-job");
        assertThat(ingest.get("output_ok")).isEqualTo(true);
        assertThat(((Number) ingest.get("rows_out")).longValue()).isEqualTo(valid);
        assertThat(((Number) ingest.get("quarantined_out")).longValue()).isEqualTo(refused);
        assertThat(((Number) ingest.get("ops_rows_out")).longValue()).isEqualTo(valid);

        Map<String, Object> withoutOps = measurement("ingest-job-no-ops");
        assertThat(withoutOps.get("output_ok")).isEqualTo(true);
        assertThat(withoutOps.get("role")).isEqualTo("variant");
        assertThat(((Number) withoutOps.get("rows_out")).longValue()).isEqualTo(valid);
        assertThat(((Number) withoutOps.get("ops_rows_out")).longValue()).isZero();

        // the metrics branch stores the same and counts every stored decision in its read model
        Map<String, Object> withMetrics = measurement("ingest-job-metrics-branch");
        assertThat(withMetrics.get("output_ok")).isEqualTo(true);
        assertThat(((Number) withMetrics.get("rows_out")).longValue()).isEqualTo(valid);
        assertThat(((Number) withMetrics.get("metrics_rows_out")).longValue()).isPositive();
        assertThat(
                        ((Number) withMetrics.get("daily_decisions_out")).longValue()
                                + ((Number) withMetrics.get("too_late_daily_out")).longValue())
                .isEqualTo(valid);
        assertThat(ofKind("target"))
                .extracting(t -> (String) t.get("target"))
                .contains("IngestJob metrics branch, extra CPU per event / IngestJob's");

        Map<String, Object> baseline = measurement("flink-sql");
        assertThat(baseline.get("output_ok")).isEqualTo(true);
        // profiled: each job's line carries its CPU budget per event
        for (String job : List.of("ingest-job", "flink-sql")) {
            assertThat((Map<?, ?>) measurement(job).get("budget_us_per_event"))
                    .as(job)
                    .isNotEmpty();
        }
        assertThat(((Number) baseline.get("rows_out")).longValue()).isBetween(valid, 300L);
    }

    @Test
    void comparesTheJobWithItsBaseline() {
        Map<String, Object> ratio = ofKind("ratio").get(0);
        assertThat(ratio.get("candidate")).isEqualTo("ingest-job");
        assertThat(ratio.get("baseline")).isEqualTo("flink-sql");
        double expected =
                ((Number) measurement("ingest-job").get("events_per_cpu_s")).doubleValue()
                        / ((Number) measurement("flink-sql").get("events_per_cpu_s")).doubleValue();
        assertThat(((Number) ratio.get("events_per_cpu_s_ratio")).doubleValue())
                .isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-9));

        // a variant is priced against the full job: > 1 means the switched-off feature costs
        Map<String, Object> variant = ofKind("ratio").get(1);
        assertThat(variant.get("candidate")).isEqualTo("ingest-job-no-ops");
        assertThat(variant.get("baseline")).isEqualTo("ingest-job");
        double variantExpected =
                ((Number) measurement("ingest-job-no-ops").get("events_per_cpu_s")).doubleValue()
                        / ((Number) measurement("ingest-job").get("events_per_cpu_s"))
                                .doubleValue();
        assertThat(((Number) variant.get("events_per_cpu_s_ratio")).doubleValue())
                .isCloseTo(variantExpected, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void runsThePerEventBenchmarksAndTheirBaselines() {
        assertThat(ofKind("jmh"))
                .extracting(j -> j.get("benchmark"))
                .containsExactlyInAnyOrder(
                        "ingestParse",
                        "ingestParseAndParquet",
                        "flinkJsonParse",
                        "flinkJsonParseAndParquet");
        for (Map<String, Object> j : ofKind("jmh")) {
            assertThat(((Number) j.get("events_per_s")).doubleValue()).isPositive();
        }
        assertThat(ofKind("jmh-ratio")).hasSize(2);
    }

    @Test
    void writesAMarkdownTableOfTheSameLines() throws Exception {
        String markdown = Files.readString(report);
        assertThat(markdown)
                .contains("| scenario | p | rep | job |")
                .contains("| ingest | 1 | 1 | ingest-job |")
                .contains("| ingest | 1 | 1 | flink-sql |")
                .contains("ingestParseAndParquet");
        assertThat(work.resolve("results/latest.md")).hasSameTextualContentAs(report);
    }

    private static Map<String, Object> measurement(String name) {
        return ofKind("measurement").stream()
                .filter(m -> name.equals(m.get("measurement")))
                .findFirst()
                .orElseThrow();
    }

    private static List<Map<String, Object>> ofKind(String kind) {
        return lines.stream().filter(l -> kind.equals(l.get("kind"))).toList();
    }
}
