package io.decisionledger.ingest;

import io.decisionledger.chain.ChainLinkOperator;
import io.decisionledger.chain.ChainSharding;
import io.decisionledger.chain.QuarantineChainOperator;
import io.decisionledger.decision.DecisionDeduplicator;
import io.decisionledger.decision.ParsedDecision;
import io.decisionledger.decision.Quarantine;
import io.decisionledger.metrics.MetricsBranch;
import io.decisionledger.metrics.MetricsPipeline;
import io.decisionledger.models.ModelCardLinker;
import io.decisionledger.privacy.PiiMasker;
import io.decisionledger.privacy.RecognizerMasking;
import io.decisionledger.privacy.RecognizerOutcome;
import io.decisionledger.privacy.RecognizerSettings;
import io.decisionledger.schema.ChainHead;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.ModelVersionCard;
import io.decisionledger.schema.OpsDecisionRecord;
import io.decisionledger.schema.QuarantineRecord;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The ingest job's graph, from a source of parsed records to its five sinks; {@link IngestJob}
 * plugs in Kafka and the lake's FileSinks, tests plug in in-memory sources and collecting sinks.
 * Every record ends in exactly one place: the audit sink when valid and new, the quarantine sink
 * otherwise (malformed, invalid or a duplicate event id), with a reason code; model cards go to the
 * models sink and feed the registry join.
 *
 * <p>Graph (the default, {@code --single-shuffle true}): source (parses) → split refused input and
 * model cards → key by chain (tenant/shard) → {@link DedupLinkChainOperator}: de-duplicate, link to
 * the model card in force (cards broadcast to it), link into the hash chain; then as below from the
 * audit sink on. One keyed shuffle, so each accepted decision is serialised once between tasks.
 *
 * <p>Graph with {@code --single-shuffle false} (every version before it, whose savepoints restore
 * only into it): source (parses) → split refused input and model cards → key by tenant/eventId →
 * de-duplicate → link to the model card in force (broadcast state) → key by chain (tenant/shard) →
 * link into the hash chain → audit sink, and → mask personal data (→ the optional external
 * recogniser, async I/O, failing closed) → ops sink; chain heads (at every checkpoint) → sign (with
 * a signing key) → heads sink; model cards → broadcast, and → models sink; refused input and
 * duplicates → key by quarantine chain → link into the quarantine hash chain → quarantine sink, its
 * heads (at every checkpoint) → sign (with a signing key) → quarantine heads sink. With {@code
 * --metrics true} the stored decisions also feed the live metrics read model ({@link
 * MetricsBranch}: decision facts → the metrics job's window operators → metrics and late-decisions
 * sinks), and the source assigns event time and watermarks for it. Operator names and uids are what
 * savepoints are matched by: they must not change (docs/operator-guide.md lists them).
 */
public final class IngestPipeline {

    /** Where the pipeline's outputs go. */
    public record Sinks(
            Sink<DecisionRecord> audit,
            Sink<OpsDecisionRecord> ops,
            Sink<QuarantineRecord> quarantine,
            Sink<ChainHead> heads,
            Sink<ModelVersionCard> models,
            Sink<ChainHead> quarantineHeads,
            MetricsPipeline.Sinks metrics) {
        public Sinks {
            Objects.requireNonNull(audit, "audit sink");
            Objects.requireNonNull(ops, "ops sink");
            Objects.requireNonNull(quarantine, "quarantine sink");
            Objects.requireNonNull(heads, "heads sink");
            Objects.requireNonNull(models, "models sink");
            Objects.requireNonNull(quarantineHeads, "quarantine heads sink");
        }

        /** Without the metrics branch's sinks ({@code --metrics false}, the default). */
        public Sinks(
                Sink<DecisionRecord> audit,
                Sink<OpsDecisionRecord> ops,
                Sink<QuarantineRecord> quarantine,
                Sink<ChainHead> heads,
                Sink<ModelVersionCard> models,
                Sink<ChainHead> quarantineHeads) {
            this(audit, ops, quarantine, heads, models, quarantineHeads, null);
        }
    }

