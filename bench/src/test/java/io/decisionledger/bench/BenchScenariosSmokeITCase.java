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
 * The metrics, compaction, verification and point-query benchmarks on tiny inputs: a few hundred
 * events over three tenants (through a real broker and IngestJob for the lake), a point-query lake
 * of a few thousand records, every job and baseline once, in the test's JVM ({@code --in-process};
 * {@link BenchSmokeITCase} covers the child JVMs). It asserts what each wrote or answered (output
 * checks, rows, agreement of the two point-query answers) and that the report has its sections,
 * never how fast anything was.
 */
class BenchScenariosSmokeITCase {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int EVENTS = 300;

    @TempDir static Path work;

    private static Path report;
    private static List<Map<String, Object>> lines;

    @BeforeAll
    static void runTheLakeAndMetricsBenchmarksSmall() throws Exception {
        // given tiny inputs: few tenants (few open Parquet buckets), one parallelism, short
        // checkpoints
        BenchOptions options =
                BenchOptions.parse(
                        "--events", String.valueOf(EVENTS),
                        "--tenants", "3",
                        "--parallelism", "1",
                        "--only",
                                "metrics,metrics-rebuild,compaction,recompaction,verify,"
                                        + "incremental-verify,query",
                        "--daily-records", "10",
                        "--verify-warm-ups", "2",
                        "--compaction-warm-ups", "1",
                        "--checkpoint-interval", "PT1S",
                        "--child-heap", "1g",
                        // the same measurement code, without eleven JVM and Flink cold starts
                        "--in-process", "true",
                        "--query-records", "3000",
                        "--query-tenants", "2",
                        "--query-days", "5",
                        "--queries", "5",
                        "--query-passes", "2",
                        "--work", work.resolve("work").toString(),
                        "--results", work.resolve("results").toString(),
                        "--lake-cache", work.resolve("lakes").toString(),
                        "--stack-dir", System.getProperty("decisionledger.stack.dir"));

        // when they run
        report = BenchMain.run(options);

        lines = new ArrayList<>();
        for (String line : Files.readAllLines(work.resolve("results/latest.jsonl"))) {
            lines.add(JSON.readValue(line, new TypeReference<Map<String, Object>>() {}));
        }
    }

    @Test
    void measuresEveryJobAndItsBaselineOnce() {
        assertThat(ofKind("measurement"))
                .extracting(m -> m.get("measurement"))
                .containsExactlyInAnyOrder(
                        "metrics-job",
                        "flink-sql-metrics",
                        "metrics-job-rebuild",
                        "flink-sql-metrics-rebuild",
                        "compaction-job",
                        "duckdb-compaction",
                        "compaction-job",
                        "duckdb-compaction",
                        "verify-job",
                        "duckdb-scan",
                        "verify-incremental",
                        "verify-job",
                        "verify-incremental-nothing-new",
                        "audit-decision-at",
                        "duckdb-decision-at");
        for (Map<String, Object> m : ofKind("measurement")) {
            assertThat(m.get("output_ok")).as("output of %s", m.get("measurement")).isEqualTo(true);
            assertThat(((Number) m.get("events_per_cpu_s")).doubleValue()).isPositive();
        }
        assertThat(ofKind("ratio")).hasSize(8);
    }

    @Test
    void metricsCountEveryValidEventInTheDailyWindows() {
        long valid = ((Number) input("metrics").get("valid")).longValue();
        Map<String, Object> job = measurement("metrics-job");
        assertThat(
                        ((Number) job.get("daily_decisions_out")).longValue()
                                + ((Number) job.get("too_late_daily_out")).longValue())
                .isEqualTo(valid);
        long stored = ((Number) input("metrics-rebuild").get("events")).longValue();
        assertThat(stored).isEqualTo(valid);
        assertThat(measurement("metrics-job-rebuild").get("daily_decisions_out"))
                .isEqualTo(measurement("flink-sql-metrics-rebuild").get("daily_decisions_out"));
        assertThat(
                        ((Number) measurement("metrics-job-rebuild").get("daily_decisions_out"))
                                .longValue())
                .isEqualTo(stored);
    }

    @Test
    void compactionLeavesOnlyMergedFilesWithEveryRow() {
        long stored = ((Number) input("compaction").get("events")).longValue();
        long smallFiles = ((Number) input("compaction").get("lake_audit_files")).longValue();
        for (String name : List.of("compaction-job", "duckdb-compaction")) {
            Map<String, Object> m = measurement(name);
            assertThat(((Number) m.get("rows_out")).longValue()).isEqualTo(stored);
            assertThat(m.get("uncompacted_files_left")).isEqualTo(0);
            assertThat(((Number) m.get("files_out")).longValue()).isLessThanOrEqualTo(smallFiles);
            assertThat(((Number) m.get("mb_per_cpu_s")).doubleValue()).isPositive();
            // warm: the warm-up compacted a copy of its own, the measured run the whole input
            assertThat(m.get("warm")).isEqualTo(true);
            assertThat(((Number) m.get("cpu_warm_up_s")).doubleValue()).isPositive();
        }
        assertThat(
                        ((Number) measurement("compaction", "compaction-job").get("rows_compacted"))
                                .longValue())
                .isEqualTo(stored);
    }

