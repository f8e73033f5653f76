package io.decisionledger.ingest;

import io.decisionledger.chain.ChainLinkOperator;
import io.decisionledger.chain.ChainSharding;
import io.decisionledger.decision.DecisionDeduplicator;
import io.decisionledger.decision.KafkaDecisionDeserializer;
import io.decisionledger.decision.ParsedDecision;
import io.decisionledger.decision.Quarantine;
import io.decisionledger.lake.ChainHeadBucketAssigner;
import io.decisionledger.lake.ParquetFormats;
import io.decisionledger.lake.QuarantineBucketAssigner;
import io.decisionledger.lake.TenantDateBucketAssigner;
import io.decisionledger.models.ModelCardLinker;
import io.decisionledger.privacy.PiiMasker;
import io.decisionledger.schema.ChainHead;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.ModelVersionCard;
import io.decisionledger.schema.OpsDecisionRecord;
import io.decisionledger.schema.QuarantineRecord;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.BasePathBucketAssigner;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The ingest job: AI decision events from Kafka become the immutable, exactly-once audit lake.
 * Every record ends in exactly one place: {@code audit/decisions/tenant_id=T/event_date=D/} when
 * valid and new, {@code quarantine/ingest_date=D/} otherwise (malformed, invalid or a duplicate
 * event id), with a reason code. Offsets and de-duplication state are checkpointed together with
 * the FileSink's pending files, so restarts neither lose nor repeat records.
 *
 * <p>Graph: Kafka source (parses) → split refused input and model cards → key by tenant/eventId →
 * de-duplicate → link to the model card in force (broadcast state) → key by chain (tenant/shard) →
 * link into the hash chain → audit sink, and → mask personal data → ops sink; chain heads (at every
 * checkpoint) → heads sink; model cards → broadcast, and → model versions sink; refused input and
 * duplicates → quarantine sink.
 */
public final class IngestJob {

    public static final String JOB_NAME = "decision-ledger ingest";

    private final IngestOptions options;
    private final Source<ParsedDecision, ?, ?> source;
    private final Sink<DecisionRecord> auditSink;
    private final Sink<QuarantineRecord> quarantineSink;
    private final Sink<ChainHead> headsSink;
    private final Sink<OpsDecisionRecord> opsSink;
    private Sink<ModelVersionCard> modelsSink;

    /** Registered model cards, split from the decisions by {@link SplitRefused}. */
    public static final OutputTag<ModelVersionCard> CARDS =
            new OutputTag<>("model-cards", new AvroTypeInfo<>(ModelVersionCard.class));

    public IngestJob(
            IngestOptions options,
            Source<ParsedDecision, ?, ?> source,
            Sink<DecisionRecord> auditSink,
            Sink<QuarantineRecord> quarantineSink,
            Sink<ChainHead> headsSink,
            Sink<OpsDecisionRecord> opsSink) {
        this.options = options;
        this.source = source;
        this.auditSink = auditSink;
        this.quarantineSink = quarantineSink;
        this.headsSink = headsSink;
        this.opsSink = opsSink;
    }

    /** The job with its production source and sinks, as {@link #main} runs it. */
    public static IngestJob fromOptions(IngestOptions options) {
        return new IngestJob(
                        options,
                        kafkaSource(options),
                        auditSink(options),
                        quarantineSink(options),
                        headsSink(options),
                        opsSink(options))
                .withModelsSink(modelsSink(options));
    }

    /**
     * Where registered model cards go; the production sink writes {@code
     * <lake>/models/model_versions/}. Without one (tests that do not care), cards only feed the
     * registry join.
     */
    public IngestJob withModelsSink(Sink<ModelVersionCard> sink) {
        this.modelsSink = sink;
        return this;
    }

