package io.decisionledger.bench;

import io.decisionledger.bench.compaction.CompactionScenario;
import io.decisionledger.bench.ingest.IngestScenario;
import io.decisionledger.bench.lake.IngestedLake;
import io.decisionledger.bench.metrics.MetricsScenario;
import io.decisionledger.bench.query.QueryScenario;
import io.decisionledger.bench.verify.IncrementalVerifyScenario;
import io.decisionledger.bench.verify.VerifyScenario;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark run that {@code bench/run.sh} starts: the orchestrating parent. For each {@link
 * Scenario} it prepares the input once, then runs the job and its baseline at each parallelism,
 * each in a fresh child JVM ({@link ChildJvm}), alternating which goes first, and files every
 * measurement and every job/baseline ratio in {@link Results}; then it runs the JMH per-event
 * benchmark. Throughput is computed here, the same way for every measurement, from the input's size
 * and what the child measured: events/s and MB/s over the child's wall time, events per CPU-second
 * over the child's whole process CPU time.
 */
public final class BenchMain {

    private BenchMain() {}

    public static void main(String[] args) throws Exception {
        BenchOptions options = BenchOptions.COMMAND.parseOrExit(args);
        if (options == null) {
            return; // --help
        }
        Path report = run(options);
        System.out.println(Files.readString(report, StandardCharsets.UTF_8));
        System.out.println("Results: " + report.getParent());
    }