    /** Registered model cards, split from the decisions by {@link SplitRefused}. */
    public static final OutputTag<ModelVersionCard> CARDS =
            new OutputTag<>("model-cards", new AvroTypeInfo<>(ModelVersionCard.class));

    private final IngestOptions options;
    private final Source<ParsedDecision, ?, ?> source;
    private final Sinks sinks;

    /**
     * @param options what the graph needs of them: de-duplication TTL, required certifications,
     *     hash chain and sharding, ops copy, masking policy and pseudonym key
     * @param source every record of the decisions topic(s), parsed ({@code DecisionReader})
     */
    public IngestPipeline(IngestOptions options, Source<ParsedDecision, ?, ?> source, Sinks sinks) {
        this.options = options;
        this.source = source;
        this.sinks = sinks;
    }

    public void build(StreamExecutionEnvironment env) {
        buildFrom(readDecisions(env));
    }

    /** The source stream: every record, parsed, accepted or refused. */
    public DataStream<ParsedDecision> readDecisions(StreamExecutionEnvironment env) {
        // event time and watermarks only for the metrics branch: none without it, as always
        return env.fromSource(
                        source, MetricsBranch.watermarks(options.metrics()), "kafka-decisions")
                .uid("kafka-decisions-source");
    }

    /**
     * Everything after the source. Separate from {@link #build} so a test can put a
     * failure-injecting operator between the source and the rest.
     */
    public void buildFrom(DataStream<ParsedDecision> parsed) {
        SingleOutputStreamOperator<ParsedDecision> accepted =
                parsed.process(new SplitRefused()).name("split-refused").uid("split-refused");

        DataStream<ModelVersionCard> cards = accepted.getSideOutput(CARDS);
        cards.sinkTo(sinks.models()).name("model-versions-sink").uid("model-versions-sink");

        // The accepted, de-duplicated decisions, linked to their model card and (with the hash
        // chain) chained: what the audit sink stores, and where a branch such as live metrics
        // starts. Duplicates: the DUPLICATE_EVENT_ID quarantine records.
        DataStream<DecisionRecord> deduplicated;
        DataStream<QuarantineRecord> duplicates;
        if (options.singleShuffle()) {
            SingleOutputStreamOperator<DecisionRecord> keyed =
                    accepted.keyBy(DedupLinkChainOperator.key(options.chainSharding()))
                            .connect(cards.broadcast())
                            .transform(
                                    "dedup-link-chain",
                                    new AvroTypeInfo<>(DecisionRecord.class),
                                    new DedupLinkChainOperator(
                                            options.dedupTtl(),
                                            options.eventDigestTtl(),
                                            options.requiredCertifications(),
                                            options.hashChain()))
                            .uid("dedup-link-chain");
            if (options.hashChain()) {
                signed(keyed.getSideOutput(ChainLinkOperator.HEADS), "sign-chain-heads")
                        .sinkTo(sinks.heads())
                        .name("chain-heads-sink")
                        .uid("chain-heads-sink");
            }
            deduplicated = keyed;
            duplicates = keyed.getSideOutput(Quarantine.OUTPUT);
        } else {
            SingleOutputStreamOperator<DecisionRecord> unique =
                    accepted.keyBy(DecisionDeduplicator.key())
                            .process(
                                    new DecisionDeduplicator(
                                            options.dedupTtl(), options.eventDigestTtl()))
                            .returns(new AvroTypeInfo<>(DecisionRecord.class))
                            .name("dedup-by-event-id")
                            .uid("dedup-by-event-id");
            duplicates = unique.getSideOutput(Quarantine.OUTPUT);
            BroadcastStream<ModelVersionCard> registry = cards.broadcast(ModelCardLinker.CARDS);
            DataStream<DecisionRecord> withCards =
                    unique.connect(registry)
                            .process(new ModelCardLinker(options.requiredCertifications()))
                            .returns(new AvroTypeInfo<>(DecisionRecord.class))
                            .name("link-model-cards")
                            .uid("link-model-cards");
            deduplicated = withCards;
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
                signed(linked.getSideOutput(ChainLinkOperator.HEADS), "sign-chain-heads")
                        .sinkTo(sinks.heads())
                        .name("chain-heads-sink")
                        .uid("chain-heads-sink");
                deduplicated = linked;
            }
        }
        DataStream<DecisionRecord> stored = deduplicated;
        stored.sinkTo(sinks.audit()).name("audit-decisions-sink").uid("audit-decisions-sink");
        // the live read model, from the decisions as stored (off unless --metrics true)
        MetricsBranch.attach(stored, options.metrics(), sinks.metrics());

