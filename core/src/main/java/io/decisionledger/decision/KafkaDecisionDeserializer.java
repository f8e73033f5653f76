package io.decisionledger.decision;

import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumSet;
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
                        .setDeserializer(new KafkaDecisionDeserializer(limits))
                        .setProperty("isolation.level", "read_committed")
                        .setProperty("commit.offsets.on.checkpoint", "true")
                        .setProperties(kafkaProperties);
        if (bounded) {
            builder.setBounded(OffsetsInitializer.latest());
        }
        return builder.build();
    }

    private static final long serialVersionUID = 1L;

    private final ParserLimits limits;
    private transient DecisionParser parser;
    private transient ModelCardParser cardParser;
    private transient Quarantine quarantine;

    public KafkaDecisionDeserializer(ParserLimits limits) {
        this.limits = limits;
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) {
        parser = new DecisionParser(limits);
        cardParser = new ModelCardParser(limits);
        // Every refusal but a duplicate (found later, by the de-duplicator) can happen here.
        quarantine =
                new Quarantine(
                        context.getMetricGroup(),
                        EnumSet.complementOf(EnumSet.of(ReasonCode.DUPLICATE_EVENT_ID)));
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<ParsedDecision> out)
            throws IOException {
        // Micros are what the lake stores; truncating here keeps the hash reproducible from files.
        Instant ingestTime = Instant.now().truncatedTo(ChronoUnit.MICROS);
        byte[] value = record.value();
        ParseOutcome outcome =
                parser.parse(
                        value, record.topic(), record.partition(), record.offset(), ingestTime);
        if (!outcome.isAccepted() && outcome.reason() == ReasonCode.UNKNOWN_EVENT_TYPE) {
            // Model registrations share the topic (or come from --models-topic): rare, so they
            // are only looked for once the decision parser has refused the event type.
            ModelCardParser.Outcome card =
                    cardParser.parse(
                            value, record.topic(), record.partition(), record.offset(), ingestTime);
            if (card.card() != null) {
                out.collect(ParsedDecision.registered(card.card()));
                return;
            }
            if (card.rejection() != null) {
                outcome = card.rejection();
            }
        }
        if (outcome.isAccepted()) {
            out.collect(ParsedDecision.accepted(outcome.decision(), value));
        } else {
            quarantine.count(outcome.reason());
            out.collect(
                    ParsedDecision.rejected(
                            Quarantine.of(
                                    outcome,
                                    value,
                                    record.topic(),
                                    record.partition(),
                                    record.offset(),
                                    record.timestamp(),
                                    ingestTime)));
        }
    }

    @Override
    public TypeInformation<ParsedDecision> getProducedType() {
        return TypeInformation.of(ParsedDecision.class);
    }
}