    /** Runs everything the options select; returns the Markdown report's path. */
    public static Path run(BenchOptions options) throws Exception {
        Files.createDirectories(options.workDir());
        Map<String, Object> common = new LinkedHashMap<>();
        common.put("run_id", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        common.put("commit", commit());
        common.put("java", System.getProperty("java.version"));
        common.put("load_avg_start", MachineLoad.loadAverage());
        common.putAll(options.describe());
        ChildJvm child =
                new ChildJvm(
                        options.classpath(),
                        options.childHeap(),
                        options.childTimeout(),
                        options.profile(),
                        options.inProcess());
        try (Results results = new Results(options.resultsDir(), common)) {
            for (String suite : SCENARIO_ORDER) {
                if (!options.suites().contains(suite)) {
                    continue;
                }
                // The ingest comparison is profiled by default: its report carries the budget.
                ChildJvm scenarioChild =
                        suite.equals(IngestScenario.NAME) && options.ingestProfile()
                                ? new ChildJvm(
                                        options.classpath(),
                                        options.childHeap(),
                                        options.childTimeout(),
                                        true,
                                        options.inProcess())
                                : child;
                try (Scenario scenario = scenario(suite, options, scenarioChild)) {
                    runScenario(scenario, options, scenarioChild, results);
                }
            }
            Targets.add(results);
            if (options.suites().contains("jmh")) {
                progress("JMH: per-event work without Flink, one thread");
                JmhSuite.run(options, results);
            }
            results.finish();
            return results.markdown();
        }
    }

    /** The scenarios in the order a run takes them: the ones that share a prepared lake last. */
    static final List<String> SCENARIO_ORDER =
            List.of(
                    IngestScenario.NAME,
                    MetricsScenario.LIVE,
                    MetricsScenario.REBUILD,
                    CompactionScenario.NAME,
                    CompactionScenario.RECOMPACTION,
                    VerifyScenario.NAME,
                    IncrementalVerifyScenario.NAME,
                    QueryScenario.NAME);

    /** The lake the ingest scenario's IngestJob writes, which the lake scenarios share. */
    private static IngestedLake.Source ingestedLake(BenchOptions options, ChildJvm child) {
        return new IngestedLake.Source(
                options.mix(),
                options.partitions(),
                options.checkpointInterval(),
                options.stackDir(),
                options.lakeCache(),
                child);
    }

    private static Scenario scenario(String suite, BenchOptions options, ChildJvm child) {
        return switch (suite) {
            case IngestScenario.NAME ->
                    new IngestScenario(
                            options.ingestMix(),
                            options.partitions(),
                            options.checkpointInterval(),
                            options.stackDir(),
                            options.ingestVariants(),
                            options.lakeCache());
            case MetricsScenario.LIVE, MetricsScenario.REBUILD ->
                    new MetricsScenario(suite, ingestedLake(options, child));
            case CompactionScenario.NAME ->
                    new CompactionScenario(
                            ingestedLake(options, child), false, options.compactionWarmUps());
            case CompactionScenario.RECOMPACTION ->
                    new CompactionScenario(
                            ingestedLake(options, child), true, options.compactionWarmUps());
            case VerifyScenario.NAME ->
                    options.verifyRecords() > 0
                            ? VerifyScenario.generated(
                                    options.lakeCache(),
                                    options.verifyLake(),
                                    options.verifyWarmUps())
                            : new VerifyScenario(
                                    ingestedLake(options, child), options.verifyWarmUps());
            case IncrementalVerifyScenario.NAME ->
                    new IncrementalVerifyScenario(
                            options.lakeCache(), options.dailyLake(), options.verifyWarmUps());
            case QueryScenario.NAME ->
                    new QueryScenario(
                            options.queryLake(),
                            options.queries(),
                            options.queryPasses(),
                            options.lakeCache());
            default -> throw new IllegalArgumentException("no scenario " + suite);
        };
    }

    static void runScenario(
            Scenario scenario, BenchOptions options, ChildJvm child, Results results)
            throws Exception {
        Path scenarioDir = options.workDir().resolve(scenario.name());
        progress(scenario.name() + ": preparing the input");
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("scenario", scenario.name());
        input.putAll(scenario.prepare(scenarioDir));
        results.add("input", input);
        progress(
                String.format(
                        "%s: input ready in %.1f s",
                        scenario.name(), ((Number) input.get("produce_s")).doubleValue()));

        for (int rep = 1; rep <= options.repetitions(); rep++) {
            for (int parallelism : options.parallelisms()) {
                // Alternate the order, so neither job always runs on a warmer page cache.
                Scenario.Trial trial = new Scenario.Trial(parallelism, rep, rep % 2 == 1);
                Map<String, Map<String, Object>> measured = new LinkedHashMap<>();
                for (String measurement : trial.order(scenario)) {
                    measured.put(
                            measurement,
                            measure(
                                    scenario,
                                    measurement,
                                    trial,
                                    input,
                                    child,
                                    scenarioDir,
                                    results));
                }
                results.add(
                        "ratio",
                        ratio(
                                scenario,
                                trial,
                                scenario.candidate(),
                                scenario.baseline(),
                                measured.get(scenario.candidate()),
                                measured.get(scenario.baseline())));
                for (String variant : scenario.variants()) {
                    Map<String, Object> line =
                            measure(scenario, variant, trial, input, child, scenarioDir, results);
                    results.add(
                            "ratio",
                            ratio(
                                    scenario,
                                    trial,
                                    variant,
                                    scenario.candidate(),
                                    line,
                                    measured.get(scenario.candidate())));
                }
            }
        }
    }

    private static Map<String, Object> measure(
            Scenario scenario,
            String measurement,
            Scenario.Trial trial,
            Map<String, Object> input,
            ChildJvm child,
            Path scenarioDir,
            Results results)
            throws Exception {
        Path runDir =
                scenarioDir.resolve(
                        measurement + "-p" + trial.parallelism() + "-r" + trial.repetition());
        deleteRecursively(runDir);
        progress(
                String.format(
                        "%s: %s at parallelism %d (repetition %d)",
                        scenario.name(), measurement, trial.parallelism(), trial.repetition()));
        double loadBefore = MachineLoad.loadAverage();
        MachineLoad machineBefore = MachineLoad.now();
        ChildJvm.Outcome outcome =
                child.run(
                        measurement,
                        scenario.parameters(measurement, trial.parallelism(), runDir),
                        runDir);
        MachineLoad machineAfter = MachineLoad.now();
        Map<String, Object> r = outcome.result();

        long events = ((Number) input.get("events")).longValue();
        long bytes = ((Number) input.get("bytes")).longValue();
        double wall = ((Number) r.get("wall_s")).doubleValue();
        double cpu = ((Number) r.get("cpu_s")).doubleValue();
        int coresUsable = Math.min(trial.parallelism(), MachineLoad.cores());

        Map<String, Object> line = new LinkedHashMap<>();
        line.put("scenario", scenario.name());
        line.put("measurement", measurement);
        line.put(
                "role",
                measurement.equals(scenario.candidate())
                        ? "candidate"
                        : measurement.equals(scenario.baseline()) ? "baseline" : "variant");
        line.put("parallelism", trial.parallelism());
        line.put("repetition", trial.repetition());
        line.put("events", events);
        line.put("bytes", bytes);
        line.put("event_bytes_avg", input.get("event_bytes_avg"));
        line.put("events_per_s", events / wall);
        line.put("mb_per_s", bytes / 1e6 / wall);
        line.put("events_per_s_per_core", events / wall / coresUsable);
        line.put("events_per_cpu_s", events / cpu);
        line.put("mb_per_cpu_s", bytes / 1e6 / cpu);
        line.putAll(r);
        line.putAll(scenario.inspect(measurement, runDir));
        double busyCores = machineAfter.busyCoresSince(machineBefore);
        double interval = (machineAfter.nanoTime() - machineBefore.nanoTime()) / 1e9;
        line.put("machine_busy_cores", busyCores < 0 ? null : busyCores);
        // Everything but the child (its whole CPU: a warm measurement's warm-ups ran inside the
        // interval too): the Kafka broker serving it, and whatever else runs here.
        double childCpu = ((Number) r.getOrDefault("cpu_process_s", cpu)).doubleValue();
        line.put(
                "other_busy_cores",
                busyCores < 0 ? null : Math.max(0, busyCores - childCpu / interval));
        line.put("load_avg_before", loadBefore);
        line.put("load_avg_1m", MachineLoad.loadAverage());
        if (outcome.profile() != null) {
            List<String> top = JfrHotSpots.summarise(outcome.profile(), 15);
            line.put("profile", outcome.profile().toString());
            line.put("profile_top", top);
        }
        // The per-event budget: the Java threads' CPU by pipeline step, GC and JIT as the CPU
        // their threads used where /proc tells it, else their elapsed time. Its steps are
        // ingest's (CpuBudget classifies stack frames by ingest's operators and writers); other
        // scenarios list their hot methods only.
        if (outcome.profile() != null && IngestScenario.NAME.equals(scenario.name())) {
            double gc = doubleOr(r, "gc_cpu_s", doubleOr(r, "gc_s", 0));
            double jit = doubleOr(r, "jit_cpu_s", doubleOr(r, "jit_s", 0));
            CpuBudget.Samples samples = CpuBudget.count(outcome.profile());
            Path threadFile = runDir.resolve(MeasurementMain.THREAD_CPU_FILE);
            Map<Long, ThreadCpu.Task> threads =
                    Files.exists(threadFile) ? ThreadCpu.load(threadFile) : Map.of();
            Map<String, Double> budget =
                    CpuBudget.microsPerEvent(samples, threads, cpu, gc, jit, events);
            line.put("budget_us_per_event", budget);
            line.put("budget_weighted_by_thread_cpu", !threads.isEmpty());
            line.put("budget_lines", CpuBudget.lines(budget));
            // The split by sample counts alone, as budgets before thread CPU was read: kept so
            // the two can be compared (they differ most with many busy threads on few cores).
            line.put(
                    "budget_by_samples_us_per_event",
                    CpuBudget.microsPerEvent(samples, cpu, gc, jit, events));
        }
        results.add("measurement", line);
        progress(
                String.format(
                        "  %.1f s, %,.0f events/s, %.1f CPU-s, %,.0f events per CPU-s, output ok: %s",
                        wall, events / wall, cpu, events / cpu, line.get("output_ok")));
        if (!Boolean.TRUE.equals(line.get("output_ok"))) {
            throw new IllegalStateException(
                    measurement
                            + " did not write what its input demands; see "
                            + results.jsonLines()
                            + " and "
                            + runDir.resolve("child.log"));
        }
        return line;
    }

    private static Map<String, Object> ratio(
            Scenario scenario,
            Scenario.Trial trial,
            String candidateName,
            String baselineName,
            Map<String, Object> candidate,
            Map<String, Object> baseline) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("scenario", scenario.name());
        line.put("candidate", candidateName);
        line.put("baseline", baselineName);
        line.put("parallelism", trial.parallelism());
        line.put("repetition", trial.repetition());
        line.put(
                "events_per_cpu_s_ratio",
                doubleOf(candidate, "events_per_cpu_s") / doubleOf(baseline, "events_per_cpu_s"));
        line.put(
                "events_per_s_ratio",
                doubleOf(candidate, "events_per_s") / doubleOf(baseline, "events_per_s"));
        line.put("events", candidate.get("events"));
        return line;
    }

    /** A run folder left by an earlier run would mix its files into this run's counts. */
    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static double doubleOr(Map<String, Object> line, String key, double otherwise) {
        Object v = line.get(key);
        return v instanceof Number n ? n.doubleValue() : otherwise;
    }

    private static double doubleOf(Map<String, Object> line, String key) {
        return ((Number) line.get(key)).doubleValue();
    }

    private static void progress(String message) {
        System.out.println(
                "[bench " + Instant.now().truncatedTo(ChronoUnit.SECONDS) + "] " + message);
    }

    /** The checked-out commit, with "-dirty" for uncommitted changes; null outside a git tree. */
    private static String commit() {
        try {
            String head = git("rev-parse", "--short=12", "HEAD");
            if (head == null) {
                return null;
            }
            String status = git("status", "--porcelain", "--untracked-files=no");
            return status == null || status.isEmpty() ? head : head + "-dirty";
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static String git(String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>();
        command.add("git");
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            return null;
        }
        return out;
    }
}
