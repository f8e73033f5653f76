package io.decisionledger.bench.ingest;

import io.decisionledger.bench.events.DecisionEventGenerator;
import io.decisionledger.bench.events.EventMix;
import io.decisionledger.bench.events.GeneratedEvent;
import io.decisionledger.chain.ChainLinkOperator;
import io.decisionledger.chain.ChainSharding;
import io.decisionledger.decision.DecisionDeduplicator;
import io.decisionledger.decision.DecisionParser;
import io.decisionledger.decision.ParseOutcome;
import io.decisionledger.decision.ParsedDecision;
import io.decisionledger.decision.ParserLimits;
import io.decisionledger.ingest.DedupLinkChainOperator;
import io.decisionledger.models.RequiredCertifications;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.ModelVersionCard;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.runtime.state.storage.FileSystemCheckpointStorage;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;

/**
 * Sizing: the bytes the ingest job's de-duplication and chain state take in RocksDB per stored
 * event id. Runs the job's own {@link DecisionDeduplicator} (with the 90-day content digest, as
 * ingest runs it) and {@link ChainLinkOperator} on the embedded RocksDB backend with incremental
 * checkpoints (as deploy/ configures it), feeds them {@code N} distinct event ids (UUIDs, 10
 * tenants), takes a checkpoint, and reports the checkpoint's size (the SST files RocksDB flushed:
 * what the checkpoint store holds and what the task's local disk holds) per id. Heap use is not
 * measured here: RocksDB keeps only its block cache and memtables in memory, bounded by Flink's
 * managed memory, not by the number of ids.
 *
 * <p>{@code java -cp … io.decisionledger.bench.ingest.DedupStateSize [ids=5000000] [workDir]
 * [phases=single-shuffle,chain,dedup]}: {@code single-shuffle} is the default graph's
 * dedup-link-chain operator, {@code dedup} the two-shuffle graph's de-duplicator ({@code
 * --single-shuffle false}), {@code chain} that graph's chain operator. Each phase prints its
 * progress every 500,000 ids (wall and process CPU time so far). RocksDB gets a slot's memory
 * ({@code -DdedupStateSize.slotMemory}, default 512mb, as {@code
 * state.backend.rocksdb.memory.fixed-per-slot}); {@code -DdedupStateSize.bloomFilter=true} adds
 * bloom filters, as {@code state.backend.rocksdb.use-bloom-filter: true} does.
 */
public final class DedupStateSize {

    private DedupStateSize() {}

    public static void main(String[] args) throws Exception {
        long ids = args.length > 0 ? Long.parseLong(args[0]) : 5_000_000L;
        Path work =
                args.length > 1 ? Path.of(args[1]) : Files.createTempDirectory("dedup-state-size");
        java.util.List<String> phases =
                java.util.List.of(
                        (args.length > 2 ? args[2] : "single-shuffle,chain,dedup").split(","));
        System.out.printf(Locale.ROOT, "ids: %,d, phases %s%n", ids, phases);
        if (phases.contains("single-shuffle")) {
            long singleBytes = singleShuffle(ids, work.resolve("single-shuffle"));
            System.out.printf(
                    Locale.ROOT,
                    "single-shuffle operator dedup-link-chain (event id -> fingerprint map + timer"
                            + " + 90-day digest map, 10 chains): %,d bytes checkpointed, %.1f bytes"
                            + " per event id%n",
                    singleBytes,
                    (double) singleBytes / ids);
        }
        if (phases.contains("chain")) {
            long chainBytes = chain(ids, work.resolve("chain"));
            System.out.printf(
                    Locale.ROOT,
                    "chain state (one head per tenant/shard, 10 tenants x 1 shard): %,d bytes"
                            + " checkpointed after %,d records, %.4f bytes per event id%n",
                    chainBytes,
                    ids,
                    (double) chainBytes / ids);
        }
        if (!phases.contains("dedup")) {
            return;
        }
        long dedupBytes = dedup(ids, work.resolve("dedup"));
        System.out.printf(
                Locale.ROOT,
                "de-duplication state (first-content-sha256 + processing-time timer + 90-day"
                        + " digest): %,d bytes checkpointed, %.1f bytes per event id%n",
                dedupBytes,
                (double) dedupBytes / ids);
    }

