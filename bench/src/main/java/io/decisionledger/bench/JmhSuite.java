package io.decisionledger.bench;

import io.decisionledger.bench.jmh.PerEventBenchmark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link PerEventBenchmark} through JMH (one forked JVM, one thread) and files each
 * benchmark's score as a result line, with events per CPU-second of the benchmark thread next to
 * JMH's wall-clock score, plus the ratios (per CPU-second) of the ingest path to the Flink SQL
 * path's per-event work. JMH's own output goes to {@code jmh.log} in the work folder.
 */
final class JmhSuite {

    private JmhSuite() {}

    static void run(BenchOptions options, Results results) throws Exception {
        Path dir = options.workDir().resolve("jmh");
        Files.createDirectories(dir);
        Options jmh =
                new OptionsBuilder()
                        .include(PerEventBenchmark.class.getName() + "\\.")
                        .forks(1)
                        .threads(1)
                        .warmupIterations(options.jmhWarmupIterations())
                        .warmupTime(time(options))
                        .measurementIterations(options.jmhIterations())
                        .measurementTime(time(options))
                        .jvmArgs("-Xmx1g")
                        .jvm(Path.of(System.getProperty("java.home"), "bin", "java").toString())
                        .output(dir.resolve("jmh.log").toString())
                        .build();
        Collection<RunResult> runs = new Runner(jmh).run();
        Map<String, Double> scores = new HashMap<>();
        for (RunResult run : runs) {
            String name = run.getParams().getBenchmark();
            String shortName = name.substring(name.lastIndexOf('.') + 1);
            double score = run.getPrimaryResult().getScore();
            double ops = secondary(run, "ops");
            double cpuNanos = secondary(run, "cpuNanos");
            // Per CPU-second of the benchmark thread: robust to other load, unlike the score.
            double perCpuSecond = cpuNanos > 0 ? ops / (cpuNanos / 1e9) : Double.NaN;
            scores.put(shortName, perCpuSecond > 0 ? perCpuSecond : score);
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("scenario", "per-event");
            line.put("benchmark", shortName);
            line.put("events_per_s", score);
            line.put("error", run.getPrimaryResult().getScoreError());
            line.put("events_per_cpu_s", Double.isNaN(perCpuSecond) ? null : perCpuSecond);
            line.put("cpu_us_per_event", Double.isNaN(perCpuSecond) ? null : 1e6 / perCpuSecond);
            line.put("unit", run.getPrimaryResult().getScoreUnit());
            line.put("threads", 1);
            line.put("warmup", options.jmhWarmupIterations() + " x " + time(options));
            line.put("iterations", options.jmhIterations() + " x " + time(options));
            results.add("jmh", line);
        }
        ratio(results, scores, "ingestParse", "flinkJsonParse");
        ratio(results, scores, "ingestParseAndParquet", "flinkJsonParseAndParquet");
    }

    private static void ratio(
            Results results, Map<String, Double> scores, String candidate, String baseline) {
        if (scores.containsKey(candidate) && scores.containsKey(baseline)) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("scenario", "per-event");
            line.put("candidate", candidate);
            line.put("baseline", baseline);
            line.put("events_per_cpu_s_ratio", scores.get(candidate) / scores.get(baseline));
            results.add("jmh-ratio", line);
        }
    }

    /** A secondary (aux counter) result summed over the iterations, or NaN if absent. */
    private static double secondary(RunResult run, String name) {
        org.openjdk.jmh.results.Result<?> r = run.getSecondaryResults().get(name);
        return r == null ? Double.NaN : r.getScore();
    }

    private static TimeValue time(BenchOptions options) {
        return new TimeValue(options.jmhIterationTime().toMillis(), TimeUnit.MILLISECONDS);
    }
}
