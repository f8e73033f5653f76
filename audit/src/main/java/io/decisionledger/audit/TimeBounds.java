package io.decisionledger.audit;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/**
 * How people name instants in audit queries, on the command line and in the API: an ISO-8601
 * instant with a zone ({@code 2026-03-15T10:21:07Z}, {@code 2026-03-15T11:21:07+01:00}) or a plain
 * UTC date ({@code 2026-03-15}). A date means the whole day: "as of 15 March" is the end of that
 * day, "from 1 March" its start, "to 31 March" includes the 31st. Both ends of a range are
 * inclusive; time is resolved to the microsecond, as stored.
 */
public final class TimeBounds {

    private TimeBounds() {}

    /** {@code --at}: an instant, or the last microsecond of a UTC date. */
    public static Instant at(String text) {
        LocalDate d = date(text);
        return d != null
                ? d.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().minus(1, ChronoUnit.MICROS)
                : instant(text);
    }

    /** {@code --from} (inclusive): an instant, or the start of a UTC date. */
    public static Instant from(String text) {
        LocalDate d = date(text);
        return d != null ? d.atStartOfDay(ZoneOffset.UTC).toInstant() : instant(text);
    }

    /** {@code --to} (inclusive), returned as the exclusive bound just after it. */
    public static Instant toExclusive(String text) {
        LocalDate d = date(text);
        return d != null
                ? d.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant()
                : instant(text).truncatedTo(ChronoUnit.MICROS).plus(1, ChronoUnit.MICROS);
    }

    /** A UTC date, or null when the text is no plain date. */
    public static LocalDate date(String text) {
        if (text == null || text.length() != 10) {
            return null;
        }
        try {
            return LocalDate.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static Instant instant(String text) {
        if (text == null) {
            throw new IllegalArgumentException(
                    "a time is required (ISO-8601 instant or yyyy-MM-dd)");
        }
        try {
            return OffsetDateTime.parse(text.strip()).toInstant().truncatedTo(ChronoUnit.MICROS);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(
                    "not a time: use an ISO-8601 instant with a zone (2026-03-15T10:21:07Z) or a UTC date (2026-03-15)");
        }
    }
}
