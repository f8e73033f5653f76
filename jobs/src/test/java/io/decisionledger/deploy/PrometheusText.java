package io.decisionledger.deploy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the Prometheus text exposition format (what a {@code /metrics} endpoint answers and what a
 * job pushes to a Pushgateway) into series: name, labels, value. Comments and TYPE/HELP lines are
 * skipped; label values are unescaped.
 */
final class PrometheusText {

    record Series(String name, Map<String, String> labels, double value) {}

    private PrometheusText() {}

    static List<Series> parse(String text) {
        List<Series> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            line = line.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.indexOf(' ');
            String name;
            Map<String, String> labels = new LinkedHashMap<>();
            String rest;
            if (brace >= 0 && (space < 0 || brace < space)) {
                name = line.substring(0, brace);
                int i = brace + 1;
                while (line.charAt(i) != '}') {
                    if (line.charAt(i) == ',' || line.charAt(i) == ' ') {
                        i++;
                        continue;
                    }
                    int eq = line.indexOf('=', i);
                    String label = line.substring(i, eq).strip();
                    i = eq + 2; // ="
                    StringBuilder value = new StringBuilder();
                    while (line.charAt(i) != '"') {
                        char c = line.charAt(i++);
                        if (c == '\\') {
                            char e = line.charAt(i++);
                            value.append(e == 'n' ? '\n' : e);
                        } else {
                            value.append(c);
                        }
                    }
                    i++; // closing quote
                    labels.put(label, value.toString());
                }
                rest = line.substring(i + 1).strip();
            } else {
                name = line.substring(0, space);
                rest = line.substring(space + 1).strip();
            }
            String value = rest.split("\\s+")[0];
            out.add(new Series(name, labels, parseValue(value)));
        }
        return out;
    }

    private static double parseValue(String v) {
        return switch (v) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(v);
        };
    }
}
