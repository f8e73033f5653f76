package io.decisionledger.bench.lake;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * An in-process DuckDB, the baseline a user reaches for to query or rewrite a folder of Parquet on
 * one machine. It runs inside the measured JVM (JDBC, native code), so its CPU is in the process's
 * CPU time like a Flink job's; it gets as many threads as the job has slots and a memory limit
 * below the child's heap, so neither side gets more of the machine.
 */
public final class DuckDb {

    private DuckDb() {}

    public static Connection open(int threads) throws SQLException {
        Connection c = DriverManager.getConnection("jdbc:duckdb:");
        try (Statement s = c.createStatement()) {
            s.execute("SET threads = " + threads);
            s.execute("SET memory_limit = '2GB'");
            s.execute("SET enable_progress_bar = false");
        }
        return c;
    }

    /**
     * The visible files under {@code dir} (no {@code .}- or {@code _}-prefixed file or folder, as
     * Flink and Hive skip them) as a DuckDB list literal, or null when there are none.
     */
    public static String visibleFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return null;
        }
        List<String> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path f : walk.filter(Files::isRegularFile).sorted().toList()) {
                boolean visible = true;
                for (Path part : dir.relativize(f)) {
                    String n = part.toString();
                    visible &= !n.startsWith(".") && !n.startsWith("_");
                }
                if (visible) {
                    files.add(literal(f));
                }
            }
        }
        return files.isEmpty() ? null : "[" + String.join(", ", files) + "]";
    }

    /** The first column of the first row of {@code sql} as a long (0 for NULL). */
    public static long queryLong(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }

    /** A path as a SQL string literal. */
    public static String literal(Object path) {
        return "'" + path.toString().replace("'", "''") + "'";
    }
}
