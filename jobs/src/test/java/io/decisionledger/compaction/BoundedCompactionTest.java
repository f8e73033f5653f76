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
import io.decisionledger.rewrite.PartitionTask;
import io.decisionledger.rewrite.SortedRewrite;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.testing.SmallFileLake;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.core.fs.FileStatus;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The bounded-memory merge of one partition without Flink: a sort buffer far smaller than the
 * partition spills runs and merges them (in several passes) into the same rows in order; compacted
 * files are merged as they stream, and one out of order is sorted instead; and the digest check
 * refuses a merge that lost, doubled or changed a row, before anything is swapped.
 */
class BoundedCompactionTest {

    private static final LocalDate DAY = LocalDate.of(2026, 3, 10);

    @TempDir Path work;

    private LakeLayout lake;

    @BeforeEach
    void lake() {
        lake = LakeLayout.at(work.resolve("lake").toUri().toString());
    }

    @ParameterizedTest
    @EnumSource(SortedRewrite.Fault.class)
    void aMergeThatLosesDoublesOrChangesARowIsRefusedBeforeTheSwap(SortedRewrite.Fault fault)
            throws Exception {
        // given a partition of small files
        SmallFileLake.write(lake, 150, List.of(DAY), 10, 0, 21);
        CompactionOptions options = options("bad", CompactionOptions.DEFAULT_TARGET_FILE_BYTES);
        PartitionTask task = auditTask(options);
        Path dir = partitionDir(task);
        List<String> before = fileNames(dir);
        byte[][] prints = prints(dir);

        // when the merge hands the writer one row lost, doubled or changed
        PartitionCompactor buggy =
                new PartitionCompactor(
                        new SortedRewrite(
                                        new MergedFileWriter(
                                                options.parquet(), options.targetFileBytes()),
                                        1024 * 1024,
                                        SortedRewrite.Verify.DIGEST)
                                .withFault(fault),
                        null);

        // then verification refuses it, and the partition is as it was
        assertThatThrownBy(() -> buggy.compact(task))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("verification failed for audit " + task.partition())
                .hasMessageContaining(
                        switch (fault) {
                            case DROP ->
                                    (prints.length - 1)
                                            + " rows written, "
                                            + prints.length
                                            + " read";
                            case DUPLICATE ->
                                    (prints.length + 1)
                                            + " rows written, "
                                            + prints.length
                                            + " read";
                            case ALTER -> "a record's fields (content or chain) differ";
                        });
        assertThat(fileNames(dir)).isEqualTo(before);
        assertThat(prints(dir)).isDeepEqualTo(prints);
        // and the same task without the fault compacts
        assertThat(PartitionCompactor.of(options).compact(task).outcome())
                .isEqualTo(Outcome.COMPACTED);
        assertThat(prints(dir)).isDeepEqualTo(prints);
    }

    @Test
    void aSortBufferFarSmallerThanThePartitionSpillsAndMergesInPasses() throws Exception {
        // given a partition of ~1,000 rows (~2 MB as Avro) and a 8 KiB sort buffer: ~250 runs,
        // more than one merge pass takes
        SmallFileLake.write(lake, 3000, List.of(DAY), 40, 0, 5);
        CompactionOptions options = options("small", CompactionOptions.DEFAULT_TARGET_FILE_BYTES);
        PartitionTask task = auditTask(options);
        Path dir = partitionDir(task);
        byte[][] prints = prints(dir);
        assertThat(prints.length).isGreaterThan(800);

        // when it is compacted with that buffer, verifying by reading back
        PartitionResult result =
                new PartitionCompactor(
                                new SortedRewrite(
                                        new MergedFileWriter(
                                                options.parquet(), options.targetFileBytes()),
                                        8 * 1024,
                                        SortedRewrite.Verify.READBACK),
                                null)
                        .compact(task);

        // then every row is there once, unchanged, in the dataset's order
        assertThat(result.outcome()).isEqualTo(Outcome.COMPACTED);
        assertThat(fileNames(dir)).containsExactly("compacted-small-0.parquet");
        assertThat(prints(dir)).isDeepEqualTo(prints);
        assertThat(records(dir)).isSortedAccordingTo(order());
    }

