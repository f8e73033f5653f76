package io.decisionledger.bench.verify;

import io.decisionledger.bench.Measurement;
import io.decisionledger.bench.Parameters;
import io.decisionledger.bench.lake.DuckDb;
import io.decisionledger.schema.DecisionRecord;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.avro.Schema;

/**
 * The verification baseline: a plain read of what {@code VerifyJob} reads, recomputing nothing. One
 * DuckDB scan over every audit file that touches every column of the record ({@code count(col)} per
 * column, so no column is pruned away; verification re-hashes the whole record), with as many
 * threads as the job has slots. Their ratio is what verifying costs over just reading the lake.
 */
public final class DuckDbScanMeasurement implements Measurement {

    public static final String NAME = "duckdb-scan";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Object> run(Map<String, String> p) throws Exception {
        String files = DuckDb.visibleFiles(Parameters.path(p, "lake").resolve("audit/decisions"));
        String columns =
                DecisionRecord.getClassSchema().getFields().stream()
                        .map(Schema.Field::name)
                        .map(n -> "count(\"" + n + "\")")
                        .collect(Collectors.joining(", "));
        Map<String, Object> counted = new LinkedHashMap<>();
        try (Connection duck = DuckDb.open(Parameters.integer(p, "parallelism"));
                Statement s = duck.createStatement();
                ResultSet r =
                        s.executeQuery(
                                "SELECT count(*), "
                                        + columns
                                        + " FROM read_parquet("
                                        + files
                                        + ", hive_partitioning = false)")) {
            r.next();
            counted.put("records_read", r.getLong(1));
        }
        return counted;
    }

    /** The same scan, untimed: DuckDB's caches and the page cache warm, the lake untouched. */
    @Override
    public void warmUp(Map<String, String> parameters, int round) throws Exception {
        run(parameters);
    }
}
