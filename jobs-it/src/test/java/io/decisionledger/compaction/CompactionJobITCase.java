package io.decisionledger.compaction;

import static io.decisionledger.compaction.CompactedLake.compact;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.rewrite.Dataset;
import io.decisionledger.rewrite.PartitionResult;
import io.decisionledger.rewrite.SwapStep;
import io.decisionledger.testing.DuckDbLake;
import io.decisionledger.testing.MiniClusters;
import io.decisionledger.testing.SmallFileLake;
import io.decisionledger.verify.VerifyReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Runs CompactionJob on a MiniCluster over a lake of many small files (as streaming ingest leaves
 * it: hash-chained audit records, the masked ops copy, quarantine, chain heads) and checks with
 * DuckDB, an independent reader, that exactly the same rows are visible afterwards in one sorted
 * file per closed partition, that open partitions are untouched and the chains still verify; then
 * crashes the job at every step of the swap protocol and checks that a rerun loses nothing and
 * leaves no duplicates. The lake is written once and each test works on its own copy. (The dry run,
 * which needs no cluster, is in {@link CompactionRunnerTest}.)
 */
class CompactionJobITCase {

    @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = MiniClusters.twoSlots();

    private static final LocalDate AS_OF = LocalDate.of(2026, 3, 20);

    /** Three closed dates and yesterday, which is still open (--min-age P2D). */
    private static final List<LocalDate> DATES =
            List.of(AS_OF.minusDays(5), AS_OF.minusDays(4), AS_OF.minusDays(3), AS_OF.minusDays(1));

    private static final String[] DATASETS = {"audit/decisions", "ops/decisions", "quarantine"};

    @TempDir static Path shared;

    /** The lake as streaming ingest leaves it, written once. */
    private static Path pristine;

    /** What DuckDB sees in each dataset of it. */
    private static Map<String, Map<String, Object>> before;

    @TempDir Path work;

    private Path lakeDir;
    private LakeLayout lake;

    @BeforeAll
    static void writeALakeOfSmallFiles() {
        pristine = shared.resolve("pristine");
        SmallFileLake.write(LakeLayout.at(pristine.toUri().toString()), 900, DATES, 40, 15, 7);
        before = digests(pristine);
    }

    @BeforeEach
    void copyTheLake() {
        lakeDir = work.resolve("lake");
        lake = LakeLayout.at(lakeDir.toUri().toString());
        CompactedLake.copy(pristine, lakeDir);
    }

