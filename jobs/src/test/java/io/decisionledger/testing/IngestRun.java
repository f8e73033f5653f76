package io.decisionledger.testing;

import io.decisionledger.cli.SampleDecisions;
import io.decisionledger.ingest.IngestJob;
import io.decisionledger.ingest.IngestOptions;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Shared steps of the ingest ITCases: produce a sample to Kafka, run the job on the MiniCluster. */
public final class IngestRun {

    private IngestRun() {}

    public static void produce(String bootstrapServers, String topic, List<SampleDecisions.Event> events) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            for (SampleDecisions.Event e : events) {
                producer.send(new ProducerRecord<>(topic, e.key(), e.value()));
            }
            producer.flush();
        }
    }

    /** Options for a bounded run that reads the topic from the start into {@code lakeUri}. */
    public static IngestOptions boundedOptions(String bootstrapServers, String topic, String lakeUri) {
        return IngestOptions.parse(
                new String[] {
                    "--bootstrap-servers", bootstrapServers,
                    "--topic", topic,
                    "--group-id", "it-" + topic,
                    "--starting-offsets", "earliest",
                    "--bounded", "true",
                    "--lake", lakeUri,
                    "--checkpoint-interval", "PT0.5S",
                    "--earliest-event-time", "2000-01-01T00:00:00Z"
                });
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
