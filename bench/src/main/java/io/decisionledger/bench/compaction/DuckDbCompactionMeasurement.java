package io.decisionledger.bench.compaction;

import io.decisionledger.bench.Measurement;
import io.decisionledger.bench.Parameters;
import io.decisionledger.bench.lake.DuckDb;
import io.decisionledger.bench.lake.LakeFolders;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The compaction baseline: what a user compacting a folder of Parquet on one machine would run, one
 * DuckDB statement per partition, {@code COPY (SELECT * FROM read_parquet(<the partition's files>)
 * ORDER BY user_id, event_time, event_id) TO <staging file> (FORMAT parquet, COMPRESSION zstd)},
 * then the small files deleted and the merged one moved in. The same sort order and codec as {@code
 * CompactionJob}; DuckDB's own row groups (122 880 rows) and no verification, no manifest, no crash
 * recovery. DuckDB gets as many threads as the job has slots.
 */
public final class DuckDbCompactionMeasurement implements Measurement {

    public static final String NAME = "duckdb-compaction";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Object> run(Map<String, String> p) throws Exception {
        return compact(p, Parameters.path(p, "lake"));
    }

    /** Compacts its own copy of the lake (DuckDB's library loaded, the JDBC path compiled). */
    @Override
    public void warmUp(Map<String, String> p, int round) throws Exception {
        compact(p, CompactionScenario.warmUpLake(p, round));
    }

    private static Map<String, Object> compact(Map<String, String> p, Path lake) throws Exception {
        Path audit = lake.resolve("audit/decisions");
        long filesBefore = 0;
        long partitions = 0;
        try (Connection duck = DuckDb.open(Parameters.integer(p, "parallelism"));
                Statement s = duck.createStatement()) {
            for (Path partition : LakeFolders.partitions(audit)) {
                List<Path> sources;
                try (Stream<Path> files = Files.list(partition)) {
                    sources =
                            files.filter(f -> f.getFileName().toString().endsWith(".parquet"))
                                    .filter(f -> !f.getFileName().toString().startsWith("."))
                                    .sorted()
                                    .toList();
                }
                if (sources.isEmpty()) {
                    continue;
                }
                Path staged = partition.resolve("_staging-duckdb.parquet");
                s.execute(
                        "COPY (SELECT * FROM read_parquet("
                                + DuckDb.visibleFiles(partition)
                                + ", hive_partitioning = false)"
                                + " ORDER BY user_id, event_time, event_id) TO "
                                + DuckDb.literal(staged)
                                + " (FORMAT parquet, COMPRESSION zstd)");
                for (Path source : sources) {
                    Files.delete(source);
                }
                Files.move(staged, partition.resolve("compacted-duckdb-0.parquet"));
                filesBefore += sources.size();
                partitions++;
            }
        }
        Map<String, Object> counted = new LinkedHashMap<>();
        counted.put("partitions", partitions);
        counted.put("files_before", filesBefore);
        counted.put("files_after", partitions);
        return counted;
    }
}
