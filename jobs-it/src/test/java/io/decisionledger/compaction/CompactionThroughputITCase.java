package io.decisionledger.compaction;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.lake.LakeLayout;
import io.decisionledger.testing.MiniClusters;
import io.decisionledger.testing.SmallFileLake;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measures compaction throughput on a generated small-file lake: MB/s of source files and rows per
 * CPU-second of this JVM (which runs the MiniCluster, so all the job's work). Not part of the
 * normal build: {@code -Ddecisionledger.compaction.bench=true} runs it (README, "Compaction").
 */
@EnabledIfSystemProperty(named = "decisionledger.compaction.bench", matches = "true")
class CompactionThroughputITCase {

    @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = MiniClusters.twoSlots();

    @TempDir Path work;

    @Test
    void measuresThroughput() throws Exception {
        int decisions = Integer.getInteger("decisionledger.compaction.bench.decisions", 20_000);
        LocalDate asOf = LocalDate.of(2026, 3, 20);
        List<LocalDate> dates =
                List.of(asOf.minusDays(6), asOf.minusDays(5), asOf.minusDays(4), asOf.minusDays(3));
        for (int parallelism : new int[] {1, 2}) {
            LakeLayout lake = LakeLayout.at(work.resolve("lake-" + parallelism).toUri().toString());
            SmallFileLake.write(lake, decisions, dates, 200, 20, 11);
            CompactionOptions options =
                    CompactionOptions.parse(
                            new String[] {
                                "--lake",
                                lake.root(),
                                "--as-of",
                                asOf.toString(),
                                "--run-id",
                                "bench",
                                "--no-legal-holds"
                            });
            Configuration conf = new Configuration();
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.getExecutionEnvironment(conf);
            env.setParallelism(parallelism);
            com.sun.management.OperatingSystemMXBean os =
                    (com.sun.management.OperatingSystemMXBean)
                            ManagementFactory.getOperatingSystemMXBean();
            long cpu0 = os.getProcessCpuTime();
            CompactionReport r =
                    new CompactionRunner(options)
                            .run(
                                    env,
                                    new java.io.PrintStream(
                                            java.io.OutputStream.nullOutputStream()));
            double cpuSeconds = (os.getProcessCpuTime() - cpu0) / 1e9;
            System.out.printf(
                    "COMPACTION BENCH parallelism %d: %d partitions, files %d -> %d, %.1f MB -> %.1f MB,"
                            + " %d rows in %.1f s wall, %.1f s CPU: %.2f MB/s and %.0f rows/s wall,"
                            + " %.2f MB and %.0f rows per CPU-second%n",
                    parallelism,
                    r.partitions(),
                    r.filesBefore(),
                    r.filesAfter(),
                    r.bytesBefore() / 1e6,
                    r.bytesAfter() / 1e6,
                    r.rows(),
                    r.seconds(),
                    cpuSeconds,
                    r.bytesBefore() / 1e6 / r.seconds(),
                    r.rows() / r.seconds(),
                    r.bytesBefore() / 1e6 / cpuSeconds,
                    r.rows() / cpuSeconds);
            assertThat(r.rows()).isGreaterThan(2L * decisions);
        }
    }
}
