package io.decisionledger.bench.metrics;

import io.decisionledger.bench.Measurement;
import io.decisionledger.bench.Parameters;
import io.decisionledger.bench.ingest.LocalFlink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.api.config.TableConfigOptions;

/**
 * The metrics baseline: what a Flink user would write instead of {@code MetricsJob}, in plain Flink
 * SQL. The same windows (tumbling 1 m, 1 h, 1 d, UTC) per tenant × model × model version, with what
 * SQL says in one line each: decision count, approved, denied and no-decision counts, mean, min and
 * max confidence, summed response tokens, finish-reason counts and exact distinct users ({@code
 * COUNT(DISTINCT)}; the job keeps an HLL sketch). Not included: confidence percentiles (no
 * streaming percentile aggregate in Flink SQL), de-duplication, validation, late corrections (late
 * rows are dropped) and the too-late side output. Live ({@value #NAME}): the topic as a {@code
 * kafka} table with JSON and a 30 s watermark (the job's default out-of-orderness), one statement
 * set of three {@code INSERT}s into a {@code filesystem} Parquet table partitioned like the job's
 * read model, exactly-once checkpoints. Rebuild ({@value #REBUILD}): the same over the audit lake's
 * Parquet ({@code filesystem} table, batch mode).
 */
public final class FlinkSqlMetricsMeasurement implements Measurement {

    public static final String NAME = "flink-sql-metrics";
    public static final String REBUILD = "flink-sql-metrics-rebuild";

    private static final List<String[]> WINDOWS =
            List.of(
                    new String[] {"1m", "INTERVAL '1' MINUTE"},
                    new String[] {"1h", "INTERVAL '1' HOUR"},
                    new String[] {"1d", "INTERVAL '1' DAY"});

    private final String name;

