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
import io.decisionledger.rewrite.PartitionRewrite;
import io.decisionledger.rewrite.PartitionTask;
import io.decisionledger.rewrite.SwapManifest;
import io.decisionledger.rewrite.SwapStep;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.testing.OperatorMetrics;
import io.decisionledger.testing.SmallFileLake;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.apache.flink.streaming.api.operators.StreamMap;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The swap protocol of one partition without Flink: a task restarted after dying at any step
 * finishes the job with the same run id, large partitions split under the target size in global
 * sort order, and a source that changed since planning stops the swap before anything moves.
 */
class PartitionCompactorTest {

    private static final LocalDate DAY = LocalDate.of(2026, 3, 10);

    @TempDir Path work;

    private LakeLayout lake;

    @BeforeEach
    void lake() {
        lake = LakeLayout.at(work.resolve("lake").toUri().toString());
    }

    @Test
    void theRewritingTaskCountsPartitionsBytesAndRowsReadAsFlinkMetrics() throws Exception {
        // given one closed partition of small files
        SmallFileLake.write(lake, 150, List.of(DAY), 10, 0, 3);
        CompactionOptions options = options("m1", CompactionOptions.DEFAULT_TARGET_FILE_BYTES);
        PartitionTask task = auditTask(options);
        long sourceRows = 0;
        for (PartitionTask.FileRef f : task.sources()) {
            sourceRows += LakeFiles.rowCount(PartitionRewrite.status(f));
        }

        // when the Flink task compacts it
        InterceptingOperatorMetricGroup metrics = new InterceptingOperatorMetricGroup();
        try (OneInputStreamOperatorTestHarness<PartitionWork, PartitionResult> harness =
                new OneInputStreamOperatorTestHarness<>(
                        new StreamMap<>(new CompactPartition(PartitionCompactor.of(options), null)),
                        OperatorMetrics.reportingTo(metrics))) {
            harness.open();
            harness.processElement(new StreamRecord<>(new PartitionWork.Compact(task)));
            PartitionResult result = harness.extractOutputValues().get(0);

            // then its metrics count the partition, its source bytes and every row read
            assertThat(result.outcome()).isEqualTo(Outcome.COMPACTED);
            assertThat(count(metrics, CompactPartition.METRIC_PARTITIONS)).isEqualTo(1);
            assertThat(count(metrics, CompactPartition.METRIC_BYTES))
                    .isEqualTo(task.sourceBytes())
                    .isPositive();
            assertThat(count(metrics, CompactPartition.METRIC_ROWS_READ))
                    .isEqualTo(result.rows())
                    .isEqualTo(sourceRows)
                    .isPositive();
        }
    }

    private static long count(InterceptingOperatorMetricGroup metrics, String name) {
        return ((Counter) metrics.get(name)).getCount();
    }

    @ParameterizedTest
    @EnumSource(value = SwapStep.class, mode = EnumSource.Mode.EXCLUDE, names = "ARCHIVED")
    void aRestartedTaskFinishesTheSwapItDiedIn(SwapStep step) throws Exception {
        // given one closed partition of small files
        SmallFileLake.write(lake, 150, List.of(DAY), 10, 0, 3);
        CompactionOptions options = options("r1", CompactionOptions.DEFAULT_TARGET_FILE_BYTES);
        PartitionTask task = auditTask(options);
        Path dir = partitionDir(task);
        List<String> before = eventIds(dir);
        assertThat(task.sources()).hasSizeGreaterThan(5);

        // when the task dies at the step, and Flink runs it again with the same run id
        assertThatThrownBy(
                        () ->
                                new PartitionCompactor(
                                                options.parquet(), options.targetFileBytes(), step)
                                        .compact(task))
                .isInstanceOf(PartitionRewrite.InjectedFailure.class);
        PartitionResult result = PartitionCompactor.of(options).compact(task);

        // then the partition holds the same rows, in the one merged file, and staging is empty
        assertThat(result.outcome())
                .isEqualTo(
                        step.compareTo(SwapStep.MANIFEST_WRITTEN) >= 0
                                ? Outcome.ROLLED_FORWARD
                                : Outcome.COMPACTED);
        assertThat(fileNames(dir)).containsExactly("compacted-r1-0.parquet");
        assertThat(eventIds(dir)).containsExactlyInAnyOrderElementsOf(before);
        assertThat(Files.exists(Path.of(java.net.URI.create(task.stagingDir())))).isFalse();
        // and a third attempt (the same planned task) sees the swap is done
        assertThat(PartitionCompactor.of(options).compact(task).outcome())
                .isEqualTo(Outcome.ALREADY_DONE);
        assertThat(eventIds(dir)).containsExactlyInAnyOrderElementsOf(before);
    }