    public static void main(String[] args) throws Exception {
        IngestOptions options = IngestOptions.COMMAND.parseOrExit(args);
        if (options == null) {
            return; // --help
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        configureEnvironment(env, options);
        fromOptions(options).build(env);
        env.execute(JOB_NAME);
    }

    /**
     * Checkpointing is not optional here: the FileSink only makes files visible on a completed
     * checkpoint. Restart strategy and state backend come from the cluster configuration (deploy/),
     * so operators tune them without rebuilding the jar. The options become global job parameters,
     * which Flink's web UI shows.
     */
    public static void configureEnvironment(StreamExecutionEnvironment env, IngestOptions options) {
        env.getConfig().setGlobalJobParameters(Configuration.fromMap(options.jobParameters()));
        env.enableCheckpointing(
                options.checkpointInterval().toMillis(), CheckpointingMode.EXACTLY_ONCE);
        env.getCheckpointConfig()
                .setExternalizedCheckpointRetention(
                        ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        // No function keeps a reference to its input, so records need not be copied between
        // chained operators.
        env.getConfig().enableObjectReuse();
    }

    public void build(StreamExecutionEnvironment env) {
        buildFrom(readDecisions(env));
    }

    /** The source stream: every Kafka record, parsed, accepted or refused. */
    public DataStream<ParsedDecision> readDecisions(StreamExecutionEnvironment env) {
        return env.fromSource(source, WatermarkStrategy.noWatermarks(), "kafka-decisions")
                .uid("kafka-decisions-source");
    }

    /**
     * Everything after the source. Separate from {@link #build} so a test can put a
     * failure-injecting operator between the source and the rest.
     */
    public void buildFrom(DataStream<ParsedDecision> parsed) {
        SingleOutputStreamOperator<ParsedDecision> accepted =
                parsed.process(new SplitRefused()).name("split-refused").uid("split-refused");

        SingleOutputStreamOperator<DecisionRecord> unique =
                accepted.keyBy(DecisionDeduplicator.key())
                        .process(new DecisionDeduplicator(options.dedupTtl()))
                        .returns(new AvroTypeInfo<>(DecisionRecord.class))
                        .name("dedup-by-event-id")
                        .uid("dedup-by-event-id");

        DataStream<ModelVersionCard> cards = accepted.getSideOutput(CARDS);
        if (modelsSink != null) {
            cards.sinkTo(modelsSink).name("model-versions-sink").uid("model-versions-sink");
        }
        BroadcastStream<ModelVersionCard> registry = cards.broadcast(ModelCardLinker.CARDS);
        DataStream<DecisionRecord> withCards =
                unique.connect(registry)
                        .process(new ModelCardLinker(options.requiredCertifications()))
                        .returns(new AvroTypeInfo<>(DecisionRecord.class))
                        .name("link-model-cards")
                        .uid("link-model-cards");

        DataStream<DecisionRecord> stored = withCards;
        if (options.hashChain()) {
            ChainSharding sharding = options.chainSharding();
            SingleOutputStreamOperator<DecisionRecord> linked =
                    withCards
                            .keyBy(
                                    (KeySelector<DecisionRecord, String>)
                                            d ->
                                                    ChainSharding.chainKey(
                                                            d.getTenantId(),
                                                            sharding.shardOf(
                                                                    d.getTenantId(),
                                                                    d.getEventId())))
                            .transform(
                                    "hash-chain",
                                    new AvroTypeInfo<>(DecisionRecord.class),
                                    new ChainLinkOperator())
                            .uid("hash-chain");
            linked.getSideOutput(ChainLinkOperator.HEADS)
                    .sinkTo(headsSink)
                    .name("chain-heads-sink")
                    .uid("chain-heads-sink");
            stored = linked;
        }
        stored.sinkTo(auditSink).name("audit-decisions-sink").uid("audit-decisions-sink");

        if (options.opsCopy()) {
            stored.map(new PiiMasker(options.maskingPolicy(), options.pseudonymKey()))
                    .returns(new AvroTypeInfo<>(OpsDecisionRecord.class))
                    .name("mask-personal-data")
                    .uid("mask-personal-data")
                    .sinkTo(opsSink)
                    .name("ops-decisions-sink")
                    .uid("ops-decisions-sink");
        }

        accepted.getSideOutput(Quarantine.OUTPUT)
                .union(unique.getSideOutput(Quarantine.OUTPUT))
                .sinkTo(quarantineSink)
                .name("quarantine-sink")
                .uid("quarantine-sink");
    }

    /** Sends refused input to the quarantine side output and lets accepted decisions through. */
    static final class SplitRefused extends ProcessFunction<ParsedDecision, ParsedDecision> {
        private static final long serialVersionUID = 1L;

        @Override
        public void processElement(ParsedDecision in, Context ctx, Collector<ParsedDecision> out) {
            if (in.isAccepted()) {
                out.collect(in);
            } else if (in.isCard()) {
                ctx.output(CARDS, in.card);
            } else {
                ctx.output(Quarantine.OUTPUT, in.rejected);
            }
        }
    }

    public static KafkaSource<ParsedDecision> kafkaSource(IngestOptions options) {
        return KafkaDecisionDeserializer.source(
                options.bootstrapServers(),
                topics(options),
                options.groupId(),
                options.startingOffsets().name(),
                options.bounded(),
                options.parserLimits(),
                options.kafkaProperties());
    }

    private static java.util.List<String> topics(IngestOptions options) {
        return options.modelsTopic() == null || options.modelsTopic().equals(options.topic())
                ? java.util.List.of(options.topic())
                : java.util.List.of(options.topic(), options.modelsTopic());
    }

    public static FileSink<DecisionRecord> auditSink(IngestOptions options) {
        return ParquetFormats.checkpointedSink(
                options.lake().auditDecisions(),
                DecisionRecord.class,
                options.parquet(),
                TenantDateBucketAssigner.decisions());
    }

    public static FileSink<OpsDecisionRecord> opsSink(IngestOptions options) {
        return ParquetFormats.checkpointedSink(
                options.lake().opsDecisions(),
                OpsDecisionRecord.class,
                options.parquet(),
                TenantDateBucketAssigner.opsDecisions());
    }

    public static FileSink<QuarantineRecord> quarantineSink(IngestOptions options) {
        return ParquetFormats.checkpointedSink(
                options.lake().quarantine(),
                QuarantineRecord.class,
                options.parquet(),
                new QuarantineBucketAssigner());
    }

    public static FileSink<ChainHead> headsSink(IngestOptions options) {
        return ParquetFormats.checkpointedSink(
                options.lake().chainHeads(),
                ChainHead.class,
                options.parquet(),
                new ChainHeadBucketAssigner());
    }

    public static FileSink<ModelVersionCard> modelsSink(IngestOptions options) {
        // Few records: one folder, no partitions. Append-only like every lake folder.
        return ParquetFormats.checkpointedSink(
                options.lake().modelVersions(),
                ModelVersionCard.class,
                options.parquet(),
                new BasePathBucketAssigner<>());
    }
}
