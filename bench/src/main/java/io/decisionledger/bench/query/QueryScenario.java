package io.decisionledger.bench.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.decisionledger.bench.Scenario;
import io.decisionledger.bench.lake.LakeFolders;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Point queries: "the decision about user U as of instant A" on a compacted lake of millions of
 * records ({@link QueryLake}), answered by the audit CLI's query code and by DuckDB, the same
 * queries ({@link PointQueries}) in the same order: one cold-ish pass in a fresh JVM, then warm
 * passes. A measurement's "events" are the queries it ran, so events per CPU-second is queries per
 * CPU-second; the latencies (p50 and p95, cold and warm) are the figures that matter. Both must
 * give the same answer to every query, and find at least one.
 */
public final class QueryScenario implements Scenario {

    public static final String NAME = "query";

    private final QueryLake.Shape shape;
    private final int queryCount;
    private final int passes;
    private final Path lakeCache;
    private QueryLake.Facts lake;
    private Path queries;
    private final Map<String, List<String>> answers = new LinkedHashMap<>();

    public QueryScenario(QueryLake.Shape shape, int queryCount, int passes, Path lakeCache) {
        this.shape = shape;
        this.queryCount = queryCount;
        this.passes = passes;
        this.lakeCache = lakeCache;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String candidate() {
        return AuditDecisionAtMeasurement.NAME;
    }

    @Override
    public String baseline() {
        return DuckDbDecisionAtMeasurement.NAME;
    }

    @Override
    public Map<String, Object> prepare(Path workDir) throws Exception {
        lake = QueryLake.ensure(lakeCache, shape);
        Files.createDirectories(workDir);
        queries = workDir.resolve("queries.tsv");
        PointQueries.write(PointQueries.pick(shape, queryCount), queries);
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("events", (long) queryCount * passes);
        facts.put("bytes", 0L);
        facts.put("event_bytes_avg", null);
        facts.put("lake", lake.root().getFileName().toString());
        facts.put("lake_records", lake.records());
        facts.put("lake_files", lake.files());
        facts.put("lake_bytes", lake.bytes());
        facts.put("lake_tenants", shape.tenants());
        facts.put("lake_days", shape.days());
        facts.put("queries", queryCount);
        facts.put("passes", passes);
        facts.put("produce_s", lake.seconds());
        return facts;
    }

    @Override
    public Map<String, String> parameters(String measurement, int parallelism, Path runDir) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("parallelism", String.valueOf(parallelism));
        p.put("queries", queries.toString());
        p.put("passes", String.valueOf(passes));
        p.put("answers", runDir.resolve("answers.txt").toString());
        if (measurement.equals(candidate())) {
            // The audit query writes its access log under the lake root: a run's own root, with
            // the generated decisions linked in.
            LakeFolders.linkReadOnly(lake.root(), runDir.resolve("lake"), "audit/decisions");
            p.put("lake", runDir.resolve("lake").toString());
        } else {
            p.put("lake", lake.root().toString());
        }
        return p;
    }

    @Override
    public Map<String, Object> inspect(String measurement, Path runDir) throws Exception {
        List<String> found = Files.readAllLines(runDir.resolve("answers.txt"));
        JsonNode result = new ObjectMapper().readTree(runDir.resolve("result.json").toFile());
        answers.put(measurement, found);
        long answered = found.stream().filter(a -> !a.equals("-")).count();
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("rows_out", answered);
        boolean ok = found.size() == queryCount && answered > 0;
        for (Map.Entry<String, List<String>> other : answers.entrySet()) {
            if (!other.getKey().equals(measurement) && !other.getValue().equals(found)) {
                ok = false;
                facts.put("disagrees_with", other.getKey());
            }
        }
        facts.put("output_ok", ok && result.path("queries").asInt() == queryCount);
        LakeFolders.deleteRecursively(runDir.resolve("lake"));
        return facts;
    }

    @Override
    public void close() {}
}
