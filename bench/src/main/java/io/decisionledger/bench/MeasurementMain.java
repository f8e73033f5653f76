package io.decisionledger.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The entry point of a measured child JVM: {@code MeasurementMain <name> <result.json>
 * [key=value…]}. It runs one {@link Measurement} and writes, next to what the measurement counted,
 * the accounting every measurement gets alike: wall time of the run, and this process's CPU, GC and
 * JIT time, both over the run and since the JVM started. One measurement per JVM, so no JIT
 * profile, heap or static cache of one job can help or hurt the next. A warm measurement ({@link
 * #WARM_UPS}) runs the same measurement untimed first and is charged what the measured run used.
 */
public final class MeasurementMain {

    /**
     * The parameter that asks for a warm measurement: {@link Measurement#warmUp} that many times
     * first, and the figures of the measured run only.
     */
    public static final String WARM_UPS = "warm-ups";

    /** Next to result.json: each thread's CPU over the measurement ({@link ThreadCpu#write}). */
    public static final String THREAD_CPU_FILE = "thread-cpu.tsv";

    private static final long THREAD_CPU_INTERVAL_MILLIS = 2_000;

    private MeasurementMain() {}

    /** The warm-ups {@code parameters} ask for ({@link #WARM_UPS}); 0: a cold measurement. */
    public static int warmUps(Map<String, String> parameters) {
        return Integer.parseInt(parameters.getOrDefault(WARM_UPS, "0"));
    }

    public static void main(String[] args) {
        try {
            measure(args);
        } catch (Throwable t) {
            // Flink leaves non-daemon threads behind: without an explicit exit a failed
            // measurement would hang until the parent's timeout.
            t.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }

    private static void measure(String[] args) throws Exception {
        if (args.length < 2) {
            throw new IllegalArgumentException(
                    "usage: MeasurementMain <measurement> <result.json> [key=value...]");
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        for (int i = 2; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("parameters look like key=value: " + args[i]);
            }
            parameters.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        measure(args[0], Path.of(args[1]), parameters);
    }

    /**
     * Runs {@code name} in this JVM and writes its result to {@code resultFile}: what {@link #main}
     * does in a child, and what {@link ChildJvm} does in-process for the smoke tests.
     */
    static void measure(String name, Path resultFile, Map<String, String> parameters)
            throws Exception {
        Measurement measurement = Measurements.byName(name);
        int warmUps = warmUps(parameters);
        boolean warm = warmUps > 0;
        // Each thread's CPU, for the per-event budget (CpuBudget weights a thread's profile
        // samples by it); read every 2 s so threads that end during the run still count (0.2 s of
        // CPU per minute for ~200 threads).
        ThreadCpu.Sampler threads =
                ThreadCpu.available() ? new ThreadCpu.Sampler(THREAD_CPU_INTERVAL_MILLIS) : null;
        ProcessCpu beforeWarmUp = ProcessCpu.now();
        for (int round = 1; round <= warmUps; round++) {
            measurement.warmUp(parameters, round);
        }
        ProcessCpu before = ProcessCpu.now();
        Map<Long, ThreadCpu.Task> threadsBefore =
                warm && threads != null ? threads.snapshot() : Map.of();
        // Cold: zero, so every figure below is the whole process's. Warm: the measured run's.
        ProcessCpu base = warm ? before : new ProcessCpu(0, 0, 0);
        long start = System.nanoTime();
        Map<String, Object> counted = measurement.run(parameters);
        long wallNanos = System.nanoTime() - start;
        ProcessCpu after = ProcessCpu.now();

        Map<String, Object> result = new LinkedHashMap<>(counted);
        result.put("wall_s", wallNanos / 1e9);
        result.put("warm", warm);
        result.put("warm_ups", warmUps);
        // What the ratios divide by. Cold: the whole process (JVM start, class loading,
        // planning, the job and its shutdown so far). Warm: the measured run only, the warm-up
        // (and the JVM start before it) excluded.
        result.put("cpu_s", (after.cpuNanos() - base.cpuNanos()) / 1e9);
        result.put("cpu_run_s", (after.cpuNanos() - before.cpuNanos()) / 1e9);
        result.put("cpu_process_s", after.cpuNanos() / 1e9);
        if (warm) {
            result.put("cpu_warm_up_s", (base.cpuNanos() - beforeWarmUp.cpuNanos()) / 1e9);
        }
        result.put("gc_s", (after.gcMillis() - base.gcMillis()) / 1e3);
        result.put(
                "jit_s",
                after.jitMillis() < 0 ? null : (after.jitMillis() - base.jitMillis()) / 1e3);
        // The same two as CPU the compiler and collector threads used (the figures above are
        // their elapsed time, which grows with the machine's load), from the threads' readings.
        Map<Long, ThreadCpu.Task> perThread =
                threads == null ? null : ThreadCpu.since(threadsBefore, threads.snapshot());
        result.put(
                "jit_cpu_s",
                perThread == null ? null : ThreadCpu.seconds(perThread, ProcessCpu.JIT_THREADS));
        result.put(
                "gc_cpu_s",
                perThread == null ? null : ThreadCpu.seconds(perThread, ProcessCpu.GC_THREADS));
        result.put("jvm_max_heap_mb", Runtime.getRuntime().maxMemory() / (1024 * 1024));
        if (threads != null) {
            threads.close();
            ThreadCpu.write(perThread, resultFile.resolveSibling(THREAD_CPU_FILE));
        }
        Files.writeString(resultFile, new ObjectMapper().writeValueAsString(result));
    }
}
