package io.decisionledger.erasure;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Blob;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * An auditor's search of a lake for a data subject's values, from the files alone: every Parquet
 * file read by DuckDB (pages are compressed, so grepping bytes would prove nothing) with every
 * value of every row as text (bytes as UTF-8), every other file's bytes as UTF-8. Shares no code
 * with the writers or the erasure job.
 */
final class LakeSearch {

    private LakeSearch() {}

    /**
     * Where under {@code root} any of {@code values} appears: "file: label" per hit. Folders named
     * in {@code skip} (relative to the root) are left out.
     */
    static List<String> find(Path root, Map<String, String> values, List<String> skip)
            throws IOException {
        List<String> hits = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : files) {
            String relative = root.relativize(f).toString();
            if (skip.stream().anyMatch(relative::startsWith)) {
                continue;
            }
            String text =
                    f.getFileName().toString().endsWith(".parquet")
                            ? parquetText(f)
                            : new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
            values.forEach(
                    (label, v) -> {
                        if (text.contains(v)) {
                            hits.add(relative + ": " + label);
                        }
                    });
        }
        return hits;
    }

    /** How many files the search read (so a test can show it searched something). */
    static long files(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).count();
        }
    }

    private static String parquetText(Path file) {
        StringBuilder out = new StringBuilder();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT * FROM read_parquet('" + file.toAbsolutePath() + "')")) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                for (int i = 1; i <= columns; i++) {
                    Object v = rs.getObject(i);
                    if (v instanceof Blob b) {
                        out.append(
                                new String(
                                        b.getBytes(1, (int) b.length()), StandardCharsets.UTF_8));
                    } else if (v instanceof byte[] bytes) {
                        out.append(new String(bytes, StandardCharsets.UTF_8));
                    } else {
                        out.append(v);
                    }
                    out.append('\u0001');
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("DuckDB cannot read " + file, e);
        }
        return out.toString();
    }
}
