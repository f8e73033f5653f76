package io.decisionledger.metrics;

import java.util.Locale;

/**
 * The finish reasons the read model counts in columns of their own: OpenAI's values, which the
 * producers send today. Anything else is {@link #OTHER}, an absent value {@link #MISSING}, so the
 * columns are fixed (BI tools prefer them to a map) and always add up to total_decisions.
 */
public enum FinishReason {
    STOP("stop"),
    LENGTH("length"),
    CONTENT_FILTER("content_filter"),
    TOOL_CALLS("tool_calls"),
    OTHER(null),
    MISSING(null);

    private static final FinishReason[] VALUES = values();

    private final String wire;

    FinishReason(String wire) {
        this.wire = wire;
    }

    /** The category of a response.finishReason value (case-insensitive), null meaning absent. */
    public static FinishReason of(String value) {
        if (value == null) {
            return MISSING;
        }
        String v = value.strip().toLowerCase(Locale.ROOT);
        for (FinishReason r : VALUES) {
            if (v.equals(r.wire)) {
                return r;
            }
        }
        return OTHER;
    }

    static FinishReason ofOrdinal(int ordinal) {
        return VALUES[ordinal];
    }
}
