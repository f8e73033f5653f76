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
 * benchmark's score as a result line, plus the ratios of the ingest path to the Flink SQL path's
 * per-event work. JMH's own output goes to {@code jmh.log} in the work folder.
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
            scores.put(shortName, score);
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("scenario", "per-event");
            line.put("benchmark", shortName);
            line.put("events_per_s", score);
            line.put("error", run.getPrimaryResult().getScoreError());
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
            line.put("events_per_s_ratio", scores.get(candidate) / scores.get(baseline));
            results.add("jmh-ratio", line);
        }
    }

    private static TimeValue time(BenchOptions options) {
        return new TimeValue(options.jmhIterationTime().toMillis(), TimeUnit.MILLISECONDS);
    }
}
