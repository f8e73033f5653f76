package io.decisionledger.decision;

import java.io.Serializable;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumSet;
import org.apache.flink.metrics.MetricGroup;

/**
 * Turns one record value and its coordinates (topic, partition, offset, timestamp) into exactly one
 * {@link ParsedDecision}: an accepted decision, a registered model card, or a quarantine record
 * with its reason, so malformed input never fails a job and is never dropped. Every source of
 * decision events reads through it: the Kafka source ({@link KafkaDecisionDeserializer}) and the
 * in-memory sources of the pipeline tests, so both accept exactly the same events.
 */
public final class DecisionReader implements Serializable {

    private static final long serialVersionUID = 1L;

    private final ParserLimits limits;
    private final TenantBindings bindings;
    private transient DecisionParser parser;
    private transient ModelCardParser cardParser;
    private transient Quarantine quarantine;

    public DecisionReader(ParserLimits limits) {
        this(limits, null);
    }

    /**
     * @param bindings the tenants each topic/producer may write; null: any (tenants unbound)
     */
    public DecisionReader(ParserLimits limits, TenantBindings bindings) {
        this.limits = limits;
        this.bindings = bindings;
    }

    /** The tenant bindings this reader enforces, or null. */
    public TenantBindings bindings() {
        return bindings;
    }

    /** Call once per task before {@link #read}; the refusal counters go to {@code metrics}. */
    public void open(MetricGroup metrics) {
        parser = new DecisionParser(limits);
        cardParser = new ModelCardParser(limits);
        // Every refusal but a duplicate (found later, by the de-duplicator) can happen here.
        quarantine =
                new Quarantine(
                        metrics, EnumSet.complementOf(EnumSet.of(ReasonCode.DUPLICATE_EVENT_ID)));
    }

    public ParsedDecision read(
            byte[] value, String topic, int partition, long offset, long timestampMillis) {
        return read(value, topic, partition, offset, timestampMillis, null);
    }

    /**
     * @param producerId the value of the record's producer header ({@link
     *     TenantBindings#producerHeader()}), or null when it has none
     */
    public ParsedDecision read(
            byte[] value,
            String topic,
            int partition,
            long offset,
            long timestampMillis,
            String producerId) {
        // Micros are what the lake stores; truncating here keeps the hash reproducible from files.
        Instant ingestTime = Instant.now().truncatedTo(ChronoUnit.MICROS);
        ParseOutcome outcome = parser.parse(value, topic, partition, offset, ingestTime);
        if (!outcome.isAccepted() && outcome.reason() == ReasonCode.UNKNOWN_EVENT_TYPE) {
            // Model registrations share the topic (or come from --models-topic): rare, so they
            // are only looked for once the decision parser has refused the event type.
            ModelCardParser.Outcome card =
                    cardParser.parse(value, topic, partition, offset, ingestTime);
            if (card.card() != null) {
                String refused =
                        bindings == null
                                ? null
                                : bindings.refusal(topic, producerId, card.card().getTenantId());
                if (refused == null) {
                    return ParsedDecision.registered(card.card());
                }
                outcome =
                        ParseOutcome.rejected(
                                ReasonCode.TENANT_NOT_ALLOWED,
                                "model card: " + refused,
                                card.card().getTenantId(),
                                card.card().getEventId());
            } else if (card.rejection() != null) {
                outcome = card.rejection();
            }
        }
        if (outcome.isAccepted() && bindings != null) {
            String refused = bindings.refusal(topic, producerId, outcome.decision().getTenantId());
            if (refused != null) {
                outcome =
                        ParseOutcome.rejected(
                                ReasonCode.TENANT_NOT_ALLOWED,
                                refused,
                                outcome.tenantId(),
                                outcome.eventId());
            }
        }
        if (outcome.isAccepted()) {
            return ParsedDecision.accepted(outcome, value);
        }
        quarantine.count(outcome.reason());
        return ParsedDecision.rejected(
                Quarantine.of(
                        outcome, value, topic, partition, offset, timestampMillis, ingestTime));
    }
}