    /** Bytes of the de-duplicator's checkpoint after {@code ids} distinct event ids. */
    static long dedup(long ids, Path dir) throws Exception {
        KeyedProcessOperator<String, ParsedDecision, DecisionRecord> operator =
                new KeyedProcessOperator<>(
                        new DecisionDeduplicator(Duration.ofHours(24), Duration.ofDays(90)));
        KeySelector<ParsedDecision, String> key = DecisionDeduplicator.key();
        try (KeyedOneInputStreamOperatorTestHarness<String, ParsedDecision, DecisionRecord>
                harness =
                        new KeyedOneInputStreamOperatorTestHarness<>(operator, key, Types.STRING)) {
            configure(harness, dir);
            harness.open();
            harness.setProcessingTime(0);
            for (long i = 0; i < ids; i++) {
                ParsedDecision p = ParsedDecision.accepted(decision(i), null);
                p.fingerprint = fingerprint(i);
                harness.processElement(new StreamRecord<>(p));
                if (i % 100_000 == 0) {
                    harness.getOutput().clear(); // the harness keeps every output record
                    progress("dedup", i);
                }
            }
            return checkpointBytes(harness.snapshot(1, 1), dir);
        }
    }

    /** Bytes of the single-shuffle operator's checkpoint after {@code ids} distinct event ids. */
    static long singleShuffle(long ids, Path dir) throws Exception {
        try (KeyedTwoInputStreamOperatorTestHarness<
                        String, ParsedDecision, ModelVersionCard, DecisionRecord>
                harness =
                        new KeyedTwoInputStreamOperatorTestHarness<>(
                                new DedupLinkChainOperator(
                                        Duration.ofHours(24),
                                        Duration.ofDays(90),
                                        RequiredCertifications.none(),
                                        true),
                                DedupLinkChainOperator.key(ChainSharding.none()),
                                card -> "cards",
                                Types.STRING)) {
            configure(harness, dir);
            harness.open();
            harness.setProcessingTime(0);
            for (long i = 0; i < ids; i++) {
                ParsedDecision p = ParsedDecision.accepted(decision(i), null);
                p.fingerprint = fingerprint(i);
                harness.processElement1(new StreamRecord<>(p));
                if (i % 100_000 == 0) {
                    harness.getOutput().clear();
                    progress("single-shuffle", i);
                }
            }
            harness.prepareSnapshotPreBarrier(1);
            harness.getOutput().clear();
            return checkpointBytes(harness.snapshot(1, 1), dir);
        }
    }

    /** Bytes of the chain operator's checkpoint after {@code ids} records on 10 chains. */
    static long chain(long ids, Path dir) throws Exception {
        ChainSharding sharding = ChainSharding.none();
        KeySelector<DecisionRecord, String> key =
                d ->
                        ChainSharding.chainKey(
                                d.getTenantId(), sharding.shardOf(d.getTenantId(), d.getEventId()));
        try (KeyedOneInputStreamOperatorTestHarness<String, DecisionRecord, DecisionRecord>
                harness =
                        new KeyedOneInputStreamOperatorTestHarness<>(
                                new ChainLinkOperator(), key, Types.STRING)) {
            configure(harness, dir);
            harness.open();
            for (long i = 0; i < ids; i++) {
                harness.processElement(new StreamRecord<>(decision(i)));
                if (i % 100_000 == 0) {
                    harness.getOutput().clear();
                    progress("chain", i);
                }
            }
            harness.prepareSnapshotPreBarrier(1);
            harness.getOutput().clear();
            return checkpointBytes(harness.snapshot(1, 1), dir);
        }
    }

    private static final long STARTED = System.nanoTime();

    private static void progress(String phase, long ids) {
        if (ids > 0 && ids % 500_000 == 0) {
            System.out.printf(
                    Locale.ROOT,
                    "  %s: %,d ids, %.0f s, %.0f CPU-s%n",
                    phase,
                    ids,
                    (System.nanoTime() - STARTED) / 1e9,
                    ((com.sun.management.OperatingSystemMXBean)
                                            java.lang.management.ManagementFactory
                                                    .getOperatingSystemMXBean())
                                    .getProcessCpuTime()
                            / 1e9);
        }
    }