    @Test
    void mergesEveryClosedPartitionIntoOneSortedFileWithTheSameRows() throws Exception {
        // given a lake of small files (a copy of the one `before` digests), with in-progress
        // leftovers of a failed streaming attempt
        Map<String, List<String>> auditBefore = files("audit/decisions");
        String closed = "tenant_id=bank_456/event_date=" + DATES.get(0);
        String open = "tenant_id=bank_456/event_date=" + DATES.get(3);
        Path closedDir = lakeDir.resolve("audit/decisions").resolve(closed);
        Path stale =
                SmallFileLake.inProgressFile(
                        closedDir, ".part-old-0.inprogress.1234", Duration.ofDays(8));
        Path recent =
                SmallFileLake.inProgressFile(
                        closedDir, ".part-new-0.inprogress.5678", Duration.ofHours(1));
        assertThat(auditBefore.get(closed)).hasSizeGreaterThan(10);
        long closedFilesBefore = closedFiles(auditBefore);
        long allClosedFilesBefore =
                java.util.Arrays.stream(DATASETS).mapToLong(d -> closedFiles(files(d))).sum();

        // when the compaction runs
        CompactionReport report = compact(options("run1"));

        // then DuckDB sees exactly the same rows in every dataset
        assertThat(digests(lakeDir)).isEqualTo(before);
        assertThat(before.get("audit/decisions").get("n")).isEqualTo(900L);
        assertThat(before.get("audit/decisions").get("ids")).isEqualTo(900L);
        // in one file per closed partition, while the open date is untouched
        Map<String, List<String>> auditAfter = files("audit/decisions");
        for (String dataset : DATASETS) {
            files(dataset)
                    .forEach(
                            (partition, names) -> {
                                if (isClosed(partition)) {
                                    assertThat(names)
                                            .as(partition)
                                            .containsExactly("compacted-run1-0.parquet");
                                }
                            });
        }
        assertThat(auditAfter.get(open)).isEqualTo(auditBefore.get(open)).hasSizeGreaterThan(1);
        // sorted by user id, then event time
        Path merged = closedDir.resolve("compacted-run1-0.parquet");
        assertThat(
                        DuckDbLake.count(
                                "SELECT count(*) FROM (SELECT user_id, event_time, file_row_number,"
                                        + " row_number() OVER (ORDER BY user_id, event_time, event_id) - 1 AS expected"
                                        + " FROM read_parquet('"
                                        + merged
                                        + "', file_row_number=true)) WHERE file_row_number <> expected"))
                .isZero();
        // with bloom filters on user_id, case_id and event_id
        ParquetMetadata footer =
                LakeFiles.footer(
                        org.apache.flink.core.fs.Path.fromLocalFile(merged.toFile())
                                .getFileSystem()
                                .getFileStatus(
                                        org.apache.flink.core.fs.Path.fromLocalFile(
                                                merged.toFile())));
        BlockMetaData block = footer.getBlocks().get(0);
        for (ColumnChunkMetaData column : block.getColumns()) {
            String name = column.getPath().toDotString();
            boolean bloom = List.of("user_id", "case_id", "event_id").contains(name);
            assertThat(column.getBloomFilterOffset() >= 0)
                    .as("bloom filter on " + name)
                    .isEqualTo(bloom);
            // min/max statistics on every column queries filter on; none on free text and digests
            boolean freeText =
                    io.decisionledger.lake.ParquetFormats.FREE_TEXT_COLUMNS.contains(
                            column.getPath().toArray()[0]);
            assertThat(column.getStatistics().isEmpty())
                    .as("statistics of " + name)
                    .isEqualTo(freeText);
        }
        // the stale in-progress file is gone, the recent one (maybe still needed) is kept
        assertThat(stale).doesNotExist();
        assertThat(recent).exists();
        // nothing is left in the staging area
        assertThat(CompactedLake.allFiles(lakeDir.resolve("_staging"))).isEmpty();
        // the report adds up
        assertThat(report.filesBefore()).isEqualTo(allClosedFilesBefore);
        assertThat(report.staleRemoved()).isEqualTo(1);
        assertThat(report.rolledForward()).isZero();
        assertThat(
                        report.results().stream()
                                .filter(r -> r.dataset() == Dataset.AUDIT)
                                .mapToLong(PartitionResult::filesBefore)
                                .sum())
                .isEqualTo(closedFilesBefore);
        assertThat(report.rows())
                .isEqualTo(
                        closedRows("audit/decisions")
                                + closedRows("ops/decisions")
                                + closedRows("quarantine"));
        // and the hash chains still verify against the published heads
        VerifyReport verify = verify();
        assertThat(verify.violations()).isEmpty();
        assertThat(verify.records()).isEqualTo(900);

        // and a second run finds nothing to do and changes nothing
        List<String> everything = CompactedLake.allFiles(lakeDir);
        CompactionReport again = compact(options("run2"));
        assertThat(again.partitions()).isZero();
        assertThat(CompactedLake.allFiles(lakeDir)).isEqualTo(everything);
    }

    @Test
    void foldsLateFilesIntoTheNextRunsMergedFile() throws Exception {
        // given a closed partition whose newest files arrive only after a first compaction
        String partition = "tenant_id=insurer_789/event_date=" + DATES.get(1);
        Path dir = lakeDir.resolve("audit/decisions").resolve(partition);
        Path late = Files.createDirectories(work.resolve("late"));
        List<String> names = files("audit/decisions").get(partition);
        for (String name : names.subList(0, names.size() / 2)) {
            Files.move(dir.resolve(name), late.resolve(name));
        }
        compact(options("first"));
        assertThat(files("audit/decisions").get(partition))
                .containsExactly("compacted-first-0.parquet");

        // when they land and compaction runs again
        try (var lateFiles = Files.list(late)) {
            for (Path f : lateFiles.toList()) {
                Files.move(f, dir.resolve(f.getFileName()));
            }
        }
        CompactionReport report = compact(options("second"));

        // then the small earlier merge and the late files become one file, rows unchanged
        assertThat(report.partitions()).isEqualTo(1);
        assertThat(files("audit/decisions").get(partition))
                .containsExactly("compacted-second-0.parquet");
        assertThat(digests(lakeDir)).isEqualTo(before);
        assertThat(verify().violations()).isEmpty();
    }

