package io.decisionledger.compaction;

import static io.decisionledger.compaction.CompactedLake.auditTask;
import static io.decisionledger.compaction.CompactedLake.fileNames;
import static io.decisionledger.compaction.CompactedLake.partitionDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.rewrite.Dataset;
import io.decisionledger.rewrite.Fingerprints;
import io.decisionledger.rewrite.MergedFileWriter;
import io.decisionledger.rewrite.PartitionResult;
import io.decisionledger.rewrite.PartitionResult.Outcome;
import io.decisionledger.rewrite.PartitionSlice;
import io.decisionledger.rewrite.PartitionTask;
import io.decisionledger.rewrite.RecordDigest;
import io.decisionledger.rewrite.SliceManifest;
import io.decisionledger.rewrite.SortedRewrite;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.testing.SmallFileLake;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.core.fs.FileStatus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hot partition merged in slices without Flink: each slice stages the rows of its user-id range,
 * sorted, and the partition is published once, after every slice is staged, with exactly the
 * input's rows in files that are each sorted and, in name order, the whole partition in order. A
 * slice that fails, slices that do not add up to the input (overlapping ranges, a slice that read
 * other files) publish nothing, and a rerun merges the partition. (The split on a MiniCluster, by
 * several subtasks, is SplitCompactionITCase in jobs-it.)
 */
class SplitCompactionTest {

    private static final LocalDate DAY = LocalDate.of(2026, 3, 10);

    @TempDir static Path shared;

    /** The lake as streaming ingest leaves it, written once; each test works on a copy. */
    private static Path pristine;

    @TempDir Path work;

    private LakeLayout lake;

    @BeforeAll
    static void writeALakeOfSmallFiles() {
        pristine = shared.resolve("pristine");
        SmallFileLake.write(
                LakeLayout.at(pristine.toUri().toString()), 2400, List.of(DAY), 20, 0, 11);
    }

    @BeforeEach
    void lake() {
        lake = LakeLayout.at(work.resolve("lake").toUri().toString());
        CompactedLake.copy(pristine, work.resolve("lake"));
    }

    @Test
    void slicesCoverEveryKeyInContiguousRanges() throws Exception {
        PartitionTask task = auditTask(options("r0"));

        List<PartitionSlice> slices = PartitionSlice.plan(task, 3, PartitionSlice.SAMPLE_BYTES);

        assertThat(slices).hasSize(3);
        assertThat(slices.get(0).fromKey()).isNull();
        assertThat(slices.get(2).toKey()).isNull();
        assertThat(slices.get(0).toKey()).isEqualTo(slices.get(1).fromKey());
        assertThat(slices.get(1).toKey()).isEqualTo(slices.get(2).fromKey());
        // every key, a missing one too, in exactly one slice
        for (String key : List.of("", "a", "user-1", "zzzz", slices.get(1).fromKey())) {
            assertThat(slices.stream().filter(s -> s.contains(key))).as(key).hasSize(1);
        }
        assertThat(slices.stream().filter(s -> s.contains((String) null))).hasSize(1);
        // the same sources, the same ranges
        assertThat(PartitionSlice.plan(task, 3, PartitionSlice.SAMPLE_BYTES)).isEqualTo(slices);
        // quarantine rows have no user: never split
        PartitionTask quarantine =
                new PartitionTask(
                        Dataset.QUARANTINE,
                        task.partition(),
                        task.targetDir(),
                        task.stagingDir(),
                        task.runId(),
                        List.of(),
                        List.of());
        assertThat(PartitionSlice.plan(quarantine, 3, PartitionSlice.SAMPLE_BYTES)).hasSize(1);
    }

