package io.decisionledger.verify;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.lake.LakeLayout;
import io.decisionledger.metrics.MetricsJob;
import io.decisionledger.metrics.MetricsOptions;
import io.decisionledger.metrics.MetricsPipeline;
import io.decisionledger.privacy.PseudonymKey;
import io.decisionledger.testing.InMemoryDecisions;
import io.decisionledger.testing.IngestRun;
import io.decisionledger.testing.MiniClusters;
import io.decisionledger.testkit.SampleDecisions;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Set;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A measurement, not a check, run only when asked ({@code -Dderived.cost.records=100000}): the same
 * lake (IngestJob and the live MetricsJob from memory) verified three times on the test's
 * MiniCluster at parallelism 2 — chains only, {@code --derived ops}, {@code --derived ops,metrics}
 * — printing the wall times and their ratios. Each mode runs twice and the second run counts (the
 * first warms the JVM).
 */
@EnabledIfSystemProperty(named = "derived.cost.records", matches = "[0-9]+")
class DerivedCostITCase {

    @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = MiniClusters.twoSlots();

    @TempDir static Path work;

    @Test
    void measuresTheDerivedModeAgainstTheChainCheck() throws Exception {
        int records = Integer.getInteger("derived.cost.records");
        SampleDecisions.Sample sample = SampleDecisions.generate(7, records, 0, 0, Instant.now());
        Path lake = work.resolve("lake");
        IngestRun.ingestInMemory(sample.events(), "decisions", lake.toUri().toString());
        MetricsOptions live =
                MetricsOptions.parse(
                        new String[] {
                            "--bootstrap-servers", "in-memory:9092",
                            "--topic", "decisions",
                            "--group-id", "derived-cost",
                            "--starting-offsets", "earliest",
                            "--bounded", "true",
                            "--lake", lake.toUri().toString(),
                            "--checkpoint-interval", "PT2S",
                            "--max-out-of-orderness", "PT100H"
                        });
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment metricsEnv =
                StreamExecutionEnvironment.getExecutionEnvironment(conf);
        metricsEnv.setParallelism(2);
        MetricsJob.configureEnvironment(metricsEnv, live);
        MetricsPipeline.live(
                        live,
                        InMemoryDecisions.source("decisions", sample.events(), live.parserLimits()),
                        new MetricsPipeline.Sinks(
                                MetricsJob.metricsSink(live), MetricsJob.lateSink(live), null))
                .build(metricsEnv);
        metricsEnv.execute("metrics for the derived cost");

        double chains = 0;
        double ops = 0;
        double all = 0;
        for (int round = 0; round < 2; round++) {
            chains = seconds(lake, Set.of());
            ops = seconds(lake, Set.of("ops"));
            all = seconds(lake, Set.of("ops", "metrics"));
        }
        System.out.printf(
                "DERIVED COST (%,d records, parallelism 2): chains only %.1f s, --derived ops %.1f s"
                        + " (%.2fx), --derived ops,metrics %.1f s (%.2fx)%n",
                records, chains, ops, ops / chains, all, all / chains);
    }

    private static double seconds(Path lake, Set<String> derived) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        long start = System.nanoTime();
        VerifyReport report =
                new VerifyRunner(
                                new VerifyJob.Options(
                                        LakeLayout.at(lake.toUri().toString()),
                                        null,
                                        work.resolve("r.json"),
                                        null,
                                        derived,
                                        null,
                                        derived.contains("ops")
                                                ? new PseudonymKey(
                                                        IngestRun.testKeyFile().toString(),
                                                        "UNUSED_KEY_ENV",
                                                        "k1")
                                                : null))
                        .run(env, new PrintStream(System.out, true, StandardCharsets.UTF_8));
        double s = (System.nanoTime() - start) / 1e9;
        System.out.println(derived + ": " + report.summary());
        assertThat(report.clean()).as("%s", report.violations()).isTrue();
        return s;
    }
}
