package io.decisionledger.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders a run's result lines as the Markdown people read: the input, one table per scenario with
 * both jobs per parallelism, the ratios, the JMH figures and, when profiled, each child's hot
 * methods. Everything in it comes from the lines, so a JSON-lines file can always be re-rendered.
 */
public final class ResultsReport {

    private ResultsReport() {}

    public static String render(List<Map<String, Object>> lines) {
        StringBuilder md = new StringBuilder("# decision-ledger benchmark results\n\n");
        Map<String, Object> first = lines.isEmpty() ? Map.of() : lines.get(0);
        md.append(
                String.format(
                        Locale.ROOT,
                        "Run %s, commit %s, %s cores, Java %s, load average %s at the start.%n%n",
                        first.get("run_id"),
                        first.get("commit"),
                        first.get("cores"),
                        first.get("java"),
                        number(first.get("load_avg_start"), 2)));
        for (Map<String, Object> input : ofKind(lines, "input")) {
            md.append(
                    String.format(
                            Locale.ROOT,
                            "**%s input:** %,d records (%,d valid, %,d malformed, %,d re-sent"
                                    + " duplicates), %.0f bytes per record on average, %.1f MB"
                                    + " in all; %d tenants (Zipf s=%s), seed %s, Kafka partitions"
                                    + " %s, checkpoint interval %s; preloaded in %.1f s.%n%n",
                            input.get("scenario"),
                            longOf(input.get("events")),
                            longOf(input.get("valid")),
                            longOf(input.get("malformed")),
                            longOf(input.get("duplicates")),
                            doubleOf(input.get("event_bytes_avg")),
                            doubleOf(input.get("bytes")) / 1e6,
                            longOf(input.get("tenants")),
                            input.get("zipf_exponent"),
                            input.get("seed"),
                            input.get("kafka_partitions"),
                            input.get("checkpoint_interval"),
                            doubleOf(input.get("produce_s"))));
        }
        List<Map<String, Object>> measurements = ofKind(lines, "measurement");
        if (!measurements.isEmpty()) {
            md.append("## Jobs, each in a fresh JVM\n\n");
            md.append(
                    "| scenario | p | rep | job | wall s | events/s | MB/s | events/s per core |"
                            + " CPU s | events per CPU-s | GC s | JIT s | rows out | output ok |"
                            + " other load (cores) |\n");
            md.append(
                    "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|\n");
            for (Map<String, Object> m : measurements) {
                md.append(
                        String.format(
                                Locale.ROOT,
                                "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |"
                                        + " %s | %s |%n",
                                m.get("scenario"),
                                m.get("parallelism"),
                                m.get("repetition"),
                                m.get("measurement"),
                                number(m.get("wall_s"), 1),
                                grouped(m.get("events_per_s")),
                                number(m.get("mb_per_s"), 1),
                                grouped(m.get("events_per_s_per_core")),
                                number(m.get("cpu_s"), 1),
                                grouped(m.get("events_per_cpu_s")),
                                number(m.get("gc_s"), 1),
                                number(m.get("jit_s"), 1),
                                grouped(m.get("rows_out")),
                                m.get("output_ok"),
                                number(m.get("other_busy_cores"), 2)));
            }
            md.append('\n');
        }
        List<Map<String, Object>> ratios = ofKind(lines, "ratio");
        if (!ratios.isEmpty()) {
            md.append("## Ratios, job / baseline (same events, same run)\n\n");
            md.append("| scenario | p | rep | job | baseline | events per CPU-s | events/s |\n");
            md.append("|---|---:|---:|---|---|---:|---:|\n");
            for (Map<String, Object> r : ratios) {
                md.append(
                        String.format(
                                Locale.ROOT,
                                "| %s | %s | %s | %s | %s | %s× | %s× |%n",
                                r.get("scenario"),
                                r.get("parallelism"),
                                r.get("repetition"),
                                r.get("candidate"),
                                r.get("baseline"),
                                number(r.get("events_per_cpu_s_ratio"), 2),
                                number(r.get("events_per_s_ratio"), 2)));
            }
            md.append('\n');
        }
        List<Map<String, Object>> jmh = ofKind(lines, "jmh");
        if (!jmh.isEmpty()) {
            md.append("## Per-event work without Flink (JMH, one thread)\n\n");
            md.append(
                    "| benchmark | events per CPU-s | µs CPU per event | events/s (wall) | ± (99.9 %)"
                            + " |\n|---|---:|---:|---:|---:|\n");
            for (Map<String, Object> j : jmh) {
                md.append(
                        String.format(
                                Locale.ROOT,
                                "| %s | %s | %s | %s | %s |%n",
                                j.get("benchmark"),
                                grouped(j.get("events_per_cpu_s")),
                                number(j.get("cpu_us_per_event"), 1),
                                grouped(j.get("events_per_s")),
                                grouped(j.get("error"))));
            }
            md.append('\n');
            for (Map<String, Object> r : ofKind(lines, "jmh-ratio")) {
                md.append(
                        String.format(
                                Locale.ROOT,
                                "- %s / %s, events per CPU-s: %s×%n",
                                r.get("candidate"),
                                r.get("baseline"),
                                number(r.get("events_per_cpu_s_ratio"), 2)));
            }
            md.append('\n');
        }
        List<Map<String, Object>> profiled = new ArrayList<>();
        for (Map<String, Object> m : measurements) {
            if (m.get("profile_top") != null) {
                profiled.add(m);
            }
        }
        if (!profiled.isEmpty()) {
            md.append("## Hot methods (Java Flight Recorder, share of execution samples)\n\n");
            for (Map<String, Object> m : profiled) {
                md.append(
                        String.format(
                                "### %s, p=%s, rep %s%n%n```%n",
                                m.get("measurement"), m.get("parallelism"), m.get("repetition")));
                for (Object entry : (List<?>) m.get("profile_top")) {
                    md.append(entry).append('\n');
                }
                md.append("```\n\n");
            }
        }
        return md.toString();
    }

    private static List<Map<String, Object>> ofKind(List<Map<String, Object>> lines, String kind) {
        return lines.stream().filter(l -> kind.equals(l.get("kind"))).toList();
    }

    private static String number(Object value, int decimals) {
        if (!(value instanceof Number n)) {
            return value == null ? "–" : String.valueOf(value);
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", n.doubleValue());
    }

    private static String grouped(Object value) {
        if (!(value instanceof Number n)) {
            return value == null ? "–" : String.valueOf(value);
        }
        return String.format(Locale.ROOT, "%,.0f", n.doubleValue());
    }

    private static long longOf(Object value) {
        return value instanceof Number n ? n.longValue() : 0;
    }

    private static double doubleOf(Object value) {
        return value instanceof Number n ? n.doubleValue() : 0;
    }
}
