package io.decisionledger.metrics;

import io.decisionledger.decision.ParsedDecision;
import java.time.Duration;
import java.time.Instant;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/**
 * Event time for the live metrics job. The strategy runs inside the Kafka source, once per
 * partition: each partition's watermark trails the highest event time it has seen by the allowed
 * out-of-orderness, and the source forwards the minimum over its partitions. A partition that has
 * been silent for the idleness timeout stops counting towards that minimum, so one quiet partition
 * (a tenant that sends nothing at night) does not hold back every window; it counts again with its
 * next record.
 *
 * <p>Refused records (quarantined by the parser) carry no trustworthy time: they get the smallest
 * timestamp, which never moves a watermark, and are dropped right after the source.
 */
public final class MetricsWatermarks {

    private MetricsWatermarks() {}

    public static WatermarkStrategy<ParsedDecision> forDecisions(
            Duration maxOutOfOrderness, Duration idleness) {
        return WatermarkStrategy.<ParsedDecision>forBoundedOutOfOrderness(maxOutOfOrderness)
                .withTimestampAssigner((p, kafkaTimestamp) -> eventTimeMillis(p))
                .withIdleness(idleness);
    }

    static long eventTimeMillis(ParsedDecision p) {
        if (!p.isAccepted()) {
            return Long.MIN_VALUE;
        }
        Instant t = p.decision.getEventTime();
        return t.toEpochMilli();
    }
}
