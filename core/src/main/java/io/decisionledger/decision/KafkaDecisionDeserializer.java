package io.decisionledger.decision;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.header.Header;

/**
 * Reads decision events from Kafka: every record becomes exactly one {@link ParsedDecision},
 * accepted or quarantined, so a malformed record can never fail the job or be dropped. Parsing
 * happens here, inside the source, so bad input is classified before anything is shuffled.
 */
public final class KafkaDecisionDeserializer
        implements KafkaRecordDeserializationSchema<ParsedDecision> {

    /**
     * The decisions topic as every job reads it (ingest, live metrics): this deserializer with the
     * given limits, committed records only ({@code read_committed}: aborted transactions are not
     * decisions), offsets committed on checkpoints, and optionally bounded by the offsets that are
     * latest at start.
     *
     * @param startingOffsets COMMITTED (earliest when the group has none), EARLIEST or LATEST
     */
    public static KafkaSource<ParsedDecision> source(
            String bootstrapServers,
            List<String> topics,
            String groupId,
            String startingOffsets,
            boolean bounded,
            ParserLimits limits,
            Properties kafkaProperties) {
        return source(
                bootstrapServers,
                topics,
                groupId,
                startingOffsets,
                bounded,
                limits,
                null,
                kafkaProperties);
    }

    /**
     * As above, enforcing {@code bindings} (null: tenants unbound): a record whose tenant is not
     * bound to its topic or producer header is quarantined as TENANT_NOT_ALLOWED.
     */
    public static KafkaSource<ParsedDecision> source(
            String bootstrapServers,
            List<String> topics,
            String groupId,
            String startingOffsets,
            boolean bounded,
            ParserLimits limits,
            TenantBindings bindings,
            Properties kafkaProperties) {
        KafkaSourceBuilder<ParsedDecision> builder =
                KafkaSource.<ParsedDecision>builder()
                        .setBootstrapServers(bootstrapServers)
                        .setTopics(topics)
                        .setGroupId(groupId)
                        .setStartingOffsets(
                                switch (startingOffsets) {
                                    case "COMMITTED" ->
                                            OffsetsInitializer.committedOffsets(
                                                    OffsetResetStrategy.EARLIEST);
                                    case "EARLIEST" -> OffsetsInitializer.earliest();
                                    case "LATEST" -> OffsetsInitializer.latest();
                                    default ->
                                            throw new IllegalArgumentException(
                                                    "starting offsets are COMMITTED, EARLIEST or"
                                                            + " LATEST, not "
                                                            + startingOffsets);
                                })
                        .setDeserializer(new KafkaDecisionDeserializer(limits, bindings))
                        .setProperty("isolation.level", "read_committed")
                        .setProperty("commit.offsets.on.checkpoint", "true")
                        .setProperties(kafkaProperties);
        if (bounded) {
            builder.setBounded(OffsetsInitializer.latest());
        }
        return builder.build();
    }

    private static final long serialVersionUID = 1L;

    private final DecisionReader reader;

    public KafkaDecisionDeserializer(ParserLimits limits) {
        this(limits, null);
    }

    public KafkaDecisionDeserializer(ParserLimits limits, TenantBindings bindings) {
        this.reader = new DecisionReader(limits, bindings);
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) {
        reader.open(context.getMetricGroup());
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<ParsedDecision> out)
            throws IOException {
        out.collect(
                reader.read(
                        record.value(),
                        record.topic(),
                        record.partition(),
                        record.offset(),
                        record.timestamp(),
                        producerId(record)));
    }

    /** The producer header's value (UTF-8), only when producer bindings are enforced. */
    private String producerId(ConsumerRecord<byte[], byte[]> record) {
        TenantBindings bindings = reader.bindings();
        if (bindings == null || !bindings.bindsProducers() || record.headers() == null) {
            return null;
        }
        Header h = record.headers().lastHeader(bindings.producerHeader());
        return h == null || h.value() == null
                ? null
                : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Override
    public TypeInformation<ParsedDecision> getProducedType() {
        return TypeInformation.of(ParsedDecision.class);
    }
}
