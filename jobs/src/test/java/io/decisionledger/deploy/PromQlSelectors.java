package io.decisionledger.deploy;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The series a PromQL expression reads: its vector selectors (metric name and label matchers) and
 * the labels it groups or joins by ({@code by}, {@code without}, {@code on}, {@code ignoring},
 * {@code group_left/right}). Enough of PromQL for the dashboard panels and alert rules of
 * deploy/monitoring, which MonitoringITCase checks against what the jobs really expose: functions,
 * operators, numbers, durations, offsets, subqueries and strings are skipped; a matcher whose value
 * holds a Grafana variable ({@code $tenant}) matches any value. Tested by {@code
 * PromQlSelectorsTest}.
 */
final class PromQlSelectors {

    /** One label matcher: {@code name op "value"}. */
    record Matcher(String label, String op, String value) {

        /** Whether a series whose label has {@code actual} (null: absent) passes. */
        boolean matches(String actual) {
            String v = actual == null ? "" : actual;
            if (value.contains("$")) {
                return true; // a dashboard variable: any value
            }
            return switch (op) {
                case "=" -> v.equals(value);
                case "!=" -> !v.equals(value);
                case "=~" -> Pattern.compile(value).matcher(v).matches();
                case "!~" -> !Pattern.compile(value).matcher(v).matches();
                default -> throw new IllegalStateException(op);
            };
        }
    }

    /** A vector selector. */
    record Selector(String metric, List<Matcher> matchers) {

