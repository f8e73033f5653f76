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
            if (input.get("valid") == null) {
                md.append(lakeInput(input));
                continue;
            }
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
                            + " CPU s | events per CPU-s | MB per CPU-s | GC s | JIT s | rows out |"
                            + " output ok | other load (cores) | load avg |\n");
            md.append(
                    "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|\n");
            for (Map<String, Object> m : measurements) {
                md.append(
                        String.format(
                                Locale.ROOT,
                                "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |"
                                        + " %s | %s | %s | %s |%n",
                                m.get("scenario"),
                                m.get("parallelism"),
                                m.get("repetition"),
                                Boolean.TRUE.equals(m.get("warm"))
                                        ? m.get("measurement") + " (warm: measured run only)"
                                        : m.get("measurement"),
                                number(m.get("wall_s"), 1),
                                grouped(m.get("events_per_s")),
                                number(m.get("mb_per_s"), 1),
                                grouped(m.get("events_per_s_per_core")),
                                number(m.get("cpu_s"), 1),
                                grouped(m.get("events_per_cpu_s")),
                                number(m.get("mb_per_cpu_s"), 1),
                                number(m.get("gc_s"), 1),
                                number(m.get("jit_s"), 1),
                                grouped(m.get("rows_out")),
                                m.get("output_ok"),
                                number(m.get("other_busy_cores"), 2),
                                number(m.get("load_avg_1m"), 1)));
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
        List<Map<String, Object>> latencies =
                measurements.stream().filter(m -> m.get("p50_cold_ms") != null).toList();
        if (!latencies.isEmpty()) {
            md.append("## Point queries: decision for user U as of instant A (ms)\n\n");
            md.append(
                    "| p | job | lake records | queries × passes | first | p50 cold | p95 cold |"
                            + " p50 warm | p95 warm | max warm | answered |\n");
            md.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (Map<String, Object> m : latencies) {
                md.append(
                        String.format(
                                Locale.ROOT,
                                "| %s | %s | %s | %s × %s | %s | %s | %s | %s | %s | %s | %s |%n",
                                m.get("parallelism"),
                                m.get("measurement"),
                                grouped(m.get("query_records")),
                                m.get("queries"),
                                m.get("passes"),
                                number(m.get("first_query_ms"), 0),
                                number(m.get("p50_cold_ms"), 0),
                                number(m.get("p95_cold_ms"), 0),
                                number(m.get("p50_warm_ms"), 0),
                                number(m.get("p95_warm_ms"), 0),
                                number(m.get("max_warm_ms"), 0),
                                m.get("answered")));
            }
            md.append('\n');
        }
        List<Map<String, Object>> targets = ofKind(lines, "target");
        if (!targets.isEmpty()) {
            md.append("## Targets\n\n| target | p | rep | measured | goal | met |\n");
            md.append("|---|---:|---:|---:|---:|---|\n");
            for (Map<String, Object> t : targets) {
                md.append(
                        String.format(
                                Locale.ROOT,
                                "| %s | %s | %s | %s | %s | %s |%n",
                                t.get("target"),
                                t.get("parallelism"),
                                t.get("repetition"),
                                number(t.get("value"), 2),
                                // goals below 10 are fractions or ratios (0.2, 0.5): show them
                                number(
                                        t.get("goal"),
                                        t.get("goal") instanceof Number g
                                                        && Math.abs(g.doubleValue()) < 10
                                                ? 2
                                                : 0),
                                Boolean.TRUE.equals(t.get("met")) ? "yes" : "**no**"));
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
                if (m.get("budget_lines") != null) {
                    md.append(
                            "CPU budget per input event (CpuBudget: samples by pipeline step):\n\n```\n");
                    for (Object entry : (List<?>) m.get("budget_lines")) {
                        md.append(entry).append('\n');
                    }
                    md.append("```\n\n");
                }
            }
        }
        return md.toString();
    }

    /** The input of a scenario that starts from a lake rather than a topic. */
    private static String lakeInput(Map<String, Object> input) {
        boolean queries = input.get("lake_records") != null;
        return String.format(
                Locale.ROOT,
                "**%s input:** %,d %s, %.1f MB; lake %s (%s), prepared in %.1f s%s.%n%n",
                input.get("scenario"),
                longOf(input.get("events")),
                queries ? "queries in all" : "records",
                doubleOf(input.get("bytes")) / 1e6,
                input.get("lake"),
                queries
                        ? String.format(
                                Locale.ROOT,
                                "%,d records, %,d files, %.1f MB; %s queries × %s passes",
                                longOf(input.get("lake_records")),
                                longOf(input.get("lake_files")),
                                doubleOf(input.get("lake_bytes")) / 1e6,
                                input.get("queries"),
                                input.get("passes"))
                        : String.format(
                                Locale.ROOT,
                                "%,d small files in %,d partitions, written by IngestJob",
                                longOf(input.get("lake_audit_files")),
                                longOf(input.get("lake_partitions"))),
                doubleOf(input.get("produce_s")),
                Boolean.TRUE.equals(input.get("lake_cached"))
                        ? " (cached from an earlier run)"
                        : "");
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