    private static void configure(AbstractStreamOperatorTestHarness<?> harness, Path dir)
            throws IOException {
        Files.createDirectories(dir.resolve("db"));
        // RocksDB's memory as a TaskManager slot's: the harness has almost no managed memory, and
        // RocksDB bounded by it flushes a memtable every few hundred ids and spends its time
        // compacting the many small files (measured: > 1 ms per id)
        org.apache.flink.configuration.Configuration rocksdb =
                new org.apache.flink.configuration.Configuration();
        rocksdb.setString(
                "state.backend.rocksdb.memory.fixed-per-slot",
                System.getProperty("dedupStateSize.slotMemory", "512mb"));
        // -DdedupStateSize.bloomFilter=true: what state.backend.rocksdb.use-bloom-filter does
        rocksdb.setString(
                "state.backend.rocksdb.use-bloom-filter",
                String.valueOf(Boolean.getBoolean("dedupStateSize.bloomFilter")));
        EmbeddedRocksDBStateBackend backend =
                new EmbeddedRocksDBStateBackend(true)
                        .configure(rocksdb, DedupStateSize.class.getClassLoader());
        backend.setDbStoragePath(dir.resolve("db").toString());
        harness.setStateBackend(backend);
        harness.setCheckpointStorage(
                new FileSystemCheckpointStorage(dir.resolve("checkpoints").toUri()));
    }

    private static long checkpointBytes(OperatorSubtaskState state, Path dir) throws IOException {
        long bytes = 0;
        for (KeyedStateHandle h : state.getManagedKeyedState()) {
            bytes += h.getStateSize();
        }
        long onDisk = 0;
        // state under the inline threshold (the chain's few heads) is kept in the handle, no file
        try (Stream<Path> files =
                Files.isDirectory(dir.resolve("checkpoints"))
                        ? Files.walk(dir.resolve("checkpoints"))
                        : Stream.empty()) {
            onDisk =
                    files.filter(Files::isRegularFile)
                            .mapToLong(
                                    p -> {
                                        try {
                                            return Files.size(p);
                                        } catch (IOException e) {
                                            throw new java.io.UncheckedIOException(e);
                                        }
                                    })
                            .sum();
        }
        System.out.printf(
                Locale.ROOT,
                "  state handles: %,d bytes; files under %s: %,d bytes%n",
                bytes,
                dir.resolve("checkpoints"),
                onDisk);
        return bytes;
    }

    /** One parsed bench event, reused with a new tenant and event id per call. */
    private static DecisionRecord template;

    private static DecisionRecord decision(long i) throws IOException {
        if (template == null) {
            GeneratedEvent e =
                    DecisionEventGenerator.generate(
                                    new EventMix(
                                            42,
                                            1,
                                            EventMix.DEFAULT_TENANTS,
                                            EventMix.DEFAULT_ZIPF_EXPONENT,
                                            0,
                                            0,
                                            0,
                                            EventMix.DEFAULT_START,
                                            EventMix.DEFAULT_SPAN))
                            .get(0);
            ParseOutcome o =
                    new DecisionParser(ParserLimits.defaults())
                            .parse(e.value(), "bench", 0, 0, Instant.now());
            if (!o.isAccepted()) {
                throw new IllegalStateException("the bench event was refused: " + o);
            }
            template = o.decision();
        }
        DecisionRecord d = template;
        d.setTenantId(String.format(Locale.ROOT, "tenant-%02d", i % 10));
        d.setEventId(new UUID(0x5eed_0000_0000_0000L ^ (i * 0x9E3779B97F4A7C15L), i).toString());
        return d;
    }

    /** A 64-hex fingerprint, distinct per id (what the parser would compute). */
    private static String fingerprint(long i) {
        return String.format(Locale.ROOT, "%016x", i * 0x9E3779B97F4A7C15L).repeat(4);
    }
}
