package io.decisionledger.metrics;

import io.decisionledger.schema.LateDecision;
import java.time.Instant;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * Receives the decisions a window operator refused because their window had closed for good
 * (watermark past its end plus the allowed lateness), counts them in {@value #METRIC_TOO_LATE}, and
 * records each with its window, so nothing disappears silently: the record names the tenant and
 * date a targeted rebuild must cover, and that rebuild's rows then supersede the live ones.
 */
public final class TooLateDecisions extends ProcessFunction<DecisionFacts, LateDecision> {
    private static final long serialVersionUID = 1L;

    /** Decisions too late for the live read model (its row of that window misses them). */
    public static final String METRIC_TOO_LATE = "late_events_too_late";

    private final String granularity;
    private final long windowMillis;

    private transient Counter tooLate;

    public TooLateDecisions(Granularity granularity) {
        this.granularity = granularity.label();
        this.windowMillis = granularity.length().toMillis();
    }

    @Override
    public void open(OpenContext openContext) {
        tooLate = getRuntimeContext().getMetricGroup().counter(METRIC_TOO_LATE);
    }

    @Override
    public void processElement(DecisionFacts f, Context ctx, Collector<LateDecision> out) {
        tooLate.inc();
        out.collect(record(f, ctx.timerService().currentWatermark()));
    }

    LateDecision record(DecisionFacts f, long watermark) {
        long start = TimeWindow.getWindowStartWithOffset(f.eventTimeMillis(), 0, windowMillis);
        return LateDecision.newBuilder()
                .setGranularity(granularity)
                .setTenantId(f.tenantId)
                .setModel(f.model)
                .setModelVersion(f.modelVersion)
                .setWindowStart(Instant.ofEpochMilli(start))
                .setWindowEnd(Instant.ofEpochMilli(start + windowMillis))
                .setEventId(f.eventId)
                .setEventTime(
                        Instant.ofEpochSecond(
                                Math.floorDiv(f.eventTimeMicros, 1_000_000L),
                                Math.floorMod(f.eventTimeMicros, 1_000_000L) * 1000L))
                .setWatermark(watermark == Long.MIN_VALUE ? null : Instant.ofEpochMilli(watermark))
                .build();
    }
}
