package io.decisionledger.compaction;

import static io.decisionledger.compaction.CompactedLake.compact;
import static io.decisionledger.compaction.CompactedLake.filesByPartition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.lake.LakeLayout;
import io.decisionledger.rewrite.SliceManifest;
import io.decisionledger.rewrite.SwapManifest;
import io.decisionledger.testing.DuckDbLake;
import io.decisionledger.testing.MiniClusters;
import io.decisionledger.testing.SmallFileLake;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19's hot partition on a MiniCluster at parallelism 2: with {@code --split-bytes} below the
 * partitions' size, each partition is merged in two slices (user-id ranges) by two different
 * subtasks and published once. A slice that fails publishes nothing, a crash at the commit point
 * leaves the partition as it was, and a rerun with the same run id completes; then DuckDB, an
 * independent reader, sees exactly the input's rows (EXCEPT ALL both ways), in files that are each
 * sorted and, file after file, in disjoint user-id ranges. Retention over the split partitions
 * keeps exactly the held user's rows.
 */
class SplitCompactionITCase {

    @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = MiniClusters.twoSlots();

    private static final LocalDate AS_OF = LocalDate.of(2026, 3, 20);
    private static final LocalDate DAY = LocalDate.of(2025, 6, 1);
    private static final String TARGET = String.valueOf(64 * 1024);

    @TempDir static Path shared;

    private static Path pristine;

    @TempDir Path work;

    private Path lakeDir;
    private LakeLayout lake;

    @BeforeAll
    static void writeALakeOfSmallFiles() {
        pristine = shared.resolve("pristine");
        SmallFileLake.write(
                LakeLayout.at(pristine.toUri().toString()), 1500, List.of(DAY), 20, 0, 3);
    }

    @BeforeEach
    void copyTheLake() {
        lakeDir = work.resolve("lake");
        lake = LakeLayout.at(lakeDir.toUri().toString());
        CompactedLake.copy(pristine, lakeDir);
    }

