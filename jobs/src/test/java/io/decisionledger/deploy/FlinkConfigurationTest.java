package io.decisionledger.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.junit.jupiter.api.Test;

/**
 * {@code deploy/flink/config.yaml}, the production cluster configuration, read the way Flink reads
 * it: every key must be one Flink 2.2 defines, and the settings the audit trail depends on
 * (exactly-once checkpoints on S3, retained on cancellation, RocksDB, a restart strategy, the
 * Prometheus reporter, no credentials in the file) must have the intended values.
 */
class FlinkConfigurationTest {

    private static final Path DEPLOY =
            Path.of(System.getProperty("decisionledger.deploy.dir", "../deploy"));
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void productionConfigUsesOnlyKeysFlinkKnows() throws IOException {
        // given the keys of the production configuration
        List<String> keys = keys(DEPLOY.resolve("flink/config.yaml"));

        // then Flink defines every one of them
        assertThat(keys).hasSizeGreaterThan(20);
        assertThat(FlinkOptionKeys.problems(keys)).isEmpty();
    }

    @Test
    void misspelledOrRemovedKeysAreReported() {
        assertThat(
                        FlinkOptionKeys.problems(
                                List.of(
                                        "execution.checkpointing.intervall",
                                        "state.checkpoints.dir",
                                        "execution.checkpointing.interval",
                                        "s3.endpoint")))
                .hasSize(2)
                .anySatisfy(p -> assertThat(p).contains("execution.checkpointing.intervall"))
                .anySatisfy(p -> assertThat(p).contains("state.checkpoints.dir"));
    }

    @Test
    void productionConfigIsExactlyOnceOnS3WithRocksDbAndPrometheus() {
        // when Flink loads the file as a cluster would
        Configuration conf =
                GlobalConfiguration.loadConfiguration(DEPLOY.resolve("flink").toString());

        // then
        assertThat(conf.get(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE))
                .isEqualTo(CheckpointingMode.EXACTLY_ONCE);
        assertThat(conf.get(CheckpointingOptions.CHECKPOINTING_INTERVAL))
                .isEqualTo(Duration.ofMinutes(1));
        assertThat(conf.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY)).startsWith("s3://");
        assertThat(conf.get(CheckpointingOptions.SAVEPOINT_DIRECTORY)).startsWith("s3://");
        assertThat(conf.get(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION))
                .isEqualTo(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        assertThat(conf.get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS)).isTrue();
        assertThat(conf.get(StateBackendOptions.STATE_BACKEND)).isEqualTo("rocksdb");
        // de-duplication looks up every new event id, a miss: bloom filters spare the reads
        assertThat(conf.toMap()).containsEntry("state.backend.rocksdb.use-bloom-filter", "true");
        assertThat(conf.get(RestartStrategyOptions.RESTART_STRATEGY))
                .isEqualTo("exponential-delay");
        assertThat(conf.toMap())
                .containsEntry(
                        "metrics.reporter.prom.factory.class",
                        "org.apache.flink.metrics.prometheus.PrometheusReporterFactory")
                .containsEntry("metrics.reporter.prom.port", "9249")
                .containsEntry("classloader.check-leaked-classloader", "false");
        // Credentials come from the environment (a Secret or the pod's role), never this file.
        assertThat(conf.keySet())
                .noneMatch(k -> k.contains("access-key") || k.contains("secret-key"));
    }

    /** The top-level keys of a flat YAML file, in file order. */
    static List<String> keys(Path yamlFile) throws IOException {
        JsonNode root = YAML.readTree(yamlFile.toFile());
        List<String> keys = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            assertThat(e.getValue().isContainerNode())
                    .as("'%s' must be a flat key with a scalar value", e.getKey())
                    .isFalse();
            keys.add(e.getKey());
        }
        return keys;
    }
}
