package io.decisionledger.ingest;

import static io.decisionledger.testing.DuckDbLake.query;
import static io.decisionledger.testing.DuckDbLake.table;
import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.testing.IngestRun;
import io.decisionledger.testing.MiniClusters;
import io.decisionledger.testkit.KafkaBrokerExtension;
import io.decisionledger.testkit.SampleDecisions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tenant bindings through the production Kafka source: the producer-id record header, as sent by a
 * real producer to a real broker, decides which tenants a record may write.
 */
class IngestTenantBindingKafkaITCase {

    @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = MiniClusters.twoSlots();

    @TempDir static Path work;

    @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    private static final String TOPIC = "decisions-shared";
    private static final String BANK = "bank_456";
    private static final String INSURER = "insurer_789";
    private static final Instant NOW = Instant.parse("2026-03-15T12:00:00Z");

    @Test
    void storesOnlyTheTenantsBoundToTheProducerHeader() throws Exception {
        // given a shared topic, and the producer "scoring" bound to bank_456 only
        KAFKA.broker().createTopic(TOPIC, 1);
        Path bindings = work.resolve("bindings.json");
        Files.writeString(bindings, "{\"producers\":{\"scoring\":[\"" + BANK + "\"]}}");
        List<String> allowed = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            int i = 0;
            for (; i < 4; i++) {
                allowed.add(send(producer, SampleDecisions.eventAt(9, i, BANK, NOW), "scoring"));
            }
            for (; i < 6; i++) {
                // scoring writing for a tenant it is not bound to
                refused.add(send(producer, SampleDecisions.eventAt(9, i, INSURER, NOW), "scoring"));
            }
            for (; i < 8; i++) {
                // an unknown producer, and one without the header, writing for bank_456
                refused.add(
                        send(
                                producer,
                                SampleDecisions.eventAt(9, i, BANK, NOW),
                                i == 6 ? "intruder" : null));
            }
            producer.flush();
        }
        Path lake = work.resolve("lake");
        IngestOptions options =
                IngestRun.boundedOptions(
                                KAFKA.broker().bootstrapServers(), TOPIC, lake.toUri().toString())
                        .with("tenant-bindings", bindings.toString());

        // when the production job reads the topic
        StreamExecutionEnvironment env = IngestRun.environment(options);
        IngestJob.fromOptions(options).build(env);
        env.execute("ingest-tenant-binding-kafka-it");

        // then only scoring's bank_456 decisions are stored; the rest is quarantined
        assertThat(
                        query("SELECT event_id FROM " + table(lake.resolve("audit/decisions")))
                                .stream()
                                .map(r -> (String) r.get("event_id"))
                                .toList())
                .containsExactlyInAnyOrderElementsOf(allowed);
        List<Map<String, Object>> quarantined =
                query(
                        "SELECT event_id, reason_code, detail FROM "
                                + table(lake.resolve("quarantine")));
        assertThat(quarantined)
                .extracting(r -> (String) r.get("event_id"))
                .containsExactlyInAnyOrderElementsOf(refused);
        assertThat(quarantined)
                .extracting(r -> (String) r.get("reason_code"))
                .containsOnly("TENANT_NOT_ALLOWED");
        assertThat(quarantined)
                .extracting(r -> (String) r.get("detail"))
                .containsExactlyInAnyOrder(
                        "tenant not bound to producer scoring",
                        "tenant not bound to producer scoring",
                        "producer in the producer-id header is not in the tenant bindings",
                        "no producer-id header; the tenant bindings require one");
    }

    private static String send(
            KafkaProducer<byte[], byte[]> producer, SampleDecisions.Event event, String producerId)
            throws Exception {
        ProducerRecord<byte[], byte[]> record =
                new ProducerRecord<>(
                        TOPIC, event.key().getBytes(StandardCharsets.UTF_8), event.value());
        if (producerId != null) {
            record.headers().add("producer-id", producerId.getBytes(StandardCharsets.UTF_8));
        }
        producer.send(record).get();
        return event.eventId();
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.broker().bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p);
    }
}