    @Test
    void recompactionMergesEachLatePartFileIntoTheCompactedFiles() {
        Map<String, Object> in = input("recompaction");
        long stored = ((Number) in.get("events")).longValue();
        long files = ((Number) in.get("input_files")).longValue();
        long compacted = ((Number) in.get("input_compacted_files")).longValue();
        long partitions = ((Number) in.get("partitions")).longValue();
        // every partition is due again: its compacted files plus one late part file
        assertThat(files - compacted).isEqualTo(partitions);
        assertThat(compacted).isGreaterThanOrEqualTo(partitions);
        for (String name : List.of("compaction-job", "duckdb-compaction")) {
            Map<String, Object> m = measurement("recompaction", name);
            assertThat(((Number) m.get("rows_out")).longValue()).isEqualTo(stored);
            assertThat(m.get("uncompacted_files_left")).isEqualTo(0);
            assertThat(m.get("output_ok")).isEqualTo(true);
        }
    }

    @Test
    void verificationFindsTheIngestedLakeClean() {
        Map<String, Object> job = measurement("verify", "verify-job");
        assertThat(job.get("clean")).isEqualTo(true);
        assertThat(job.get("records_read")).isEqualTo(input("verify").get("events"));
        assertThat(measurement("duckdb-scan").get("records_read"))
                .isEqualTo(input("verify").get("events"));
    }

    @Test
    void warmIncrementalVerificationReadsTheLastDayAndIsChargedItsMeasuredRunOnly() {
        Map<String, Object> in = input("incremental-verify");
        assertThat(measurement("incremental-verify", "verify-job").get("records_read"))
                .isEqualTo(in.get("events"));
        assertThat(measurement("incremental-verify", "verify-incremental").get("records_read"))
                .isEqualTo(in.get("last_day_records"));
        assertThat(
                        measurement("incremental-verify", "verify-incremental-nothing-new")
                                .get("records_read"))
                .isEqualTo(0);
        for (String name :
                List.of("verify-job", "verify-incremental", "verify-incremental-nothing-new")) {
            Map<String, Object> m = measurement("incremental-verify", name);
            assertThat(m.get("clean")).as(name).isEqualTo(true);
            assertThat(m.get("warm")).as(name).isEqualTo(true);
            assertThat(m.get("warm_ups")).as(name).isEqualTo(2);
            // the warm-ups ran (whole verifications) and are not in the figure the ratios use
            double warmUp = ((Number) m.get("cpu_warm_up_s")).doubleValue();
            double charged = ((Number) m.get("cpu_s")).doubleValue();
            double process = ((Number) m.get("cpu_process_s")).doubleValue();
            assertThat(warmUp).as(name).isPositive();
            assertThat(charged).as(name).isPositive().isLessThanOrEqualTo(process - warmUp);
        }
        // --verify-warm-ups warms the verify scenario too: the job and the DuckDB scan
        for (Map<String, Object> m :
                List.of(measurement("verify", "verify-job"), measurement("duckdb-scan"))) {
            assertThat(m.get("warm")).isEqualTo(true);
            assertThat(m.get("warm_ups")).isEqualTo(2);
            assertThat(((Number) m.get("cpu_s")).doubleValue())
                    .isLessThanOrEqualTo(
                            ((Number) m.get("cpu_process_s")).doubleValue()
                                    - ((Number) m.get("cpu_warm_up_s")).doubleValue());
        }
        // cold measurements (the live metrics scenario here) are charged the whole process
        Map<String, Object> cold = measurement("metrics-job");
        assertThat(cold.get("warm")).isEqualTo(false);
        assertThat(cold.get("cpu_s")).isEqualTo(cold.get("cpu_process_s"));
    }

    @Test
    void pointQueriesAgreeAndReportTheirLatencies() {
        for (String name : List.of("audit-decision-at", "duckdb-decision-at")) {
            Map<String, Object> m = measurement(name);
            assertThat(m.get("queries")).isEqualTo(5);
            assertThat(((Number) m.get("answered")).intValue()).isPositive();
            for (String key : List.of("p50_cold_ms", "p95_cold_ms", "p50_warm_ms", "p95_warm_ms")) {
                assertThat(((Number) m.get(key)).doubleValue()).as(key).isPositive();
            }
        }
        assertThat(measurement("audit-decision-at").get("answered"))
                .isEqualTo(measurement("duckdb-decision-at").get("answered"));
    }

    @Test
    void reportsTargetsAndLatenciesInMarkdown() throws Exception {
        assertThat(ofKind("target"))
                .extracting(t -> (String) t.get("target"))
                .anyMatch(t -> t.startsWith("CompactionJob"))
                .anyMatch(t -> t.startsWith("decision-at p95"));
        assertThat(Files.readString(report))
                .contains("## Point queries")
                .contains("## Targets")
                .contains("| compaction | 1 | 1 | compaction-job |");
    }

    private static Map<String, Object> input(String scenario) {
        return ofKind("input").stream()
                .filter(i -> scenario.equals(i.get("scenario")))
                .findFirst()
                .orElseThrow();
    }

    private static Map<String, Object> measurement(String name) {
        return ofKind("measurement").stream()
                .filter(m -> name.equals(m.get("measurement")))
                .findFirst()
                .orElseThrow();
    }

    private static Map<String, Object> measurement(String scenario, String name) {
        return ofKind("measurement").stream()
                .filter(m -> scenario.equals(m.get("scenario")))
                .filter(m -> name.equals(m.get("measurement")))
                .findFirst()
                .orElseThrow();
    }

    private static List<Map<String, Object>> ofKind(String kind) {
        return lines.stream().filter(l -> kind.equals(l.get("kind"))).toList();
    }
}