    public FlinkSqlMetricsMeasurement(String name) {
        if (!name.equals(NAME) && !name.equals(REBUILD)) {
            throw new IllegalArgumentException("no Flink SQL metrics measurement " + name);
        }
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Map<String, Object> run(Map<String, String> p) throws Exception {
        int parallelism = Parameters.integer(p, "parallelism");
        Path lake = Parameters.path(p, "lake");
        boolean live = name.equals(NAME);
        StreamExecutionEnvironment env;
        StreamTableEnvironment tables;
        if (live) {
            env =
                    LocalFlink.environment(
                            parallelism,
                            Parameters.path(p, "checkpoints"),
                            Duration.parse(Parameters.required(p, "checkpoint-interval")));
            tables = StreamTableEnvironment.create(env, EnvironmentSettings.inStreamingMode());
            // As the job's --idleness: an idle Kafka partition stops holding back the watermark.
            tables.getConfig().set("table.exec.source.idle-timeout", "1 min");
            tables.executeSql(
                    kafkaSource(
                            Parameters.required(p, "bootstrap-servers"),
                            Parameters.required(p, "topic")));
            tables.executeSql(KAFKA_FACTS);
        } else {
            env = LocalFlink.batchEnvironment(parallelism);
            tables = StreamTableEnvironment.create(env, EnvironmentSettings.inBatchMode());
            tables.executeSql(lakeSource(lake.resolve("audit/decisions").toUri().toString()));
            tables.executeSql(LAKE_FACTS);
        }
        tables.getConfig().set(TableConfigOptions.LOCAL_TIME_ZONE, "UTC");
        tables.getConfig().set("pipeline.name", "bench " + name);
        tables.executeSql(sinkTable(lake.resolve("metrics/decision_metrics").toUri().toString()));
        StatementSet inserts = tables.createStatementSet();
        for (String[] w : WINDOWS) {
            inserts.addInsertSql(insert(w[0], w[1]));
        }
        JobExecutionResult result =
                inserts.execute()
                        .getJobClient()
                        .orElseThrow(() -> new IllegalStateException("the INSERTs made no job"))
                        .getJobExecutionResult()
                        .get();
        Map<String, Object> counted = new LinkedHashMap<>();
        counted.put("job_s", result.getNetRuntime() / 1e3);
        return counted;
    }

    static String kafkaSource(String bootstrapServers, String topic) {
        return """
                CREATE TABLE decisions (
                  tenantId STRING,
                  userId STRING,
                  `timestamp` TIMESTAMP_LTZ(3),
                  aiInteraction ROW<
                    model STRING,
                    modelVersion STRING,
                    response ROW<tokens BIGINT, finishReason STRING>,
                    decision ROW<approved BOOLEAN, confidence DOUBLE>>,
                  WATERMARK FOR `timestamp` AS `timestamp` - INTERVAL '30' SECOND
                ) WITH (
                  'connector' = 'kafka',
                  'topic' = '%s',
                  'properties.bootstrap.servers' = '%s',
                  'properties.group.id' = 'bench-flink-sql-metrics-%d',
                  'properties.isolation.level' = 'read_committed',
                  'scan.startup.mode' = 'earliest-offset',
                  'scan.bounded.mode' = 'latest-offset',
                  'format' = 'json',
                  'json.ignore-parse-errors' = 'true',
                  'json.timestamp-format.standard' = 'ISO-8601'
                )"""
                .formatted(topic, bootstrapServers, System.nanoTime());
    }

    static final String KAFKA_FACTS =
            """
            CREATE TEMPORARY VIEW facts AS
            SELECT tenantId AS tenant_id, aiInteraction.model AS model,
              aiInteraction.modelVersion AS model_version, userId AS user_id,
              aiInteraction.decision.approved AS approved,
              aiInteraction.decision.confidence AS confidence,
              aiInteraction.response.tokens AS tokens,
              aiInteraction.response.finishReason AS finish_reason,
              `timestamp` AS ts
            FROM decisions
            WHERE tenantId IS NOT NULL AND `timestamp` IS NOT NULL
              AND aiInteraction.model IS NOT NULL AND aiInteraction.modelVersion IS NOT NULL""";

    static String lakeSource(String auditUri) {
        return """
                CREATE TABLE audit (
                  event_time BIGINT,
                  user_id STRING,
                  model STRING,
                  model_version STRING,
                  response_tokens BIGINT,
                  response_finish_reason STRING,
                  decision_approved BOOLEAN,
                  decision_confidence DOUBLE,
                  tenant_id STRING,
                  event_date STRING
                ) PARTITIONED BY (tenant_id, event_date) WITH (
                  'connector' = 'filesystem',
                  'path' = '%s',
                  'format' = 'parquet'
                )"""
                .formatted(auditUri);
    }

    /** event_time is stored as microseconds (timestamp-micros); SQL windows want a timestamp. */
    static final String LAKE_FACTS =
            """
            CREATE TEMPORARY VIEW facts AS
            SELECT tenant_id, model, model_version, user_id,
              decision_approved AS approved, decision_confidence AS confidence,
              response_tokens AS tokens, response_finish_reason AS finish_reason,
              TO_TIMESTAMP_LTZ(event_time / 1000, 3) AS ts
            FROM audit""";

    static String sinkTable(String uri) {
        return """
                CREATE TABLE metrics_lake (
                  model STRING,
                  model_version STRING,
                  window_start TIMESTAMP(3),
                  window_end TIMESTAMP(3),
                  total_decisions BIGINT,
                  approved BIGINT,
                  denied BIGINT,
                  no_decision BIGINT,
                  confidence_mean DOUBLE,
                  confidence_min DOUBLE,
                  confidence_max DOUBLE,
                  response_tokens_sum BIGINT,
                  finish_reason_stop BIGINT,
                  finish_reason_length BIGINT,
                  finish_reason_content_filter BIGINT,
                  finish_reason_tool_calls BIGINT,
                  distinct_users BIGINT,
                  granularity STRING,
                  tenant_id STRING,
                  window_date STRING
                ) PARTITIONED BY (granularity, tenant_id, window_date) WITH (
                  'connector' = 'filesystem',
                  'path' = '%s',
                  'format' = 'parquet',
                  'parquet.compression' = 'SNAPPY',
                  'parquet.block.size' = '16777216',
                  'parquet.page.size' = '1048576'
                )"""
                .formatted(uri);
    }

    static String insert(String label, String interval) {
        return """
                INSERT INTO metrics_lake
                SELECT model, model_version, window_start, window_end,
                  COUNT(*),
                  CAST(SUM(CASE WHEN approved THEN 1 ELSE 0 END) AS BIGINT),
                  CAST(SUM(CASE WHEN NOT approved THEN 1 ELSE 0 END) AS BIGINT),
                  CAST(SUM(CASE WHEN approved IS NULL THEN 1 ELSE 0 END) AS BIGINT),
                  AVG(confidence), MIN(confidence), MAX(confidence),
                  SUM(tokens),
                  CAST(SUM(CASE WHEN finish_reason = 'stop' THEN 1 ELSE 0 END) AS BIGINT),
                  CAST(SUM(CASE WHEN finish_reason = 'length' THEN 1 ELSE 0 END) AS BIGINT),
                  CAST(SUM(CASE WHEN finish_reason = 'content_filter' THEN 1 ELSE 0 END) AS BIGINT),
                  CAST(SUM(CASE WHEN finish_reason = 'tool_calls' THEN 1 ELSE 0 END) AS BIGINT),
                  COUNT(DISTINCT user_id),
                  '%s', tenant_id, DATE_FORMAT(window_start, 'yyyy-MM-dd')
                FROM TABLE(TUMBLE(TABLE facts, DESCRIPTOR(ts), %s))
                GROUP BY tenant_id, model, model_version, window_start, window_end"""
                .formatted(label, interval);
    }
}
