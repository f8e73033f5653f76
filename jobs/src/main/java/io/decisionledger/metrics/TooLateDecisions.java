package io.decisionledger.metrics;

import io.decisionledger.schema.LateDecision;
import java.time.Instant;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives the decisions a window operator refused because their window had closed for good
 * (watermark past its end plus the allowed lateness), counts them in {@value #METRIC_TOO_LATE}, and
 * records each with its window, so nothing disappears silently: the record names the tenant and
 * date a targeted rebuild must cover, and that rebuild's rows then supersede the live ones.
 *
 * <p>A decision that may be late reaches the window alone ({@link PreAggregateMetrics} keeps only
 * decisions of windows the watermark has not passed), so it is recorded with its event id. A
 * pre-aggregated partial can be too late only when another subtask's watermark ran more than the
 * allowed lateness ahead (all inputs idle, then one active again); its decisions have no event ids
 * here, so they are counted, and logged with their window (no personal data) for a rebuild.
 */
public final class TooLateDecisions extends ProcessFunction<MetricsPartial, LateDecision> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(TooLateDecisions.class);

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
    public void processElement(MetricsPartial p, Context ctx, Collector<LateDecision> out) {
        tooLate.inc(p.decisions());
        long watermark = ctx.timerService().currentWatermark();
        if (p.isSingleDecision()) {
            out.collect(record(p.decision(), watermark));
            return;
        }
        long start = TimeWindow.getWindowStartWithOffset(ctx.timestamp(), 0, windowMillis);
        LOG.error(
                "{} pre-aggregated decisions of tenant {}, model {} {} reached the {} window {} after"
                        + " it closed for good (watermark {}); the live read model misses them: rebuild"
                        + " that tenant and date (MetricsJob --source lake --tenant T --from-date D --to-date D)",
                p.decisions(),
                p.tenantId,
                p.model,
                p.modelVersion,
                granularity,
                Instant.ofEpochMilli(start),
                Instant.ofEpochMilli(watermark));
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
