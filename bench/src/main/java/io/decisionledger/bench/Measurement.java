package io.decisionledger.bench;

import java.util.Map;

/**
 * One thing the benchmarks time: a job (or a baseline of it) run once, start to finish, in a fresh
 * JVM that {@link ChildJvm} starts and {@link MeasurementMain} runs it in. It receives its
 * parameters as text and returns what it counted (records read, bytes, …); the wall-clock and CPU
 * accounting around it is {@link MeasurementMain}'s, the same for every measurement, so a job and
 * its baseline are measured alike.
 *
 * <p>A new benchmark (metrics, compaction, verify, point queries) adds a measurement for the job
 * and one for its baseline, registers both in {@link Measurements}, and a {@link Scenario} that
 * prepares their input and pairs them.
 */
public interface Measurement {

    /** The stable name results are filed under, e.g. {@code ingest-job}. */
    String name();

    /**
     * Runs the measured work once in this JVM and returns counters for the results line (numbers or
     * text; keys in snake_case). Throws if the work failed: a failed run has no result.
     */
    Map<String, Object> run(Map<String, String> parameters) throws Exception;

    /**
     * Runs the same work once, untimed, before {@link #run} in the same JVM, when the parameters
     * ask for a warm measurement ({@code warm-ups=N}, called for rounds 1..N): class loading, JIT
     * and the page cache are then paid before the clock starts, as on a long-lived Flink cluster
     * whose TaskManagers have run the job before. It must leave the measured run's input as it
     * found it (a copy of any state the run consumes). Measurements without a meaningful warm run
     * keep this default, which refuses, so a warm figure is never a cold one relabelled.
     */
    default void warmUp(Map<String, String> parameters, int round) throws Exception {
        throw new UnsupportedOperationException(name() + " has no warm measurement");
    }
}
