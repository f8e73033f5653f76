package io.decisionledger.bench.ingest;

import io.decisionledger.bench.events.DecisionEventGenerator;
import io.decisionledger.bench.events.EventMix;
import io.decisionledger.bench.events.GeneratedEvent;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Preloads a topic with a benchmark's input before any job runs, so the jobs are timed on reading,
 * not on a producer racing them. Records are generated one at a time and streamed to the broker (a
 * million 2 KB events never sit in memory), keyed {@code tenant:eventId} so re-sends follow their
 * original into the same partition, and acknowledged by the broker before this returns.
 */
public final class TopicLoader {

    /** What was loaded: counts per kind, as the ingest job must find them. */
    public record LoadedTopic(
            long records,
            long bytes,
            long valid,
            long malformed,
            long duplicates,
            double seconds) {}

    private TopicLoader() {}

    public static LoadedTopic load(String bootstrapServers, String topic, EventMix mix) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(512 * 1024));
        props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, String.valueOf(128L * 1024 * 1024));
        // Uncompressed, so neither job pays for decompression the other might not.
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        long start = System.nanoTime();
        long records = 0;
        long bytes = 0;
        long valid = 0;
        long malformed = 0;
        long duplicates = 0;
        DecisionEventGenerator generator = new DecisionEventGenerator(mix);
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            while (generator.hasNext()) {
                GeneratedEvent e = generator.next();
                producer.send(new ProducerRecord<>(topic, e.key(), e.value()));
                records++;
                bytes += e.value().length;
                switch (e.kind()) {
                    case VALID -> valid++;
                    case MALFORMED -> malformed++;
                    case DUPLICATE -> duplicates++;
                }
            }
            producer.flush();
        }
        return new LoadedTopic(
                records, bytes, valid, malformed, duplicates, (System.nanoTime() - start) / 1e9);
    }
}
