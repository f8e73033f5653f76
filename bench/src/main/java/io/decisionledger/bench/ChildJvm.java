package io.decisionledger.bench;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs one {@link Measurement} in a fresh JVM and returns its result: the parent orchestrates, the
 * child measures. Every child gets the same JVM flags and classpath, so the job and its baseline
 * start equal. Its output goes to {@code child.log} in its folder; with profiling on, a Java Flight
 * Recorder file {@code profile.jfr} lands there too.
 */
public final class ChildJvm {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int LOG_TAIL_LINES = 60;

    private final String classpath;
    private final String heap;
    private final Duration timeout;
    private final boolean profile;
    private final boolean inProcess;

    public ChildJvm(String classpath, String heap, Duration timeout, boolean profile) {
        this(classpath, heap, timeout, profile, false);
    }

    /**
     * @param inProcess smoke tests only: run each measurement in this JVM instead (no JVM start,
     *     warm classes and JIT), which exercises the same measurement code much faster but shares
     *     heap, JIT and CPU counters, so its numbers compare nothing
     */
    public ChildJvm(
            String classpath, String heap, Duration timeout, boolean profile, boolean inProcess) {
        this.classpath = classpath;
        this.heap = heap;
        this.timeout = timeout;
        this.profile = profile;
        this.inProcess = inProcess;
    }

    /** What a child run produced: the child's own result and where its files are. */
    public record Outcome(Map<String, Object> result, Path dir, Path profile) {}

    /**
     * Starts {@code measurement} in a new JVM with its folder {@code dir} and waits for it.
     *
     * @throws IllegalStateException if the child fails or times out; the message has its log tail
     */
    public Outcome run(String measurement, Map<String, String> parameters, Path dir) {
        try {
            Files.createDirectories(dir);
            Path resultFile = dir.resolve("result.json");
            Path log = dir.resolve("child.log");
            Path jfr = dir.resolve("profile.jfr");
            Files.deleteIfExists(resultFile);
            if (inProcess) {
                try {
                    MeasurementMain.measure(measurement, resultFile, parameters);
                } catch (Exception e) {
                    throw new IllegalStateException(measurement + " failed in-process", e);
                }
                return new Outcome(
                        JSON.readValue(
                                resultFile.toFile(),
                                new TypeReference<LinkedHashMap<String, Object>>() {}),
                        dir,
                        null);
            }

            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("-Xmx" + heap);
            // -Dbench.log4j=<file> on the parent gives the children another logging setup.
            command.add(
                    "-Dlog4j.configurationFile="
                            + System.getProperty("bench.log4j", "log4j2-bench.properties"));
            if (profile) {
                command.add("-XX:StartFlightRecording=filename=" + jfr + ",settings=profile");
            }
            command.add("-cp");
            command.add(classpath);
            command.add(MeasurementMain.class.getName());
            command.add(measurement);
            command.add(resultFile.toString());
            parameters.forEach((k, v) -> command.add(k + "=" + v));

            Process process =
                    new ProcessBuilder(command)
                            .directory(dir.toFile())
                            .redirectErrorStream(true)
                            .redirectOutput(log.toFile())
                            .start();
            Thread killer = new Thread(process::destroyForcibly, "stop-" + measurement);
            Runtime.getRuntime().addShutdownHook(killer);
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    throw failure(measurement + " did not finish within " + timeout, log);
                }
            } finally {
                Runtime.getRuntime().removeShutdownHook(killer);
            }
            if (process.exitValue() != 0 || !Files.exists(resultFile)) {
                throw failure(measurement + " failed with exit code " + process.exitValue(), log);
            }
            Map<String, Object> result =
                    JSON.readValue(
                            resultFile.toFile(),
                            new TypeReference<LinkedHashMap<String, Object>>() {});
            return new Outcome(result, dir, profile && Files.exists(jfr) ? jfr : null);
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + measurement, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + measurement + " ran", e);
        }
    }

    private static IllegalStateException failure(String message, Path log) throws IOException {
        List<String> lines =
                Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
        List<String> tail = lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size());
        return new IllegalStateException(
                message + "\n---- last lines of " + log + " ----\n" + String.join("\n", tail));
    }
}
