package io.decisionledger.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A benchmark: input prepared once, then pairs of {@link Measurement}s (the job and its baseline)
 * run on it, each in its own child JVM, at each parallelism, alternating which goes first. {@link
 * BenchMain} runs every scenario the same way and turns what the children report into result lines
 * and ratios; a scenario only knows its input, its parameters and how to check its output.
 *
 * <p>Ingest is the first ({@code IngestScenario}). Metrics, compaction, verify and point queries
 * are added the same way: a scenario that prepares their input (a topic, or a lake written by the
 * ingest job), a measurement for the job and one for its baseline (e.g. the same aggregation in
 * Flink SQL, or a DuckDB query over the lake).
 */
public interface Scenario extends AutoCloseable {

    /** Stable name, used in results and folder names, e.g. {@code ingest}. */
    String name();

    /** The measurement under test and the one it is compared with. */
    String candidate();

    String baseline();

    /**
     * Further measurements run in every trial after the pair, each reported as a ratio against the
     * candidate (e.g. the candidate with one feature switched off, to price that feature).
     */
    default List<String> variants() {
        return List.of();
    }

    /**
     * Prepares the input all trials share (start services, preload data) and returns facts about it
     * for the results. Must put {@code events} (records each job processes) and {@code bytes}
     * (their total size) among them: throughput is computed from those.
     */
    Map<String, Object> prepare(Path workDir) throws Exception;

    /**
     * What a child running {@code measurement} at {@code parallelism} gets, writing in {@code
     * runDir}.
     */
    Map<String, String> parameters(String measurement, int parallelism, Path runDir);

    /**
     * After a child has exited: what it left behind (rows written, files), and {@code output_ok}
     * telling whether that is what the input demands. May delete the output afterwards to save
     * disk.
     */
    Map<String, Object> inspect(String measurement, Path runDir) throws Exception;

    /** Stops whatever {@link #prepare} started. */
    @Override
    void close();

    /** One candidate-versus-baseline pair at one parallelism. */
    record Trial(int parallelism, int repetition, boolean baselineFirst) {
        public List<String> order(Scenario scenario) {
            return baselineFirst
                    ? List.of(scenario.baseline(), scenario.candidate())
                    : List.of(scenario.candidate(), scenario.baseline());
        }
    }
}
