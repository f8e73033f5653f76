package io.decisionledger.ingest;

import io.decisionledger.decision.KafkaDecisionDeserializer;
import io.decisionledger.decision.ParsedDecision;
import io.decisionledger.lake.ChainHeadBucketAssigner;
import io.decisionledger.lake.ParquetFormats;
import io.decisionledger.lake.QuarantineBucketAssigner;
import io.decisionledger.lake.TenantDateBucketAssigner;
import io.decisionledger.metrics.MetricsBranch;
import io.decisionledger.schema.ChainHead;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.ModelVersionCard;
import io.decisionledger.schema.OpsDecisionRecord;
import io.decisionledger.schema.QuarantineRecord;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.BasePathBucketAssigner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingest job: AI decision events from Kafka become the immutable, exactly-once audit lake.
 * {@link #main} parses {@link IngestOptions}, sets up the environment and runs {@link
 * IngestPipeline} (the graph) with the production source and sinks built here: the decisions
 * topic(s) read with {@code read_committed}, and one FileSink per lake folder ({@code
 * audit/decisions/tenant_id=T/event_date=D/}, {@code ops/decisions/}, {@code
 * quarantine/ingest_date=D/}, {@code chain/heads/}, {@code models/model_versions/}). Offsets and
 * de-duplication state are checkpointed together with the FileSinks' pending files, so restarts
 * neither lose nor repeat records.
 */
public final class IngestJob {

    public static final String JOB_NAME = "decision-ledger ingest";

    private static final Logger LOG = LoggerFactory.getLogger(IngestJob.class);

    private IngestJob() {}

    /** The pipeline with its production source and sinks, as {@link #main} runs it. */
    public static IngestPipeline fromOptions(IngestOptions options) {
        return new IngestPipeline(options, kafkaSource(options), sinks(options));
    }

    public static void main(String[] args) throws Exception {
        IngestOptions options = IngestOptions.COMMAND.parseOrExit(args);
        if (options == null) {
            return; // --help
        }
        warnIfTenantsUnbound(options);
        warnIfHeadsUnsigned(options);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        configureEnvironment(env, options);
        fromOptions(options).build(env);
        env.execute(JOB_NAME);
    }

    /**
     * Without {@code --tenant-bindings} any producer that can write the topic can write any
     * tenant's chain: allowed (the behaviour before bindings existed), but said out loud.
     *
     * @return whether the warning was logged
     */
    public static boolean warnIfTenantsUnbound(IngestOptions options) {
        if (options.tenantBindings() != null) {
            LOG.info("tenant bindings from {} are enforced", options.tenantBindings().source());
            return false;
        }
        LOG.warn(
                "tenants are unbound: any producer that can write to the topic can write into any"
                        + " tenant's hash chain; set --tenant-bindings FILE (docs/security.md,"
                        + " 'Ingest tenant binding')");
        return true;
    }

    /**
     * Without a signing key the heads are published unsigned: allowed (development, and the
     * behaviour before signing existed; {@code --require-signing} refuses it), but said once, at
     * start. Anyone who can write {@code chain/heads/} can then publish heads matching a rewritten
     * chain, and only a protected copy of the heads shows it.
     *
     * @return whether the warning was logged
     */
    public static boolean warnIfHeadsUnsigned(IngestOptions options) {
        if (!options.hashChain()) {
            return false;
        }
        if (options.signing().enabled()) {
            LOG.info("chain heads are signed with {}", options.signing().key().describe());
            return false;
        }
        LOG.warn(
                "chain heads are published UNSIGNED: whoever can write chain/heads/ can publish"
                        + " heads for a rewritten chain; set --signing-key FILE --signing-key-id ID"
                        + " (and --require-signing in production; docs/operator-guide.md, 'Signed"
                        + " chain heads')");
        return true;
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

    /** The lake's FileSinks under {@code --lake}. */
    public static IngestPipeline.Sinks sinks(IngestOptions options) {
        return new IngestPipeline.Sinks(
                auditSink(options),
                opsSink(options),
                quarantineSink(options),
                headsSink(options),
                modelsSink(options),
                quarantineHeadsSink(options),
                options.metrics().enabled()
                        ? MetricsBranch.sinks(options.lake(), options.parquet())
                        : null);
    }

    public static KafkaSource<ParsedDecision> kafkaSource(IngestOptions options) {
        return KafkaDecisionDeserializer.source(
                options.bootstrapServers(),
                topics(options),
                options.groupId(),
                options.startingOffsets().name(),
                options.bounded(),
                options.parserLimits(),
                options.tenantBindings(),
                options.kafkaProperties());
    }

    private static java.util.List<String> topics(IngestOptions options) {
        return options.modelsTopic() == null || options.modelsTopic().equals(options.topic())
                ? java.util.List.of(options.topic())
                : java.util.List.of(options.topic(), options.modelsTopic());
    }

    public static Sink<DecisionRecord> auditSink(IngestOptions options) {
        return ParquetFormats.meteredSink(
                options.lake().auditDecisions(),
                DecisionRecord.class,
                options.parquet(),
                TenantDateBucketAssigner.decisions());
    }

    public static Sink<OpsDecisionRecord> opsSink(IngestOptions options) {
        return ParquetFormats.meteredSink(
                options.lake().opsDecisions(),
                OpsDecisionRecord.class,
                options.parquet(),
                TenantDateBucketAssigner.opsDecisions());
    }

    public static Sink<QuarantineRecord> quarantineSink(IngestOptions options) {
        return ParquetFormats.meteredSink(
                options.lake().quarantine(),
                QuarantineRecord.class,
                options.parquet(),
                new QuarantineBucketAssigner());
    }

    public static Sink<ChainHead> headsSink(IngestOptions options) {
        return ParquetFormats.meteredSink(
                options.lake().chainHeads(),
                ChainHead.class,
                options.parquet(),
                new ChainHeadBucketAssigner());
    }

    /** Heads of the quarantine hash chains, filed like the decision heads. */
    public static Sink<ChainHead> quarantineHeadsSink(IngestOptions options) {
        return ParquetFormats.meteredSink(
                options.lake().quarantineHeads(),
                ChainHead.class,
                options.parquet(),
                new ChainHeadBucketAssigner());
    }

    public static Sink<ModelVersionCard> modelsSink(IngestOptions options) {
        // Few records: one folder, no partitions. Append-only like every lake folder.
        return ParquetFormats.meteredSink(
                options.lake().modelVersions(),
                ModelVersionCard.class,
                options.parquet(),
                new BasePathBucketAssigner<>());
    }
}
