package io.decisionledger.compaction;

import io.decisionledger.lake.FlinkOutputFile;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.ParquetFormats;
import io.decisionledger.lake.ParquetSettings;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.parquet.hadoop.ParquetWriter;

/**
 * Rewrites one closed partition with the crash-safe swap protocol. Every step is idempotent and the
 * order makes a crash anywhere recoverable by simply running again:
 *
 * <ol>
 *   <li>read the planned source files, sort their rows, write merged files to the run's staging
 *       folder ({@code <landing>/_staging/compaction/<run>/<dataset>/<partition>/}), which no
 *       dataset glob ({@code <lake>/audit/**}{@code /*.parquet}) reaches;
 *   <li>read the staged files back and verify them against the sources: the same number of rows,
 *       the same set of event ids, and the same multiset of record fingerprints (SHA-256 of each
 *       record's Avro binary form, so every field, content_sha256 and the chain fields included, is
 *       unchanged);
 *   <li>write the {@link SwapManifest} (the commit point);
 *   <li>move the merged files into the partition as {@code compacted-<run>-<n>.parquet};
 *   <li>delete the source files;
 *   <li>delete the staging folder with the manifest.
 * </ol>
 *
 * A rerun that finds a manifest finishes steps 4 to 6 ({@link #rollForward}); one that finds staged
 * files without a manifest discards them, the sources being untouched. Between steps 4 and 5 a
 * reader of the partition sees old and new files, so every row twice, for as long as the deletes
 * take (README: "what a concurrent reader sees").
 */
