package io.decisionledger.bench.lake;

import io.decisionledger.bench.ChildJvm;
import io.decisionledger.bench.events.EventMix;
import io.decisionledger.bench.ingest.IngestJobMeasurement;
import io.decisionledger.bench.ingest.IngestScenario;
import io.decisionledger.bench.ingest.ParquetRowCounter;
import io.decisionledger.bench.ingest.TopicLoader;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.testkit.LocalKafkaBroker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The input of the benchmarks that start from the lake (metrics rebuild, compaction, verification):
 * a lake exactly as the streaming ingest leaves it, many small Snappy files per partition (one per
 * open partition, subtask and checkpoint), hash chains and published chain heads, made by running
 * the real {@code IngestJob} (at parallelism 2, not timed) over a preloaded topic of the run's
 * event mix. It is cached under the lake cache, keyed by everything it depends on (the mix, the
 * topic's partitions, the checkpoint interval, the record schema), so a rerun skips the ingest.
 * Delete the cache folder to rebuild it after changing the jobs.
 */
public final class IngestedLake {

    private static final int INGEST_PARALLELISM = 2;

    private IngestedLake() {}

    /**
     * The prepared lake and what it holds.
     *
     * @param root the lake root ({@code audit/decisions}, {@code chain/heads}, … below it)
     * @param auditRows stored decisions
     * @param auditFiles their Parquet files
     * @param auditBytes their size
     * @param partitions tenant × date folders of audit/decisions
     * @param seconds how long the ingest took when it was made (0 when cached)
     */
    public record Facts(
            Path root,
            long auditRows,
            long auditFiles,
            long auditBytes,
            long partitions,
            double seconds,
            boolean cached) {

        public Path auditDecisions() {
            return root.resolve("audit/decisions");
        }

        /**
         * What a scenario over this lake reports from prepare: its size, then {@link #describe}.
         */
        public Map<String, Object> inputFacts() {
            Map<String, Object> facts = new LinkedHashMap<>();
            facts.put("events", auditRows);
            facts.put("bytes", auditBytes);
            facts.put("event_bytes_avg", (double) auditBytes / auditRows);
            facts.putAll(describe());
            return facts;
        }

        public Map<String, Object> describe() {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("lake", root.getFileName().toString());
            d.put("lake_cached", cached);
            d.put("lake_audit_rows", auditRows);
            d.put("lake_audit_files", auditFiles);
            d.put("lake_audit_bytes", auditBytes);
            d.put("lake_partitions", partitions);
            d.put("produce_s", seconds);
            return d;
        }
    }

    /**
     * The inputs the lake is made from and where it is cached: what every scenario over the
     * ingested lake is given.
     */
    public record Source(
            EventMix mix,
            int kafkaPartitions,
            Duration checkpointInterval,
            Path stackDir,
            Path cacheDir,
            ChildJvm child) {

        /** The cached lake, made first if it is not there. */
        public Facts ensure() throws Exception {
            return IngestedLake.ensure(
                    cacheDir, mix, kafkaPartitions, checkpointInterval, stackDir, child);
        }
    }

    /** Where the lake for these inputs is cached. */
    public static Path location(
            Path cacheDir, EventMix mix, int kafkaPartitions, Duration checkpointInterval) {
        return cacheDir.resolve(
                "ingested-"
                        + mix.count()
                        + "-"
                        + key(mix, kafkaPartitions, checkpointInterval, INGEST_PARALLELISM));
    }

    /** The cached lake for these inputs, made first if it is not there. */
    public static Facts ensure(
            Path cacheDir,
            EventMix mix,
            int kafkaPartitions,
            Duration checkpointInterval,
            Path stackDir,
            ChildJvm child)
            throws Exception {
        Path lake = location(cacheDir, mix, kafkaPartitions, checkpointInterval);
        Map<String, Object> cached = LakeFolders.readFacts(lake);
        if (cached != null) {
            return facts(lake, cached, true);
        }
        Path scratch = cacheDir.resolve(lake.getFileName() + ".making");
        LakeFolders.deleteRecursively(scratch);
        long start = System.nanoTime();
        try (LocalKafkaBroker kafka = LocalKafkaBroker.start(stackDir, scratch.resolve("kafka"))) {
            kafka.createTopic(IngestScenario.TOPIC, kafkaPartitions);
            TopicLoader.LoadedTopic loaded =
                    TopicLoader.load(kafka.bootstrapServers(), IngestScenario.TOPIC, mix);
            Path runDir = scratch.resolve("ingest");
            Map<String, String> p = new LinkedHashMap<>();
            p.put("bootstrap-servers", kafka.bootstrapServers());
            p.put("topic", IngestScenario.TOPIC);
            p.put("parallelism", String.valueOf(INGEST_PARALLELISM));
            p.put("lake", runDir.resolve("lake").toString());
            p.put("checkpoints", runDir.resolve("checkpoints").toString());
            p.put("checkpoint-interval", checkpointInterval.toString());
            child.run(IngestJobMeasurement.NAME, p, runDir);
            Facts made =
                    adopt(
                            lake,
                            runDir.resolve("lake"),
                            loaded.valid(),
                            mix,
                            (System.nanoTime() - start) / 1e9);
            LakeFolders.deleteRecursively(scratch.resolve("kafka"));
            LakeFolders.deleteRecursively(scratch);
            return made;
        }
    }

    /**
     * Keeps the lake an ingest benchmark run just wrote (IngestJob at parallelism {@value
     * #INGEST_PARALLELISM} over the same mix) as the cached lake, instead of ingesting again for
     * the lake scenarios. Does nothing when the cache already holds it.
     */
    public static void keep(
            Path cacheDir,
            EventMix mix,
            int kafkaPartitions,
            Duration checkpointInterval,
            int parallelism,
            Path writtenLake,
            long valid,
            double seconds)
            throws IOException {
        Path lake = location(cacheDir, mix, kafkaPartitions, checkpointInterval);
        if (parallelism != INGEST_PARALLELISM || Files.exists(lake.resolve(LakeFolders.FACTS))) {
            return;
        }
        Files.createDirectories(cacheDir);
        adopt(lake, writtenLake, valid, mix, seconds);
    }

    private static Facts adopt(Path lake, Path written, long valid, EventMix mix, double seconds)
            throws IOException {
        ParquetRowCounter.Committed audit = ParquetRowCounter.count(written.resolve("audit"));
        if (audit.rows() != valid) {
            throw new IllegalStateException(
                    "the ingest job stored "
                            + audit.rows()
                            + " decisions of "
                            + valid
                            + " valid ones under "
                            + written);
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("audit_rows", audit.rows());
        f.put("audit_files", audit.files());
        f.put("audit_bytes", audit.bytes());
        f.put("partitions", LakeFolders.partitions(written.resolve("audit/decisions")).size());
        f.put("seconds", seconds);
        f.put("mix", mix.toString());
        LakeFolders.writeFacts(written, f);
        LakeFolders.deleteRecursively(lake);
        Files.move(written, lake, StandardCopyOption.ATOMIC_MOVE);
        return facts(lake, f, false);
    }

    private static Facts facts(Path lake, Map<String, Object> f, boolean cached) {
        return new Facts(
                lake,
                ((Number) f.get("audit_rows")).longValue(),
                ((Number) f.get("audit_files")).longValue(),
                ((Number) f.get("audit_bytes")).longValue(),
                ((Number) f.get("partitions")).longValue(),
                cached ? 0 : ((Number) f.get("seconds")).doubleValue(),
                cached);
    }

    public static String key(Object... parts) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Object part : parts) {
                sha.update(String.valueOf(part).getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            sha.update(DecisionRecord.getClassSchema().toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest()).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
