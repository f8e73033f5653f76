package io.decisionledger.decision;

import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;

/**
 * The limits {@link DecisionParser} enforces beyond the wire format itself. Every job that reads
 * decisions (ingest, metrics, bench) uses the same limits, so they accept the same events. The
 * options that give them are io.decisionledger.options.ParserLimitOptions.
 *
 * @param maxRecordBytes values larger than this are quarantined as RECORD_TOO_LARGE
 * @param maxFutureSkew how far after the ingest time an event timestamp may lie
 * @param earliestEventTime event timestamps before this instant are absurd
 */
public record ParserLimits(int maxRecordBytes, Duration maxFutureSkew, Instant earliestEventTime)
        implements Serializable {

    public static final int DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;
    public static final Duration DEFAULT_MAX_FUTURE_SKEW = Duration.ofMinutes(15);
    public static final Instant DEFAULT_EARLIEST_EVENT_TIME = Instant.parse("2000-01-01T00:00:00Z");

    public ParserLimits {
        if (maxRecordBytes <= 0) {
            throw new IllegalArgumentException("maxRecordBytes must be positive");
        }
        if (maxFutureSkew.isNegative()) {
            throw new IllegalArgumentException("maxFutureSkew must not be negative");
        }
    }

    public static ParserLimits defaults() {
        return new ParserLimits(
                DEFAULT_MAX_RECORD_BYTES, DEFAULT_MAX_FUTURE_SKEW, DEFAULT_EARLIEST_EVENT_TIME);
    }
}
