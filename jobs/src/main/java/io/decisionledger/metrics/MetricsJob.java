package io.decisionledger.metrics;

import io.decisionledger.decision.KafkaDecisionDeserializer;
import io.decisionledger.decision.ParsedDecision;
import io.decisionledger.lake.FileNamingFormat;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.lake.LateDecisionBucketAssigner;
import io.decisionledger.lake.MetricsBucketAssigner;
import io.decisionledger.lake.ParquetFormats;
import io.decisionledger.lake.ParquetSettings;
import io.decisionledger.lake.ProjectedParquetFormat;
import io.decisionledger.schema.DecisionMetrics;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.LateDecision;
import java.io.IOException;
import java.util.List;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The metrics job: the CQRS read side. Decisions become small windowed read models that dashboards
 * query instead of the audit store: per tenant × model × model version and event-time tumbling
 * window (1 minute, 1 hour, 1 day by default), counts, approval and denial rates, confidence
 * statistics and percentiles, tokens, finish reasons and approximate distinct users, as Parquet
 * under {@code <lake>/metrics/decision_metrics/granularity=G/tenant_id=T/window_date=D/} and
 * optionally as JSON on a Kafka topic.
 *
 * <p>The same graph ({@link MetricsPipeline}) runs in two modes. Live ({@code --source kafka},
 * streaming): the decisions topic is parsed, validated and de-duplicated by the very code ingest
 * uses, with per-partition watermarks and idleness; a window's row is written when the watermark
 * passes its end, and a correction row (higher revision) for each late decision within the allowed
 * lateness; decisions later than that are recorded in {@code <lake>/metrics/late_decisions/}.
 * Rebuild ({@code --source lake}, batch): the audit lake is read and every window is written once,
 * complete. Because a row depends only on the set of decisions in its window ({@link
 * MetricsAccumulator}) and its revision is the number of decisions it covers, the rebuild's rows
 * equal the live job's current rows, and a rebuild written into the same read model supersedes live
 * rows that missed too-late decisions.
 *
 * <p>{@link #main} parses {@link MetricsOptions}, sets up the environment for the mode and runs the
 * pipeline with the production sources and sinks built here: the Kafka source, or the audit lake's
 * selected partitions (planned on the client: an empty selection is an error), and the read model's
 * FileSinks (+ the Kafka topic sink).
 */
public final class MetricsJob {

    public static final String JOB_NAME = "decision-ledger metrics";
    public static final String REBUILD_JOB_NAME = "decision-ledger metrics rebuild";

    private static final TypeInformation<DecisionFacts> FACTS =
            TypeInformation.of(DecisionFacts.class);

    private MetricsJob() {}

    /** The pipeline with its production sources and sinks, as {@link #main} runs it. */
    public static MetricsPipeline fromOptions(MetricsOptions options) throws IOException {
        if (options.source() == MetricsOptions.Source.LAKE) {
            return MetricsPipeline.rebuild(options, lakeSource(options), metricsSink(options));
        }
        return MetricsPipeline.live(
                options,
                kafkaSource(options),
                new MetricsPipeline.Sinks(
                        metricsSink(options),
                        lateSink(options),
                        options.outputTopic() == null ? null : topicSink(options)));
    }

    public static void main(String[] args) throws Exception {
        MetricsOptions options = MetricsOptions.COMMAND.parseOrExit(args);
        if (options == null) {
            return; // --help
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        configureEnvironment(env, options);
        fromOptions(options).build(env);
        env.execute(options.source() == MetricsOptions.Source.LAKE ? REBUILD_JOB_NAME : JOB_NAME);
    }

    /**
     * Live: exactly-once checkpoints, which the FileSink needs to commit files (restart strategy
     * and state backend come from the cluster). Rebuild: batch execution, so windows are computed
     * from sorted input with no watermarks and no lateness, and nothing is checkpointed. The
     * options become global job parameters, which Flink's web UI shows.
     */
    public static void configureEnvironment(
            StreamExecutionEnvironment env, MetricsOptions options) {
        env.getConfig().setGlobalJobParameters(Configuration.fromMap(options.jobParameters()));
        if (options.source() == MetricsOptions.Source.LAKE) {
            env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        } else {
            env.setRuntimeMode(RuntimeExecutionMode.STREAMING);
            env.enableCheckpointing(
                    options.checkpointInterval().toMillis(), CheckpointingMode.EXACTLY_ONCE);
            env.getCheckpointConfig()
                    .setExternalizedCheckpointRetention(
                            ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        }
        // No function keeps a reference to its input between calls.
        env.getConfig().enableObjectReuse();
    }

    public static KafkaSource<ParsedDecision> kafkaSource(MetricsOptions options) {
        // The same reader as ingest, so both jobs accept the same decisions.
        return KafkaDecisionDeserializer.source(
                options.bootstrapServers(),
                List.of(options.topic()),
                options.groupId(),
                options.startingOffsets().name(),
                options.bounded(),
                options.parserLimits(),
                options.kafkaProperties());
    }

    /**
     * The audit lake's partitions selected by {@code --tenant}, {@code --from-date} and {@code
     * --to-date}, read with only the columns the metrics need.
     *
     * @throws IllegalStateException when no partition matches (nothing to rebuild)
     */
    public static FileSource<DecisionFacts> lakeSource(MetricsOptions options) throws IOException {
        List<Path> partitions =
                LakeFiles.auditPartitions(
                        options.lake(), options.tenant(), options.fromDate(), options.toDate());
        if (partitions.isEmpty()) {
            throw new IllegalStateException(
                    "no audit partitions under "
                            + options.lake().auditDecisions()
                            + " match the selection: nothing to rebuild");
        }
        // a truncated or corrupt file fails the rebuild naming it (UnreadableLakeFile): metrics
        // that silently left a file out would be wrong without anyone knowing
        return FileSource.forBulkFileFormat(
                        FileNamingFormat.of(
                                ProjectedParquetFormat.of(
                                        DecisionRecord.getClassSchema(),
                                        DecisionFacts.AUDIT_COLUMNS,
                                        DecisionFacts::of,
                                        FACTS)),
                        partitions.toArray(new Path[0]))
                .build();
    }

    public static FileSink<DecisionMetrics> metricsSink(MetricsOptions options) {
        return metricsSink(options.lake(), options.parquet());
    }

    /**
     * The read model's FileSink under {@code <lake>/metrics/decision_metrics/}: the metrics job's,
     * and the ingest job's metrics branch's. Its part files are small (a tenant's rows of one
     * granularity and date per checkpoint), hence the small-file writer.
     */
    public static FileSink<DecisionMetrics> metricsSink(LakeLayout lake, ParquetSettings parquet) {
        return ParquetFormats.checkpointedSink(
                lake.decisionMetrics(),
                ParquetFormats.smallFileWriterFor(DecisionMetrics.class, parquet),
                new MetricsBucketAssigner());
    }

    public static FileSink<LateDecision> lateSink(MetricsOptions options) {
        return lateSink(options.lake(), options.parquet());
    }

    /** Decisions too late for the live read model, under {@code <lake>/metrics/late_decisions/}. */
    public static FileSink<LateDecision> lateSink(LakeLayout lake, ParquetSettings parquet) {
        return ParquetFormats.checkpointedSink(
                lake.lateDecisions(),
                ParquetFormats.smallFileWriterFor(LateDecision.class, parquet),
                new LateDecisionBucketAssigner());
    }

    /**
     * JSON rows on {@code --output-topic}, at least once: a replay after a failure can repeat a
     * revision, which is harmless to a consumer that keeps the highest revision per window.
     */
    public static KafkaSink<DecisionMetrics> topicSink(MetricsOptions options) {
        return KafkaSink.<DecisionMetrics>builder()
                .setBootstrapServers(options.bootstrapServers())
                .setRecordSerializer(new MetricsRowJson(options.outputTopic()))
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .setKafkaProducerConfig(options.kafkaProperties())
                .build();
    }
}
