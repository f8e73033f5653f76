package io.decisionledger.ingest;

import static io.decisionledger.testing.DuckDbLake.count;
import static io.decisionledger.testing.DuckDbLake.table;
import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.testing.KafkaProgress;
import io.decisionledger.testing.MiniClusters;
import io.decisionledger.testkit.KafkaBrokerExtension;
import io.decisionledger.testkit.SampleDecisions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metrics branch's window state across savepoints, on RocksDB (as deploy/ runs it) with real
 * Kafka: windows still open and fired windows still taking late decisions are in a savepoint taken
 * mid-run ({@code drain = false}), and the rows after the restore count every stored decision. For
 * the held windows (the default) and for Flink's window operators of earlier versions ({@code
 * --metrics-held-windows false}); a savepoint of the latter is refused by the default graph rather
 * than restored without its windows.
 */
class IngestMetricsBranchWindowsSavepointITCase {

    @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = MiniClusters.twoSlots();

    @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @TempDir static Path work;

    private static final int PARTITIONS = 2;

    @Test
    void heldWindowsCarryOpenAndFiredWindowsThroughASavepoint() throws Exception {
        // given decisions over three days, read by the job with held windows, stopped mid-run
        String topic = "decisions-held";
        KAFKA.broker().createTopic(topic, PARTITIONS);
        KAFKA.broker().produce(topic, sample(41, 150));
        Path lake = work.resolve("lake-held");
        IngestOptions held = options(topic, lake, "true");
        String savepoint = runAndStop(held, null, topic, false);

        // when more decisions (most of them late for windows that fired before the savepoint)
        // are read by the same job restored from it, and it is stopped draining
        KAFKA.broker().produce(topic, sample(42, 90));
        runAndStop(held, savepoint, topic, true);

        // then every granularity's current rows count exactly the stored decisions
        assertTheRowsCountTheStoredDecisions(lake, 240);
    }

    @Test
    void aSavepointOfFlinksWindowOperatorsRestoresWithThemAndIsRefusedByTheDefault()
            throws Exception {
        // given a savepoint of the branch with Flink's window operators, taken mid-run
        String topic = "decisions-flink-windows";
        KAFKA.broker().createTopic(topic, PARTITIONS);
        KAFKA.broker().produce(topic, sample(43, 150));
        Path lake = work.resolve("lake-flink-windows");
        IngestOptions flinkWindows = options(topic, lake, "false");
        String savepoint = runAndStop(flinkWindows, null, topic, false);

        // when the default graph (held windows) is started from it, then Flink refuses it
        IngestSavepointCompatibilityITCase.assertTheRestoreIsRefused(
                options(topic, work.resolve("lake-refused"), "true"), savepoint);

        // and with --metrics-held-windows false it restores, and the rows count every decision
        KAFKA.broker().produce(topic, sample(44, 90));
        runAndStop(flinkWindows, savepoint, topic, true);
        assertTheRowsCountTheStoredDecisions(lake, 240);
    }

    /** Valid decisions over the three days before the sample's fixed "now", shuffled. */
    private static java.util.List<SampleDecisions.Event> sample(long seed, int decisions) {
        return SampleDecisions.generate(
                        seed, decisions, 0, 0, IngestSavepointCompatibilityITCase.NOW)
                .valid();
    }

    /**
     * IngestJob with the branch on {@code topic}, its own consumer group and lake; windows kept
     * open four days after the watermark passes them, so no decision of the sample is too late.
     */
    private static IngestOptions options(String topic, Path lake, String heldWindows)
            throws Exception {
        Path keyFile = work.resolve("pseudonym.key");
        if (!Files.exists(keyFile)) {
            Files.writeString(keyFile, "c2F2ZXBvaW50LWNvbXBhdGliaWxpdHktdGVzdC1rZXktMzItYnl0ZXM=");
        }
        return IngestSavepointCompatibilityITCase.options(
                        KAFKA.broker().bootstrapServers(), lake, keyFile)
                .with(
                        "topic",
                        topic,
                        "group-id",
                        topic + "-ingest",
                        "metrics",
                        "true",
                        "metrics-allowed-lateness",
                        "P4D",
                        "metrics-held-windows",
                        heldWindows);
    }

    /**
     * Runs the job (from {@code savepoint}, or none) until it has committed the topic's end
     * offsets, then stops it with a savepoint ({@code drain}: the end of event time closes every
     * window) and returns that savepoint's path.
     */
    private static String runAndStop(
            IngestOptions options, String savepoint, String topic, boolean drain) throws Exception {
        StreamExecutionEnvironment env =
                IngestSavepointCompatibilityITCase.environment(options, savepoint);
        IngestJob.fromOptions(options).build(env);
        JobClient job = env.executeAsync("ingest-metrics-branch-windows");
        String bootstrap = KAFKA.broker().bootstrapServers();
        KafkaProgress.awaitConsumed(
                bootstrap,
                options.groupId(),
                job,
                KafkaProgress.endOffsets(bootstrap, topic, PARTITIONS));
        return job.stopWithSavepoint(
                        drain,
                        work.resolve("savepoints-" + topic).toUri().toString(),
                        SavepointFormatType.CANONICAL)
                .get(60, TimeUnit.SECONDS);
    }

    /** Each granularity's current rows (highest revision per window) = the audit lake's counts. */
    static void assertTheRowsCountTheStoredDecisions(Path lake, int stored) {
        String audit = table(lake.resolve("audit/decisions"));
        assertThat(count("SELECT count(*) FROM " + audit)).isEqualTo(stored);
        String current =
                "(SELECT * FROM "
                        + table(lake.resolve("metrics/decision_metrics"))
                        + " QUALIFY row_number() OVER (PARTITION BY granularity, tenant_id, model,"
                        + " model_version, window_start ORDER BY revision DESC) = 1)";
        for (var g : Map.of("1m", 60_000L, "1h", 3_600_000L, "1d", 86_400_000L).entrySet()) {
            String direct =
                    "SELECT tenant_id, model, model_version, (epoch_ms(event_time) // "
                            + g.getValue()
                            + ") * "
                            + g.getValue()
                            + " AS ws, count(*) AS n,"
                            + " count(*) FILTER (decision_approved) AS approved FROM "
                            + audit
                            + " GROUP BY ALL";
            String branch =
                    "SELECT tenant_id, model, model_version, epoch_ms(window_start) AS ws,"
                            + " total_decisions AS n, approved FROM "
                            + current
                            + " WHERE granularity = '"
                            + g.getKey()
                            + "'";
            assertThat(count("SELECT count(*) FROM (" + branch + " EXCEPT " + direct + ")"))
                    .as(g.getKey())
                    .isZero();
            assertThat(count("SELECT count(*) FROM (" + direct + " EXCEPT " + branch + ")"))
                    .as(g.getKey())
                    .isZero();
        }
        assertThat(
                        count(
                                "SELECT sum(total_decisions) FROM "
                                        + current
                                        + " WHERE granularity = '1d'"))
                .isEqualTo(stored);
    }
}