    @Test
    void splitsALargePartitionIntoFilesUnderTheTargetInOneGlobalOrder() throws Exception {
        // given a partition of ~800 rows, and a 64 KiB target
        SmallFileLake.write(lake, 2400, List.of(DAY), 200, 0, 5);
        long target = 64 * 1024;
        CompactionOptions options = options("split", target);
        PartitionTask task = auditTask(options);
        Path dir = partitionDir(task);
        int rows = eventIds(dir).size();

        // when it is compacted
        PartitionResult result = PartitionCompactor.of(options).compact(task);

        // then it becomes several files, each under the target, together sorted by user then time
        List<String> names = fileNames(dir);
        assertThat(names).hasSizeGreaterThan(1).hasSize(result.filesAfter());
        List<DecisionRecord> all = new ArrayList<>();
        for (int n = 0; n < names.size(); n++) {
            Path file = dir.resolve("compacted-split-" + n + ".parquet");
            assertThat(Files.size(file)).as(file.toString()).isLessThanOrEqualTo(target);
            LakeFiles.forEachRecord(status(file), DecisionRecord.class, all::add);
        }
        assertThat(all).hasSize(rows);
        assertThat(all)
                .isSortedAccordingTo(
                        Comparator.comparing(DecisionRecord::getUserId)
                                .thenComparing(DecisionRecord::getEventTime));
        // no more files than the merged bytes need
        assertThat(names.size())
                .isLessThanOrEqualTo((int) (result.bytesAfter() / (target * 0.5)) + 1);
    }

    @Test
    void aSourceThatChangedSincePlanningStopsTheSwapBeforeAnythingMoves() throws Exception {
        SmallFileLake.write(lake, 100, List.of(DAY), 10, 0, 9);
        CompactionOptions options = options("changed", CompactionOptions.DEFAULT_TARGET_FILE_BYTES);
        PartitionTask task = auditTask(options);
        Path dir = partitionDir(task);
        List<String> before = fileNames(dir);
        Path victim = Path.of(java.net.URI.create(task.sources().get(0).path()));
        Files.write(victim, new byte[] {0}, StandardOpenOption.APPEND);

        assertThatThrownBy(() -> PartitionCompactor.of(options).compact(task))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("changed size since planning");
        assertThat(fileNames(dir)).isEqualTo(before);
    }

    @Test
    void verificationRefusesMergedFilesThatLostOrChangedARow() throws Exception {
        // given the sources of a partition, read as the compactor reads them
        SmallFileLake.write(lake, 120, List.of(DAY), 10, 0, 13);
        CompactionOptions options = options("verify", CompactionOptions.DEFAULT_TARGET_FILE_BYTES);
        PartitionTask task = auditTask(options);
        List<org.apache.avro.specific.SpecificRecordBase> records = new ArrayList<>();
        for (PartitionTask.FileRef f : task.sources()) {
            LakeFiles.forEachRecord(
                    status(Path.of(java.net.URI.create(f.path()))),
                    DecisionRecord.class,
                    records::add);
        }
        Fingerprints prints = new Fingerprints(Dataset.AUDIT);
        byte[][] sourcePrints = prints.sorted(records);
        java.util.Set<String> ids = new java.util.HashSet<>();
        records.forEach(r -> ids.add(((DecisionRecord) r).getEventId()));
        MergedFileWriter compactor =
                new MergedFileWriter(options.parquet(), options.targetFileBytes());

        // when a merged file has one row with a flipped decision, then verification refuses it
        List<org.apache.avro.specific.SpecificRecordBase> changed = new ArrayList<>(records);
        DecisionRecord victim = DecisionRecord.newBuilder((DecisionRecord) changed.get(3)).build();
        victim.setDecisionApproved(!Boolean.TRUE.equals(victim.getDecisionApproved()));
        changed.set(3, victim);
        org.apache.flink.core.fs.Path staging =
                new org.apache.flink.core.fs.Path(task.stagingDir() + "-changed");
        List<SwapManifest.Output> outputs = compactor.writeStaged(task, staging, changed);
        assertThatThrownBy(
                        () ->
                                PartitionRewrite.verify(
                                        task, outputs, records.size(), sourcePrints, ids, prints))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("a record's fields (content or chain) differ");

        // and so does one that lost a row
        org.apache.flink.core.fs.Path staging2 =
                new org.apache.flink.core.fs.Path(task.stagingDir() + "-lost");
        List<SwapManifest.Output> fewer =
                compactor.writeStaged(task, staging2, records.subList(1, records.size()));
        assertThatThrownBy(
                        () ->
                                PartitionRewrite.verify(
                                        task, fewer, records.size(), sourcePrints, ids, prints))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(
                        records.size() - 1 + " rows written, " + records.size() + " read");
        // and an intact rewrite passes
        org.apache.flink.core.fs.Path staging3 =
                new org.apache.flink.core.fs.Path(task.stagingDir() + "-intact");
        List<SwapManifest.Output> intact = compactor.writeStaged(task, staging3, records);
        PartitionRewrite.verify(task, intact, records.size(), sourcePrints, ids, prints);
    }

    // ---------------------------------------------------------------------------------- helpers

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

    private static List<String> eventIds(Path dir) throws IOException {
        List<String> ids = new ArrayList<>();
        for (String name : fileNames(dir)) {
            LakeFiles.forEachRecord(
                    status(dir.resolve(name)), DecisionRecord.class, r -> ids.add(r.getEventId()));
        }
        return ids;
    }

    private static FileStatus status(Path file) throws IOException {
        org.apache.flink.core.fs.Path p =
                org.apache.flink.core.fs.Path.fromLocalFile(file.toFile());
        return p.getFileSystem().getFileStatus(p);
    }
}
