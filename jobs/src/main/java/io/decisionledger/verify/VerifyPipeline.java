package io.decisionledger.verify;

import io.decisionledger.chain.ChainEntry;
import io.decisionledger.retention.RetentionAnchors;
import io.decisionledger.schema.ChainHead;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.operators.Order;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.connector.datagen.functions.FromElementsGeneratorFunction;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The verify job's graph, a Flink batch job: audit files are read and every record re-hashed in
 * parallel across files ({@link ReadChainEntries}); the entries are sorted by chain and seq with
 * Flink's external sort (spilling to disk, so a lake larger than memory verifies) and each chain is
 * walked by one subtask, chains in parallel ({@link ChainChecker}); event ids are sorted by a
 * fixed-length key and compared in full to find duplicates ({@link DuplicateEventIds}). The
 * quarantine's own hash chains are checked the same way, beside them ({@link
 * ReadQuarantineEntries}). Out come the violations, and per chain its {@link ChainStats}. Both go
 * back to the client ({@link VerifyRunner}), so the graph ends in streams, not sinks; tests plug in
 * any bounded source of file paths.
 */
public final class VerifyPipeline {

    /**
     * What the graph produces: the violations, and one {@link ChainStats} per chain with records.
     */
    public record Outputs(DataStream<Violation> violations, DataStream<ChainStats> chains) {}

    /**
     * The quarantine to check besides the audit chains: its files, the latest published head of
     * each quarantine chain, and the anchors of quarantine positions retention deleted.
     */
    public record QuarantineInput(
            Source<String, ?, ?> files, Map<String, ChainHead> heads, RetentionAnchors anchors) {}

    private final Source<String, ?, ?> auditFiles;
    private final Map<String, ChainHead> heads;
    private final RetentionAnchors anchors;
    private final QuarantineInput quarantine;
    private Map<String, VerifyState.Chain> auditStarts = Map.of();
    private Map<String, VerifyState.Chain> quarantineStarts = Map.of();
    private String[] auditFileNames = new String[0];

    /**
     * @param auditFiles paths of the audit Parquet files to verify, bounded
     * @param heads the latest published head of every chain, by chain key
     * @param anchors runs of positions retention deleted (with summaries)
     */
    public VerifyPipeline(
            Source<String, ?, ?> auditFiles,
            Map<String, ChainHead> heads,
            RetentionAnchors anchors) {
        this(auditFiles, heads, anchors, null);
    }

    /**
     * @param auditFiles paths of the audit Parquet files to verify, bounded; null when there are
     *     none
     * @param quarantine the quarantine to check too, or null when there is none
     */
    public VerifyPipeline(
            Source<String, ?, ?> auditFiles,
            Map<String, ChainHead> heads,
            RetentionAnchors anchors,
            QuarantineInput quarantine) {
        if (auditFiles == null && quarantine == null) {
            throw new IllegalArgumentException(
                    "nothing to verify: no audit and no quarantine files");
        }
        this.auditFiles = auditFiles;
        this.heads = heads;
        this.anchors = anchors;
        this.quarantine = quarantine;
    }

    /**
     * An incremental verification: the chains named here were verified up to these positions (the
     * verify state), and only files not covered by it are among the inputs; each such chain is
     * walked on from its position instead of from seq 1.
     */
    public VerifyPipeline startingFrom(
            Map<String, VerifyState.Chain> audit, Map<String, VerifyState.Chain> quarantine) {
        this.auditStarts = Map.copyOf(audit);
        this.quarantineStarts = Map.copyOf(quarantine);
        return this;
    }

    /**
     * The audit files the source hands out, so records can name theirs by its position through the
     * sorts instead of by its path (violations still name the path).
     */
    public VerifyPipeline namingAuditFiles(List<String> paths) {
        this.auditFileNames = paths.toArray(new String[0]);
        return this;
    }

    /** A bounded source of file paths, as listed by the client. */
    public static Source<String, ?, ?> filesListed(List<String> paths) {
        return new DataGeneratorSource<>(
                new FromElementsGeneratorFunction<>(Types.STRING, paths.toArray(new String[0])),
                paths.size(),
                Types.STRING);
    }

    public Outputs build(StreamExecutionEnvironment env) {
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        Outputs audit = auditFiles == null ? null : buildAudit(env);
        if (quarantine == null) {
            return audit;
        }
        Outputs q = buildQuarantine(env);
        return audit == null
                ? q
                : new Outputs(
                        audit.violations().union(q.violations()), audit.chains().union(q.chains()));
    }