        boolean matches(String name, Map<String, String> labels) {
            return metric.equals(name)
                    && matchers.stream().allMatch(m -> m.matches(labels.get(m.label())));
        }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder(metric);
            if (!matchers.isEmpty()) {
                s.append('{');
                for (int i = 0; i < matchers.size(); i++) {
                    Matcher m = matchers.get(i);
                    s.append(i == 0 ? "" : ",")
                            .append(m.label())
                            .append(m.op())
                            .append('"')
                            .append(m.value())
                            .append('"');
                }
                s.append('}');
            }
            return s.toString();
        }
    }

    /** What one expression reads. */
    record Parsed(List<Selector> selectors, Set<String> groupingLabels) {}

    private static final Set<String> GROUPING = Set.of("by", "without", "on", "ignoring");
    private static final Set<String> GROUP_SIDE = Set.of("group_left", "group_right");

    /** Aggregation operators: {@code sum by (x) (...)} puts a clause between name and bracket. */
    private static final Set<String> AGGREGATIONS =
            Set.of(
                    "sum",
                    "min",
                    "max",
                    "avg",
                    "group",
                    "stddev",
                    "stdvar",
                    "count",
                    "count_values",
                    "bottomk",
                    "topk",
                    "quantile",
                    "limitk",
                    "limit_ratio");

    private static final Set<String> KEYWORDS =
            Set.of("and", "or", "unless", "bool", "offset", "atan2", "inf", "nan");

    private final String expr;
    private int pos;

    private PromQlSelectors(String expr) {
        this.expr = expr;
    }

    static Parsed parse(String expr) {
        return new PromQlSelectors(expr).run();
    }

    private Parsed run() {
        List<Selector> selectors = new ArrayList<>();
        Set<String> grouping = new LinkedHashSet<>();
        while (pos < expr.length()) {
            char c = expr.charAt(pos);
            if (Character.isWhitespace(c)) {
                pos++;
            } else if (c == '"' || c == '\'' || c == '`') {
                string();
            } else if (c == '[') {
                skipPast(']');
            } else if (c == '#') {
                skipPast('\n');
            } else if (c == '{') {
                List<Matcher> matchers = matchers();
                String name =
                        matchers.stream()
                                .filter(m -> m.label().equals("__name__") && m.op().equals("="))
                                .map(Matcher::value)
                                .findFirst()
                                .orElseThrow(
                                        () ->
                                                new IllegalArgumentException(
                                                        "selector without metric name in: "
                                                                + expr));
                selectors.add(
                        new Selector(
                                name,
                                matchers.stream()
                                        .filter(m -> !m.label().equals("__name__"))
                                        .toList()));
            } else if (Character.isDigit(c)
                    || (c == '.'
                            && pos + 1 < expr.length()
                            && Character.isDigit(expr.charAt(pos + 1)))) {
                number();
            } else if (Character.isLetter(c) || c == '_' || c == ':') {
                String word = identifier();
                int after = skipSpaces(pos);
                char next = after < expr.length() ? expr.charAt(after) : '\0';
                if (GROUPING.contains(word) || GROUP_SIDE.contains(word)) {
                    if (next == '(') {
                        pos = after;
                        grouping.addAll(labelList());
                    }
                } else if (word.equals("offset")) {
                    pos = after;
                    if (pos < expr.length() && expr.charAt(pos) == '-') {
                        pos++;
                    }
                    identifierOrNumber();
                } else if (KEYWORDS.contains(word.toLowerCase()) || AGGREGATIONS.contains(word)) {
                    // an operator or a constant
                } else if (next == '(') {
                    // a function or an aggregation: its arguments are parsed as they come
                } else if (next == '{') {
                    pos = after;
                    selectors.add(new Selector(word, matchers()));
                } else {
                    selectors.add(new Selector(word, List.of()));
                }
            } else if (c == '$') {
                pos++;
                identifierOrNumber(); // a Grafana variable outside a selector ($__range ...)
            } else {
                pos++;
            }
        }
        return new Parsed(List.copyOf(selectors), grouping);
    }

    private String identifier() {
        int start = pos;
        while (pos < expr.length()) {
            char c = expr.charAt(pos);
            if (Character.isLetterOrDigit(c) || c == '_' || c == ':') {
                pos++;
            } else {
                break;
            }
        }
        return expr.substring(start, pos);
    }

    private void identifierOrNumber() {
        while (pos < expr.length()) {
            char c = expr.charAt(pos);
            if (Character.isLetterOrDigit(c) || c == '_' || c == '.') {
                pos++;
            } else {
                break;
            }
        }
    }

    private void number() {
        while (pos < expr.length()) {
            char c = expr.charAt(pos);
            boolean exponentSign =
                    (c == '+' || c == '-')
                            && (expr.charAt(pos - 1) == 'e' || expr.charAt(pos - 1) == 'E');
            if (Character.isLetterOrDigit(c) || c == '.' || exponentSign) {
                pos++;
            } else {
                break;
            }
        }
    }

    private int skipSpaces(int from) {
        while (from < expr.length() && Character.isWhitespace(expr.charAt(from))) {
            from++;
        }
        return from;
    }

    private void skipPast(char end) {
        int at = expr.indexOf(end, pos);
        pos = at < 0 ? expr.length() : at + 1;
    }

    private String string() {
        char quote = expr.charAt(pos++);
        StringBuilder s = new StringBuilder();
        while (pos < expr.length()) {
            char c = expr.charAt(pos++);
            if (c == '\\' && quote != '`' && pos < expr.length()) {
                char e = expr.charAt(pos++);
                s.append(
                        switch (e) {
                            case 'n' -> '\n';
                            case 't' -> '\t';
                            default -> e;
                        });
            } else if (c == quote) {
                return s.toString();
            } else {
                s.append(c);
            }
        }
        throw new IllegalArgumentException("unterminated string in: " + expr);
    }

    /** {@code (a, b)} at pos. */
    private List<String> labelList() {
        int end = expr.indexOf(')', pos);
        if (end < 0) {
            throw new IllegalArgumentException("unclosed label list in: " + expr);
        }
        List<String> labels = new ArrayList<>();
        for (String l : expr.substring(pos + 1, end).split(",")) {
            if (!l.isBlank()) {
                labels.add(l.strip());
            }
        }
        pos = end + 1;
        return labels;
    }

    /** {@code {a="x", b=~"y"}} at pos. */
    private List<Matcher> matchers() {
        pos++; // {
        List<Matcher> matchers = new ArrayList<>();
        while (true) {
            pos = skipSpaces(pos);
            if (pos >= expr.length()) {
                throw new IllegalArgumentException("unclosed selector in: " + expr);
            }
            char c = expr.charAt(pos);
            if (c == '}') {
                pos++;
                return matchers;
            }
            if (c == ',') {
                pos++;
                continue;
            }
            String label = identifier();
            if (label.isEmpty()) {
                throw new IllegalArgumentException("bad label matcher at " + pos + " in: " + expr);
            }
            pos = skipSpaces(pos);
            String op;
            if (expr.startsWith("=~", pos)
                    || expr.startsWith("!=", pos)
                    || expr.startsWith("!~", pos)) {
                op = expr.substring(pos, pos + 2);
            } else if (expr.startsWith("=", pos)) {
                op = "=";
            } else {
                throw new IllegalArgumentException("bad label matcher at " + pos + " in: " + expr);
            }
            pos = skipSpaces(pos + op.length());
            matchers.add(new Matcher(label, op, string()));
        }
    }
}
