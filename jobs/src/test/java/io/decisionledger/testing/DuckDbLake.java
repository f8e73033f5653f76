package io.decisionledger.testing;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a lake folder the way a BI tool does: DuckDB over {@code **}{@code /*.parquet} with Hive
 * partitioning and union-by-name. It shares no code with the writers, so a test that passes here
 * proves what analysts will see, not what our own classes think they wrote.
 */
public final class DuckDbLake {

    private DuckDbLake() {}

    /**
     * {@code read_parquet('<dir>/**}{@code /*.parquet', hive_partitioning=true,
     * union_by_name=true)}.
     */
    public static String table(Path dir) {
        return "read_parquet('"
                + dir.toAbsolutePath()
                + "/**/*.parquet', hive_partitioning=true, union_by_name=true)";
    }

    public static List<Map<String, Object>> query(String sql) {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            List<Map<String, Object>> rows = new ArrayList<>();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    row.put(md.getColumnLabel(i), rs.getObject(i));
                }
                rows.add(row);
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException("DuckDB query failed: " + sql, e);
        }
    }

    public static long count(String sql) {
        return ((Number) query(sql).get(0).values().iterator().next()).longValue();
    }

    /** Column name → DuckDB type, in file order, as {@code DESCRIBE} reports them. */
    public static Map<String, String> describe(Path dir) {
        Map<String, String> columns = new LinkedHashMap<>();
        for (Map<String, Object> row : query("DESCRIBE SELECT * FROM " + table(dir))) {
            columns.put((String) row.get("column_name"), (String) row.get("column_type"));
        }
        return columns;
    }
}
