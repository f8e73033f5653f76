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
