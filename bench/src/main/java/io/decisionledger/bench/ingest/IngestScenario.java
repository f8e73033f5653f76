package io.decisionledger.bench.ingest;

import io.decisionledger.bench.Scenario;
import io.decisionledger.bench.events.EventMix;
import io.decisionledger.bench.metrics.MetricsScenario;
import io.decisionledger.testkit.LocalKafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Ingest: the same preloaded Kafka topic consumed by {@code IngestJob} and by the Flink SQL
 * baseline. The topic lives on a real broker in its own JVM ({@link LocalKafkaBroker}), filled once
 * before any job runs. After each run the lake is counted from its Parquet footers: the ingest job
 * must have stored every valid event once and quarantined everything else (nothing lost, nothing
 * twice); the baseline must have written at least every valid event and re-send, since it skips
 * only what its JSON format cannot read. The lake IngestJob wrote at parallelism 2 is kept as the
 * lake scenarios' input ({@code IngestedLake}) when none is cached yet.
 */
public final class IngestScenario implements Scenario {

    public static final String NAME = "ingest";
    public static final String TOPIC = "bench-decisions";

    private final EventMix mix;
    private final int partitions;
    private final Duration checkpointInterval;
    private final Path stackDir;
    private final List<String> variants;
    private final Path lakeCache;
    private final Map<Path, Integer> parallelismOf = new java.util.HashMap<>();
    private LocalKafkaBroker kafka;
    private Path kafkaDir;
    private TopicLoader.LoadedTopic loaded;

    public IngestScenario(
            EventMix mix,
            int partitions,
            Duration checkpointInterval,
            Path stackDir,
            List<String> variants,
            Path lakeCache) {
        this.lakeCache = lakeCache;
        this.mix = mix;
        this.variants = List.copyOf(variants);
        this.partitions = partitions;
        this.checkpointInterval = checkpointInterval;
        this.stackDir = stackDir;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String candidate() {
        return IngestJobMeasurement.NAME;
    }

    @Override
    public String baseline() {
        return FlinkSqlBaselineMeasurement.NAME;
    }

    @Override
    public List<String> variants() {
        return variants;
    }

    @Override
    public Map<String, Object> prepare(Path workDir) throws IOException {
        kafkaDir = workDir.resolve("kafka");
        deleteRecursively(kafkaDir);
        kafka = LocalKafkaBroker.start(stackDir, kafkaDir);
        kafka.createTopic(TOPIC, partitions);
        loaded = TopicLoader.load(kafka.bootstrapServers(), TOPIC, mix);
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("events", loaded.records());
        facts.put("bytes", loaded.bytes());
        facts.put("event_bytes_avg", (double) loaded.bytes() / Math.max(1, loaded.records()));
        facts.put("valid", loaded.valid());
        facts.put("malformed", loaded.malformed());
        facts.put("duplicates", loaded.duplicates());
        facts.put("produce_s", loaded.seconds());
        return facts;
    }

    @Override
    public Map<String, String> parameters(String measurement, int parallelism, Path runDir) {
        parallelismOf.put(runDir, parallelism);
        Map<String, String> p = new LinkedHashMap<>();
        p.put("bootstrap-servers", kafka.bootstrapServers());
        p.put("topic", TOPIC);
        p.put("parallelism", String.valueOf(parallelism));
        p.put("lake", runDir.resolve("lake").toString());
        p.put("checkpoints", runDir.resolve("checkpoints").toString());
        p.put("checkpoint-interval", checkpointInterval.toString());
        return p;
    }

    @Override
    public Map<String, Object> inspect(String measurement, Path runDir) throws Exception {
        Path lake = runDir.resolve("lake");
        Map<String, Object> facts = new LinkedHashMap<>();
        ParquetRowCounter.Committed audit = ParquetRowCounter.count(lake.resolve("audit"));
        facts.put("rows_out", audit.rows());
        facts.put("files_out", audit.files());
        facts.put("parquet_mb_out", audit.bytes() / 1e6);
        boolean ok;
        if (IngestJobMeasurement.isIngestJob(measurement)) {
            ParquetRowCounter.Committed quarantine =
                    ParquetRowCounter.count(lake.resolve("quarantine"));
            facts.put("quarantined_out", quarantine.rows());
            // The masked copy holds every stored decision once, unless this run switched it off.
            long expectedOps = measurement.equals(IngestJobMeasurement.NO_OPS) ? 0 : loaded.valid();
            long opsRows = ParquetRowCounter.count(lake.resolve("ops")).rows();
            facts.put("ops_rows_out", opsRows);
            ok =
                    audit.rows() == loaded.valid()
                            && opsRows == expectedOps
                            && quarantine.rows() == loaded.malformed() + loaded.duplicates();
            if (IngestJobMeasurement.isMetricsBranch(measurement)) {
                // the branch's read model counts every stored decision once, as MetricsJob's
                MetricsScenario.ReadModel metrics =
                        MetricsScenario.ReadModel.count(lake.resolve("metrics"));
                facts.put("metrics_rows_out", metrics.rows());
                facts.put("daily_decisions_out", metrics.dailyDecisions());
                facts.put("too_late_daily_out", metrics.tooLateDaily());
                ok &= metrics.dailyDecisions() + metrics.tooLateDaily() == loaded.valid();
            } else {
                ok &= !Files.exists(lake.resolve("metrics"));
            }
        } else {
            ok =
                    audit.rows() >= loaded.valid() + loaded.duplicates()
                            && audit.rows() <= loaded.records();
        }
        facts.put("output_ok", ok);
        if (ok && lakeCache != null && measurement.equals(IngestJobMeasurement.NAME)) {
            // The lake scenarios (metrics rebuild, compaction, verify) start from this very lake.
            io.decisionledger.bench.lake.IngestedLake.keep(
                    lakeCache,
                    mix,
                    partitions,
                    checkpointInterval,
                    parallelismOf.getOrDefault(runDir, 0),
                    lake,
                    loaded.valid(),
                    new com.fasterxml.jackson.databind.ObjectMapper()
                            .readTree(runDir.resolve("result.json").toFile())
                            .path("wall_s")
                            .asDouble());
        }
        // A million-event lake and its checkpoints are gigabytes; the counts are what matter.
        deleteRecursively(lake);
        deleteRecursively(runDir.resolve("checkpoints"));
        return facts;
    }

    @Override
    public void close() {
        if (kafka != null) {
            kafka.close();
            kafka = null;
        }
        try {
            // The preloaded topic is about as large as the input: gigabytes at the defaults.
            deleteRecursively(kafkaDir);
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + kafkaDir, e);
        }
    }

    public static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
