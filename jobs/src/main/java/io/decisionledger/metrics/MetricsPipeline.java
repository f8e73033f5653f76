package io.decisionledger.metrics;

import io.decisionledger.decision.DecisionDeduplicator;
import io.decisionledger.decision.ParsedDecision;
import io.decisionledger.schema.DecisionMetrics;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.LateDecision;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.util.OutputTag;

/**
 * The metrics job's graph, in its two modes; {@link MetricsJob} plugs in Kafka, the audit lake and
 * the read model's FileSinks, tests plug in in-memory sources and collecting or temp-folder sinks.
 *
 * <p>Live ({@link #live}): parsed decision records (event time and watermarks assigned in the
 * source) → accepted only → key by tenant/eventId → de-duplicate (the ingest job's de-duplicator) →
 * decision facts → per granularity: pre-aggregate per key and window ({@link PreAggregateMetrics},
 * chained) → key by tenant/model/version → window operator → metrics sink (+ topic sink); decisions
 * too late for their window → late-decisions sink. Rebuild ({@link #rebuild}): decision facts read
 * from the audit lake (event time from the facts, no watermarks: the job runs in batch) → the same
 * pre-aggregation and window operators → metrics sink. Operator names and uids are what savepoints
 * are matched by: they must not change.
 */
public final class MetricsPipeline {

    private static final TypeInformation<DecisionFacts> FACTS =
            TypeInformation.of(DecisionFacts.class);
    private static final TypeInformation<Tuple3<String, String, String>> WINDOW_KEY =
            Types.TUPLE(Types.STRING, Types.STRING, Types.STRING);

    /**
     * Where the rows go.
     *
     * @param late decisions too late for the live read model; null in a rebuild (batch has no late
     *     data)
     * @param topic where rows also go as JSON, or null
     */
    public record Sinks(
            Sink<DecisionMetrics> metrics, Sink<LateDecision> late, Sink<DecisionMetrics> topic) {
        public Sinks {
            Objects.requireNonNull(metrics, "metrics sink");
        }
    }

    private final MetricsOptions options;
    private final Source<ParsedDecision, ?, ?> decisions;
    private final Source<DecisionFacts, ?, ?> auditLake;
    private final Sinks sinks;

    private MetricsPipeline(
            MetricsOptions options,
            Source<ParsedDecision, ?, ?> decisions,
            Source<DecisionFacts, ?, ?> auditLake,
            Sinks sinks) {
        this.options = options;
        this.decisions = decisions;
        this.auditLake = auditLake;
        this.sinks = sinks;
    }

    /**
     * The live job over a source of parsed decision records (streaming).
     *
     * @param sinks the metrics and late-decisions sinks, and optionally the topic sink
     */
    public static MetricsPipeline live(
            MetricsOptions options, Source<ParsedDecision, ?, ?> decisions, Sinks sinks) {
        Objects.requireNonNull(sinks.late(), "late-decisions sink");
        return new MetricsPipeline(options, decisions, null, sinks);
    }

    /** The rebuild over a bounded source of decisions read from the audit lake (batch). */
    public static MetricsPipeline rebuild(
            MetricsOptions options,
            Source<DecisionFacts, ?, ?> auditLake,
            Sink<DecisionMetrics> metricsSink) {
        return new MetricsPipeline(options, null, auditLake, new Sinks(metricsSink, null, null));
    }

    public void build(StreamExecutionEnvironment env) {
        buildFrom(decisions != null ? liveFacts(env) : lakeFacts(env));
    }

    /** Decisions → accepted → de-duplicated (exactly as ingest does) → facts with event time. */
    public DataStream<DecisionFacts> liveFacts(StreamExecutionEnvironment env) {
        return env.fromSource(
                        decisions,
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
                        auditLake,
                        WatermarkStrategy.<DecisionFacts>noWatermarks()
                                .withTimestampAssigner((f, ts) -> f.eventTimeMillis()),
                        "audit-lake")
                .uid("audit-lake-source");
    }

    /** Everything after the facts: one window operator per granularity, and the sinks. */
    public void buildFrom(DataStream<DecisionFacts> facts) {
        windowsAndSinks(
                facts,
                options.granularities(),
                options.allowedLateness(),
                sinks,
                Operators.METRICS_JOB);
    }

    /**
     * Which job the window operators and sinks are built into. Their names and uids are what
     * savepoints are matched by: the metrics job keeps the ones it always had, the ingest job's
     * metrics branch ({@link MetricsBranch}) has its own, all prefixed {@code branch-}, so neither
     * can be mistaken for the other's state.
     */
    enum Operators {
        /**
         * The standalone {@link MetricsJob}: names and uids unchanged since its first savepoint.
         */
        METRICS_JOB("", false),
        /**
         * The metrics branch of the ingest job, its windows in {@link HeldWindowOperator}s ({@code
         * branch-metrics-held-window-<G>}).
         */
        INGEST_BRANCH("branch-", true),
        /**
         * The metrics branch as built before {@link HeldWindowOperator} ({@code
         * --metrics-held-windows false}): Flink's window operators, uids {@code
         * branch-metrics-window-<G>}, whose state a savepoint of that branch holds.
         */
        INGEST_BRANCH_FLINK_WINDOWS("branch-", false);

