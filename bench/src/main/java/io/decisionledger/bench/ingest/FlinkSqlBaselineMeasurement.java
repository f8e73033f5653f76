package io.decisionledger.bench.ingest;

import io.decisionledger.bench.Measurement;
import io.decisionledger.bench.ingest.IngestJobMeasurement.IngestRunParameters;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.api.config.TableConfigOptions;

/**
 * The baseline: what a Flink user would write instead of {@code IngestJob} to land the same topic
 * in the same lake layout, in plain Flink SQL. A Kafka table with the JSON format and nested ROW
 * types (malformed records skipped, not quarantined), inserted into a {@code filesystem} table of
 * Snappy Parquet partitioned by tenant and UTC date (a STRING made with DATE_FORMAT, since a DATE
 * partition would be written as a day number), with the same exactly-once checkpointing, Kafka
 * isolation level, row-group and page sizes as the ingest job. It neither validates, nor
 * de-duplicates, nor hashes, nor keeps rejected input: it is the cost of "just move it".
 */
public final class FlinkSqlBaselineMeasurement implements Measurement {

    public static final String NAME = "flink-sql";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Object> run(Map<String, String> p) throws Exception {
        IngestRunParameters run = IngestRunParameters.from(p);
        StreamExecutionEnvironment env =
                LocalFlink.environment(
                        run.parallelism(), run.checkpoints(), run.checkpointInterval());
        StreamTableEnvironment tables =
                StreamTableEnvironment.create(env, EnvironmentSettings.inStreamingMode());
        tables.getConfig().set(TableConfigOptions.LOCAL_TIME_ZONE, "UTC");
        tables.getConfig().set("pipeline.name", "bench " + NAME);

        tables.executeSql(sourceTable(run.bootstrapServers(), run.topic()));
        tables.executeSql(sinkTable(run.lake().toUri().toString()));
        TableResult insert = tables.executeSql(INSERT);
        JobExecutionResult result =
                insert.getJobClient()
                        .orElseThrow(() -> new IllegalStateException("INSERT submitted no job"))
                        .getJobExecutionResult()
                        .get();

        Map<String, Object> counted = new LinkedHashMap<>();
        counted.put("job_s", result.getNetRuntime() / 1e3);
        return counted;
    }

    static String sourceTable(String bootstrapServers, String topic) {
        return """
                CREATE TABLE decisions (
                  eventId STRING,
                  eventType STRING,
                  `timestamp` TIMESTAMP_LTZ(3),
                  tenantId STRING,
                  userId STRING,
                  caseId STRING,
                  aiInteraction ROW<
                    model STRING,
                    modelVersion STRING,
                    modelMetadataId STRING,
                    prompt STRING,
                    systemPrompt STRING,
                    context ROW<
                      userHistory ARRAY<STRING>,
                      relevantDocuments ARRAY<STRING>,
                      metadata MAP<STRING, STRING>>,
                    parameters ROW<temperature DOUBLE, maxTokens BIGINT, topP DOUBLE>,
                    response ROW<content STRING, tokens BIGINT, finishReason STRING>,
                    decision ROW<approved BOOLEAN, confidence DOUBLE, reasoning STRING>>,
                  source_topic STRING METADATA FROM 'topic' VIRTUAL,
                  source_partition INT METADATA FROM 'partition' VIRTUAL,
                  source_offset BIGINT METADATA FROM 'offset' VIRTUAL
                ) WITH (
                  'connector' = 'kafka',
                  'topic' = '%s',
                  'properties.bootstrap.servers' = '%s',
                  'properties.group.id' = 'bench-flink-sql-%d',
                  'properties.isolation.level' = 'read_committed',
                  'scan.startup.mode' = 'earliest-offset',
                  'scan.bounded.mode' = 'latest-offset',
                  'format' = 'json',
                  'json.ignore-parse-errors' = 'true',
                  'json.timestamp-format.standard' = 'ISO-8601'
                )"""
                .formatted(topic, bootstrapServers, System.nanoTime());
    }

    static String sinkTable(String lakeUri) {
        return """
                CREATE TABLE decisions_lake (
                  event_id STRING,
                  event_type STRING,
                  event_time TIMESTAMP_LTZ(3),
                  user_id STRING,
                  case_id STRING,
                  model STRING,
                  model_version STRING,
                  model_metadata_id STRING,
                  prompt STRING,
                  system_prompt STRING,
                  context_user_history ARRAY<STRING>,
                  context_relevant_documents ARRAY<STRING>,
                  context_metadata MAP<STRING, STRING>,
                  temperature DOUBLE,
                  max_tokens BIGINT,
                  top_p DOUBLE,
                  response_content STRING,
                  response_tokens BIGINT,
                  response_finish_reason STRING,
                  decision_approved BOOLEAN,
                  decision_confidence DOUBLE,
                  decision_reasoning STRING,
                  source_topic STRING,
                  source_partition INT,
                  source_offset BIGINT,
                  ingest_time TIMESTAMP_LTZ(3),
                  tenant_id STRING,
                  event_date STRING
                ) PARTITIONED BY (tenant_id, event_date) WITH (
                  'connector' = 'filesystem',
                  'path' = '%s/audit/decisions',
                  'format' = 'parquet',
                  'parquet.compression' = 'SNAPPY',
                  'parquet.block.size' = '16777216',
                  'parquet.page.size' = '1048576'
                )"""
                .formatted(lakeUri);
    }

    static final String INSERT =
            """
            INSERT INTO decisions_lake
            SELECT
              eventId, eventType, `timestamp`, userId, caseId,
              aiInteraction.model, aiInteraction.modelVersion, aiInteraction.modelMetadataId,
              aiInteraction.prompt, aiInteraction.systemPrompt,
              aiInteraction.context.userHistory, aiInteraction.context.relevantDocuments,
              aiInteraction.context.metadata,
              aiInteraction.parameters.temperature, aiInteraction.parameters.maxTokens,
              aiInteraction.parameters.topP,
              aiInteraction.response.content, aiInteraction.response.tokens,
              aiInteraction.response.finishReason,
              aiInteraction.decision.approved, aiInteraction.decision.confidence,
              aiInteraction.decision.reasoning,
              source_topic, source_partition, source_offset,
              CURRENT_TIMESTAMP,
              tenantId,
              DATE_FORMAT(`timestamp`, 'yyyy-MM-dd')
            FROM decisions
            WHERE tenantId IS NOT NULL AND `timestamp` IS NOT NULL""";
}
