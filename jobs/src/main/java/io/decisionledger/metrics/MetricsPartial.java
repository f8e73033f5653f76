package io.decisionledger.metrics;

import java.util.Objects;

/**
 * What a metrics window operator receives: either one decision, or the accumulator of several
 * decisions of one tenant × model × model version in one window, pre-aggregated by {@link
 * PreAggregateMetrics} before the keyed shuffle. The window operator folds both into its
 * accumulator ({@link DecisionMetricsAggregate}); the row depends only on the set of decisions
 * either way ({@link MetricsAccumulator}).
 *
 * <p>A single decision keeps its facts, so that if it is too late for its window it can still be
 * recorded with its event id ({@link TooLateDecisions}); decisions that may be late (their window's
 * end is already behind the watermark) always travel alone.
 */
public final class MetricsPartial {

    final String tenantId;
    final String model;
    final String modelVersion;

    /** The one decision, or null when this is an {@link #accumulator}. */
    final DecisionFacts decision;

    /** The accumulated decisions, or null when this is one {@link #decision}. */
    final MetricsAccumulator accumulator;

    private MetricsPartial(
            String tenantId,
            String model,
            String modelVersion,
            DecisionFacts decision,
            MetricsAccumulator accumulator) {
        this.tenantId = Objects.requireNonNull(tenantId, "tenantId");
        this.model = Objects.requireNonNull(model, "model");
        this.modelVersion = Objects.requireNonNull(modelVersion, "modelVersion");
        this.decision = decision;
        this.accumulator = accumulator;
    }

    /** One decision. */
    public static MetricsPartial of(DecisionFacts f) {
        return new MetricsPartial(f.tenantId, f.model, f.modelVersion, f, null);
    }

    /** Several decisions of one key and window, already accumulated. */
    public static MetricsPartial of(
            String tenantId, String model, String modelVersion, MetricsAccumulator accumulator) {
        return new MetricsPartial(
                tenantId,
                model,
                modelVersion,
                null,
                Objects.requireNonNull(accumulator, "accumulator"));
    }

    public boolean isSingleDecision() {
        return decision != null;
    }

    /** The decision of a single-decision partial; null for an accumulated one. */
    public DecisionFacts decision() {
        return decision;
    }

    /** How many decisions this partial covers. */
    public long decisions() {
        return decision != null ? 1 : accumulator.total();
    }

    /** Adds this partial's decisions to {@code acc}. */
    MetricsAccumulator addTo(MetricsAccumulator acc) {
        return decision != null ? acc.add(decision) : acc.merge(accumulator);
    }

    @Override
    public String toString() {
        return "MetricsPartial{"
                + tenantId
                + "/"
                + model
                + "/"
                + modelVersion
                + ", decisions="
                + decisions()
                + "}";
    }
}
