package io.decisionledger.metrics;

import org.apache.flink.api.common.functions.AggregateFunction;

/**
 * Folds a window's decisions, one at a time or pre-aggregated ({@link MetricsPartial}), into a
 * {@link MetricsAccumulator}, so a window holds one small accumulator per key instead of its
 * events. The accumulator itself is the result: {@link EmitMetricsRow} turns it into a row with the
 * key and the window.
 */
public final class DecisionMetricsAggregate
        implements AggregateFunction<MetricsPartial, MetricsAccumulator, MetricsAccumulator> {
    private static final long serialVersionUID = 1L;

    @Override
    public MetricsAccumulator createAccumulator() {
        return new MetricsAccumulator();
    }

    @Override
    public MetricsAccumulator add(MetricsPartial partial, MetricsAccumulator acc) {
        return partial.addTo(acc);
    }

    @Override
    public MetricsAccumulator getResult(MetricsAccumulator acc) {
        return acc;
    }

    @Override
    public MetricsAccumulator merge(MetricsAccumulator a, MetricsAccumulator b) {
        return a.merge(b);
    }
}
