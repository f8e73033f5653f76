package io.decisionledger.verify;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.chain.ChainEntry;
import io.decisionledger.chain.ChainHasher;
import io.decisionledger.chain.ChainSharding;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.retention.RetentionAnchors;
import io.decisionledger.schema.ChainHead;
import io.decisionledger.testing.IngestRun;
import io.decisionledger.testing.MiniClusters;
import io.decisionledger.testkit.SampleDecisions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.connector.datagen.functions.FromElementsGeneratorFunction;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verify job's sort by chain and seq when it spills: at parallelism 1, with little managed
 * memory, several chains share the one sorting subtask and the largest chain does not fit in one
 * sort buffer, so the external sort writes several sorted runs and merges them. Flink 2.2.0's keyed
 * {@code sortPartition} merged the runs of one key in the wrong order (its key-and-value
 * comparators compare the value the other way round in {@code compareToReference}, which the merge
 * uses): a clean chain came out as 1 SEQ_GAP and thousands of SEQ_REPEATED. The chains here are
 * clean and linked, as a real lake's are; only the order the checker sees them in is under test.
 */
class ChainSortITCase {

    /** Small enough that ~32 000 entries (~250 bytes each) spill, large enough for the sorters. */
    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            MiniClusters.twoSlots(managedMemory(MemorySize.parse("8m")));

    /** Three chains of different lengths, the longest several times one sort buffer. */
    private static final Map<String, Integer> CHAINS = new LinkedHashMap<>();

    private static final Map<String, String> TENANTS = new HashMap<>();

    static {
        chain("bank_456", 0, 24_000);
        chain("insurer_789", 1, 6_000);
        chain("lender_123", 0, 2_000);
    }

    private static void chain(String tenant, int shard, int length) {
        CHAINS.put(ChainSharding.chainKey(tenant, shard), length);
        TENANTS.put(ChainSharding.chainKey(tenant, shard), tenant);
    }

    @Test
    void aSpillingSortAtParallelismOneHandsTheCheckerEveryChainInSeqOrder() throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.setRuntimeMode(org.apache.flink.api.common.RuntimeExecutionMode.BATCH);

        DataStream<ChainEntry> sorted =
                VerifyPipeline.sortedByChainAndSeq(entriesInFileOrder(env), "sort");
        SingleOutputStreamOperator<Violation> violations =
                sorted.transform(
                        "check",
                        TypeInformation.of(Violation.class),
                        new ChainChecker(
                                heads(), RetentionAnchors.none(), Violation.AUDIT, Map.of()));
        // the order itself, as the checker sees it: where a chain's seq goes down or the chain
        // comes back after another one
        DataStream<String> disorder =
                sorted.map(e -> e.chainKey() + " " + e.seq)
                        .returns(Types.STRING)
                        .flatMap(new OrderBreaks())
                        .returns(Types.STRING);

        List<Violation> found = new ArrayList<>();
        List<ChainStats> stats = new ArrayList<>();
        List<String> breaks = new ArrayList<>();
        try (var v = violations.collectAsync();
                var s = violations.getSideOutput(ChainChecker.CHAIN_STATS).collectAsync();
                var d = disorder.collectAsync()) {
            env.execute("sort chains with spilling");
            v.forEachRemaining(found::add);
            s.forEachRemaining(stats::add);
            d.forEachRemaining(breaks::add);
        }

