package io.decisionledger.bench.metrics;

import io.decisionledger.bench.Scenario;
import io.decisionledger.bench.ingest.IngestScenario;
import io.decisionledger.bench.ingest.TopicLoader;
import io.decisionledger.bench.lake.DuckDb;
import io.decisionledger.bench.lake.IngestedLake;
import io.decisionledger.bench.lake.LakeFolders;
import io.decisionledger.testkit.LocalKafkaBroker;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Metrics, both ways the read model is made. Live ({@value #LIVE}): a preloaded topic of the run's
 * event mix on a real broker, read by {@code MetricsJob} and by the same windows in Flink SQL, as
 * in the ingest benchmark. Rebuild ({@value #REBUILD}): the lake {@code IngestJob} wrote ({@link
 * IngestedLake}), read in batch by {@code MetricsJob --source lake} and by the SQL in batch mode.
 *
 * <p>The output is checked from the daily windows with DuckDB: the job's current rows (highest
 * revision per window) plus its too-late decisions must count every valid event exactly once (the
 * rebuild: every stored decision); the baseline, which de-duplicates nothing and drops late rows,
 * must count between 90 % of the valid events and all records.
 */
public final class MetricsScenario implements Scenario {

    public static final String LIVE = "metrics";
    public static final String REBUILD = "metrics-rebuild";

    private final boolean live;
    private final IngestedLake.Source source;
    private LocalKafkaBroker kafka;
    private Path kafkaDir;
    private long expected;
    private long records;
    private IngestedLake.Facts lake;

    public MetricsScenario(String name, IngestedLake.Source source) {
        if (!name.equals(LIVE) && !name.equals(REBUILD)) {
            throw new IllegalArgumentException("no metrics scenario " + name);
        }
        this.live = name.equals(LIVE);
        this.source = source;
    }

    @Override
    public String name() {
        return live ? LIVE : REBUILD;
    }

    @Override
    public String candidate() {
        return live ? MetricsJobMeasurement.NAME : MetricsJobMeasurement.REBUILD;
    }

    @Override
    public String baseline() {
        return live ? FlinkSqlMetricsMeasurement.NAME : FlinkSqlMetricsMeasurement.REBUILD;
    }

    @Override
    public Map<String, Object> prepare(Path workDir) throws Exception {
        Map<String, Object> facts = new LinkedHashMap<>();
        if (live) {
            kafkaDir = workDir.resolve("kafka");
            LakeFolders.deleteRecursively(kafkaDir);
            kafka = LocalKafkaBroker.start(source.stackDir(), kafkaDir);
            kafka.createTopic(IngestScenario.TOPIC, source.kafkaPartitions());
            TopicLoader.LoadedTopic loaded =
                    TopicLoader.load(kafka.bootstrapServers(), IngestScenario.TOPIC, source.mix());
            expected = loaded.valid();
            records = loaded.records();
            facts.put("events", loaded.records());
            facts.put("bytes", loaded.bytes());
            facts.put("event_bytes_avg", (double) loaded.bytes() / Math.max(1, loaded.records()));
            facts.put("valid", loaded.valid());
            facts.put("malformed", loaded.malformed());
            facts.put("duplicates", loaded.duplicates());
            facts.put("produce_s", loaded.seconds());
        } else {
            lake = source.ensure();
            expected = lake.auditRows();
            records = lake.auditRows();
            facts.putAll(lake.inputFacts());
        }
        return facts;
    }

    @Override
    public Map<String, String> parameters(String measurement, int parallelism, Path runDir) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("parallelism", String.valueOf(parallelism));
        p.put("lake", runDir.resolve("lake").toString());
        if (live) {
            p.put("bootstrap-servers", kafka.bootstrapServers());
            p.put("topic", IngestScenario.TOPIC);
            p.put("checkpoints", runDir.resolve("checkpoints").toString());
            p.put("checkpoint-interval", source.checkpointInterval().toString());
        } else {
            // The rebuild reads audit/ and writes metrics/ under the same root.
            LakeFolders.linkReadOnly(lake.root(), runDir.resolve("lake"), "audit/decisions");
        }
        return p;
    }

    @Override
    public Map<String, Object> inspect(String measurement, Path runDir) throws Exception {
        Map<String, Object> facts = new LinkedHashMap<>();
        ReadModel out = ReadModel.count(runDir.resolve("lake/metrics"));
        facts.put("rows_out", out.rows());
        facts.put("daily_decisions_out", out.dailyDecisions());
        boolean ok;
        if (measurement.equals(candidate())) {
            facts.put("too_late_daily_out", out.tooLateDaily());
            ok = out.dailyDecisions() + out.tooLateDaily() == expected;
        } else {
            ok = out.dailyDecisions() >= 0.9 * expected && out.dailyDecisions() <= records;
        }
        facts.put("output_ok", ok);
        LakeFolders.deleteRecursively(runDir.resolve("lake"));
        LakeFolders.deleteRecursively(runDir.resolve("checkpoints"));
        return facts;
    }

    /**
     * What a read model under {@code <lake>/metrics} holds: its rows, the decisions its daily
     * windows count (highest revision per window: revision = decisions covered) and the decisions
     * recorded too late for a daily window. MetricsJob's and the ingest job's metrics branch's
     * output alike.
     */
    public record ReadModel(long rows, long dailyDecisions, long tooLateDaily) {

        public static ReadModel count(Path out) throws Exception {
            try (Connection duck = DuckDb.open(1)) {
                String daily = DuckDb.visibleFiles(out.resolve("decision_metrics/granularity=1d"));
                String all = DuckDb.visibleFiles(out.resolve("decision_metrics"));
                String late = DuckDb.visibleFiles(out.resolve("late_decisions"));
                long rows =
                        all == null
                                ? 0
                                : DuckDb.queryLong(
                                        duck,
                                        "SELECT count(*) FROM read_parquet("
                                                + all
                                                + ", hive_partitioning = false)");
                long counted =
                        daily == null
                                ? 0
                                : DuckDb.queryLong(
                                        duck,
                                        "SELECT coalesce(sum(t), 0) FROM (SELECT"
                                                + " max(total_decisions) AS t FROM read_parquet("
                                                + daily
                                                + ", hive_partitioning = false, filename = true)"
                                                + " GROUP BY regexp_extract(filename,"
                                                + " 'tenant_id=([^/]+)', 1), model, model_version,"
                                                + " window_start, window_end)");
                long tooLate =
                        late == null
                                ? 0
                                : DuckDb.queryLong(
                                        duck,
                                        "SELECT count(*) FROM read_parquet("
                                                + late
                                                + ", hive_partitioning = false)"
                                                + " WHERE granularity = '1d'");
                return new ReadModel(rows, counted, tooLate);
            }
        }
    }

    @Override
    public void close() {
        if (kafka != null) {
            kafka.close();
            kafka = null;
        }
        if (kafkaDir != null) {
            LakeFolders.deleteRecursively(kafkaDir);
        }
    }
}
