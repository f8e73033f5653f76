package io.decisionledger.metrics;

import io.decisionledger.schema.DecisionMetrics;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * Turns a window's accumulator into its read model row, once when the watermark closes the window
 * and once more for every late decision within the allowed lateness (a correction: same window,
 * higher revision). Keyed by (tenant, model, model version).
 */
public final class EmitMetricsRow
        extends ProcessWindowFunction<
                MetricsAccumulator, DecisionMetrics, Tuple3<String, String, String>, TimeWindow> {
    private static final long serialVersionUID = 1L;

    private final String granularity;

    public EmitMetricsRow(Granularity granularity) {
        this.granularity = granularity.label();
    }

    @Override
    public void process(
            Tuple3<String, String, String> key,
            Context ctx,
            Iterable<MetricsAccumulator> accumulators,
            Collector<DecisionMetrics> out) {
        TimeWindow w = ctx.window();
        for (MetricsAccumulator acc : accumulators) {
            out.collect(acc.toRow(granularity, key.f0, key.f1, key.f2, w.getStart(), w.getEnd()));
        }
    }
}