    @Test
    void movesMergedFilesFromALandingAreaIntoTheLakeOfRecord() throws Exception {
        // given the streaming files in a landing area, and an empty lake of record
        Path target = work.resolve("locked-lake");
        Map<String, Object> closedBefore = closedDigest(pristine.resolve("audit/decisions"));

        // when compaction reads from the landing area into the lake
        CompactionReport report =
                compact(
                        CompactionOptions.parse(
                                new String[] {
                                    "--landing", lake.root(),
                                    "--lake", target.toUri().toString(),
                                    "--as-of", AS_OF.toString(),
                                    "--run-id", "land",
                                    "--no-legal-holds"
                                }));

        // then the lake holds one merged file per closed partition, with the same rows
        assertThat(report.partitions()).isPositive();
        files(target, "audit/decisions")
                .forEach(
                        (p, names) ->
                                assertThat(names)
                                        .as(p)
                                        .containsExactly("compacted-land-0.parquet"));
        assertThat(files(target, "audit/decisions").keySet())
                .allMatch(CompactionJobITCase::isClosed);
        assertThat(rowDigestOf(target.resolve("audit/decisions"))).isEqualTo(closedBefore);
        // and the landing area keeps only the open date
        assertThat(files("audit/decisions").keySet()).noneMatch(CompactionJobITCase::isClosed);
        assertThat(CompactedLake.allFiles(lakeDir.resolve("_staging"))).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(value = SwapStep.class, mode = EnumSource.Mode.EXCLUDE, names = "ARCHIVED")
    void aRerunAfterACrashAtAnyStepLosesNothingAndDuplicatesNothing(SwapStep step)
            throws Exception {
        // given a lake, and a compaction that dies at one step of the swap
        assertThatThrownBy(() -> compact(options("crash").with("fail-at", step.name())))
                .hasStackTraceContaining("injected failure after swap step " + step);
        assertThat(CompactedLake.allFiles(lakeDir.resolve("_staging"))).isNotEmpty();
        if (step == SwapStep.PUBLISHED) {
            // the documented window: old and new files of a partition are both visible
            long visible = rowsIn(digests(lakeDir));
            long total = rowsIn(before);
            assertThat(visible).isGreaterThan(total);
        }

        // when it runs again
        CompactionReport report = compact(options("rerun"));

        // then every row is visible exactly once, in one file per closed partition
        assertThat(digests(lakeDir)).isEqualTo(before);
        for (String dataset : DATASETS) {
            files(dataset)
                    .forEach(
                            (partition, names) -> {
                                if (isClosed(partition)) {
                                    assertThat(names).as(partition).hasSize(1);
                                    assertThat(names.get(0)).startsWith("compacted-");
                                }
                            });
        }
        if (step.compareTo(SwapStep.MANIFEST_WRITTEN) >= 0) {
            assertThat(report.rolledForward()).isPositive();
        }
        assertThat(CompactedLake.allFiles(lakeDir.resolve("_staging"))).isEmpty();
        assertThat(verify().violations()).isEmpty();
    }

    // ---------------------------------------------------------------------------------- helpers

    private VerifyReport verify() throws Exception {
        return CompactedLake.verify(lake, work.resolve("verify.json"));
    }

    private CompactionOptions options(String runId) {
        return CompactionOptions.parse(
                new String[] {
                    "--lake",
                    lake.root(),
                    "--as-of",
                    AS_OF.toString(),
                    "--run-id",
                    runId,
                    "--no-legal-holds"
                });
    }

    private static Map<String, Map<String, Object>> digests(Path root) {
        Map<String, Map<String, Object>> out = new java.util.TreeMap<>();
        for (String dataset : DATASETS) {
            out.put(dataset, CompactedLake.rowDigest(root.resolve(dataset)));
        }
        return out;
    }

    private static long rowsIn(Map<String, Map<String, Object>> digests) {
        return digests.values().stream().mapToLong(d -> ((Number) d.get("n")).longValue()).sum();
    }

    private static Map<String, Object> rowDigestOf(Path dir) {
        return CompactedLake.rowDigest(dir);
    }

    /** The digest of the rows in closed partitions only (event_date before yesterday). */
    private static Map<String, Object> closedDigest(Path dir) {
        return CompactedLake.rowDigestWhere(
                DuckDbLake.table(dir), "event_date < '" + AS_OF.minusDays(1) + "'");
    }

    private Map<String, List<String>> files(String dataset) {
        return files(lakeDir, dataset);
    }

    private static Map<String, List<String>> files(Path root, String dataset) {
        return CompactedLake.filesByPartition(root.resolve(dataset));
    }

    private static boolean isClosed(String partition) {
        String date = partition.substring(partition.lastIndexOf('=') + 1);
        return LocalDate.parse(date).isBefore(AS_OF.minusDays(1));
    }

    private static long closedFiles(Map<String, List<String>> files) {
        return files.entrySet().stream()
                .filter(e -> isClosed(e.getKey()))
                .mapToLong(e -> e.getValue().size())
                .sum();
    }

    private long closedRows(String dataset) {
        String dateColumn = dataset.equals("quarantine") ? "ingest_date" : "event_date";
        return DuckDbLake.count(
                "SELECT count(*) FROM "
                        + DuckDbLake.table(lakeDir.resolve(dataset))
                        + " WHERE "
                        + dateColumn
                        + " < '"
                        + AS_OF.minusDays(1)
                        + "'");
    }
}
