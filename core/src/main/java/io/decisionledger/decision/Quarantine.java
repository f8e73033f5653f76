package io.decisionledger.decision;

import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.QuarantineRecord;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.util.OutputTag;

/**
 * Builds quarantine records and counts them per reason. Every refusal in every job goes through
 * here, so the {@code decisions_quarantined{reason=…}} metric and the quarantine folder always
 * agree. Metric labels are reason codes only, never values from the input.
 */
public final class Quarantine {

    /** Side output that carries refused input to the quarantine sink. */
    public static final OutputTag<QuarantineRecord> OUTPUT =
            new OutputTag<>("quarantine", new AvroTypeInfo<>(QuarantineRecord.class));

    public static final String METRIC_QUARANTINED = "decisions_quarantined";
    public static final String METRIC_GROUP_REASON = "reason";

    private final MetricGroup metrics;
    private final Counter[] counters = new Counter[ReasonCode.values().length];

    /** Counts refusals; each reason's counter is registered on its first use. */
    public Quarantine(MetricGroup metrics) {
        this(metrics, EnumSet.noneOf(ReasonCode.class));
    }

    /**
     * Counts refusals, registering the counters of the reasons this operator can give at once, at
     * 0. A counter that only appears with its first refusal loses that refusal in Prometheus'
     * {@code increase()}, and after a failover Flink's REST API keeps showing the failed attempt's
     * value for any metric the new attempt has not registered yet.
     */
    public Quarantine(MetricGroup metrics, Set<ReasonCode> expected) {
        this.metrics = metrics;
        expected.forEach(this::counter);
    }

    /** Counts one refusal. */
    public void count(ReasonCode reason) {
        counter(reason).inc();
    }

    private Counter counter(ReasonCode reason) {
        Counter c = counters[reason.ordinal()];
        if (c == null) {
            c = metrics.addGroup(METRIC_GROUP_REASON, reason.name()).counter(METRIC_QUARANTINED);
            counters[reason.ordinal()] = c;
        }
        return c;
    }

    /** A quarantine record for input the parser refused. */
    public static QuarantineRecord of(
            ParseOutcome outcome,
            byte[] raw,
            String topic,
            int partition,
            long offset,
            Long kafkaTimestampMillis,
            Instant ingestTime) {
        return record(
                outcome.reason(),
                outcome.detail(),
                raw,
                outcome.tenantId(),
                outcome.eventId(),
                topic,
                partition,
                offset,
                kafkaTimestampMillis,
                ingestTime);
    }

    /** A quarantine record for a decision that parsed but is refused later (e.g. a duplicate). */
    public static QuarantineRecord of(
            DecisionRecord decision, byte[] raw, ReasonCode reason, String detail) {
        return record(
                reason,
                detail,
                raw,
                decision.getTenantId(),
                decision.getEventId(),
                decision.getSourceTopic(),
                decision.getSourcePartition(),
                decision.getSourceOffset(),
                null,
                decision.getIngestTime());
    }

    private static QuarantineRecord record(
            ReasonCode reason,
            String detail,
            byte[] raw,
            String tenantId,
            String eventId,
            String topic,
            int partition,
            long offset,
            Long kafkaTimestampMillis,
            Instant ingestTime) {
        QuarantineRecord q = new QuarantineRecord();
        q.setReasonCode(reason.name());
        q.setDetail(detail);
        q.setRaw(ByteBuffer.wrap(raw == null ? new byte[0] : raw));
        q.setRawSize(raw == null ? -1 : raw.length);
        q.setTenantId(tenantId);
        q.setEventId(eventId);
        q.setSourceTopic(topic);
        q.setSourcePartition(partition);
        q.setSourceOffset(offset);
        q.setSourceTimestamp(
                kafkaTimestampMillis == null || kafkaTimestampMillis < 0
                        ? null
                        : Instant.ofEpochMilli(kafkaTimestampMillis));
        q.setIngestTime(ingestTime);
        return q;
    }
}
