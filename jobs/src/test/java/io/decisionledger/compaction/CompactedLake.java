package io.decisionledger.compaction;

import io.decisionledger.lake.LakeLayout;
import io.decisionledger.rewrite.PartitionTask;
import io.decisionledger.testing.DuckDbLake;
import io.decisionledger.verify.VerifyJob;
import io.decisionledger.verify.VerifyReport;
import io.decisionledger.verify.VerifyRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** What compaction tests look at in a lake folder: rows as DuckDB sees them, and files. */
final class CompactedLake {

    private CompactedLake() {}

    /** The local folder of {@code task}'s partition. */
    static Path partitionDir(PartitionTask task) {
        return Path.of(java.net.URI.create(task.targetDir()));
    }

    /** The visible Parquet files of {@code dir}, by name. */
    static List<String> fileNames(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".parquet") && !n.startsWith("."))
                    .sorted()
                    .toList();
        }
    }

    /** The planned task of tenant bank_456's first partition: the fixtures' busiest tenant. */
    static PartitionTask auditTask(CompactionOptions options) throws IOException {
        return new CompactionPlanner(options)
                .plan().stream()
                        .filter(t -> t.partition().startsWith("tenant_id=bank_456/"))
                        .findFirst()
                        .orElseThrow();
    }

    /**
     * A digest over every column of every row DuckDB sees under {@code dir} (order-independent),
     * with the row count and distinct event ids: equal digests mean exactly the same rows.
     */
    static Map<String, Object> rowDigest(Path dir) {
        return rowDigestWhere(DuckDbLake.table(dir), "true");
    }

    /** The rows of {@code table} matching {@code where}, digested as {@link #rowDigest}. */
    static Map<String, Object> rowDigestWhere(String table, String where) {
        return DuckDbLake.query(
                        "SELECT count(*) AS n, count(DISTINCT event_id) AS ids,"
                                + " md5(string_agg(md5(CAST(t AS VARCHAR)), ',' ORDER BY md5(CAST(t AS VARCHAR))))"
                                + " AS digest FROM "
                                + table
                                + " t WHERE "
                                + where)
                .get(0);
    }

    /** A batch environment on the test's MiniCluster, parallelism 2, failures not retried. */
    static StreamExecutionEnvironment environment() {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        return env;
    }

    static CompactionReport compact(CompactionOptions options) throws Exception {
        return new CompactionRunner(options).run(environment(), System.out);
    }

    static VerifyReport verify(LakeLayout lake, Path report) throws Exception {
        return new VerifyRunner(
                        VerifyJob.Options.parse(
                                new String[] {
                                    "--lake", lake.root(), "--report", report.toString()
                                }))
                .run(StreamExecutionEnvironment.getExecutionEnvironment(), System.out);
    }

    /** Committed Parquet files (what a {@code **}{@code /*.parquet} glob sees) per partition. */
    static Map<String, List<String>> filesByPartition(Path dataset) {
        Map<String, List<String>> out = new TreeMap<>();
        if (!Files.exists(dataset)) {
            return out;
        }
        try (Stream<Path> files = Files.walk(dataset)) {
            files.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().endsWith(".parquet"))
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .forEach(
                            p ->
                                    out.computeIfAbsent(
                                                    dataset.relativize(p.getParent()).toString(),
                                                    k -> new java.util.ArrayList<>())
                                            .add(p.getFileName().toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.values().forEach(l -> l.sort(null));
        return out;
    }

    /** Every file under {@code dir}, hidden ones included, relative. */
    static List<String> allFiles(Path dir) {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .map(p -> dir.relativize(p).toString())
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Copies the lake folder {@code from} to {@code to}: each test of a class gets its own copy of
     * one lake written once, instead of writing (and reading back) a lake per test.
     */
    static void copy(Path from, Path to) {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path dest = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(p, dest);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
