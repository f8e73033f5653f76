package io.decisionledger.rewrite;

import io.decisionledger.lake.LakeFiles;
import java.io.File;
import java.io.IOException;
import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;

/**
 * The bounded-memory rewrite of one partition's rows, shared by compaction and retention: the rows
 * go through an {@link ExternalSorter} (sort buffer of {@code sortBufferBytes} in the heap, runs
 * spilled to the TaskManager's temporary directories, sorted inputs merged as they stream), are
 * written as merged files to the staging folder ({@link MergedFileWriter}), and verified on the
 * way: the digest of what was read ({@link RecordDigest}: count, sum of SHA-256 of every record's
 * Avro encoding, sum of SHA-256 of every event id) must equal the digest of what is handed to the
 * Parquet writer, the merged stream must be in the dataset's order, and the staged files' footers
 * must count the rows written. With {@link Verify#READBACK} the staged files are also read back
 * (streaming, digested the same way), which checks the Parquet encoding itself at the cost of a
 * second read.
 */
public final class SortedRewrite implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Default heap of one task's sort buffer. */
    public static final long DEFAULT_SORT_BUFFER_BYTES = 64L * 1024 * 1024;

    /** How the staged files are checked against what was read. */
    public enum Verify {
        /** digests computed while reading and while writing, footers' row counts */
        DIGEST,
        /** as DIGEST, and the staged files read back and digested */
        READBACK;

        public static Verify of(String text) {
            return valueOf(text.strip().toUpperCase(Locale.ROOT));
        }
    }

    /** Tests only: a fault injected into the merged stream, as a buggy merge would make it. */
    public enum Fault {
        /** one row lost */
        DROP,
        /** one row written twice */
        DUPLICATE,
        /** one byte of one row's content changed */
        ALTER
    }

    private final MergedFileWriter writer;
    private final long sortBufferBytes;
    private final Verify verify;
    private Fault fault;
    private transient File[] tmpDirs;
    private transient java.util.function.LongConsumer rowsRead;

    public SortedRewrite(MergedFileWriter writer, long sortBufferBytes, Verify verify) {
        this.writer = writer;
        this.sortBufferBytes = sortBufferBytes;
        this.verify = verify;
    }

    /** Tests only: corrupts the merged stream before it is written. */
    public SortedRewrite withFault(Fault fault) {
        this.fault = fault;
        return this;
    }

    /** Where runs are spilled: the TaskManager's temporary directories (set in the task). */
    public void spillTo(String[] dirs) {
        File[] files = new File[dirs.length];
        for (int i = 0; i < dirs.length; i++) {
            files[i] = new File(dirs[i]);
        }
        this.tmpDirs = files;
    }

    /** Where every sorter reports the rows it reads (set in the task: its progress metrics). */
    public void reportRowsTo(java.util.function.LongConsumer listener) {
        this.rowsRead = listener;
    }

    public long sortBufferBytes() {
        return sortBufferBytes;
    }

    public MergedFileWriter writer() {
        return writer;
    }

    /** A sorter for one partition; {@code what} names it in logs (no personal data). */
    public ExternalSorter sorter(Dataset dataset, String what) throws IOException {
        File[] dirs =
                tmpDirs != null && tmpDirs.length > 0
                        ? tmpDirs
                        : new File[] {new File(System.getProperty("java.io.tmpdir"))};
        return new ExternalSorter(dataset, sortBufferBytes, dirs, what).reportRowsTo(rowsRead);
    }

    /**
     * Writes the sorter's rows, merged, to {@code staging} and verifies the staged files against
     * what the sorter read. Throws, naming the partition, when they differ.
     */
    public List<SwapManifest.Output> writeVerified(
            PartitionTask task, Path staging, ExternalSorter sorter) throws IOException {
        return writeVerified(task, staging, sorter, task.sourceBytes());
    }

    /**
     * Stages one slice of a split partition in {@code <staging>/slice-<k>/}: reads every source
     * file, keeps the rows in the slice's key range (digesting the others too), sorts, writes and
     * verifies them as {@link #writeVerified} does, then writes the {@link SliceManifest}. A folder
     * an earlier attempt left is replaced.
     *
     * @param subtask the Flink subtask staging it, recorded in the manifest (-1: none)
     */
    public SliceManifest writeSlice(PartitionTask task, PartitionSlice slice, int subtask)
            throws IOException {
        Dataset dataset = task.dataset();
        Path staging = new Path(task.stagingDir(), SliceManifest.folder(slice.index()));
        org.apache.flink.core.fs.FileSystem fs = staging.getFileSystem();
        if (fs.exists(staging)) {
            fs.delete(staging, true);
        }
        String what = dataset.label() + " " + task.partition() + " " + slice.label();
        try (ExternalSorter sorter = sorter(dataset, what).digestSkipped()) {
            for (PartitionTask.FileRef source : task.sources()) {
                sorter.addRawFile(PartitionRewrite.status(source), r -> slice.contains(dataset, r));
            }
            long all = sorter.rows() + sorter.skippedDigest().count();
            long inputBytes =
                    all == 0 ? 0 : (long) ((double) task.sourceBytes() * sorter.rows() / all);
            List<SwapManifest.Output> outputs = writeVerified(task, staging, sorter, inputBytes);
            SliceManifest manifest =
                    new SliceManifest(
                            task.runId(),
                            dataset,
                            task.partition(),
                            slice.index(),
                            slice.count(),
                            subtask,
                            outputs,
                            sorter.readDigest().state(),
                            sorter.skippedDigest().state());
            PartitionRewrite.writeAtomically(
                    manifest.toJson(), new Path(staging, SliceManifest.FILE_NAME));
            return manifest;
        }
    }

    private List<SwapManifest.Output> writeVerified(
            PartitionTask task, Path staging, ExternalSorter sorter, long inputBytes)
            throws IOException {
        String where = task.dataset().label() + " " + task.partition();
        RecordDigest written = new RecordDigest();
        Iterator<SortEntry> merged = faulty(sorter.merged(), sorter);
        long expected = sorter.rows();
        Iterator<IndexedRecord> records =
                new Iterator<>() {
                    private SortEntry last;

                    @Override
                    public boolean hasNext() {
                        return merged.hasNext();
                    }

                    @Override
                    public IndexedRecord next() {
                        SortEntry e = merged.next();
                        if (last != null && SortEntry.ORDER.compare(last, e) > 0) {
                            throw new IllegalStateException(
                                    "verification failed for "
                                            + where
                                            + ": the merged rows are not in the dataset's order");
                        }
                        last = e;
                        written.add(e.bytes, e.id);
                        try {
                            return sorter.decode(e);
                        } catch (IOException x) {
                            throw new java.io.UncheckedIOException(x);
                        }
                    }
                };
        List<SwapManifest.Output> outputs =
                writer.writeStaged(task, staging, records, expected, inputBytes);
        RecordDigest read = sorter.readDigest();
        check(where, written, read);
        long inFooters = 0;
        for (SwapManifest.Output o : outputs) {
            Path staged = new Path(o.staged());
            long rows = LakeFiles.rowCount(staged.getFileSystem().getFileStatus(staged));
            if (rows != o.rows()) {
                throw new IllegalStateException(
                        "verification failed for "
                                + where
                                + ": staged file "
                                + staged.getName()
                                + " holds "
                                + rows
                                + " rows, "
                                + o.rows()
                                + " were written");
            }
            inFooters += rows;
        }
        if (inFooters != read.count()) {
            throw new IllegalStateException(
                    "verification failed for "
                            + where
                            + ": "
                            + inFooters
                            + " rows written, "
                            + read.count()
                            + " read");
        }
        if (verify == Verify.READBACK) {
            RecordDigest back = new RecordDigest();
            for (SwapManifest.Output o : outputs) {
                Path staged = new Path(o.staged());
                FileStatus status = staged.getFileSystem().getFileStatus(staged);
                try (LakeFiles.RecordStream<? extends SpecificRecordBase> in =
                        LakeFiles.openRecords(status, task.dataset().recordClass())) {
                    SpecificRecordBase r;
                    while ((r = in.next()) != null) {
                        back.add(sorter.encode(r), task.dataset().eventId(r));
                    }
                }
            }
            check(where, back, read);
        }
        return outputs;
    }

    /** Throws, naming the partition, unless {@code written} digests the records of {@code read}. */
    public static void check(String where, RecordDigest written, RecordDigest read) {
        if (written.count() != read.count()) {
            throw new IllegalStateException(
                    "verification failed for "
                            + where
                            + ": "
                            + written.count()
                            + " rows written, "
                            + read.count()
                            + " read");
        }
        if (!written.sameIds(read)) {
            throw new IllegalStateException(
                    "verification failed for " + where + ": the set of event ids differs");
        }
        if (!written.sameRecords(read)) {
            throw new IllegalStateException(
                    "verification failed for "
                            + where
                            + ": a record's fields (content or chain) differ");
        }
    }

    /** The entry with one free-text field of its record changed (a content change). */
    private static SortEntry altered(SortEntry e, ExternalSorter sorter) {
        try {
            IndexedRecord r = sorter.decode(e);
            for (org.apache.avro.Schema.Field f : r.getSchema().getFields()) {
                Object v = r.get(f.pos());
                if (v instanceof CharSequence text
                        && List.of("prompt", "raw_text", "detail", "response_content")
                                .contains(f.name())) {
                    r.put(f.pos(), text + "!");
                    return e.withBytes(sorter.encode(r));
                }
            }
            throw new IllegalStateException("no field to alter");
        } catch (IOException x) {
            throw new java.io.UncheckedIOException(x);
        }
    }

    private Iterator<SortEntry> faulty(Iterator<SortEntry> merged, ExternalSorter sorter) {
        if (fault == null) {
            return merged;
        }
        return new Iterator<>() {
            private long n;
            private SortEntry again;

            @Override
            public boolean hasNext() {
                return again != null || merged.hasNext();
            }

            @Override
            public SortEntry next() {
                if (again != null) {
                    SortEntry e = again;
                    again = null;
                    return e;
                }
                if (!merged.hasNext()) {
                    throw new NoSuchElementException();
                }
                SortEntry e = merged.next();
                if (n++ == 2) {
                    switch (fault) {
                        case DROP -> {
                            return merged.hasNext() ? merged.next() : e;
                        }
                        case DUPLICATE -> again = e;
                        case ALTER -> e = altered(e, sorter);
                    }
                }
                return e;
            }
        };
    }
}
