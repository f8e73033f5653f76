package io.decisionledger.compaction;

import static io.decisionledger.compaction.CompactedLake.auditTask;
import static io.decisionledger.testing.DuckDbLake.count;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.rewrite.CommittedFiles;
import io.decisionledger.rewrite.PartitionRewrite;
import io.decisionledger.rewrite.PartitionTask;
import io.decisionledger.rewrite.SwapManifest;
import io.decisionledger.rewrite.SwapStep;
import io.decisionledger.testing.MiniClusters;
import io.decisionledger.testing.S3FileSystems;
import io.decisionledger.testing.SmallFileLake;
import io.decisionledger.testkit.LocalS3Store;
import io.decisionledger.verify.VerifyReport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The compaction swap window as a concurrent reader sees it. A partition stopped in the middle of
 * its swap (merged files moved in, small files not yet all deleted) holds every row twice for a
 * plain {@code **}{@code /*.parquet} glob; {@code VerifyJob} and the DuckDB recipe of lake.md
 * ("Reading during a compaction swap", run here as written there) read it once, by the swap's
 * manifest. And, on the local file system and on s3proxy, a reader listing the partition in a loop
 * during a real swap records how long the plain listing showed both copies (written to {@code
 * target/swap-window.md}; no assertion on time), while the manifest-aware listing never does.
 */
class SwapWindowITCase {

    @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = MiniClusters.twoSlots();

    private static final LocalDate DAY = LocalDate.of(2026, 3, 10);

    @TempDir static Path work;

    private static LocalS3Store s3;

    @BeforeAll
    static void startS3() throws Exception {
        Path stack = Path.of(System.getProperty("decisionledger.stack.dir"));
        s3 = LocalS3Store.start(stack, work.resolve("s3"));
        S3FileSystems.initialize(s3, stack);
    }

    @AfterAll
    static void stopS3() {
        if (s3 != null) {
            s3.close();
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = SwapStep.class,
            names = {"FIRST_PUBLISHED", "PUBLISHED", "FIRST_SOURCE_DELETED"})
    void verifyAndTheDuckDbRecipeReadAPartitionMidSwapOnce(SwapStep step, @TempDir Path dir)
            throws Exception {
        // given a lake whose partition stopped in the middle of its swap (several merged files)
        LakeLayout lake = LakeLayout.at(dir.resolve("lake").toUri().toString());
        SmallFileLake.Written written = SmallFileLake.write(lake, 2400, List.of(DAY), 100, 0, 5);
        CompactionOptions options = options(lake, "mid", 64 * 1024);
        PartitionTask task = auditTask(options);
        assertThatThrownBy(
                        () ->
                                new PartitionCompactor(
                                                options.parquet(), options.targetFileBytes(), step)
                                        .compact(task))
                .isInstanceOf(PartitionRewrite.InjectedFailure.class);
        Path audit = dir.resolve("lake/audit/decisions");
        assertThat(mergedFiles(audit)).hasSizeGreaterThan(step == SwapStep.FIRST_PUBLISHED ? 0 : 1);
        long stored = count("SELECT count(DISTINCT event_id) FROM " + plainGlob(audit));
        assertThat(stored).isEqualTo(written.decisions());

        // then a plain glob sees rows twice (the window) ...
        assertThat(count("SELECT count(*) FROM " + plainGlob(audit))).isGreaterThan(stored);

        // ... VerifyJob reads each record once and finds the lake clean ...
        VerifyReport report = CompactedLake.verify(lake, dir.resolve("verify.json"));
        assertThat(report.violations()).isEmpty();
        assertThat(report.records()).isEqualTo(written.decisions());

        // ... and so does the DuckDB recipe of lake.md
        long[] recipe = recipeCounts(dir.resolve("lake"), dir.resolve("no-swap.json"));
        assertThat(recipe[0]).isEqualTo(stored);
        assertThat(recipe[1]).isEqualTo(stored);
    }

    @Test
    void recordsTheWindowALocalAndAnS3ReaderSee() throws Exception {
        List<String> lines = new ArrayList<>();
        lines.add(
                "| store | small files | merged | window (ms) | per small file (ms) | plain"
                        + " listings | with rows twice | seen for (ms) | manifest-aware listings"
                        + " |");
        lines.add("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        LakeLayout local = LakeLayout.at(work.resolve("window-lake").toUri().toString());
        lines.add(measureWindow("local file system", local));
        s3.createBucket("window");
        lines.add(measureWindow("s3proxy (s3://)", LakeLayout.at("s3://window/lake")));
        Path out = Path.of("target", "swap-window.md");
        Files.createDirectories(out.getParent());
        Files.write(out, lines, StandardCharsets.UTF_8);
        lines.forEach(System.out::println);
    }

    /**
     * Stages and commits the swap of one partition of many small files, then times its moves and
     * deletes (the window: from the first move to the last delete) while one thread lists the
     * partition plainly in a loop and another through {@link CommittedFiles}; returns the table
     * row. Asserts that the manifest-aware listing always held exactly one copy of the rows.
     */
    private String measureWindow(String store, LakeLayout lake) throws Exception {
        SmallFileLake.write(lake, 600, List.of(DAY), 4, 0, 7);
        CompactionOptions options = options(lake, "window", 64L << 20);
        PartitionTask task = auditTask(options);
        assertThatThrownBy(
                        () ->
                                new PartitionCompactor(
                                                options.parquet(),
                                                options.targetFileBytes(),
                                                SwapStep.MANIFEST_WRITTEN)
                                        .compact(task))
                .isInstanceOf(PartitionRewrite.InjectedFailure.class);
        org.apache.flink.core.fs.Path staging =
                new org.apache.flink.core.fs.Path(task.stagingDir());
        SwapManifest manifest =
                PartitionRewrite.readManifest(
                        new org.apache.flink.core.fs.Path(staging, SwapManifest.FILE_NAME));
        Set<String> sources = new HashSet<>();
        task.sources().forEach(s -> sources.add(name(s.path())));
        org.apache.flink.core.fs.Path partition =
                new org.apache.flink.core.fs.Path(task.targetDir());
        org.apache.flink.core.fs.Path root = new org.apache.flink.core.fs.Path(lake.root());

        AtomicBoolean done = new AtomicBoolean();
        List<Long> both = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<String> wrong = new java.util.concurrent.CopyOnWriteArrayList<>();
        long[] listings = {0, 0};
        Thread plainReader =
                new Thread(
                        () -> {
                            try {
                                while (!done.get()) {
                                    long at = System.nanoTime();
                                    Set<String> plain;
                                    try {
                                        plain = names(LakeFiles.parquetFiles(partition));
                                    } catch (java.io.FileNotFoundException gone) {
                                        continue; // a file deleted while being listed
                                    }
                                    if (hasBoth(plain, sources)) {
                                        both.add(at);
                                    }
                                    listings[0]++;
                                }
                            } catch (Exception e) {
                                wrong.add("plain reader failed: " + e);
                            }
                        });
        Thread committedReader =
                new Thread(
                        () -> {
                            try {
                                while (!done.get()) {
                                    Set<String> committed =
                                            names(
                                                    CommittedFiles.parquetFiles(root, partition)
                                                            .files());
                                    if (!onlyOneCopy(committed, sources)) {
                                        wrong.add(committed.toString());
                                    }
                                    listings[1]++;
                                }
                            } catch (Exception e) {
                                wrong.add("manifest-aware reader failed: " + e);
                            }
                        });
        plainReader.start();
        committedReader.start();
        Thread.sleep(200);
        long started = System.nanoTime();
        PartitionRewrite.publishThenDelete("window", manifest.outputs(), manifest.sources(), null);
        long windowNanos = System.nanoTime() - started;
        staging.getFileSystem().delete(staging, true);
        Thread.sleep(200);
        done.set(true);
        plainReader.join();
        committedReader.join();

        assertThat(wrong).isEmpty();
        assertThat(listings[1]).isPositive();
        assertThat(names(LakeFiles.parquetFiles(partition)))
                .containsExactly("compacted-window-0.parquet");
        double seenMs = both.isEmpty() ? 0 : (both.get(both.size() - 1) - both.get(0)) / 1e6;
        return String.format(
                "| %s | %d | %d | %.1f | %.2f | %d | %d | %.1f | %d |",
                store,
                sources.size(),
                manifest.outputs().size(),
                windowNanos / 1e6,
                windowNanos / 1e6 / sources.size(),
                listings[0],
                both.size(),
                seenMs,
                listings[1]);
    }

    private static boolean hasBoth(Set<String> listed, Set<String> sources) {
        boolean merged = listed.stream().anyMatch(n -> n.startsWith("compacted-"));
        boolean small = listed.stream().anyMatch(sources::contains);
        return merged && small;
    }

    /** Either every source and no merged file, or the merged file and no source. */
    private static boolean onlyOneCopy(Set<String> listed, Set<String> sources) {
        boolean merged = listed.stream().anyMatch(n -> n.startsWith("compacted-"));
        long small = listed.stream().filter(sources::contains).count();
        return merged ? small == 0 : small == sources.size();
    }

    private static Set<String> names(List<FileStatus> files) {
        Set<String> out = new HashSet<>();
        files.forEach(f -> out.add(f.getPath().getName()));
        return out;
    }

    private static String name(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** Row count and distinct event ids of the recipe's {@code audit_decisions} view. */
    private static long[] recipeCounts(Path lakeDir, Path scratch) throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "lake.md"), StandardCharsets.UTF_8);
        int marker = doc.indexOf("<!-- swap-safe-recipe");
        assertThat(marker).as("the recipe's marker in docs/lake.md").isNotNegative();
        int start = doc.indexOf("```sql\n", marker) + "```sql\n".length();
        String sql =
                doc.substring(start, doc.indexOf("```", start))
                        .replace("/path/to/lake", lakeDir.toAbsolutePath().toString())
                        .replace("/tmp/no-swap.json", scratch.toAbsolutePath().toString());
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
            for (String statement : sql.split(";\\s*\\n")) {
                if (!statement.isBlank()) {
                    try (Statement s = c.createStatement()) {
                        s.execute(statement);
                    }
                }
            }
            try (Statement s = c.createStatement();
                    ResultSet r =
                            s.executeQuery(
                                    "SELECT count(*), count(DISTINCT event_id) FROM"
                                            + " audit_decisions")) {
                r.next();
                return new long[] {r.getLong(1), r.getLong(2)};
            }
        }
    }

    private static List<String> mergedFiles(Path audit) throws Exception {
        try (var files = Files.walk(audit)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("compacted-") && n.endsWith(".parquet"))
                    .toList();
        }
    }

    private static String plainGlob(Path audit) {
        return "read_parquet('" + audit.toAbsolutePath() + "/**/*.parquet')";
    }

    private static CompactionOptions options(LakeLayout lake, String runId, long target) {
        return CompactionOptions.parse(
                new String[] {
                    "--lake",
                    lake.root(),
                    "--as-of",
                    DAY.plusDays(5).toString(),
                    "--run-id",
                    runId,
                    "--target-file-bytes",
                    String.valueOf(target),
                    "--datasets",
                    "audit",
                    "--no-legal-holds"
                });
    }
}