    @Test
    void compactedFilesAreMergedAsTheyStreamAndOneOutOfOrderIsSorted() throws Exception {
        // given a partition compacted into several files, then new part files
        SmallFileLake.write(lake, 2400, List.of(DAY), 200, 0, 7);
        CompactionOptions first = options("c1", 64 * 1024);
        PartitionTask firstTask = auditTask(first);
        PartitionCompactor.of(first).compact(firstTask);
        Path dir = partitionDir(firstTask);
        assertThat(fileNames(dir)).hasSizeGreaterThan(2).allMatch(n -> n.startsWith("compacted-"));
        // one more "compacted" file whose rows are out of order (not written by this compactor)
        List<SpecificRecordBase> rows = records(dir);
        LakeFiles.writeParquet(
                flinkPath(dir.resolve("compacted-old-9.parquet")),
                copies(rows.subList(0, 40), "unsorted-", order().reversed()));
        // and new part files, as the streaming job leaves them (not in order)
        LakeFiles.writeParquet(
                flinkPath(dir.resolve("part-fresh-0.parquet")),
                copies(rows.subList(40, 140), "fresh-", Comparator.comparing(Object::hashCode)));
        byte[][] prints = prints(dir);

        // when it is compacted again with a target that folds the compacted files in
        CompactionOptions second = options("c2", 64L * 1024 * 1024);
        PartitionTask task = auditTask(second);
        assertThat(task.sources())
                .anyMatch(f -> f.path().contains("compacted-c1-"))
                .anyMatch(f -> f.path().contains("/part-"));
        assertThat(PartitionCompactor.of(second).compact(task).outcome())
                .isEqualTo(Outcome.COMPACTED);

        // then the partition is one file with every row once, unchanged, in order
        assertThat(fileNames(dir)).containsExactly("compacted-c2-0.parquet");
        assertThat(prints(dir)).isDeepEqualTo(prints);
        assertThat(records(dir)).isSortedAccordingTo(order());
    }

    // ---------------------------------------------------------------------------------- helpers

    /** Copies of {@code rows} under new event ids, in the given order. */
    private static List<SpecificRecordBase> copies(
            List<SpecificRecordBase> rows,
            String idPrefix,
            Comparator<? super SpecificRecordBase> in) {
        List<SpecificRecordBase> out = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            DecisionRecord copy = DecisionRecord.newBuilder((DecisionRecord) rows.get(i)).build();
            copy.setEventId(idPrefix + i);
            out.add(copy);
        }
        out.sort(in);
        return out;
    }

    private static org.apache.flink.core.fs.Path flinkPath(Path file) {
        return new org.apache.flink.core.fs.Path(file.toUri());
    }

    private static Comparator<SpecificRecordBase> order() {
        return Dataset.AUDIT.order();
    }

    private CompactionOptions options(String runId, long target) {
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

    /** The rows of the partition, file after file (names sorted). */
    private static List<SpecificRecordBase> records(Path dir) throws IOException {
        List<SpecificRecordBase> all = new ArrayList<>();
        for (String name : fileNames(dir)) {
            LakeFiles.forEachRecord(status(dir.resolve(name)), DecisionRecord.class, all::add);
        }
        return all;
    }

    /** Sorted SHA-256 of every row's Avro form: equal arrays, the same rows with every field. */
    private static byte[][] prints(Path dir) throws IOException {
        byte[][] p = new Fingerprints(Dataset.AUDIT).sorted(records(dir));
        return p;
    }

    private static FileStatus status(Path file) throws IOException {
        org.apache.flink.core.fs.Path p =
                org.apache.flink.core.fs.Path.fromLocalFile(file.toFile());
        return p.getFileSystem().getFileStatus(p);
    }
}
