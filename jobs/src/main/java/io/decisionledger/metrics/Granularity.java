package io.decisionledger.metrics;

import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The length of one family of tumbling windows, with the short label that names its partition
 * folder ({@code granularity=1m}). Windows are aligned to the Unix epoch in UTC, so a {@code 1d}
 * window is a UTC calendar day and every {@code 1m} window lies inside exactly one {@code 1h}
 * window.
 *
 * @param label as written in options and folders: a number and s, m, h or d
 * @param length the window length
 */
public record Granularity(String label, Duration length) implements Serializable {

    private static final Pattern LABEL = Pattern.compile("([1-9][0-9]{0,4})([smhd])");

    public static final List<Granularity> DEFAULTS = List.of(parse("1m"), parse("1h"), parse("1d"));

    public Granularity {
        if (length.isNegative() || length.isZero()) {
            throw new IllegalArgumentException("a window length must be positive");
        }
    }

    /** {@code 30s}, {@code 1m}, {@code 15m}, {@code 1h}, {@code 1d}, … */
    public static Granularity parse(String text) {
        String label = text.strip().toLowerCase(Locale.ROOT);
        Matcher m = LABEL.matcher(label);
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "granularity '" + text + "' must be a number and s, m, h or d, e.g. 1m or 1h");
        }
        long n = Long.parseLong(m.group(1));
        Duration length =
                switch (m.group(2)) {
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
        return new Granularity(label, length);
    }

    /** A comma-separated list, finest first; the same window length twice is an error. */
    public static List<Granularity> parseList(String text) {
        List<Granularity> list = new ArrayList<>();
        for (String part : text.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            Granularity g = parse(part);
            if (list.stream().anyMatch(o -> o.length.equals(g.length))) {
                throw new IllegalArgumentException("granularity " + g.label + " is listed twice");
            }
            list.add(g);
        }
        if (list.isEmpty()) {
            throw new IllegalArgumentException("at least one granularity is needed");
        }
        list.sort(Comparator.comparing(Granularity::length));
        return List.copyOf(list);
    }

    @Override
    public String toString() {
        return label;
    }
}