        assertThat(breaks).as("places where the sorted order breaks").isEmpty();
        Map<String, Long> byKind = new java.util.TreeMap<>();
        found.forEach(
                x -> byKind.merge(x.kind + " " + x.tenantId + "/" + x.chainShard, 1L, Long::sum));
        assertThat(byKind).as("violations of clean chains, by kind and chain").isEmpty();
        Map<String, Long> lastSeqs = new HashMap<>();
        stats.forEach(c -> lastSeqs.put(c.chainKey(), c.lastSeq()));
        Map<String, Long> expected = new HashMap<>();
        CHAINS.forEach((k, n) -> expected.put(k, (long) n));
        assertThat(lastSeqs).isEqualTo(expected);
        assertThat(stats).hasSize(CHAINS.size());
    }

    /**
     * The whole verify job, end to end: a lake the real ingest path wrote (three tenants, one chain
     * each, the largest several sort buffers long), verified by {@link VerifyRunner} at parallelism
     * 1 with this cluster's little managed memory, is clean.
     */
    @Test
    void verifiesALakeWhoseChainsSpillAtParallelismOneAsClean(@TempDir Path work) throws Exception {
        SampleDecisions.Sample sample =
                SampleDecisions.generate(31, 12_000, 0, 0, Instant.parse("2026-03-15T12:00:00Z"));
        Path lake = work.resolve("lake");
        IngestRun.ingestInMemory(sample.events(), "decisions", lake.toUri().toString());

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        VerifyReport report =
                new VerifyRunner(
                                new VerifyJob.Options(
                                        LakeLayout.at(lake.toUri().toString()),
                                        null,
                                        work.resolve("report.json")))
                        .run(env, new PrintStream(new ByteArrayOutputStream(), true, UTF_8));

        assertThat(report.violationsByKind()).as("violations of an untouched lake").isEmpty();
        assertThat(report.records()).isEqualTo(sample.acceptedTotal());
        assertThat(report.chains()).isEqualTo(sample.acceptedPerTenant().size());
        assertThat(report.clean()).isTrue();
    }

    /**
     * The chains' entries as the readers produce them from a day-partitioned lake: file by file
     * (blocks of 400 seqs of one chain), the chains' files interleaved, each chain's seqs rising.
     */
    private static DataStream<ChainEntry> entriesInFileOrder(StreamExecutionEnvironment env) {
        List<String> order = new ArrayList<>();
        Map<String, Integer> next = new HashMap<>();
        CHAINS.keySet().forEach(k -> next.put(k, 1));
        boolean more = true;
        while (more) {
            more = false;
            for (Map.Entry<String, Integer> chain : CHAINS.entrySet()) {
                int from = next.get(chain.getKey());
                int to = Math.min(from + 400, chain.getValue() + 1);
                for (int seq = from; seq < to; seq++) {
                    order.add(chain.getKey() + " " + seq);
                }
                next.put(chain.getKey(), to);
                more |= to <= chain.getValue();
            }
        }
        String[] elements = order.toArray(new String[0]);
        return env.fromSource(
                        new DataGeneratorSource<>(
                                new FromElementsGeneratorFunction<>(Types.STRING, elements),
                                elements.length,
                                Types.STRING),
                        WatermarkStrategy.noWatermarks(),
                        "entries")
                .map(ChainSortITCase::entry)
                .returns(TypeInformation.of(ChainEntry.class));
    }

    /** Entry {@code "<chain key> <seq>"}: a linked, intact record with 64-hex-digit hashes. */
    private static ChainEntry entry(String chainAndSeq) {
        String chainKey = chainAndSeq.substring(0, chainAndSeq.indexOf(' '));
        long seq = Long.parseLong(chainAndSeq.substring(chainAndSeq.indexOf(' ') + 1));
        ChainEntry e = new ChainEntry();
        e.tenantId = tenantOf(chainKey);
        e.chainShard = shardOf(chainKey);
        e.seq = seq;
        e.prevHash = seq == 1 ? ChainHasher.GENESIS : hash(chainKey, seq - 1);
        e.hash = hash(chainKey, seq);
        e.eventId = "event-" + chainKey + "-" + seq;
        e.file = "audit/" + chainKey + "/part-" + (seq / 400) + ".parquet";
        e.contentOk = true;
        e.hashOk = true;
        e.layout = 3;
        return e;
    }

    private static Map<String, ChainHead> heads() {
        Map<String, ChainHead> heads = new HashMap<>();
        CHAINS.forEach(
                (chainKey, last) -> {
                    ChainHead h = new ChainHead();
                    h.setTenantId(tenantOf(chainKey));
                    h.setChainShard(shardOf(chainKey));
                    h.setChainSeq((long) last);
                    h.setHash(hash(chainKey, last));
                    h.setEventId("event-" + chainKey + "-" + last);
                    h.setPublishedAt(Instant.parse("2026-03-15T12:00:00Z"));
                    heads.put(chainKey, h);
                });
        return heads;
    }

    private static String hash(String chainKey, long seq) {
        return String.format("%032x%032x", chainKey.hashCode() & 0xffffffffL, seq);
    }

    /** The tenant of a chain key here ({@code <tenant>/<shard>} or however it is spelt). */
    private static String tenantOf(String chainKey) {
        return TENANTS.get(chainKey);
    }

    private static int shardOf(String chainKey) {
        return ChainSharding.chainKey(tenantOf(chainKey), 0).equals(chainKey) ? 0 : 1;
    }

    private static Configuration managedMemory(MemorySize size) {
        Configuration conf = new Configuration();
        conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, size);
        return conf;
    }

    /**
     * Emits where the order breaks: a chain's seq not above the one before, or a chain that comes
     * back after another chain. Runs at parallelism 1 right after the sort, like the checker.
     */
    private static final class OrderBreaks
            implements org.apache.flink.api.common.functions.FlatMapFunction<String, String> {
        private String chain;
        private long seq;
        private int reported;
        private final java.util.Set<String> done = new java.util.HashSet<>();

        @Override
        public void flatMap(String chainAndSeq, org.apache.flink.util.Collector<String> out) {
            String c = chainAndSeq.substring(0, chainAndSeq.indexOf(' '));
            long s = Long.parseLong(chainAndSeq.substring(chainAndSeq.indexOf(' ') + 1));
            if (!c.equals(chain)) {
                if (chain != null) {
                    done.add(chain);
                }
                if (done.contains(c)) {
                    report(c + " comes back at seq " + s, out);
                }
                chain = c;
            } else if (s <= seq) {
                report(c + " seq " + s + " after " + seq, out);
            }
            seq = s;
        }

        /** The first ten breaks: enough to see what went wrong, short enough to read. */
        private void report(String what, org.apache.flink.util.Collector<String> out) {
            if (reported++ < 10) {
                out.collect(what);
            }
        }
    }
}
