package io.decisionledger.bench.compaction;

import io.decisionledger.bench.Scenario;
import io.decisionledger.bench.ingest.ParquetRowCounter;
import io.decisionledger.bench.lake.IngestedLake;
import io.decisionledger.bench.lake.LakeFolders;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Compaction: the audit decisions of a lake as the streaming ingest leaves it ({@link
 * IngestedLake}: many small Snappy files per tenant × date), merged into one sorted ZSTD file per
 * partition by {@code CompactionJob} and by DuckDB. Each run gets its own copy of the small files
 * (hard links, made before the child starts). Throughput is over the small files: their rows and
 * their bytes on disk. Afterwards the partitions must hold exactly the input's rows, in compacted
 * files only.
 */
public final class CompactionScenario implements Scenario {

    public static final String NAME = "compaction";

    private final IngestedLake.Source source;
    private IngestedLake.Facts lake;

    public CompactionScenario(IngestedLake.Source source) {
        this.source = source;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String candidate() {
        return CompactionJobMeasurement.NAME;
    }

    @Override
    public String baseline() {
        return DuckDbCompactionMeasurement.NAME;
    }

    @Override
    public Map<String, Object> prepare(Path workDir) throws Exception {
        lake = source.ensure();
        return lake.inputFacts();
    }

    @Override
    public Map<String, String> parameters(String measurement, int parallelism, Path runDir) {
        LakeFolders.hardLinkCopy(lake.root(), runDir.resolve("lake"), "audit/decisions");
        Map<String, String> p = new LinkedHashMap<>();
        p.put("parallelism", String.valueOf(parallelism));
        p.put("lake", runDir.resolve("lake").toString());
        return p;
    }

    @Override
    public Map<String, Object> inspect(String measurement, Path runDir) {
        Path audit = runDir.resolve("lake/audit");
        ParquetRowCounter.Committed out = ParquetRowCounter.count(audit);
        long leftOver;
        try (Stream<Path> walk = Files.walk(audit)) {
            leftOver =
                    walk.filter(Files::isRegularFile)
                            .map(f -> f.getFileName().toString())
                            .filter(n -> !n.startsWith(".") && !n.startsWith("compacted-"))
                            .count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("rows_out", out.rows());
        facts.put("files_out", out.files());
        facts.put("parquet_mb_out", out.bytes() / 1e6);
        facts.put("uncompacted_files_left", leftOver);
        facts.put(
                "output_ok",
                out.rows() == lake.auditRows()
                        && leftOver == 0
                        && out.files() >= lake.partitions());
        LakeFolders.deleteRecursively(runDir.resolve("lake"));
        return facts;
    }

    @Override
    public void close() {}
}
