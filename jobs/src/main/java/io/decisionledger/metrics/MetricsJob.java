package io.decisionledger.metrics;

import io.decisionledger.decision.DecisionDeduplicator;
import io.decisionledger.decision.KafkaDecisionDeserializer;
import io.decisionledger.decision.ParsedDecision;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LateDecisionBucketAssigner;
import io.decisionledger.lake.MetricsBucketAssigner;
import io.decisionledger.lake.ParquetFormats;
import io.decisionledger.lake.ProjectedParquetFormat;
import io.decisionledger.schema.DecisionMetrics;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.LateDecision;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.fs.Path;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.util.OutputTag;

/**
 * The metrics job: the CQRS read side. Decisions become small windowed read models that dashboards
 * query instead of the audit store: per tenant × model × model version and event-time tumbling
 * window (1 minute, 1 hour, 1 day by default), counts, approval and denial rates, confidence
 * statistics and percentiles, tokens, finish reasons and approximate distinct users, as Parquet
 * under {@code <lake>/metrics/decision_metrics/granularity=G/tenant_id=T/window_date=D/} and
 * optionally as JSON on a Kafka topic.
 *
 * <p>The same graph runs in two modes. Live ({@code --source kafka}, streaming): the decisions
 * topic is parsed, validated and de-duplicated by the very code ingest uses, with per-partition
 * watermarks and idleness; a window's row is written when the watermark passes its end, and a
 * correction row (higher revision) for each late decision within the allowed lateness; decisions
 * later than that are recorded in {@code <lake>/metrics/late_decisions/}. Rebuild ({@code --source
 * lake}, batch): the audit lake is read and every window is written once, complete. Because a row
 * depends only on the set of decisions in its window ({@link MetricsAccumulator}) and its revision
 * is the number of decisions it covers, the rebuild's rows equal the live job's current rows, and a
 * rebuild written into the same read model supersedes live rows that missed too-late decisions.
 *
 * <p>Graph (live): Kafka source (parses, assigns event time and watermarks) → accepted only → key
 * by tenant/eventId → de-duplicate → decision facts → key by tenant/model/version → one window
 * operator per granularity → Parquet sink (+ Kafka sink); too-late decisions → late-decisions sink.
 */
public final class MetricsJob {

    public static final String JOB_NAME = "decision-ledger metrics";
    public static final String REBUILD_JOB_NAME = "decision-ledger metrics rebuild";

    private static final TypeInformation<DecisionFacts> FACTS =
            TypeInformation.of(DecisionFacts.class);
    private static final TypeInformation<Tuple3<String, String, String>> WINDOW_KEY =
            Types.TUPLE(Types.STRING, Types.STRING, Types.STRING);

    private final MetricsOptions options;
    private final Source<ParsedDecision, ?, ?> kafkaSource;
    private final Source<DecisionFacts, ?, ?> lakeSource;
    private final Sink<DecisionMetrics> metricsSink;
    private final Sink<DecisionMetrics> topicSink;
    private final Sink<LateDecision> lateSink;

    private MetricsJob(
            MetricsOptions options,
            Source<ParsedDecision, ?, ?> kafkaSource,
            Source<DecisionFacts, ?, ?> lakeSource,
            Sink<DecisionMetrics> metricsSink,
            Sink<DecisionMetrics> topicSink,
            Sink<LateDecision> lateSink) {
        this.options = options;
        this.kafkaSource = kafkaSource;
        this.lakeSource = lakeSource;
        this.metricsSink = metricsSink;
        this.topicSink = topicSink;
        this.lateSink = lateSink;
    }

    /**
     * The live job over a source of parsed Kafka records.
     *
     * @param topicSink where rows also go as JSON, or null
     */
    public static MetricsJob live(
            MetricsOptions options,
            Source<ParsedDecision, ?, ?> source,
            Sink<DecisionMetrics> metricsSink,
            Sink<LateDecision> lateSink,
            Sink<DecisionMetrics> topicSink) {
        return new MetricsJob(options, source, null, metricsSink, topicSink, lateSink);
    }

    /** The rebuild over a bounded source of decisions read from the audit lake. */
    public static MetricsJob rebuild(
            MetricsOptions options,
            Source<DecisionFacts, ?, ?> source,
            Sink<DecisionMetrics> metricsSink) {
        return new MetricsJob(options, null, source, metricsSink, null, null);
    }

