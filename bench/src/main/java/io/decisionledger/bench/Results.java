package io.decisionledger.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The machine-readable record of one benchmark run: a JSON-lines file with one object per
 * measurement (and per ratio, per JMH benchmark), each carrying the run's parameters, the machine's
 * core count and load, so a line means something on its own. Lines are appended and flushed as they
 * come, so a run that fails half-way keeps what it measured. At the end the same lines are rendered
 * as Markdown ({@link ResultsReport}); both files are also copied to {@code latest.*}.
 */
public final class Results implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final String stem;
    private final Map<String, Object> common;
    private final List<Map<String, Object>> lines = new ArrayList<>();
    private final BufferedWriter out;

    /**
     * @param dir where the files go
     * @param common fields every line gets (run id, options, machine)
     */
    public Results(Path dir, Map<String, Object> common) {
        this.dir = dir;
        this.common = new LinkedHashMap<>(common);
        this.stem =
                "results-"
                        + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                                .withZone(ZoneOffset.UTC)
                                .format(Instant.now());
        try {
            Files.createDirectories(dir);
            out = Files.newBufferedWriter(jsonLines(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("could not create results in " + dir, e);
        }
    }

    public Path jsonLines() {
        return dir.resolve(stem + ".jsonl");
    }

    public Path markdown() {
        return dir.resolve(stem + ".md");
    }

    public Map<String, Object> common() {
        return common;
    }

    /** Adds one line: {@code kind} first, then the line's fields, then the common fields. */
    public synchronized void add(String kind, Map<String, Object> fields) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("kind", kind);
        line.putAll(fields);
        line.put("cores", MachineLoad.cores());
        if (!line.containsKey("load_avg_1m")) {
            line.put("load_avg_1m", MachineLoad.loadAverage());
        }
        common.forEach(line::putIfAbsent);
        lines.add(line);
        try {
            out.write(JSON.writeValueAsString(line));
            out.newLine();
            out.flush();
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("a result line is not JSON-serialisable", e);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + jsonLines(), e);
        }
    }

    public synchronized List<Map<String, Object>> lines() {
        return List.copyOf(lines);
    }

    /** Writes the Markdown report and the {@code latest.*} copies; returns the report's text. */
    public String finish() {
        String report = ResultsReport.render(lines());
        try {
            out.flush();
            Files.writeString(markdown(), report, StandardCharsets.UTF_8);
            Files.copy(
                    jsonLines(), dir.resolve("latest.jsonl"), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(markdown(), dir.resolve("latest.md"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the report to " + dir, e);
        }
        return report;
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("could not close " + jsonLines(), e);
        }
    }
}
