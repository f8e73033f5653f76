package io.decisionledger.compaction;

import static io.decisionledger.rewrite.PartitionRewrite.deleteStale;
import static io.decisionledger.rewrite.PartitionRewrite.failAt;
import static io.decisionledger.rewrite.PartitionRewrite.millis;
import static io.decisionledger.rewrite.PartitionRewrite.publishThenDelete;
import static io.decisionledger.rewrite.PartitionRewrite.readManifest;
import static io.decisionledger.rewrite.PartitionRewrite.readText;
import static io.decisionledger.rewrite.PartitionRewrite.status;
import static io.decisionledger.rewrite.PartitionRewrite.targetName;
import static io.decisionledger.rewrite.PartitionRewrite.writeManifest;

import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.ParquetSettings;
import io.decisionledger.rewrite.Dataset;
import io.decisionledger.rewrite.ExternalSorter;
import io.decisionledger.rewrite.MergedFileWriter;
import io.decisionledger.rewrite.PartitionResult;
import io.decisionledger.rewrite.PartitionResult.Outcome;
import io.decisionledger.rewrite.PartitionSlice;
import io.decisionledger.rewrite.PartitionTask;
import io.decisionledger.rewrite.RecordDigest;
import io.decisionledger.rewrite.SliceManifest;
import io.decisionledger.rewrite.SortedRewrite;
import io.decisionledger.rewrite.SwapManifest;
import io.decisionledger.rewrite.SwapStep;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rewrites one closed partition with the crash-safe swap protocol. Every step is idempotent and the
 * order makes a crash anywhere recoverable by simply running again:
 *
 * <ol>
 *   <li>read the planned source files into a bounded-memory sort ({@link SortedRewrite}: compacted
 *       files, already in order, merged as they stream; part files sorted in a buffer that spills
 *       to the TaskManager's temporary directories), write the merged files to the run's staging
 *       folder ({@code <landing>/_staging/compaction/<run>/<dataset>/<partition>/}), which no
 *       dataset glob ({@code <lake>/audit/**}{@code /*.parquet}) reaches;
 *   <li>verify them against the sources while writing: the same number of rows, the same set of
 *       event ids, and the same multiset of records (an order-independent digest of the SHA-256 of
 *       each record's Avro binary form, so every field, content_sha256 and the chain fields
 *       included, is unchanged), the merged rows in order, the files' footers counting the rows
 *       ({@code --verify readback} also reads the staged files back);
 *   <li>write the {@link SwapManifest} (the commit point);
 *   <li>move the merged files into the partition as {@code compacted-<run>-<n>.parquet};
 *   <li>delete the source files;
 *   <li>delete the staging folder with the manifest.
 * </ol>
 *
 * A rerun that finds a manifest finishes steps 4 to 6 ({@link #rollForward}); one that finds staged
 * files without a manifest discards them, the sources being untouched. The steps themselves are the
 * shared partition rewrite ({@link io.decisionledger.rewrite.PartitionRewrite}); this class decides
 * that a rewrite of a partition is a merge of its files. Between steps 4 and 5 a reader of the
 * partition sees old and new files, so every row twice, for as long as the deletes take (README:
 * "what a concurrent reader sees").
 *
 * <p>A hot partition is merged in slices instead (docs/operator-guide.md, "Limits"): several tasks
 * each stage the rows of one user-id range ({@link #stageSlice}, step 1 and 2 per slice), and the
 * client publishes the partition once every slice is staged and their union verified against the
 * input ({@link #commitSlices}, steps 3 to 6 with one manifest for all slices' files).
 */
public final class PartitionCompactor implements Serializable {
    private static final long serialVersionUID = 1L;

    private static final Logger LOG = LoggerFactory.getLogger(PartitionCompactor.class);

    private final SortedRewrite rewrite;
    private final SwapStep failAt;

    public PartitionCompactor(ParquetSettings parquet, long targetFileBytes, SwapStep failAt) {
        this(
                new SortedRewrite(
                        new MergedFileWriter(parquet, targetFileBytes),
                        SortedRewrite.DEFAULT_SORT_BUFFER_BYTES,
                        SortedRewrite.Verify.DIGEST),
                failAt);
    }

    /**
     * @param rewrite the bounded-memory sort, write and verification of a partition's rows
     * @param failAt crash tests only: the step to stop at as a crash would, or null
     */
    public PartitionCompactor(SortedRewrite rewrite, SwapStep failAt) {
        this.rewrite = rewrite;
        this.failAt = failAt;
    }

    public static PartitionCompactor of(CompactionOptions options) {
        return new PartitionCompactor(options.sortedRewrite(), options.failAt());
    }

    /** The sort, write and verification this compactor uses (the task sets its spill folders). */
    public SortedRewrite rewrite() {
        return rewrite;
    }

    public PartitionResult compact(PartitionTask task) throws IOException {
        long started = System.nanoTime();
        Path staging = new Path(task.stagingDir());
        FileSystem stagingFs = staging.getFileSystem();

        // An earlier attempt of this run (a restarted task) got this far already.
        PartitionResult committed = rollForwardIfCommitted(task, started);
        if (committed != null) {
            return committed;
        }
        if (stagingFs.exists(staging)) {
            stagingFs.delete(staging, true);
        }
        int stale = deleteStale(task.staleInProgress());
        if (task.sources().isEmpty()) {
            return new PartitionResult(
                    task.dataset(),
                    task.partition(),
                    Outcome.CLEANED,
                    0,
                    0,
                    0,
                    0,
                    0,
                    stale,
                    millis(started));
        }
        if (alreadySwapped(task)) {
            return new PartitionResult(
                    task.dataset(),
                    task.partition(),
                    Outcome.ALREADY_DONE,
                    0,
                    0,
                    0,
                    0,
                    0,
                    stale,
                    millis(started));
        }

        // 1.-3. read, sort and write the merged files to the staging folder, verified on the way
        List<SwapManifest.Output> outputs;
        try {
            outputs = stage(task, staging, true);
        } catch (ExternalSorter.UnsortedInput e) {
            // a compacted file out of order (not written by this compactor?): sort it instead
            LOG.warn("{} {}: {}", task.dataset().label(), task.partition(), e.getMessage());
            stagingFs.delete(staging, true);
            outputs = stage(task, staging, false);
        }
        fail(SwapStep.STAGED);
        fail(SwapStep.VERIFIED);

        // 4. the commit point
        SwapManifest manifest =
                new SwapManifest(
                        task.runId(),
                        task.dataset(),
                        task.partition(),
                        task.sources(),
                        outputs,
                        outputs.stream().mapToLong(SwapManifest.Output::rows).sum());
        Path manifestFile = new Path(staging, SwapManifest.FILE_NAME);
        writeManifest(manifest, manifestFile);
        fail(SwapStep.MANIFEST_WRITTEN);

        // 5.-7. swap and clean up
        rollForward(manifest, manifestFile);
        return result(task, Outcome.COMPACTED, manifest, stale, started);
    }

    /**
     * Stages one slice of a split partition ({@link SortedRewrite#writeSlice}): the rows in the
     * slice's key range, sorted, written to {@code <staging>/slice-<k>/} and verified, with the
     * slice's manifest. Publishes nothing: {@link #commitSlices} does, once every slice is staged.
     * A retry after the commit (Flink replaying a finished task) finds the swap committed or done
     * and stages nothing.
     *
     * @param subtask the Flink subtask running it (recorded in the slice's manifest; -1: none)
     * @return an {@link Outcome#SLICE_STAGED} result counting the slice's rows and files
     */
    public PartitionResult stageSlice(PartitionTask task, PartitionSlice slice, int subtask)
            throws IOException {
        long started = System.nanoTime();
        Path staging = new Path(task.stagingDir());
        if (staging.getFileSystem().exists(new Path(staging, SwapManifest.FILE_NAME))
                || alreadySwapped(task)) {
            return new PartitionResult(
                    task.dataset(),
                    task.partition(),
                    Outcome.SLICE_STAGED,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    millis(started));
        }
        Path done =
                new Path(
                        new Path(staging, SliceManifest.folder(slice.index())),
                        SliceManifest.FILE_NAME);
        SliceManifest staged;
        if (staging.getFileSystem().exists(done)) {
            // staged by an earlier attempt in this run (a replay after a failover): kept as it
            // is, so the client never publishes a slice while it is being staged again
            staged = SliceManifest.fromJson(readText(done));
        } else {
            staged = rewrite.writeSlice(task, slice, subtask);
        }
        LOG.info(
                "{} {} {}: {} rows staged in {} files by subtask {}",
                task.dataset().label(),
                task.partition(),
                slice.label(),
                staged.rows(),
                staged.outputs().size(),
                subtask);
        if (slice.index() == slice.count() - 1) {
            // crash tests: the last slice stops after staging, the others finish
            fail(SwapStep.STAGED);
        }
        return new PartitionResult(
                task.dataset(),
                task.partition(),
                Outcome.SLICE_STAGED,
                slice.index() == 0 ? task.sources().size() : 0,
                slice.index() == 0 ? task.sourceBytes() : 0,
                staged.outputs().size(),
                staged.outputs().stream().mapToLong(SwapManifest.Output::bytes).sum(),
                staged.rows(),
                0,
                millis(started));
    }

    /** Whether every one of the {@code count} slices of {@code task} has its manifest staged. */
    public boolean slicesStaged(PartitionTask task, int count) throws IOException {
        Path staging = new Path(task.stagingDir());
        FileSystem fs = staging.getFileSystem();
        for (int k = 0; k < count; k++) {
            Path file =
                    new Path(new Path(staging, SliceManifest.folder(k)), SliceManifest.FILE_NAME);
            if (!fs.exists(file)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Publishes a split partition once every slice of it is staged: reads the {@code count} slice
     * manifests, checks that each slice read the same input (what it kept plus what it left out
     * digest alike) and that the slices' kept rows add up to that input (count, event-id set and
     * every record's contents, as {@link io.decisionledger.rewrite.RecordDigest} sums), numbers the
     * slices' files in key order ({@code compacted-<run>-<n>.parquet}, slice after slice), writes
     * the partition's {@link SwapManifest} (the commit point) and swaps as {@link #compact} does. A
     * slice not staged or not adding up publishes nothing (the sources are untouched; a rerun
     * discards the staged slices and merges again). Stale in-progress files go with the commit. A
     * committed or finished swap of an earlier attempt is rolled forward or reported.
     */
    public PartitionResult commitSlices(PartitionTask task, int count) throws IOException {
        long started = System.nanoTime();
        Path staging = new Path(task.stagingDir());
        FileSystem fs = staging.getFileSystem();
        Path manifestFile = new Path(staging, SwapManifest.FILE_NAME);
        PartitionResult committed = rollForwardIfCommitted(task, started);
        if (committed != null) {
            return committed;
        }
        String where = task.dataset().label() + " " + task.partition();
        if (alreadySwapped(task)) {
            return result(task, Outcome.ALREADY_DONE, 0, started);
        }
        List<SliceManifest> slices = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            Path file =
                    new Path(new Path(staging, SliceManifest.folder(k)), SliceManifest.FILE_NAME);
            if (!fs.exists(file)) {
                throw new IllegalStateException(
                        "cannot publish "
                                + where
                                + ": slice "
                                + (k + 1)
                                + "/"
                                + count
                                + " is not staged; nothing was published");
            }
            SliceManifest slice = SliceManifest.fromJson(readText(file));
            if (slice.index() != k
                    || slice.count() != count
                    || !slice.runId().equals(task.runId())
                    || !slice.partition().equals(task.partition())) {
                throw new IllegalStateException(
                        "cannot publish " + where + ": " + file + " is another slice's manifest");
            }
            slices.add(slice);
        }
        RecordDigest input = RecordDigest.parse(slices.get(0).kept());
        input.addAll(RecordDigest.parse(slices.get(0).skipped()));
        RecordDigest union = new RecordDigest();
        List<SwapManifest.Output> outputs = new ArrayList<>();
        for (SliceManifest slice : slices) {
            RecordDigest kept = RecordDigest.parse(slice.kept());
            RecordDigest seen = RecordDigest.parse(slice.kept());
            seen.addAll(RecordDigest.parse(slice.skipped()));
            if (!seen.same(input)) {
                throw new IllegalStateException(
                        "verification failed for "
                                + where
                                + ": slice "
                                + (slice.index() + 1)
                                + "/"
                                + count
                                + " read other rows than slice 1 ("
                                + seen.count()
                                + " rows, "
                                + input.count()
                                + ")");
            }
            if (slice.rows() != kept.count()) {
                throw new IllegalStateException(
                        "verification failed for "
                                + where
                                + ": slice "
                                + (slice.index() + 1)
                                + "/"
                                + count
                                + " wrote "
                                + slice.rows()
                                + " rows, kept "
                                + kept.count());
            }
            union.addAll(kept);
            for (SwapManifest.Output o : slice.outputs()) {
                Path target = new Path(task.targetDir(), targetName(task.runId(), outputs.size()));
                if (target.getFileSystem().exists(target)) {
                    throw new IllegalStateException(
                            "run id " + task.runId() + " was already used in " + task.targetDir());
                }
                outputs.add(
                        new SwapManifest.Output(
                                o.staged(), target.toString(), o.bytes(), o.rows()));
            }
        }
        SortedRewrite.check(where, union, input);
        fail(SwapStep.VERIFIED);
        int stale = deleteStale(task.staleInProgress());
        SwapManifest manifest =
                new SwapManifest(
                        task.runId(),
                        task.dataset(),
                        task.partition(),
                        task.sources(),
                        outputs,
                        union.count());
        writeManifest(manifest, manifestFile);
        fail(SwapStep.MANIFEST_WRITTEN);
        rollForward(manifest, manifestFile);
        LOG.info("{}: {} slices published as {} files", where, count, outputs.size());
        return result(task, Outcome.COMPACTED, manifest, stale, started);
    }

    /**
     * Reads the sources into a bounded-memory sort (compacted files, already in order, are merged
     * as they stream, as many as their row groups fit in the sort buffer's size; {@code
     * mergeSorted} false sorts them too) and writes the merged files to {@code staging}, verified
     * against what was read.
     */
    private List<SwapManifest.Output> stage(PartitionTask task, Path staging, boolean mergeSorted)
            throws IOException {
        Dataset dataset = task.dataset();
        try (ExternalSorter sorter =
                rewrite.sorter(dataset, dataset.label() + " " + task.partition())) {
            long budget = rewrite.sortBufferBytes();
            for (PartitionTask.FileRef source : task.sources()) {
                FileStatus status = status(source);
                if (mergeSorted && status.getPath().getName().startsWith("compacted-")) {
                    ParquetMetadata footer = LakeFiles.footer(status);
                    long rowGroup = 0;
                    long rows = 0;
                    for (BlockMetaData block : footer.getBlocks()) {
                        rowGroup = Math.max(rowGroup, block.getCompressedSize());
                        rows += block.getRowCount();
                    }
                    if (rowGroup <= budget) {
                        budget -= rowGroup;
                        sorter.addSortedFile(status, rows);
                        continue;
                    }
                }
                sorter.addRawFile(status, null);
            }
            return rewrite.writeVerified(task, staging, sorter);
        }
    }

    /**
     * Finishes a swap whose manifest is written: moves every merged file not yet in the partition,
     * deletes the sources that are left, then the staging folder. Safe to call any number of times.
     */
    public void rollForward(SwapManifest manifest, Path manifestFile) throws IOException {
        publishThenDelete(
                manifest.dataset().label() + " " + manifest.partition(),
                manifest.outputs(),
                manifest.sources(),
                failAt);
        Path staging = manifestFile.getParent();
        staging.getFileSystem().delete(staging, true);
    }

    /**
     * No manifest, but planned sources gone and this run's first merged file in place: an earlier
     * attempt of this task finished the whole swap.
     */
    private static boolean alreadySwapped(PartitionTask task) throws IOException {
        for (PartitionTask.FileRef source : task.sources()) {
            Path p = new Path(source.path());
            if (!p.getFileSystem().exists(p)) {
                Path first = new Path(task.targetDir(), targetName(task.runId(), 0));
                if (first.getFileSystem().exists(first)) {
                    return true;
                }
                throw new FileNotFoundException(
                        "planned source file disappeared before compaction: " + p);
            }
        }
        return false;
    }

    private void fail(SwapStep step) {
        failAt(step, failAt);
    }

    /**
     * When an earlier attempt of this run already wrote the partition's manifest (the commit
     * point), finishes its swap and reports it; null when there is none.
     */
    private PartitionResult rollForwardIfCommitted(PartitionTask task, long started)
            throws IOException {
        Path manifestFile = new Path(new Path(task.stagingDir()), SwapManifest.FILE_NAME);
        if (!manifestFile.getFileSystem().exists(manifestFile)) {
            return null;
        }
        SwapManifest manifest = readManifest(manifestFile);
        rollForward(manifest, manifestFile);
        return result(task, Outcome.ROLLED_FORWARD, manifest, 0, started);
    }

    private static PartitionResult result(
            PartitionTask task, Outcome outcome, int stale, long started) {
        return new PartitionResult(
                task.dataset(), task.partition(), outcome, 0, 0, 0, 0, 0, stale, millis(started));
    }

    private static PartitionResult result(
            PartitionTask task, Outcome outcome, SwapManifest m, int stale, long started) {
        return new PartitionResult(
                task.dataset(),
                task.partition(),
                outcome,
                m.sources().size(),
                m.sources().stream().mapToLong(PartitionTask.FileRef::bytes).sum(),
                m.outputs().size(),
                m.outputs().stream().mapToLong(SwapManifest.Output::bytes).sum(),
                m.rows(),
                stale,
                millis(started));
    }
}
