package io.decisionledger.metrics;

import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.windowing.triggers.Trigger;
import org.apache.flink.streaming.api.windowing.triggers.TriggerResult;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;

/**
 * Flink's event-time trigger (fire when the watermark passes the window's end, and again for each
 * element that arrives after that but within the allowed lateness), counting the decisions of those
 * late elements in the {@value #METRIC_LATE_CORRECTED} metric: each element produces a correction
 * row. A decision whose window has already fired reaches the window operator alone ({@link
 * PreAggregateMetrics}), so each late decision still gets its own correction row.
 */
public final class CountingEventTimeTrigger extends Trigger<MetricsPartial, TimeWindow> {
    private static final long serialVersionUID = 1L;

    /** Decisions that arrived after their window fired and produced a correction row. */
    public static final String METRIC_LATE_CORRECTED = "late_events_corrected";

    private transient Counter lateCorrected;

    @Override
    public TriggerResult onElement(
            MetricsPartial element, long timestamp, TimeWindow window, TriggerContext ctx) {
        if (window.maxTimestamp() <= ctx.getCurrentWatermark()) {
            if (lateCorrected == null) {
                lateCorrected = ctx.getMetricGroup().counter(METRIC_LATE_CORRECTED);
            }
            lateCorrected.inc(element.decisions());
            return TriggerResult.FIRE;
        }
        ctx.registerEventTimeTimer(window.maxTimestamp());
        return TriggerResult.CONTINUE;
    }

    @Override
    public TriggerResult onEventTime(long time, TimeWindow window, TriggerContext ctx) {
        return time == window.maxTimestamp() ? TriggerResult.FIRE : TriggerResult.CONTINUE;
    }

    @Override
    public TriggerResult onProcessingTime(long time, TimeWindow window, TriggerContext ctx) {
        return TriggerResult.CONTINUE;
    }

    @Override
    public void clear(TimeWindow window, TriggerContext ctx) {
        ctx.deleteEventTimeTimer(window.maxTimestamp());
    }

    @Override
    public String toString() {
        return "CountingEventTimeTrigger()";
    }
}