        private final String prefix;
        private final boolean heldWindows;

        Operators(String prefix, boolean heldWindows) {
            this.prefix = prefix;
            this.heldWindows = heldWindows;
        }

        String named(String base) {
            return prefix + base;
        }
    }

    /**
     * The windowing and sinks, the one definition both the metrics job and the ingest job's metrics
     * branch use: per granularity a window operator, its too-late decisions to the late-decisions
     * sink (when there is one), every row to the metrics sink (and the topic sink, when there is
     * one).
     */
    static void windowsAndSinks(
            DataStream<DecisionFacts> facts,
            List<Granularity> granularities,
            Duration allowedLateness,
            Sinks sinks,
            Operators operators) {
        DataStream<DecisionMetrics> rows = null;
        DataStream<LateDecision> late = null;
        for (Granularity g : granularities) {
            SingleOutputStreamOperator<DecisionMetrics> windowRows =
                    windows(facts, g, allowedLateness, operators);
            rows = rows == null ? windowRows : rows.union(windowRows);
            if (sinks.late() != null) {
                SingleOutputStreamOperator<LateDecision> tooLate =
                        windowRows
                                .getSideOutput(tooLateTag(g))
                                .process(new TooLateDecisions(g))
                                .returns(new AvroTypeInfo<>(LateDecision.class))
                                .name(operators.named("too-late-" + g.label()));
                if (operators != Operators.METRICS_JOB) {
                    // stateless; the metrics job's have never had one, and keep it that way
                    tooLate.uid(operators.named("too-late-" + g.label()));
                }
                late = late == null ? tooLate : late.union(tooLate);
            }
        }
        rows.sinkTo(sinks.metrics())
                .name(operators.named("metrics-sink"))
                .uid(operators.named("metrics-sink"));
        if (sinks.topic() != null) {
            rows.sinkTo(sinks.topic())
                    .name(operators.named("metrics-topic-sink"))
                    .uid(operators.named("metrics-topic-sink"));
        }
        if (late != null) {
            late.sinkTo(sinks.late())
                    .name(operators.named("late-decisions-sink"))
                    .uid(operators.named("late-decisions-sink"));
        }
    }

    /**
     * The window operator of one granularity: decisions pre-aggregated per key and window before
     * the shuffle ({@link PreAggregateMetrics}, chained to {@code facts}), then tumbling event-time
     * windows keyed by tenant, model and model version, kept open for {@code allowedLateness} after
     * the watermark passed their end; later decisions go to {@link #tooLateTag}.
     */
    public static SingleOutputStreamOperator<DecisionMetrics> windows(
            DataStream<DecisionFacts> facts, Granularity g, Duration allowedLateness) {
        return windows(facts, g, allowedLateness, Operators.METRICS_JOB);
    }

    static SingleOutputStreamOperator<DecisionMetrics> windows(
            DataStream<DecisionFacts> facts,
            Granularity g,
            Duration allowedLateness,
            Operators operators) {
        KeyedStream<MetricsPartial, Tuple3<String, String, String>> partials =
                facts.transform(
                                operators.named("pre-aggregate-" + g.label()),
                                SerializerTypeInfo.PARTIAL,
                                new PreAggregateMetrics(g))
                        .uid(operators.named("pre-aggregate-" + g.label()))
                        // in the facts' own tasks (chained): their watermarks, no extra hop
                        .setParallelism(facts.getParallelism())
                        .keyBy(new WindowKey(), WINDOW_KEY);
        if (operators.heldWindows) {
            String id = operators.named("metrics-held-window-" + g.label());
            return partials.transform(
                            id,
                            new AvroTypeInfo<>(DecisionMetrics.class),
                            new HeldWindowOperator(g, allowedLateness))
                    .uid(id);
        }
        return partials.window(TumblingEventTimeWindows.of(g.length()))
                .trigger(new CountingEventTimeTrigger())
                .allowedLateness(allowedLateness)
                .sideOutputLateData(tooLateTag(g))
                .aggregate(
                        new DecisionMetricsAggregate(),
                        new EmitMetricsRow(g),
                        SerializerTypeInfo.ACCUMULATOR,
                        SerializerTypeInfo.ACCUMULATOR,
                        new AvroTypeInfo<>(DecisionMetrics.class))
                .name(operators.named("metrics-window-" + g.label()))
                .uid(operators.named("metrics-window-" + g.label()));
    }

    /** Side output of the {@code g} window operator: decisions too late for their window. */
    public static OutputTag<MetricsPartial> tooLateTag(Granularity g) {
        return new OutputTag<>("too-late-" + g.label(), SerializerTypeInfo.PARTIAL);
    }

    /** (tenant, model, model version): the read model's key. */
    public static final class WindowKey
            implements KeySelector<MetricsPartial, Tuple3<String, String, String>> {
        private static final long serialVersionUID = 1L;

        @Override
        public Tuple3<String, String, String> getKey(MetricsPartial p) {
            return Tuple3.of(p.tenantId, p.model, p.modelVersion);
        }
    }
}
