package io.decisionledger.bench.query;

import io.decisionledger.bench.Measurement;
import io.decisionledger.bench.Parameters;
import io.decisionledger.bench.lake.DuckDb;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;

/**
 * The point-query baseline: the same question as one DuckDB query over the tenant's folder, as a
 * user who knows the layout would write it: {@code read_parquet(…/tenant_id=T/*}{@code /*.parquet,
 * hive_partitioning = true)}, {@code user_id = U AND event_time <= A AND event_date <= date(A)},
 * newest first ({@code ORDER BY event_time DESC, ingest_time DESC, event_id DESC LIMIT 1}, the
 * audit query's tie-break). One connection for all queries, threads as the run's parallelism.
 */
public final class DuckDbDecisionAtMeasurement implements Measurement {

    public static final String NAME = "duckdb-decision-at";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Object> run(Map<String, String> p) throws Exception {
        Path audit = Parameters.path(p, "lake").resolve("audit/decisions");
        try (Connection duck = DuckDb.open(Parameters.integer(p, "parallelism"));
                Statement s = duck.createStatement()) {
            return PointQueries.run(
                    PointQueries.read(Parameters.path(p, "queries")),
                    Integer.parseInt(Parameters.required(p, "passes")),
                    q -> {
                        String sql =
                                "SELECT event_id FROM read_parquet("
                                        + DuckDb.literal(
                                                audit.resolve("tenant_id=" + q.tenant())
                                                        + "/*/*.parquet")
                                        + ", hive_partitioning = true) WHERE user_id = "
                                        + DuckDb.literal(q.user())
                                        + " AND event_time <= TIMESTAMPTZ "
                                        + DuckDb.literal(q.at())
                                        + " AND event_date <= DATE "
                                        + DuckDb.literal(q.date())
                                        + " ORDER BY event_time DESC, ingest_time DESC,"
                                        + " event_id DESC LIMIT 1";
                        try (ResultSet r = s.executeQuery(sql)) {
                            return r.next() ? r.getString(1) : null;
                        }
                    },
                    Parameters.path(p, "answers"));
        }
    }
}