        if (options.opsCopy()) {
            DataStream<OpsDecisionRecord> masked =
                    stored.map(new PiiMasker(options.maskingPolicy(), options.pseudonymKey()))
                            .returns(new AvroTypeInfo<>(OpsDecisionRecord.class))
                            .name("mask-personal-data")
                            .uid("mask-personal-data");
            if (options.recognizer().enabled()) {
                masked = recognise(masked, options.recognizer());
            }
            masked.sinkTo(sinks.ops()).name("ops-decisions-sink").uid("ops-decisions-sink");
        }

        DataStream<QuarantineRecord> refused =
                accepted.getSideOutput(Quarantine.OUTPUT).union(duplicates);
        if (options.hashChain()) {
            SingleOutputStreamOperator<QuarantineRecord> linked =
                    refused.keyBy(QuarantineChainOperator.key(options.chainSharding()))
                            .transform(
                                    "quarantine-chain",
                                    new AvroTypeInfo<>(QuarantineRecord.class),
                                    new QuarantineChainOperator())
                            .uid("quarantine-chain");
            signed(linked.getSideOutput(QuarantineChainOperator.HEADS), "sign-quarantine-heads")
                    .sinkTo(sinks.quarantineHeads())
                    .name("quarantine-heads-sink")
                    .uid("quarantine-heads-sink");
            refused = linked;
        }
        refused.sinkTo(sinks.quarantine()).name("quarantine-sink").uid("quarantine-sink");
    }

    /**
     * {@code heads} signed with the signing key, when one is configured. The signing map is
     * stateless, so a savepoint taken without it restores with it and vice versa.
     */
    private DataStream<ChainHead> signed(DataStream<ChainHead> heads, String uid) {
        if (!options.signing().enabled()) {
            return heads;
        }
        return heads.map(new SignChainHeads(options.signing().key()))
                .returns(new AvroTypeInfo<>(ChainHead.class))
                .name(uid)
                .uid(uid);
    }

    /**
     * The external recogniser (only when {@code --recognizer-url} is given, so the graph without it
     * is unchanged): async I/O with a retry while the answer is missing, and an overall timeout; a
     * record it cannot answer for leaves with its free text redacted and is counted.
     */
    private static DataStream<OpsDecisionRecord> recognise(
            DataStream<OpsDecisionRecord> masked, RecognizerSettings settings) {
        return AsyncDataStream.unorderedWaitWithRetry(
                        masked,
                        new RecognizerMasking(settings),
                        settings.timeout().toMillis(),
                        TimeUnit.MILLISECONDS,
                        settings.capacity(),
                        RecognizerMasking.retryStrategy(settings))
                .returns(RecognizerMasking.outputType())
                .name("recognise-personal-data")
                .uid("recognise-personal-data")
                .map(new RecognizerOutcome())
                .returns(new AvroTypeInfo<>(OpsDecisionRecord.class))
                .name("count-recognizer-failures")
                .uid("count-recognizer-failures");
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
}