    @Test
    void aHotPartitionIsMergedBySeveralSubtasksAndPublishedOnceWithExactlyItsRows()
            throws Exception {
        // given partitions of small files, each larger than --split-bytes
        Map<String, List<String>> auditBefore = filesByPartition(audit());
        Map<String, List<String>> opsBefore = filesByPartition(ops());
        assertThat(auditBefore).hasSize(3);
        auditBefore.values().forEach(files -> assertThat(files).hasSizeGreaterThan(10));

        // when the last slice of every partition fails after staging
        assertThatThrownBy(() -> compact(options("h1").with("fail-at", "STAGED")))
                .hasStackTraceContaining("injected failure after swap step STAGED");

        // then nothing is published
        assertThat(filesByPartition(audit())).isEqualTo(auditBefore);
        assertThat(filesByPartition(ops())).isEqualTo(opsBefore);

        // when the rerun crashes at the commit point of the first partition it publishes
        assertThatThrownBy(() -> compact(options("h1").with("fail-at", "MANIFEST_WRITTEN")))
                .hasStackTraceContaining("injected failure after swap step MANIFEST_WRITTEN");

        // then that partition's manifest lists both slices' files, staged by two subtasks
        List<Path> manifests = manifests(lakeDir.resolve("_staging/compaction/h1"));
        assertThat(manifests).hasSize(1);
        Path staging = manifests.get(0).getParent();
        Set<Integer> subtasks = new HashSet<>();
        long sliceRows = 0;
        int sliceFiles = 0;
        for (int k = 0; k < 2; k++) {
            SliceManifest slice =
                    SliceManifest.fromJson(
                            Files.readString(
                                    staging.resolve(SliceManifest.folder(k))
                                            .resolve(SliceManifest.FILE_NAME)));
            assertThat(slice.count()).isEqualTo(2);
            assertThat(slice.rows()).isPositive();
            subtasks.add(slice.subtask());
            sliceRows += slice.rows();
            sliceFiles += slice.outputs().size();
        }
        assertThat(subtasks).containsExactlyInAnyOrder(0, 1);
        SwapManifest swap = SwapManifest.fromJson(Files.readString(manifests.get(0)));
        assertThat(swap.rows()).isEqualTo(sliceRows);
        assertThat(swap.outputs()).hasSize(sliceFiles);
        assertThat(swap.outputs())
                .anyMatch(o -> o.staged().contains("/slice-0/"))
                .anyMatch(o -> o.staged().contains("/slice-1/"));
        // and still nothing is published
        assertThat(filesByPartition(audit())).isEqualTo(auditBefore);
        assertThat(filesByPartition(ops())).isEqualTo(opsBefore);

        // when the run is run again with the same id
        CompactionReport report = compact(options("h1"));

        // then every partition is merged files only, holding exactly the input's rows
        assertThat(report.partitions()).isEqualTo(6);
        for (Path dataset : List.of(audit(), ops())) {
            assertThat(exceptAll(pristineOf(dataset), dataset)).as("lost rows").isZero();
            assertThat(exceptAll(dataset, pristineOf(dataset))).as("extra rows").isZero();
            assertThat(count(dataset)).isEqualTo(count(pristineOf(dataset))).isPositive();
        }
        Map<String, List<String>> after = filesByPartition(audit());
        assertThat(after).hasSameSizeAs(auditBefore);
        for (Map.Entry<String, List<String>> p : after.entrySet()) {
            List<String> files = inNumberOrder(p.getValue());
            assertThat(files).as(p.getKey()).hasSizeGreaterThanOrEqualTo(2);
            assertThat(files).allMatch(n -> n.startsWith("compacted-h1-"));
            String previousMax = null;
            for (String name : files) {
                Path file = audit().resolve(p.getKey()).resolve(name);
                // each file in the dataset's order
                assertThat(
                                DuckDbLake.count(
                                        "SELECT count(*) FROM (SELECT file_row_number, row_number()"
                                                + " OVER (ORDER BY user_id, event_time, event_id) - 1"
                                                + " AS expected FROM read_parquet('"
                                                + file
                                                + "', file_row_number=true)) WHERE file_row_number"
                                                + " <> expected"))
                        .as(name)
                        .isZero();
                // and its users after the previous file's: the slices' ranges are disjoint
                Map<String, Object> range =
                        DuckDbLake.query(
                                        "SELECT min(user_id) AS lo, max(user_id) AS hi FROM"
                                                + " read_parquet('"
                                                + file
                                                + "')")
                                .get(0);
                if (previousMax != null) {
                    assertThat((String) range.get("lo"))
                            .as(name)
                            .isGreaterThanOrEqualTo(previousMax);
                }
                previousMax = (String) range.get("hi");
            }
        }
        // and the staging area is empty
        assertThat(CompactedLake.allFiles(lakeDir.resolve("_staging"))).isEmpty();
    }