    @Test
    void aPartitionStagedInSlicesIsPublishedOnceWithExactlyItsRowsInSortedFiles() throws Exception {
        // given a partition of small part files, planned as three slices
        CompactionOptions options = options("s1");
        PartitionTask task = auditTask(options);
        Path dir = partitionDir(task);
        List<String> before = fileNames(dir);
        byte[][] prints = prints(dir);
        assertThat(prints.length).isGreaterThan(500);
        List<PartitionSlice> slices = PartitionSlice.plan(task, 3, PartitionSlice.SAMPLE_BYTES);
        assertThat(slices).hasSize(3);
        PartitionCompactor compactor = PartitionCompactor.of(options);

        // when each slice is staged (by "subtask" k), the partition is not yet touched
        long staged = 0;
        for (PartitionSlice s : slices) {
            PartitionResult r = compactor.stageSlice(task, s, s.index());
            assertThat(r.outcome()).isEqualTo(Outcome.SLICE_STAGED);
            assertThat(r.rows()).as(s.label()).isPositive().isLessThan(prints.length);
            staged += r.rows();
        }
        assertThat(staged).isEqualTo(prints.length);
        assertThat(fileNames(dir)).isEqualTo(before);
        assertThat(sliceManifest(task, 1).subtask()).isEqualTo(1);
        // a replayed slice task (a failover) keeps what is staged rather than staging it again
        SliceManifest first = sliceManifest(task, 1);
        assertThat(compactor.stageSlice(task, slices.get(1), 0).rows()).isEqualTo(first.rows());
        assertThat(sliceManifest(task, 1)).isEqualTo(first);

        // and then published
        PartitionResult result = compactor.commitSlices(task, slices.size());

        // then the partition holds exactly the rows read, every field unchanged
        assertThat(result.outcome()).isEqualTo(Outcome.COMPACTED);
        assertThat(result.rows()).isEqualTo(prints.length);
        assertThat(prints(dir)).isDeepEqualTo(prints);
        // in merged files only, at least one per slice, numbered in key order
        List<String> names = inNumberOrder(fileNames(dir));
        assertThat(names)
                .hasSizeGreaterThanOrEqualTo(3)
                .allMatch(n -> n.startsWith("compacted-s1-"));
        assertThat(names.get(0)).isEqualTo("compacted-s1-0.parquet");
        // each file sorted, each within one slice's range, and file after file the whole
        // partition in the dataset's order (the ranges are disjoint)
        List<SpecificRecordBase> all = new ArrayList<>();
        Set<Integer> slicesSeen = new HashSet<>();
        for (String name : names) {
            List<SpecificRecordBase> rows = rows(dir.resolve(name));
            assertThat(rows).as(name).isNotEmpty().isSortedAccordingTo(Dataset.AUDIT.order());
            PartitionSlice s =
                    slices.stream()
                            .filter(x -> x.contains(((DecisionRecord) rows.get(0)).getUserId()))
                            .findFirst()
                            .orElseThrow();
            assertThat(rows).as(name).allMatch(r -> s.contains(((DecisionRecord) r).getUserId()));
            slicesSeen.add(s.index());
            all.addAll(rows);
        }
        assertThat(slicesSeen).containsExactlyInAnyOrder(0, 1, 2);
        assertThat(all).hasSize(prints.length).isSortedAccordingTo(Dataset.AUDIT.order());
        // and the staging folder is gone
        assertThat(Files.exists(Path.of(java.net.URI.create(task.stagingDir())))).isFalse();
    }

    @Test
    void aSliceThatFailsPublishesNothingAndARerunMergesThePartition() throws Exception {
        // given a partition planned as two slices, the second one's merge losing a row
        CompactionOptions options = options("f1");
        PartitionTask task = auditTask(options);
        Path dir = partitionDir(task);
        List<String> before = fileNames(dir);
        byte[][] prints = prints(dir);
        List<PartitionSlice> slices = PartitionSlice.plan(task, 2, PartitionSlice.SAMPLE_BYTES);
        assertThat(slices).hasSize(2);
        PartitionCompactor good = PartitionCompactor.of(options);
        PartitionCompactor buggy =
                new PartitionCompactor(
                        new SortedRewrite(
                                        new MergedFileWriter(
                                                options.parquet(), options.targetFileBytes()),
                                        1024 * 1024,
                                        SortedRewrite.Verify.DIGEST)
                                .withFault(SortedRewrite.Fault.DROP),
                        null);

        // when slice 1 is staged and slice 2 fails its verification
        good.stageSlice(task, slices.get(0), 0);
        assertThatThrownBy(() -> buggy.stageSlice(task, slices.get(1), 1))
                .hasMessageContaining("verification failed for audit " + task.partition());

        // then the partition cannot be published, and is as it was
        assertThatThrownBy(() -> good.commitSlices(task, 2))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("slice 2/2 is not staged; nothing was published");
        assertThat(fileNames(dir)).isEqualTo(before);
        assertThat(prints(dir)).isDeepEqualTo(prints);

        // when the run is run again: recovery discards the staged slice, then both are merged
        CompactionPlanner planner = new CompactionPlanner(options);
        planner.recoverEarlierRuns(new PrintStream(PrintStream.nullOutputStream()));
        assertThat(Files.exists(Path.of(java.net.URI.create(task.stagingDir())))).isFalse();
        PartitionTask again = auditTask(options);
        assertThat(again).isEqualTo(task);
        for (PartitionSlice s : slices) {
            good.stageSlice(again, s, s.index());
        }

        // then the partition holds exactly the rows read
        assertThat(good.commitSlices(again, 2).outcome()).isEqualTo(Outcome.COMPACTED);
        assertThat(prints(dir)).isDeepEqualTo(prints);
        assertThat(fileNames(dir)).allMatch(n -> n.startsWith("compacted-f1-"));
    }

