package io.decisionledger.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.ReplayResult;
import io.decisionledger.testing.MiniClusters;
import io.decisionledger.testing.OpenAiStub;
import io.decisionledger.testing.OpenAiStub.Fault;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.specific.SpecificData;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A measurement, not a regular test: replay throughput against the local model server at the
 * default concurrency (8 in flight per subtask, 2 subtasks), and what 10% of 429s, 500s or timeouts
 * do to it. The model answers in 50 ms. Runs only with {@code REPLAY_MEASURE=1}:
 *
 * <pre>
 * REPLAY_MEASURE=1 mvn -B -o -pl jobs-it -am verify -Dtest=NONE \
 *     -Dit.test=ReplayThroughputITCase -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 *
 * It prints one line per scenario (decisions/s, attempts, errors, latency percentiles) and asserts
 * only what must hold whatever the machine: every decision has a result, and with retries the
 * injected faults (first attempts only fail at 10%; retries fail at 10% again) leave at most a
 * handful of errors.
 */
class ReplayThroughputITCase {

    @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = MiniClusters.twoSlots();

    private static final int DECISIONS = 1000;
    private static final long MODEL_MILLIS = 50;

    @TempDir static Path work;
    private static OpenAiStub stub;
    private static Path lake;

    @BeforeAll
    static void writeLake() throws Exception {
        Assumptions.assumeTrue(
                "1".equals(System.getenv("REPLAY_MEASURE")), "set REPLAY_MEASURE=1 to measure");
        lake = work.resolve("lake");
        Path dir = lake.resolve("audit/decisions/tenant_id=bank_456/event_date=2026-03-15");
        Files.createDirectories(dir);
        Instant t = Instant.parse("2026-03-15T08:00:00Z");
        try (ParquetWriter<DecisionRecord> w =
                AvroParquetWriter.<DecisionRecord>builder(
                                new LocalOutputFile(dir.resolve("part-0.parquet")))
                        .withSchema(DecisionRecord.getClassSchema())
                        .withDataModel(SpecificData.getForClass(DecisionRecord.class))
                        .build()) {
            for (int i = 0; i < DECISIONS; i++) {
                int score = 550 + (i * 37) % 300;
                DecisionRecord d =
                        ReplayFixtures.decision(
                                "bank_456",
                                "evt-" + i + "-" + score,
                                t.plusSeconds(i),
                                score,
                                false);
                // one distinct message per decision: the stub counts attempts per message
                d.setPrompt("Evaluate loan application " + i);
                w.write(d);
            }
        }
        stub = OpenAiStub.start(null);
    }

    @AfterAll
    static void stop() {
        if (stub != null) {
            stub.close();
        }
    }

    /** 10% of all attempts (first and retries alike) get {@code fault}, by hash. */
    private static OpenAiStub.FaultPlan tenPercent(Fault fault) {
        return (message, attempt) ->
                // A mixed seed: attempts of one message must fail independently (String.hashCode
                // of "m#1", "m#2" … are consecutive, which would fail a decision's retries too).
                new java.util.SplittableRandom(message.hashCode() * 1_000_003L + attempt)
                                        .nextInt(100)
                                < 10
                        ? fault
                        : Fault.slow(MODEL_MILLIS);
    }

    private static String measure(String scenario, OpenAiStub.FaultPlan plan, double rate)
            throws Exception {
        stub.reset();
        stub.plan(plan);
        ReplayOptions options =
                ReplayOptions.parse(
                        new String[] {
                            "--lake",
                            lake.toUri().toString(),
                            "--run-id",
                            scenario,
                            "--purpose",
                            "replay throughput measurement",
                            "--base-url",
                            stub.baseUrl(),
                            "--allow-insecure-endpoint",
                            "--rate",
                            String.valueOf(rate),
                            "--request-timeout",
                            "PT1S",
                            "--max-attempts",
                            "4",
                            "--initial-backoff",
                            "PT0.2S",
                            "--max-backoff",
                            "PT5S"
                        });
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        ReplayJob.configureEnvironment(env);
        ReplayPlan selected =
                ReplayRunner.selectAndLog(
                        options,
                        io.decisionledger.access.Caller.cli(
                                "bench", io.decisionledger.access.AuditRole.COMPLIANCE_OFFICER));
        new ReplayPipeline(options, selected, ReplayJob.resultsSink(options)).build(env);
        long t0 = System.nanoTime();
        env.execute(scenario);
        double seconds = (System.nanoTime() - t0) / 1e9;
        List<ReplayResult> results = ReplayRunner.readResults(options);
        assertThat(results).hasSize(DECISIONS);
        Map<String, Long> status = new TreeMap<>();
        List<Long> latencies = new ArrayList<>();
        long attempts = 0;
        for (ReplayResult r : results) {
            status.merge(r.getStatus(), 1L, Long::sum);
            attempts += r.getAttempts();
            latencies.add(r.getLatencyMs());
        }
        latencies.sort(Long::compare);
        // 10% of attempts fail independently, 4 attempts: ~0.1 errors expected per 1000
        assertThat(status.getOrDefault("ERROR", 0L)).isLessThanOrEqualTo(3L);
        ReplaySummary summary = ReplaySummary.of(results, 0);
        String line =
                String.format(
                        "%-14s %6.1f decisions/s  %5.1f s  attempts/decision %.2f  statuses %s  errors %s  latency p50 %d ms p95 %d ms max %d ms  peak in flight %d",
                        scenario,
                        DECISIONS / seconds,
                        seconds,
                        (double) attempts / DECISIONS,
                        status,
                        summary.errors(),
                        latencies.get(latencies.size() / 2),
                        latencies.get((int) (latencies.size() * 0.95)),
                        latencies.get(latencies.size() - 1),
                        stub.peakInFlight());
        System.out.println("REPLAY-MEASURE " + line);
        return line;
    }

    @Test
    void measuresThroughputAndFaultBehaviour() throws Exception {
        List<String> lines = new ArrayList<>();
        lines.add(measure("no-faults", (m, a) -> Fault.slow(MODEL_MILLIS), 1000));
        lines.add(measure("rate-100", (m, a) -> Fault.slow(MODEL_MILLIS), 100));
        lines.add(measure("429-10pct", tenPercent(Fault.tooMany(1)), 1000));
        lines.add(measure("500-10pct", tenPercent(Fault.serverError()), 1000));
        lines.add(measure("timeout-10pct", tenPercent(Fault.slow(3000)), 1000));
        Files.write(work.resolve("replay-measure.txt"), lines);
        lines.forEach(l -> System.out.println("REPLAY-MEASURE " + l));
    }
}