    @Test
    void retentionOverSplitPartitionsKeepsExactlyTheHeldRows() throws Exception {
        // given partitions merged in slices
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        new CompactionRunner(options("c1"))
                .run(
                        CompactedLake.environment(),
                        new java.io.PrintStream(
                                log, true, java.nio.charset.StandardCharsets.UTF_8));
        assertThat(log.toString(java.nio.charset.StandardCharsets.UTF_8))
                .contains("audit tenant_id=bank_456/event_date=" + DAY + ": ")
                .containsPattern(
                        "audit +tenant_id=bank_456/event_date="
                                + DAY
                                + " COMPACTED: .*, in 2 slices");
        filesByPartition(audit())
                .values()
                .forEach(files -> assertThat(files).hasSizeGreaterThanOrEqualTo(2));
        // and a legal hold on one user of bank_456, whose rows are in one slice's files
        String user =
                (String)
                        DuckDbLake.query(
                                        "SELECT user_id FROM "
                                                + DuckDbLake.table(pristineOf(audit()))
                                                + " WHERE tenant_id = 'bank_456' ORDER BY event_id"
                                                + " LIMIT 1")
                                .get(0)
                                .get("user_id");
        String heldRows = "tenant_id = 'bank_456' AND user_id = '" + user + "'";
        Path holds = work.resolve("holds.json");
        Files.writeString(
                holds,
                "{\"holds\": [{\"id\": \"LH-1\", \"tenant_id\": \"bank_456\", \"user_id\": \""
                        + user
                        + "\", \"reason\": \"appeal\", \"placed_by\": \"legal\"}]}");
        Path policy = work.resolve("policy.json");
        Files.writeString(policy, "{\"version\": \"t1\", \"default\": \"P6M\"}");

        // when retention deletes what is past its period
        compact(
                options("r1")
                        .with(
                                "retention",
                                "true",
                                "retention-policy",
                                policy.toString(),
                                "legal-holds",
                                holds.toString()));

        // then exactly the held user's audit rows are left, every field unchanged
        String expected =
                "(SELECT * FROM "
                        + DuckDbLake.table(pristineOf(audit()))
                        + " WHERE "
                        + heldRows
                        + ")";
        assertThat(DuckDbLake.count("SELECT count(*) FROM " + expected)).isPositive();
        assertThat(
                        DuckDbLake.count(
                                "SELECT count(*) FROM (SELECT md5(CAST(t AS VARCHAR)) FROM "
                                        + expected
                                        + " t EXCEPT ALL SELECT md5(CAST(t AS VARCHAR)) FROM "
                                        + DuckDbLake.table(audit())
                                        + " t)"))
                .isZero();
        assertThat(count(audit())).isEqualTo(DuckDbLake.count("SELECT count(*) FROM " + expected));
        // and of ops only the rows of the held user's events
        assertThat(
                        DuckDbLake.count(
                                "SELECT count(*) FROM "
                                        + DuckDbLake.table(ops())
                                        + " WHERE event_id NOT IN (SELECT event_id FROM "
                                        + expected
                                        + ")"))
                .isZero();
        assertThat(count(ops())).isEqualTo(DuckDbLake.count("SELECT count(*) FROM " + expected));
    }

    // ---------------------------------------------------------------------------------- helpers

    private CompactionOptions options(String runId) {
        return CompactionOptions.parse(
                new String[] {
                    "--lake",
                    lake.root(),
                    "--as-of",
                    AS_OF.toString(),
                    "--run-id",
                    runId,
                    "--datasets",
                    "audit,ops",
                    "--retention",
                    "false",
                    "--target-file-bytes",
                    TARGET,
                    "--split-bytes",
                    TARGET
                });
    }

    private Path audit() {
        return lakeDir.resolve("audit/decisions");
    }

    private Path ops() {
        return lakeDir.resolve("ops/decisions");
    }

    private Path pristineOf(Path dataset) {
        return pristine.resolve(lakeDir.relativize(dataset).toString());
    }

    private static long count(Path dataset) {
        return DuckDbLake.count("SELECT count(*) FROM " + DuckDbLake.table(dataset));
    }

    /** Rows of {@code a} not in {@code b}, every column compared, duplicates counted. */
    private static long exceptAll(Path a, Path b) {
        return DuckDbLake.count(
                "SELECT count(*) FROM (SELECT md5(CAST(t AS VARCHAR)) FROM "
                        + DuckDbLake.table(a)
                        + " t EXCEPT ALL SELECT md5(CAST(t AS VARCHAR)) FROM "
                        + DuckDbLake.table(b)
                        + " t)");
    }

    private static List<Path> manifests(Path dir) throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.getFileName().toString().equals(SwapManifest.FILE_NAME))
                    .toList();
        }
    }

    /** compacted-<run>-<n>.parquet by n. */
    private static List<String> inNumberOrder(List<String> names) {
        List<String> sorted = new ArrayList<>(names);
        sorted.sort(
                Comparator.comparingInt(
                        n ->
                                Integer.parseInt(
                                        n.substring(
                                                n.lastIndexOf('-') + 1,
                                                n.length() - ".parquet".length()))));
        return sorted;
    }
}