    /** The job with its production source and sinks, as {@link #main} runs it. */
    public static MetricsJob fromOptions(MetricsOptions options) throws IOException {
        if (options.source() == MetricsOptions.Source.LAKE) {
            return rebuild(options, lakeSource(options), metricsSink(options));
        }
        return live(
                options,
                kafkaSource(options),
                metricsSink(options),
                lateSink(options),
                options.outputTopic() == null ? null : topicSink(options));
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

    public void build(StreamExecutionEnvironment env) {
        buildFrom(kafkaSource != null ? liveFacts(env) : lakeFacts(env));
    }

    /** Kafka → accepted → de-duplicated (exactly as ingest does) → facts with event time. */
    public DataStream<DecisionFacts> liveFacts(StreamExecutionEnvironment env) {
        return env.fromSource(
                        kafkaSource,
                        MetricsWatermarks.forDecisions(
                                options.maxOutOfOrderness(), options.idleness()),
                        "kafka-decisions")
                .uid("kafka-decisions-source")
                .filter(ParsedDecision::isAccepted)
                .name("accepted-only")
                .keyBy(DecisionDeduplicator.key())
                .process(new DecisionDeduplicator(options.dedupTtl()))
                .returns(new AvroTypeInfo<>(DecisionRecord.class))
                .name("dedup-by-event-id")
                .uid("dedup-by-event-id")
                .map(DecisionFacts::of, FACTS)
                .name("decision-facts");
    }

    /** Audit lake Parquet (only the needed columns) → facts with event time. */
    public DataStream<DecisionFacts> lakeFacts(StreamExecutionEnvironment env) {
        return env.fromSource(
                        lakeSource,
                        WatermarkStrategy.<DecisionFacts>noWatermarks()
                                .withTimestampAssigner((f, ts) -> f.eventTimeMillis()),
                        "audit-lake")
                .uid("audit-lake-source");
    }

    /** Everything after the facts: one window operator per granularity, and the sinks. */
    public void buildFrom(DataStream<DecisionFacts> facts) {
        DataStream<DecisionMetrics> rows = null;
        DataStream<LateDecision> late = null;
        for (Granularity g : options.granularities()) {
            SingleOutputStreamOperator<DecisionMetrics> windowRows =
                    windows(facts, g, options.allowedLateness());
            rows = rows == null ? windowRows : rows.union(windowRows);
            if (lateSink != null) {
                DataStream<LateDecision> tooLate =
                        windowRows
                                .getSideOutput(tooLateTag(g))
                                .process(new TooLateDecisions(g))
                                .returns(new AvroTypeInfo<>(LateDecision.class))
                                .name("too-late-" + g.label());
                late = late == null ? tooLate : late.union(tooLate);
            }
        }
        rows.sinkTo(metricsSink).name("metrics-sink").uid("metrics-sink");
        if (topicSink != null) {
            rows.sinkTo(topicSink).name("metrics-topic-sink").uid("metrics-topic-sink");
        }
        if (late != null) {
            late.sinkTo(lateSink).name("late-decisions-sink").uid("late-decisions-sink");
        }
    }

    /**
     * The window operator of one granularity: tumbling event-time windows keyed by tenant, model
     * and model version, kept open for {@code allowedLateness} after the watermark passed their
     * end; later decisions go to {@link #tooLateTag}.
     */
    public static SingleOutputStreamOperator<DecisionMetrics> windows(
            DataStream<DecisionFacts> facts, Granularity g, Duration allowedLateness) {
        return facts.keyBy(new WindowKey(), WINDOW_KEY)
                .window(TumblingEventTimeWindows.of(g.length()))
                .trigger(new CountingEventTimeTrigger())
                .allowedLateness(allowedLateness)
                .sideOutputLateData(tooLateTag(g))
                .aggregate(
                        new DecisionMetricsAggregate(),
                        new EmitMetricsRow(g),
                        MetricsAccumulatorTypeInfo.INSTANCE,
                        MetricsAccumulatorTypeInfo.INSTANCE,
                        new AvroTypeInfo<>(DecisionMetrics.class))
                .name("metrics-window-" + g.label())
                .uid("metrics-window-" + g.label());
    }

    /** Side output of the {@code g} window operator: decisions too late for their window. */
    public static OutputTag<DecisionFacts> tooLateTag(Granularity g) {
        return new OutputTag<>("too-late-" + g.label(), FACTS);
    }

    /** (tenant, model, model version): the read model's key. */
    public static final class WindowKey
            implements KeySelector<DecisionFacts, Tuple3<String, String, String>> {
        private static final long serialVersionUID = 1L;

        @Override
        public Tuple3<String, String, String> getKey(DecisionFacts f) {
            return Tuple3.of(f.tenantId, f.model, f.modelVersion);
        }
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
        return FileSource.forRecordStreamFormat(
                        ProjectedParquetFormat.of(
                                DecisionRecord.getClassSchema(),
                                DecisionFacts.AUDIT_COLUMNS,
                                DecisionFacts::of,
                                FACTS),
                        partitions.toArray(new Path[0]))
                .build();
    }

    public static FileSink<DecisionMetrics> metricsSink(MetricsOptions options) {
        return ParquetFormats.checkpointedSink(
                options.lake().decisionMetrics(),
                DecisionMetrics.class,
                options.parquet(),
                new MetricsBucketAssigner());
    }

    public static FileSink<LateDecision> lateSink(MetricsOptions options) {
        return ParquetFormats.checkpointedSink(
                options.lake().lateDecisions(),
                LateDecision.class,
                options.parquet(),
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
