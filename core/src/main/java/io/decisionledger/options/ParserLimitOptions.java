package io.decisionledger.options;

import io.decisionledger.decision.ParserLimits;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The parser limits option group ({@code --max-record-bytes}, {@code --max-future-skew}, {@code
 * --earliest-event-time}), declared once for every job that parses decisions (ingest, metrics), so
 * they accept the same events from the same command line.
 */
public final class ParserLimitOptions {

    private ParserLimitOptions() {}

    public static void declare(OptionTable table) {
        table.add(
                "max-record-bytes",
                String.valueOf(ParserLimits.DEFAULT_MAX_RECORD_BYTES),
                "Larger values are quarantined as RECORD_TOO_LARGE.");
        table.add(
                "max-future-skew",
                ParserLimits.DEFAULT_MAX_FUTURE_SKEW.toString(),
                "Event timestamps further than this after the ingest time are quarantined.");
        table.add(
                "earliest-event-time",
                ParserLimits.DEFAULT_EARLIEST_EVENT_TIME.toString(),
                "Event timestamps before this instant are quarantined.");
    }

    public static ParserLimits read(OptionTable.Parsed given) {
        return new ParserLimits(
                given.integer("max-record-bytes", 1),
                given.duration("max-future-skew", true),
                given.instant("earliest-event-time"));
    }

    /** {@code limits} as the options that give them. */
    public static Map<String, String> options(ParserLimits limits) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("max-record-bytes", String.valueOf(limits.maxRecordBytes()));
        o.put("max-future-skew", limits.maxFutureSkew().toString());
        o.put("earliest-event-time", limits.earliestEventTime().toString());
        return o;
    }
}
