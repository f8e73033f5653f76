package io.decisionledger.bench.events;

import java.time.Duration;
import java.time.Instant;

/**
 * What a benchmark's input looks like: how many records, over how many tenants with how much skew,
 * and which fractions are malformed, re-sent or late. Together with the seed it fixes every byte
 * the {@link DecisionEventGenerator} produces, so two runs (or two machines) measure the same
 * input.
 *
 * @param seed makes the stream reproducible
 * @param count records in total (valid, malformed and duplicates)
 * @param tenants number of tenants; traffic per tenant follows a Zipf law
 * @param zipfExponent the Zipf exponent s: tenant k gets traffic proportional to 1/k^s
 * @param malformedFraction fraction of records that ingest must quarantine as invalid
 * @param duplicateFraction fraction of records that re-send an earlier valid event byte for byte
 * @param outOfOrderFraction fraction of valid events whose timestamp lies minutes to a day and a
 *     half before the stream's clock (late arrivals, some landing in the previous day's partition)
 * @param start the event time of the first record
 * @param span the event time the stream covers from {@code start} to its last record
 */
public record EventMix(
        long seed,
        long count,
        int tenants,
        double zipfExponent,
        double malformedFraction,
        double duplicateFraction,
        double outOfOrderFraction,
        Instant start,
        Duration span) {

    public static final int DEFAULT_TENANTS = 50;
    public static final double DEFAULT_ZIPF_EXPONENT = 1.1;
    public static final double DEFAULT_MALFORMED_FRACTION = 0.01;
    public static final double DEFAULT_DUPLICATE_FRACTION = 0.01;
    public static final double DEFAULT_OUT_OF_ORDER_FRACTION = 0.05;

    /** In the past on any machine that runs this, so ingest's future-skew check never fires. */
    public static final Instant DEFAULT_START = Instant.parse("2025-06-02T00:00:00Z");

    public static final Duration DEFAULT_SPAN = Duration.ofDays(3);

    public EventMix {
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative");
        }
        if (tenants < 1) {
            throw new IllegalArgumentException("there must be at least one tenant");
        }
        if (zipfExponent < 0) {
            throw new IllegalArgumentException("the Zipf exponent must not be negative");
        }
        if (malformedFraction < 0
                || duplicateFraction < 0
                || outOfOrderFraction < 0
                || malformedFraction + duplicateFraction > 1
                || outOfOrderFraction > 1) {
            throw new IllegalArgumentException("fractions must lie within [0, 1]");
        }
        if (span.isNegative()) {
            throw new IllegalArgumentException("the span must not be negative");
        }
    }

    /** The default mix for {@code count} records from {@code seed}. */
    public static EventMix defaults(long seed, long count) {
        return withDefaultsBut(seed, count, DEFAULT_MALFORMED_FRACTION, DEFAULT_DUPLICATE_FRACTION);
    }

    /**
     * {@code count} valid decisions from {@code seed}, none malformed and none re-sent, the default
     * tenants, skew and late fraction: the pool the per-record benchmarks cycle through.
     */
    public static EventMix validOnly(long seed, long count) {
        return withDefaultsBut(seed, count, 0, 0);
    }

    private static EventMix withDefaultsBut(
            long seed, long count, double malformedFraction, double duplicateFraction) {
        return new EventMix(
                seed,
                count,
                DEFAULT_TENANTS,
                DEFAULT_ZIPF_EXPONENT,
                malformedFraction,
                duplicateFraction,
                DEFAULT_OUT_OF_ORDER_FRACTION,
                DEFAULT_START,
                DEFAULT_SPAN);
    }

    public EventMix withCount(long newCount) {
        return new EventMix(
                seed,
                newCount,
                tenants,
                zipfExponent,
                malformedFraction,
                duplicateFraction,
                outOfOrderFraction,
                start,
                span);
    }
}
