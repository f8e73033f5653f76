package io.decisionledger.monitoring;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What one run of a batch job (compaction with its retention step, verification) reports to
 * monitoring when it ends: its outcome, duration and volumes as Prometheus gauges, rendered in the
 * text exposition format (version 0.0.4) that a Prometheus Pushgateway accepts and node exporter's
 * textfile collector reads. A batch job is gone before Prometheus could scrape it, so the run
 * pushes ({@link RunMetricsPublisher}); Flink's own per-task metrics of such a job would vanish
 * with its tasks.
 *
 * <p>Every run reports the {@code decision_ledger_run_*} gauges with the label {@code run} (e.g.
 * {@code run="compaction"}); a job adds its own ({@code decision_ledger_retention_*}, {@code
 * decision_ledger_verify_*}). Labels carry only the run's name and closed vocabularies (violation
 * kinds): never a tenant's records, a user or an event id.
 */
public final class RunMetrics {

    /** Unix time (s) the run ended. */
    public static final String LAST_RUN = "decision_ledger_run_last_timestamp_seconds";

    /** Unix time (s) the last successful run ended; not reported by a failed run. */
    public static final String LAST_SUCCESS = "decision_ledger_run_last_success_timestamp_seconds";

    /** 1 when the run succeeded, 0 when it failed. */
    public static final String SUCCESS = "decision_ledger_run_success";

    /** The run's exit code (0 success; the job's documented codes otherwise). */
    public static final String EXIT_CODE = "decision_ledger_run_exit_code";

    /** Wall-clock seconds from start to end, failed runs included. */
    public static final String DURATION = "decision_ledger_run_duration_seconds";

    /** Bytes of lake files the run read. */
    public static final String BYTES_READ = "decision_ledger_run_bytes_read";

    /** Bytes of lake files the run wrote. */
    public static final String BYTES_WRITTEN = "decision_ledger_run_bytes_written";

    /** Records the run read (compaction: rows merged; verify: records re-hashed). */
    public static final String RECORDS = "decision_ledger_run_records";

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    /** One sample: a gauge's name, help, labels (besides {@code run}) and value. */
    public record Sample(String name, String help, Map<String, String> labels, double value) {
        public Sample {
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("not a Prometheus metric name: " + name);
            }
            labels = Map.copyOf(labels);
            for (String label : labels.keySet()) {
                if (!LABEL.matcher(label).matches() || label.startsWith("__")) {
                    throw new IllegalArgumentException("not a Prometheus label name: " + label);
                }
            }
        }
    }

    private final String run;
    private final List<Sample> samples = new ArrayList<>();

    /**
     * @param run the run's name, the {@code run} label ("compaction", "verify")
     */
    public RunMetrics(String run) {
        if (!LABEL.matcher(run).matches()) {
            throw new IllegalArgumentException("a run name is a plain word: " + run);
        }
        this.run = run;
    }

    /** The run's name ({@code run} label), also the Pushgateway group's job name. */
    public String run() {
        return run;
    }

    /**
     * The gauges every run reports.
     *
     * @param exitCode 0 for success
     * @param endedAtMillis when the run ended (epoch ms)
     */
    public static RunMetrics of(String run, int exitCode, double seconds, long endedAtMillis) {
        RunMetrics m = new RunMetrics(run);
        m.gauge(SUCCESS, "1 when the run succeeded, 0 when it failed.", exitCode == 0 ? 1 : 0);
        m.gauge(EXIT_CODE, "The run's exit code (0: success).", exitCode);
        m.gauge(DURATION, "Wall-clock duration of the run, failed runs included.", seconds);
        m.gauge(LAST_RUN, "Unix time the run ended.", endedAtMillis / 1000.0);
        if (exitCode == 0) {
            m.gauge(
                    LAST_SUCCESS,
                    "Unix time the last successful run ended.",
                    endedAtMillis / 1000.0);
        }
        return m;
    }

    public RunMetrics gauge(String name, String help, double value) {
        return gauge(name, help, Map.of(), value);
    }

    public RunMetrics gauge(String name, String help, Map<String, String> labels, double value) {
        Objects.requireNonNull(help, "help");
        if (labels.containsKey("run")) {
            throw new IllegalArgumentException("'run' is set by RunMetrics itself");
        }
        samples.add(new Sample(name, help, labels, value));
        return this;
    }

    /** Whether the run succeeded ({@link #SUCCESS} is 1). */
    public boolean succeeded() {
        return samples.stream().anyMatch(s -> s.name().equals(SUCCESS) && s.value() == 1);
    }

    public List<Sample> samples() {
        return List.copyOf(samples);
    }

    /** The samples in the text exposition format 0.0.4: HELP and TYPE once per name. */
    public String exposition() {
        Map<String, List<Sample>> byName = new LinkedHashMap<>();
        for (Sample s : samples) {
            byName.computeIfAbsent(s.name(), n -> new ArrayList<>()).add(s);
        }
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, List<Sample>> e : byName.entrySet()) {
            out.append("# HELP ")
                    .append(e.getKey())
                    .append(' ')
                    .append(escapeHelp(e.getValue().get(0).help()))
                    .append('\n');
            out.append("# TYPE ").append(e.getKey()).append(" gauge\n");
            for (Sample s : e.getValue()) {
                out.append(s.name()).append("{run=\"").append(escape(run)).append('"');
                s.labels().entrySet().stream()
                        .sorted(Map.Entry.comparingByKey())
                        .forEach(
                                l ->
                                        out.append(',')
                                                .append(l.getKey())
                                                .append("=\"")
                                                .append(escape(l.getValue()))
                                                .append('"'));
                out.append("} ").append(format(s.value())).append('\n');
            }
        }
        return out.toString();
    }

    static String format(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%s", v);
    }

    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static String escapeHelp(String help) {
        return help.replace("\\", "\\\\").replace("\n", "\\n");
    }
}
