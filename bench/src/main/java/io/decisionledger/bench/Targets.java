package io.decisionledger.bench;

import io.decisionledger.bench.ingest.IngestJobMeasurement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The goals the project set for its jobs (issue 10), checked against what this run measured and
 * filed as {@code target} lines: MetricsJob at least 3× IngestJob's events per CPU-second (both
 * read the same kind of topic in the same run), the ingest job's metrics branch at most 20 % more
 * CPU per event than the ingest job without it (issue 20), CompactionJob at least 100 MB of small
 * files per CPU-second (one core busy for a second), and the audit point query under one second at
 * p95 on a lake of ten million records. A goal whose measurements did not run is left out.
 */
public final class Targets {

    private Targets() {}

    public static void add(Results results) {
        List<Map<String, Object>> lines = results.lines();
        for (Map<String, Object> metrics : measurements(lines, "metrics-job")) {
            for (Map<String, Object> ingest : measurements(lines, "ingest-job")) {
                if (same(metrics, ingest, "parallelism") && same(metrics, ingest, "repetition")) {
                    double ratio =
                            number(metrics, "events_per_cpu_s")
                                    / number(ingest, "events_per_cpu_s");
                    results.add(
                            "target",
                            line(
                                    "MetricsJob / IngestJob, events per CPU-s",
                                    metrics,
                                    ratio,
                                    3.0,
                                    ratio >= 3.0));
                }
            }
        }
        for (String variant :
                List.of(
                        IngestJobMeasurement.METRICS_BRANCH,
                        IngestJobMeasurement.METRICS_BRANCH_HOURLY,
                        IngestJobMeasurement.METRICS_BRANCH_FLINK_WINDOWS)) {
            for (Map<String, Object> branch : measurements(lines, variant)) {
                for (Map<String, Object> ingest : measurements(lines, "ingest-job")) {
                    if (same(branch, ingest, "parallelism") && same(branch, ingest, "repetition")) {
                        // the same events: the branch's CPU per event over ingest's, less ingest's
                        double extra =
                                number(ingest, "events_per_cpu_s")
                                                / number(branch, "events_per_cpu_s")
                                        - 1;
                        results.add(
                                "target",
                                line(
                                        switch (variant) {
                                            case IngestJobMeasurement.METRICS_BRANCH ->
                                                    "IngestJob metrics branch, extra CPU per event"
                                                            + " / IngestJob's";
                                            case IngestJobMeasurement.METRICS_BRANCH_HOURLY ->
                                                    "IngestJob metrics branch with 1h,1d windows"
                                                            + " only, extra CPU per event /"
                                                            + " IngestJob's";
                                            default ->
                                                    "IngestJob metrics branch with Flink's window"
                                                            + " operators (earlier versions),"
                                                            + " extra CPU per event / IngestJob's";
                                        },
                                        branch,
                                        extra,
                                        0.2,
                                        extra <= 0.2));
                    }
                }
            }
        }
        for (Map<String, Object> c : measurements(lines, "compaction-job")) {
            double mb = number(c, "mb_per_cpu_s");
            results.add(
                    "target",
                    line("CompactionJob, MB of small files per CPU-s", c, mb, 100.0, mb >= 100));
        }
        for (Map<String, Object> q : measurements(lines, "audit-decision-at")) {
            for (String key : List.of("p95_cold_ms", "p95_warm_ms")) {
                if (q.get(key) instanceof Number n) {
                    double ms = n.doubleValue();
                    results.add(
                            "target",
                            line(
                                    "decision-at "
                                            + key
                                            + " on "
                                            + q.get("query_records")
                                            + " records",
                                    q,
                                    ms,
                                    1000.0,
                                    ms < 1000));
                }
            }
        }
    }

    private static Map<String, Object> line(
            String target, Map<String, Object> m, double value, double goal, boolean met) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("target", target);
        line.put("parallelism", m.get("parallelism"));
        line.put("repetition", m.get("repetition"));
        line.put("value", value);
        line.put("goal", goal);
        line.put("met", met);
        return line;
    }

    private static List<Map<String, Object>> measurements(
            List<Map<String, Object>> lines, String name) {
        return lines.stream()
                .filter(l -> "measurement".equals(l.get("kind")))
                .filter(l -> name.equals(l.get("measurement")))
                .toList();
    }

    private static boolean same(Map<String, Object> a, Map<String, Object> b, String key) {
        return String.valueOf(a.get(key)).equals(String.valueOf(b.get(key)));
    }

    private static double number(Map<String, Object> line, String key) {
        return ((Number) line.get(key)).doubleValue();
    }
}
