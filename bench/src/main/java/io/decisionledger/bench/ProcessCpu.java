package io.decisionledger.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;

/**
 * This JVM's resource use at one instant, from its own management beans: CPU time of the whole
 * process (all threads, JIT compiler and GC included), time spent in garbage collection and in JIT
 * compilation. CPU-seconds are the benchmarks' fair unit: unlike wall time, they hardly change when
 * another process competes for the same cores.
 *
 * @param cpuNanos process CPU time since the JVM started
 * @param gcMillis accumulated collection time over all collectors (pauses and concurrent phases)
 * @param jitMillis accumulated JIT compilation time, or -1 if the JVM does not report it
 */
public record ProcessCpu(long cpuNanos, long gcMillis, long jitMillis) {

    /** Linux names of the JIT compiler's threads (C1, C2). */
    static final String[] JIT_THREADS = {"C1 CompilerThre", "C2 CompilerThre"};

    /** Linux names of the garbage collector's threads (G1: parallel, concurrent, refinement). */
    static final String[] GC_THREADS = {"GC Thread", "G1 "};

    public static ProcessCpu now() {
        long gc = 0;
        for (GarbageCollectorMXBean bean : ManagementFactory.getGarbageCollectorMXBeans()) {
            gc += Math.max(0, bean.getCollectionTime());
        }
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        long jitMillis =
                jit != null && jit.isCompilationTimeMonitoringSupported()
                        ? jit.getTotalCompilationTime()
                        : -1;
        return new ProcessCpu(processCpuNanos(), gc, jitMillis);
    }

    /**
     * CPU time of this JVM's threads whose (Linux) name starts with one of {@code prefixes}, from
     * {@code /proc/self/task/<tid>/stat} (user + system ticks), in seconds; -1 where there is no
     * {@code /proc}. Unlike the management beans' JIT and GC figures, which add up the compiler's
     * and the collector's elapsed time and so grow when other processes take the cores, this is CPU
     * the threads used. Threads that ended are not counted (the compiler and GC threads live as
     * long as the JVM on two cores).
     */
    public static double threadCpuSeconds(String... prefixes) {
        return ThreadCpu.available() ? ThreadCpu.seconds(ThreadCpu.read(), prefixes) : -1;
    }

    /** CPU seconds of the JIT compiler threads (C1, C2); -1 without /proc. */
    public static double jitThreadCpuSeconds() {
        return threadCpuSeconds(JIT_THREADS);
    }

    /** CPU seconds of the garbage collector's threads (G1: parallel, concurrent, refinement). */
    public static double gcThreadCpuSeconds() {
        return threadCpuSeconds(GC_THREADS);
    }

    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            long nanos = os.getProcessCpuTime();
            if (nanos >= 0) {
                return nanos;
            }
        }
        throw new IllegalStateException(
                "this JVM does not report process CPU time; the benchmarks need it");
    }
}
