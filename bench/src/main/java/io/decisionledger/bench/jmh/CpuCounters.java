package io.decisionledger.bench.jmh;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Counts, per JMH iteration, the operations done and the CPU time the benchmark thread used for
 * them, so the per-event figures can be given per CPU-second as well as per wall-clock second:
 * JMH's own score is wall-clock throughput, which halves when another process takes half of the
 * core. Reported by JMH as secondary results {@code ops} and {@code cpuNanos} (sums over the
 * measurement iterations).
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class CpuCounters {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    public long ops;
    public long cpuNanos;

    private long startNanos;

    @Setup(Level.Iteration)
    public void start() {
        ops = 0;
        cpuNanos = 0;
        startNanos = THREADS.getCurrentThreadCpuTime();
    }

    @TearDown(Level.Iteration)
    public void stop() {
        cpuNanos = THREADS.getCurrentThreadCpuTime() - startNanos;
    }
}