public final class PartitionCompactor implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Merged files roll a little before the target, as the footer and filters come on top. */
    static final double ROLL_AT = 0.8;

    private final ParquetSettings parquet;
    private final long targetFileBytes;
    private final SwapStep failAt;

    public PartitionCompactor(ParquetSettings parquet, long targetFileBytes, SwapStep failAt) {
        this.parquet = parquet;
        this.targetFileBytes = targetFileBytes;
        this.failAt = failAt;
    }

    public static PartitionCompactor of(CompactionOptions options) {
        return new PartitionCompactor(
                options.parquet(), options.targetFileBytes(), options.failAt());
    }

    /** Thrown at {@link CompactionOptions#failAt()}: a crash, as far as the protocol can tell. */
    public static final class InjectedFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InjectedFailure(SwapStep step) {
            super("injected failure after swap step " + step + " (crash test)");
        }
    }

    public PartitionResult compact(PartitionTask task) throws IOException {
        long started = System.nanoTime();
        Path staging = new Path(task.stagingDir());
        FileSystem stagingFs = staging.getFileSystem();
        Path manifestFile = new Path(staging, SwapManifest.FILE_NAME);

        // An earlier attempt of this run (a restarted task) got this far already.
        if (stagingFs.exists(manifestFile)) {
            SwapManifest manifest = readManifest(manifestFile);
            rollForward(manifest, manifestFile);
            return result(task, "ROLLED_FORWARD", manifest, 0, started);
        }
        if (stagingFs.exists(staging)) {
            stagingFs.delete(staging, true);
        }
        int stale = deleteStale(task.staleInProgress());
        if (task.sources().isEmpty()) {
            return new PartitionResult(
                    task.dataset(),
                    task.partition(),
                    "CLEANED",
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
                    "ALREADY_DONE",
                    0,
                    0,
                    0,
                    0,
                    0,
                    stale,
                    millis(started));
        }

        // 1. read and sort
        Dataset dataset = task.dataset();
        List<SpecificRecordBase> records = new ArrayList<>();
        for (PartitionTask.FileRef source : task.sources()) {
            FileStatus status = status(source);
            LakeFiles.forEachRecord(status, dataset.recordClass(), records::add);
        }
        Fingerprints prints = new Fingerprints(dataset);
        byte[][] sourcePrints = prints.sorted(records);
        Set<String> sourceIds = eventIds(dataset, records);
        records.sort(dataset.order());

        // 2. write the merged files to the staging folder
        List<SwapManifest.Output> outputs = writeStaged(task, staging, records);
        fail(SwapStep.STAGED);

        // 3. verify them against the sources
        verify(task, outputs, records.size(), sourcePrints, sourceIds, prints);
        records = null; // let the rows go before the swap
        fail(SwapStep.VERIFIED);

        // 4. the commit point
        SwapManifest manifest =
                new SwapManifest(
                        task.runId(),
                        dataset,
                        task.partition(),
                        task.sources(),
                        outputs,
                        outputs.stream().mapToLong(SwapManifest.Output::rows).sum());
        writeManifest(manifest, manifestFile);
        fail(SwapStep.MANIFEST_WRITTEN);

        // 5.-7. swap and clean up
        rollForward(manifest, manifestFile);
        return result(task, "COMPACTED", manifest, stale, started);
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
     * The steps after the commit point that compaction and retention share: move every output not
     * yet in place, then delete the sources that are left, stopping at {@code failAt} as a crash
     * would.
     */
    static void publishThenDelete(
            String what,
            List<SwapManifest.Output> outputs,
            List<PartitionTask.FileRef> sources,
            SwapStep failAt)
            throws IOException {
        for (int i = 0; i < outputs.size(); i++) {
            publish(what, outputs.get(i));
            if (i == 0) {
                failAt(SwapStep.FIRST_PUBLISHED, failAt);
            }
        }
        failAt(SwapStep.PUBLISHED, failAt);
        for (int i = 0; i < sources.size(); i++) {
            Path source = new Path(sources.get(i).path());
            FileSystem fs = source.getFileSystem();
            if (fs.exists(source)) {
                fs.delete(source, false);
            }
            if (i == 0) {
                failAt(SwapStep.FIRST_SOURCE_DELETED, failAt);
            }
        }
        failAt(SwapStep.SOURCES_DELETED, failAt);
    }

    /**
     * Moves (same file system) or copies (another bucket) a staged file to its target, unless an
     * earlier attempt did; {@code what} names the partition in errors.
     */
    static void publish(String what, SwapManifest.Output output) throws IOException {
        Path target = new Path(output.target());
        Path staged = new Path(output.staged());
        FileSystem targetFs = target.getFileSystem();
        if (targetFs.exists(target)) {
            if (targetFs.getFileStatus(target).getLen() == output.bytes()) {
                return; // moved before the crash
            }
            targetFs.delete(target, false); // an interrupted copy
        }
        FileSystem stagedFs = staged.getFileSystem();
        if (!stagedFs.exists(staged)) {
            throw new IllegalStateException(
                    "cannot finish the swap of "
                            + what
                            + ": file "
                            + target.getName()
                            + " is neither staged nor in the partition");
        }
        targetFs.mkdirs(target.getParent());
        if (sameFileSystem(staged, target)) {
            if (!stagedFs.rename(staged, target)) {
                throw new IOException("could not move " + staged + " to " + target);
            }
        } else {
            // Another bucket (landing -> locked lake): an S3 object appears whole on close.
            try (InputStream in = stagedFs.open(staged);
                    OutputStream out = targetFs.create(target, FileSystem.WriteMode.NO_OVERWRITE)) {
                in.transferTo(out);
            }
        }
    }

    private static boolean sameFileSystem(Path a, Path b) {
        return Objects.equals(a.toUri().getScheme(), b.toUri().getScheme())
                && Objects.equals(a.toUri().getAuthority(), b.toUri().getAuthority());
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

    static FileStatus status(PartitionTask.FileRef source) throws IOException {
        Path p = new Path(source.path());
        FileStatus status = p.getFileSystem().getFileStatus(p);
        if (status.getLen() != source.bytes()) {
            throw new IllegalStateException(
                    "source file changed size since planning (files are written once): " + p);
        }
        return status;
    }

    List<SwapManifest.Output> writeStaged(
            PartitionTask task, Path staging, List<SpecificRecordBase> records) throws IOException {
        Dataset dataset = task.dataset();
        FileSystem fs = staging.getFileSystem();
        fs.mkdirs(staging);
        long sourceBytes = Math.max(1, task.sourceBytes());
        // Bloom filters are sized for the rows one file is expected to hold.
        long expectedRows =
                Math.min(
                        records.size(),
                        Math.max(1, (long) records.size() * targetFileBytes / sourceBytes));
        long rollAt = (long) (targetFileBytes * ROLL_AT);
        // The writer's size estimate counts open pages and dictionaries uncompressed, so it runs
        // ahead of the real file size. The first file rolls on the estimate alone (it stays under
        // the target); later ones on the estimate scaled by what the first file really came to.
        double estimateToBytes = 1.0;
        List<SwapManifest.Output> outputs = new ArrayList<>();
        int next = 0;
        while (next < records.size()) {
            int n = outputs.size();
            Path staged = new Path(staging, "part-" + n + ".parquet");
            Path target = new Path(task.targetDir(), targetName(task.runId(), n));
            if (target.getFileSystem().exists(target)) {
                throw new IllegalStateException(
                        "run id " + task.runId() + " was already used in " + task.targetDir());
            }
            long rows = 0;
            long estimate;
            FSDataOutputStream out = fs.create(staged, FileSystem.WriteMode.NO_OVERWRITE);
            try (ParquetWriter<SpecificRecordBase> writer =
                    writer(dataset, new FlinkOutputFile(out), expectedRows)) {
                do {
                    writer.write(records.get(next++));
                    rows++;
                } while (next < records.size() && writer.getDataSize() * estimateToBytes < rollAt);
                estimate = writer.getDataSize();
            }
            long bytes = fs.getFileStatus(staged).getLen();
            if (n == 0 && estimate > 0) {
                estimateToBytes = Math.min(1.0, (double) bytes / estimate);
            }
            outputs.add(new SwapManifest.Output(staged.toString(), target.toString(), bytes, rows));
        }
        return outputs;
    }

    /**
     * Files roll on the writer's data size, which counts compressed pages as written and the open
     * page of each column uncompressed: pages small against the target keep that estimate close (at
     * the 256 MB default, 1 MiB pages; a 64 KiB test target gets 1 KiB pages).
     */
    @SuppressWarnings("unchecked")
    private ParquetWriter<SpecificRecordBase> writer(
            Dataset dataset, FlinkOutputFile out, long expectedRows) throws IOException {
        int page = (int) Math.min(parquet.pageBytes(), Math.max(1024, targetFileBytes / 64));
        return ParquetFormats.compactedWriter(
                (Class<SpecificRecordBase>) dataset.recordClass(),
                out,
                new ParquetSettings(parquet.compression(), parquet.rowGroupBytes(), page),
                dataset.bloomColumns(),
                expectedRows);
    }

    static String targetName(String runId, int n) {
        return "compacted-" + runId + "-" + n + ".parquet";
    }

    static void verify(
            PartitionTask task,
            List<SwapManifest.Output> outputs,
            long sourceRows,
            byte[][] sourcePrints,
            Set<String> sourceIds,
            Fingerprints prints)
            throws IOException {
        List<SpecificRecordBase> written = new ArrayList<>();
        for (SwapManifest.Output output : outputs) {
            Path staged = new Path(output.staged());
            LakeFiles.forEachRecord(
                    staged.getFileSystem().getFileStatus(staged),
                    task.dataset().recordClass(),
                    written::add);
        }
        String where = task.dataset().label() + " " + task.partition();
        if (written.size() != sourceRows) {
            throw new IllegalStateException(
                    "verification failed for "
                            + where
                            + ": "
                            + written.size()
                            + " rows written, "
                            + sourceRows
                            + " read");
        }
        if (!eventIds(task.dataset(), written).equals(sourceIds)) {
            throw new IllegalStateException(
                    "verification failed for " + where + ": the set of event ids differs");
        }
        if (!Arrays.deepEquals(prints.sorted(written), sourcePrints)) {
            throw new IllegalStateException(
                    "verification failed for "
                            + where
                            + ": a record's fields (content or chain) differ");
        }
    }

    static Set<String> eventIds(Dataset dataset, List<SpecificRecordBase> records) {
        Set<String> ids = new HashSet<>(records.size() * 2);
        for (SpecificRecordBase r : records) {
            String id = dataset.eventId(r);
            if (id != null) {
                ids.add(id);
            }
        }
        return ids;
    }

    static int deleteStale(List<String> stale) throws IOException {
        int removed = 0;
        for (String file : stale) {
            Path p = new Path(file);
            FileSystem fs = p.getFileSystem();
            if (fs.exists(p) && fs.delete(p, false)) {
                removed++;
            }
        }
        return removed;
    }

    static void writeManifest(SwapManifest manifest, Path file) throws IOException {
        writeAtomically(manifest.toJson(), file);
    }

    /** Writes {@code json} to a hidden temporary file and renames it: the file appears whole. */
    static void writeAtomically(String json, Path file) throws IOException {
        FileSystem fs = file.getFileSystem();
        Path tmp = new Path(file.getParent(), "." + file.getName() + ".tmp");
        try (FSDataOutputStream out = fs.create(tmp, FileSystem.WriteMode.OVERWRITE)) {
            out.write(json.getBytes(StandardCharsets.UTF_8));
        }
        if (!fs.rename(tmp, file)) {
            throw new IOException("could not commit manifest " + file);
        }
    }

    static SwapManifest readManifest(Path file) throws IOException {
        return SwapManifest.fromJson(readText(file));
    }

    static String readText(Path file) throws IOException {
        try (InputStream in = file.getFileSystem().open(file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private void fail(SwapStep step) {
        failAt(step, failAt);
    }

    static void failAt(SwapStep step, SwapStep failAt) {
        if (step == failAt) {
            throw new InjectedFailure(step);
        }
    }

    private static PartitionResult result(
            PartitionTask task, String outcome, SwapManifest m, int stale, long started) {
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

    static long millis(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }

    /** SHA-256 of each record's Avro binary encoding under the current schema. */
    static final class Fingerprints {
        private final SpecificDatumWriter<SpecificRecordBase> writer;
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(4096);
        private final MessageDigest sha256;
        private BinaryEncoder encoder;

        @SuppressWarnings("unchecked")
        Fingerprints(Dataset dataset) {
            SpecificData model = SpecificData.getForClass(dataset.recordClass());
            Schema schema = model.getSchema(dataset.recordClass());
            writer = new SpecificDatumWriter<>(schema, model);
            try {
                sha256 = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        byte[] of(SpecificRecordBase record) throws IOException {
            buffer.reset();
            encoder = EncoderFactory.get().binaryEncoder(buffer, encoder);
            writer.write(record, encoder);
            encoder.flush();
            return sha256.digest(buffer.toByteArray());
        }

        byte[][] sorted(List<SpecificRecordBase> records) throws IOException {
            byte[][] prints = new byte[records.size()][];
            for (int i = 0; i < prints.length; i++) {
                prints[i] = of(records.get(i));
            }
            Arrays.sort(prints, Arrays::compare);
            return prints;
        }
    }
}
