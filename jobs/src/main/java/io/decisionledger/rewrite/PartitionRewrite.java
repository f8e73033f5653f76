package io.decisionledger.rewrite;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.decisionledger.lake.LakeFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * The steps of the crash-safe partition rewrite that every rewriting job shares (package {@link
 * io.decisionledger.rewrite}): check a planned source is unchanged, verify staged files against the
 * sources, commit a manifest atomically, publish staged files and delete sources in the order that
 * keeps a crash recoverable, and stop at an injected {@link SwapStep} as a killed process would. A
 * job decides what to rewrite and why; these steps decide how, so that every rewrite of the lake is
 * equally safe.
 */
public final class PartitionRewrite {

    /** Manifests are JSON; unknown fields are ignored so an older run's manifest still reads. */
    private static final ObjectMapper JSON =
            new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private PartitionRewrite() {}

    /** Thrown at an injected {@link SwapStep}: a crash, as far as the protocol can tell. */
    public static final class InjectedFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InjectedFailure(SwapStep step) {
            super("injected failure after swap step " + step + " (crash test)");
        }
    }

    /** Crash tests: throws {@link InjectedFailure} when {@code step} is the one to fail at. */
    public static void failAt(SwapStep step, SwapStep failAt) {
        if (step == failAt) {
            throw new InjectedFailure(step);
        }
    }

    /**
     * The status of a planned source file, refusing one whose size changed since planning: lake
     * files are written once, so a different size means something else is writing there.
     */
    public static FileStatus status(PartitionTask.FileRef source) throws IOException {
        Path p = new Path(source.path());
        FileStatus status = p.getFileSystem().getFileStatus(p);
        if (status.getLen() != source.bytes()) {
            throw new IllegalStateException(
                    "source file changed size since planning (files are written once): " + p);
        }
        return status;
    }

    /**
     * Reads the staged files back and checks them against the sources: the same number of rows, the
     * same set of event ids, the same multiset of record fingerprints (so every field, content hash
     * and chain fields included, is unchanged). Throws, naming the partition, when not.
     */
    public static void verify(
            PartitionTask task,
            List<SwapManifest.Output> outputs,
            long sourceRows,
            byte[][] sourcePrints,
            Set<String> sourceIds,
            Fingerprints prints)
            throws IOException {
        readVerified(task, outputs, sourceRows, sourcePrints, sourceIds, prints);
    }

    /**
     * The check of a rewrite that changes rows on purpose (an erasure replaces personal values,
     * removes rows): every row of {@code source} must be in {@code expected} bit for bit (same
     * fingerprint, same position) unless {@code changed} accepts it, and a removed row must be one
     * {@code changed} accepts too. Then the staged files can be verified against {@code expected}
     * with {@link #readVerified}. Throws, naming the partition and the position, when not.
     *
     * @param changed says whether a source row may differ in (or be missing from) the rewrite
     * @param kept the position in {@code expected} of each source row, or -1 for a removed row
     */
    public static void checkOnlyIntendedChanges(
            PartitionTask task,
            List<? extends SpecificRecordBase> source,
            List<? extends SpecificRecordBase> expected,
            int[] kept,
            java.util.function.Predicate<SpecificRecordBase> changed,
            Fingerprints prints)
            throws IOException {
        String where = task.dataset().label() + " " + task.partition();
        long keptRows = Arrays.stream(kept).filter(i -> i >= 0).count();
        if (kept.length != source.size() || keptRows != expected.size()) {
            throw new IllegalStateException(
                    "verification failed for " + where + ": rows kept do not add up");
        }
        for (int i = 0; i < source.size(); i++) {
            SpecificRecordBase before = source.get(i);
            if (changed.test(before)) {
                continue;
            }
            if (kept[i] < 0
                    || !Arrays.equals(prints.of(before), prints.of(expected.get(kept[i])))) {
                throw new IllegalStateException(
                        "verification failed for "
                                + where
                                + ": row "
                                + i
                                + " was not to change but differs or is missing");
            }
        }
    }

    /**
     * As {@link #verify}, returning the rows read back from the staged files (so a caller can check
     * what it changed on purpose, e.g. that an erased record still verifies under its hash layout).
     */
    public static List<SpecificRecordBase> readVerified(
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
        return written;
    }

    /** The event ids of {@code records} (quarantined rows without one are left out). */
    public static Set<String> eventIds(Dataset dataset, List<SpecificRecordBase> records) {
        Set<String> ids = new HashSet<>(records.size() * 2);
        for (SpecificRecordBase r : records) {
            String id = dataset.eventId(r);
            if (id != null) {
                ids.add(id);
            }
        }
        return ids;
    }

    /** Deletes the listed hidden in-progress files that still exist; returns how many it did. */
    public static int deleteStale(List<String> stale) throws IOException {
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

    /**
     * The steps after the commit point: move every output not yet in place, then delete the sources
     * that are left, stopping at {@code failAt} as a crash would. Safe to repeat.
     */
    public static void publishThenDelete(
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
        // From here until the last delete a plain listing sees every row twice (readers that
        // follow the manifest do not: CommittedFiles), so the deletes are made as short as they
        // can be: no existence check first (deleting a file already gone answers false), and on
        // an object store, where each delete is a round trip, several at a time.
        if (!sources.isEmpty()) {
            deleteSource(sources.get(0));
            failAt(SwapStep.FIRST_SOURCE_DELETED, failAt);
            deleteSources(sources.subList(1, sources.size()));
        }
        failAt(SwapStep.SOURCES_DELETED, failAt);
    }

    /** Deletes of one swap in flight at once on an object store. */
    static final int PARALLEL_DELETES = 16;

    private static void deleteSource(PartitionTask.FileRef source) throws IOException {
        Path path = new Path(source.path());
        path.getFileSystem().delete(path, false);
    }

    private static void deleteSources(List<PartitionTask.FileRef> sources) throws IOException {
        if (sources.isEmpty()) {
            return;
        }
        Path first = new Path(sources.get(0).path());
        if (sources.size() == 1 || !first.getFileSystem().isDistributedFS()) {
            for (PartitionTask.FileRef source : sources) {
                deleteSource(source);
            }
            return;
        }
        java.util.concurrent.ExecutorService pool =
                java.util.concurrent.Executors.newFixedThreadPool(
                        Math.min(PARALLEL_DELETES, sources.size()),
                        r -> {
                            Thread t = new Thread(r, "swap-delete");
                            t.setDaemon(true);
                            return t;
                        });
        try {
            List<java.util.concurrent.Future<Object>> done = new ArrayList<>();
            for (PartitionTask.FileRef source : sources) {
                done.add(
                        pool.submit(
                                () -> {
                                    deleteSource(source);
                                    return null;
                                }));
            }
            for (java.util.concurrent.Future<Object> f : done) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while deleting swapped files");
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("could not delete a swapped file", e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Moves (same file system) or copies (another bucket) a staged file to its target, unless an
     * earlier attempt did; {@code what} names the partition in errors.
     */
    public static void publish(String what, SwapManifest.Output output) throws IOException {
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

    /** The name of merged file {@code n} of a run: {@code compacted-<run>-<n>.parquet}. */
    public static String targetName(String runId, int n) {
        return "compacted-" + runId + "-" + n + ".parquet";
    }

    public static void writeManifest(SwapManifest manifest, Path file) throws IOException {
        writeAtomically(manifest.toJson(), file);
    }

    public static SwapManifest readManifest(Path file) throws IOException {
        return SwapManifest.fromJson(readText(file));
    }

    /** Writes {@code json} to a hidden temporary file and renames it: the file appears whole. */
    public static void writeAtomically(String json, Path file) throws IOException {
        FileSystem fs = file.getFileSystem();
        Path tmp = new Path(file.getParent(), "." + file.getName() + ".tmp");
        try (FSDataOutputStream out = fs.create(tmp, FileSystem.WriteMode.OVERWRITE)) {
            out.write(json.getBytes(StandardCharsets.UTF_8));
        }
        if (!fs.rename(tmp, file)) {
            throw new IOException("could not commit manifest " + file);
        }
    }

    public static String readText(Path file) throws IOException {
        try (InputStream in = file.getFileSystem().open(file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** A manifest as the JSON written to staging. */
    public static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static <T> T fromJson(String json, Class<T> type) {
        try {
            return JSON.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Milliseconds since {@code startedNanos} ({@link System#nanoTime()}). */
    public static long millis(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }
}