    /**
     * The quarantine chains: read and re-hash each file's records, sort by chain and seq, walk each
     * chain against its published quarantine head. Violations and stats are marked {@code
     * quarantine}. Quarantine may hold an event id more than once (re-sent duplicates are
     * quarantined on purpose), so there is no duplicate check.
     */
    private Outputs buildQuarantine(StreamExecutionEnvironment env) {
        DataStream<ChainEntry> entries =
                env.fromSource(
                                quarantine.files(),
                                WatermarkStrategy.noWatermarks(),
                                "quarantine-files",
                                Types.STRING)
                        .setParallelism(1)
                        .rebalance()
                        .flatMap(new ReadQuarantineEntries())
                        .returns(TypeInformation.of(ChainEntry.class))
                        .name("read-and-rehash-quarantine");
        SingleOutputStreamOperator<Violation> violations =
                sortedByChainAndSeq(entries, "sort-quarantine-by-chain-and-seq")
                        .transform(
                                "check-quarantine-chains",
                                TypeInformation.of(Violation.class),
                                new ChainChecker(
                                        quarantine.heads(),
                                        quarantine.anchors(),
                                        Violation.QUARANTINE,
                                        quarantineStarts));
        return new Outputs(violations, violations.getSideOutput(ChainChecker.CHAIN_STATS));
    }

    private Outputs buildAudit(StreamExecutionEnvironment env) {
        SingleOutputStreamOperator<ChainEntry> entries =
                env.fromSource(
                                auditFiles,
                                WatermarkStrategy.noWatermarks(),
                                "audit-files",
                                Types.STRING)
                        // one reader lists, the rebalance spreads the files over the readers
                        .setParallelism(1)
                        .rebalance()
                        .process(new ReadChainEntries(auditFileNames))
                        .returns(TypeInformation.of(ChainEntry.class))
                        .name("read-and-rehash");
        SingleOutputStreamOperator<Violation> chainViolations =
                sortedByChainAndSeq(entries, "sort-by-chain-and-seq")
                        .transform(
                                "check-chains",
                                TypeInformation.of(Violation.class),
                                new ChainChecker(heads, anchors, Violation.AUDIT, auditStarts)
                                        .namingFiles(auditFileNames));
        DataStream<Violation> duplicates = DuplicateEventIds.find(entries, auditFileNames);
        return new Outputs(
                chainViolations.union(
                        duplicates, entries.getSideOutput(ReadChainEntries.UNREADABLE)),
                chainViolations.getSideOutput(ChainChecker.CHAIN_STATS));
    }

    /**
     * The entries grouped by chain, each chain's entries in seq order, as {@link ChainChecker}
     * needs them: chains are spread over the subtasks by chain key, and each subtask sorts its
     * entries on one {@code long}, {@link ChainSortKey} (the chain's number in the subtask, then
     * the seq), with Flink's external sort. Entries whose seq is out of {@link ChainSortKey}'s
     * range (only a damaged or forged file has one) come at their chain's start or end unsorted
     * among themselves; the checker orders them.
     *
     * <p>Not {@code keyBy(chainKey).fullWindowPartition().sortPartition(seq)}: Flink 2.2.0's keyed
     * sort ({@code KeyedSortPartitionOperator}) compares the sort value with the sign reversed in
     * its comparators' {@code compareToReference} (both {@code
     * FixedLengthByteKeyAndValueComparator} and {@code VariableLengthByteKeyAndValueComparator}),
     * and the external sorter's merge of spilled runs uses exactly that method: once one subtask's
     * entries spill into more than one run, each chain comes out as its runs in reverse order (seq
     * 33 503..37 200, then 1..33 502), which the checker reports as a gap and thousands of repeats.
     * The non-keyed sort compares with Flink's ordinary tuple comparator, which merges correctly.
     */
    static DataStream<ChainEntry> sortedByChainAndSeq(DataStream<ChainEntry> entries, String name) {
        TypeInformation<ChainEntry> type = TypeInformation.of(ChainEntry.class);
        return entries.partitionCustom(
                        (String chainKey, int subtasks) ->
                                Math.floorMod(chainKey.hashCode(), subtasks),
                        ChainEntry::chainKey)
                .map(new ChainSortKey())
                .returns(Types.TUPLE(type, Types.LONG))
                .name(name + "-key")
                .fullWindowPartition()
                .sortPartition(1, Order.ASCENDING)
                .name(name)
                .map(keyed -> keyed.f0)
                .returns(type)
                .name(name + "-entries");
    }
}
