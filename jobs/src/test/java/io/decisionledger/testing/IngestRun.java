package io.decisionledger.testing;

import io.decisionledger.ingest.IngestJob;
import io.decisionledger.ingest.IngestOptions;
import io.decisionledger.ingest.IngestPipeline;
import io.decisionledger.testkit.SampleDecisions;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Shared steps of the ingest ITCases: produce a sample to Kafka, run the job on the MiniCluster;
 * or, for the tests that need a lake but not the Kafka connector, run the same pipeline (production
 * sinks, same operators) from an in-memory source ({@link #ingestInMemory}).
 */
public final class IngestRun {

    private IngestRun() {}

    public static void produce(
            String bootstrapServers, String topic, List<SampleDecisions.Event> events) {
        SampleDecisions.produce(bootstrapServers, topic, events);
    }

    /** Options for a bounded run that reads the topic from the start into {@code lakeUri}. */
    public static IngestOptions boundedOptions(
            String bootstrapServers, String topic, String lakeUri) {
        return IngestOptions.parse(
                new String[] {
                    "--bootstrap-servers",
                    bootstrapServers,
                    "--topic",
                    topic,
                    "--group-id",
                    "it-" + topic,
                    "--starting-offsets",
                    "earliest",
                    "--bounded",
                    "true",
                    "--lake",
                    lakeUri,
                    "--checkpoint-interval",
                    "PT0.5S",
                    "--earliest-event-time",
                    "2000-01-01T00:00:00Z",
                    "--pseudonym-key-file",
                    testKeyFile().toString()
                });
    }

    /**
     * Runs IngestJob's pipeline with its production sinks into {@code lakeUri} from the events in
     * memory (as if read from one partition of {@code topic}), to the end: every file committed.
     */
    public static void ingestInMemory(
            List<SampleDecisions.Event> events, String topic, String lakeUri) throws Exception {
        ingestInMemory(events, topic, boundedOptions("in-memory:9092", topic, lakeUri));
    }

    /**
     * As above, with these options (e.g. {@code boundedOptions(...).with("tenant-bindings", f)}).
     */
    public static void ingestInMemory(
            List<SampleDecisions.Event> events, String topic, IngestOptions options)
            throws Exception {
        StreamExecutionEnvironment env = environment(options);
        List<byte[]> values = new java.util.ArrayList<>();
        events.forEach(e -> values.add(e.value()));
        new IngestPipeline(
                        options,
                        InMemoryDecisions.sourceOfValues(
                                topic,
                                values,
                                options.parserLimits(),
                                options.tenantBindings(),
                                org.apache.flink.api.connector.source.util.ratelimit
                                        .RateLimiterStrategy.noOp()),
                        IngestJob.sinks(options))
                .build(env);
        env.execute("ingest in memory");
    }

    private static java.nio.file.Path testKeyFile;

    /** A pseudonymisation key for tests: random per JVM, in a temporary file. */
    public static synchronized java.nio.file.Path testKeyFile() {
        if (testKeyFile == null) {
            try {
                testKeyFile = java.nio.file.Files.createTempFile("pseudonym", ".key");
                testKeyFile.toFile().deleteOnExit();
                writeKey(testKeyFile, new java.security.SecureRandom().generateSeed(32));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return testKeyFile;
    }

    public static void writeKey(java.nio.file.Path file, byte[] key) throws java.io.IOException {
        java.nio.file.Files.writeString(file, java.util.Base64.getEncoder().encodeToString(key));
    }

    /** An environment on the test's MiniCluster: parallelism 2, a few quick restarts. */
    public static StreamExecutionEnvironment environment(IngestOptions options) {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        IngestJob.configureEnvironment(env, options);
        return env;
    }
}
