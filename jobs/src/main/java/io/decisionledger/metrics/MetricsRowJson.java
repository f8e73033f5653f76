package io.decisionledger.metrics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.decisionledger.schema.DecisionMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.avro.Schema;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Read model rows as JSON on a Kafka topic for live dashboards: one message per row revision, the
 * same snake_case names as the Parquet columns, timestamps as ISO-8601 strings. The message key is
 * the window ({@code granularity|tenant|model|model_version|window_start}), so all revisions of a
 * window go to one partition in order and a compacted topic keeps the current one; consumers that
 * read the stream should still keep, per key, the row with the highest revision.
 */
public final class MetricsRowJson implements KafkaRecordSerializationSchema<DecisionMetrics> {
    private static final long serialVersionUID = 1L;

    private final String topic;
    private transient ObjectMapper mapper;

    public MetricsRowJson(String topic) {
        this.topic = topic;
    }

    @Override
    public void open(
            SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) {
        mapper = new ObjectMapper();
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            DecisionMetrics row, KafkaSinkContext context, Long timestamp) {
        if (mapper == null) {
            mapper = new ObjectMapper();
        }
        return new ProducerRecord<>(
                topic, key(row).getBytes(StandardCharsets.UTF_8), json(mapper, row));
    }

    static String key(DecisionMetrics row) {
        return row.getGranularity()
                + "|"
                + row.getTenantId()
                + "|"
                + row.getModel()
                + "|"
                + row.getModelVersion()
                + "|"
                + row.getWindowStart();
    }

    static byte[] json(ObjectMapper mapper, DecisionMetrics row) {
        ObjectNode node = mapper.createObjectNode();
        for (Schema.Field field : row.getSchema().getFields()) {
            Object value = row.get(field.pos());
            if (value == null) {
                node.putNull(field.name());
            } else if (value instanceof Instant i) {
                node.put(field.name(), i.toString());
            } else if (value instanceof Long l) {
                node.put(field.name(), l);
            } else if (value instanceof Double d) {
                node.put(field.name(), d);
            } else {
                node.put(field.name(), value.toString());
            }
        }
        try {
            return mapper.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a metrics row could not be written as JSON", e);
        }
    }
}