    @Test
    void slicesThatDoNotAddUpToTheInputAreRefused() throws Exception {
        CompactionOptions options = options("v1");
        PartitionTask task = auditTask(options);
        Path dir = partitionDir(task);
        List<String> before = fileNames(dir);
        byte[][] prints = prints(dir);
        PartitionCompactor compactor = PartitionCompactor.of(options);
        List<PartitionSlice> slices = PartitionSlice.plan(task, 2, PartitionSlice.SAMPLE_BYTES);
        String cut = slices.get(1).fromKey();

        // given overlapping ranges (a planning bug): the rows of both ranges are written twice
        compactor.stageSlice(task, new PartitionSlice(0, 2, null, cut), 0);
        compactor.stageSlice(task, new PartitionSlice(1, 2, "", null), 1);
        assertThatThrownBy(() -> compactor.commitSlices(task, 2))
                .hasMessageContaining("verification failed for audit " + task.partition())
                .hasMessageContaining(prints.length + " read");
        assertThat(fileNames(dir)).isEqualTo(before);

        // given a slice whose manifest says it read other rows (another input)
        Path second = sliceManifestFile(task, 1);
        deleteTree(second.getParent());
        compactor.stageSlice(task, slices.get(1), 1);
        assertThat(sliceManifest(task, 1).kept()).isNotEqualTo(sliceManifest(task, 0).kept());
        SliceManifest m = SliceManifest.fromJson(Files.readString(second));
        RecordDigest fewer = RecordDigest.parse(m.skipped());
        fewer.add(new byte[] {1, 2, 3}, "an-extra-row");
        Files.writeString(
                second,
                new SliceManifest(
                                m.runId(),
                                m.dataset(),
                                m.partition(),
                                m.index(),
                                m.count(),
                                m.subtask(),
                                m.outputs(),
                                m.kept(),
                                fewer.state())
                        .toJson());
        assertThatThrownBy(() -> compactor.commitSlices(task, 2))
                .hasMessageContaining("slice 2/2 read other rows than slice 1");

        // then nothing was published
        assertThat(fileNames(dir)).isEqualTo(before);
        assertThat(prints(dir)).isDeepEqualTo(prints);
    }

    @Test
    void aSplitPartitionsSlicesAreHandedOutNextToEachOther() throws Exception {
        PartitionTask hot = auditTask(options("w1"));
        PartitionTask other =
                new PartitionTask(
                        Dataset.OPS,
                        hot.partition(),
                        hot.targetDir(),
                        hot.stagingDir(),
                        hot.runId(),
                        List.of(new PartitionTask.FileRef("file:///x", 1)),
                        List.of());
        List<PartitionSlice> slices = PartitionSlice.plan(hot, 2, PartitionSlice.SAMPLE_BYTES);

        List<PartitionWork> work =
                CompactionPipeline.inStartOrder(
                        List.of(), List.of(other, hot), t -> t == hot ? slices : List.of());

        // the hot partition first (largest), as two slices in a row, then the other one whole
        assertThat(work)
                .containsExactly(
                        new PartitionWork.CompactSlice(hot, slices.get(0)),
                        new PartitionWork.CompactSlice(hot, slices.get(1)),
                        new PartitionWork.Compact(other));
    }

    @Test
    void aRecordDigestReadsBackFromItsState() {
        RecordDigest d = new RecordDigest();
        d.add(new byte[] {1, 2}, "e1");
        d.add(new byte[] {3}, null);
        RecordDigest back = RecordDigest.parse(d.state());
        assertThat(back.same(d)).isTrue();
        assertThat(back.count()).isEqualTo(2);
        back.add(new byte[] {1, 2}, "e1");
        assertThat(back.same(d)).isFalse();
        assertThatThrownBy(() -> RecordDigest.parse("3:abc"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ---------------------------------------------------------------------------------- helpers

    private CompactionOptions options(String runId) {
        return CompactionOptions.parse(
                new String[] {
                    "--lake",
                    lake.root(),
                    "--as-of",
                    DAY.plusDays(5).toString(),
                    "--run-id",
                    runId,
                    "--target-file-bytes",
                    String.valueOf(64 * 1024),
                    "--datasets",
                    "audit",
                    "--retention",
                    "false"
                });
    }

    private static SliceManifest sliceManifest(PartitionTask task, int k) throws IOException {
        return SliceManifest.fromJson(Files.readString(sliceManifestFile(task, k)));
    }

    private static Path sliceManifestFile(PartitionTask task, int k) {
        return Path.of(java.net.URI.create(task.stagingDir()))
                .resolve(SliceManifest.folder(k))
                .resolve(SliceManifest.FILE_NAME);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** compacted-<run>-<n>.parquet by n. */
    private static List<String> inNumberOrder(List<String> names) {
        return names.stream()
                .sorted(
                        Comparator.comparingInt(
                                n ->
                                        Integer.parseInt(
                                                n.substring(
                                                        n.lastIndexOf('-') + 1,
                                                        n.length() - ".parquet".length()))))
                .toList();
    }

    private static List<SpecificRecordBase> rows(Path file) throws IOException {
        List<SpecificRecordBase> rows = new ArrayList<>();
        LakeFiles.forEachRecord(status(file), DecisionRecord.class, rows::add);
        return rows;
    }

    /** Sorted SHA-256 of every row's Avro form: equal arrays, the same rows with every field. */
    private static byte[][] prints(Path dir) throws IOException {
        List<SpecificRecordBase> all = new ArrayList<>();
        for (String name : fileNames(dir)) {
            all.addAll(rows(dir.resolve(name)));
        }
        return new Fingerprints(Dataset.AUDIT).sorted(all);
    }

    private static FileStatus status(Path file) throws IOException {
        org.apache.flink.core.fs.Path p =
                org.apache.flink.core.fs.Path.fromLocalFile(file.toFile());
        return p.getFileSystem().getFileStatus(p);
    }
}
