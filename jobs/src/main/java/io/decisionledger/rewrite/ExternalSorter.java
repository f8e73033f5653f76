package io.decisionledger.rewrite;

import io.decisionledger.lake.LakeFiles;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;
import java.util.function.Predicate;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.core.fs.FileStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bounded-memory sort of one partition rewrite: an external merge sort in a task's heap and the
 * TaskManager's temporary directories.
 *
 * <ul>
 *   <li>Files already in the dataset's order ({@link #addSortedFile}: compacted files) are not read
 *       here but merged as they stream, one row group of each open at a time; their order is
 *       checked as they are read ({@link UnsortedInput} when a file is not in order, and the caller
 *       sorts it instead).
 *   <li>Other files ({@link #addFile}: the streaming job's part files) are read into a buffer of
 *       Avro-encoded records that, when it reaches its size, is sorted and spilled to a run file.
 *   <li>{@link #merged} is a k-way merge of the spilled runs, the buffer and the sorted files (in
 *       passes of at most {@link #MAX_FAN_IN} runs).
 * </ul>
 *
 * Records are read typed ({@link #addFile}, for callers that look into them) or raw ({@link
 * #addRawFile} and sorted files: strings stay the stored UTF-8 bytes from the file they are read
 * from to the merged file, never decoded to a Java string and encoded again); both have the same
 * Avro encoding. While reading it digests every record it admits ({@link #readDigest}), so that
 * what is written can be checked against what was read without reading it back. Not thread-safe;
 * one per task.
 */
public final class ExternalSorter implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(ExternalSorter.class);

    /** Runs merged at once; more are merged in passes (64 KiB of read buffer each). */
    static final int MAX_FAN_IN = 128;

    private static final int IO_BUFFER = 64 * 1024;

    /** Thrown when a file given as sorted is not (its rows are then to be sorted). */
    public static final class UnsortedInput extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        UnsortedInput(String file) {
            super("file " + file + " is not in the dataset's order; sorting it instead");
        }
    }

    private final Dataset dataset;
    private final long bufferBytes;
    private final File spillDir;
    private final String what;
    private final Codec codec;
    private final RecordDigest read = new RecordDigest();
    private RecordDigest skipped;
    private final List<SortEntry> buffer = new ArrayList<>();
    private final List<File> spills = new ArrayList<>();
    private final List<FileStatus> sortedFiles = new ArrayList<>();
    private final List<Closeable> open = new ArrayList<>();
    private long buffered;

    /** Buffered entries keep their decoded record until the buffer first spills. */
    private boolean keepDecoded = true;

    private final int fields;
    private long rows;
    private long spilledBytes;
    private long nextProgress = PROGRESS_EVERY;

    private static final long PROGRESS_EVERY = 5_000_000;

    /** Rows are reported to {@link #reportRowsTo}'s listener in batches of this many. */
    private static final int REPORT_BATCH = 1_000;

    private java.util.function.LongConsumer rowsRead;
    private long unreported;

    /**
     * @param dataset the records' dataset (their class and order)
     * @param bufferBytes heap the sort buffer may hold before it spills
     * @param tmpDirs where runs are spilled (the TaskManager's temporary directories)
     * @param what names the partition in log lines and errors (no personal data)
     */
    public ExternalSorter(Dataset dataset, long bufferBytes, File[] tmpDirs, String what)
            throws IOException {
        this.dataset = dataset;
        this.bufferBytes = Math.max(1, bufferBytes);
        File base = tmpDirs[Math.floorMod(what.hashCode(), tmpDirs.length)];
        Files.createDirectories(base.toPath());
        this.spillDir = Files.createTempDirectory(base.toPath(), "dl-sort-").toFile();
        this.what = what;
        this.codec = new Codec(dataset);
        this.fields = codec.fields();
    }

    /**
     * Reads every record of {@code file} into the sort as the dataset's typed records, keeping
     * those {@code keep} accepts (null: all): for a caller that looks into the records (retention).
     */
    public void addFile(FileStatus file, Predicate<SpecificRecordBase> keep) throws IOException {
        try (LakeFiles.RecordStream<? extends SpecificRecordBase> in =
                LakeFiles.openRecords(file, dataset.recordClass())) {
            addAll(in, keep);
        }
    }

    /**
     * Reads every record of {@code file} into the sort as it is stored ({@link
     * LakeFiles#openRawRecords}: strings stay UTF-8 bytes from the file to the merged file),
     * keeping those {@code keep} accepts (null: all): for a caller that only moves records
     * (compaction, a split partition's slice).
     */
    public void addRawFile(FileStatus file, Predicate<? super IndexedRecord> keep)
            throws IOException {
        try (LakeFiles.RecordStream<GenericRecord> in =
                LakeFiles.openRawRecords(file, dataset.recordClass())) {
            addAll(in, keep);
        }
    }

    private <R extends IndexedRecord> void addAll(
            LakeFiles.RecordStream<R> in, Predicate<? super R> keep) throws IOException {
        R r;
        while ((r = in.next()) != null) {
            rowRead();
            if (keep == null || keep.test(r)) {
                add(r);
            } else if (skipped != null) {
                skipped.add(codec.encode(r), dataset.eventId(r));
            }
        }
    }

    /**
     * From now on reports the rows read (kept or not, sorted files' rows as they are merged) to
     * {@code listener} in batches, the rest at {@link #close}: a task's progress metrics. Null: no
     * reporting.
     */
    public ExternalSorter reportRowsTo(java.util.function.LongConsumer listener) {
        this.rowsRead = listener;
        return this;
    }

    private void rowRead() {
        if (rowsRead != null && ++unreported >= REPORT_BATCH) {
            rowsRead.accept(unreported);
            unreported = 0;
        }
    }

    /**
     * From now on also digests the records {@link #addFile} leaves out ({@link #skippedDigest}): a
     * slice of a split partition proves with it that what it kept and what it left add up to the
     * input every other slice read.
     */
    public ExternalSorter digestSkipped() {
        if (skipped == null) {
            skipped = new RecordDigest();
        }
        return this;
    }

    /** The digest of the records left out since {@link #digestSkipped}, or null. */
    public RecordDigest skippedDigest() {
        return skipped;
    }

    /** Adds one record (typed, or raw as {@link #addRawFile} reads them) to the sort. */
    public void add(IndexedRecord record) throws IOException {
        byte[] bytes = codec.encode(record);
        SortEntry e = SortEntry.of(dataset, record, bytes);
        read.add(bytes, e.id);
        buffer.add(e);
        buffered += e.heapBytes();
        if (keepDecoded) {
            // written as it is if the partition fits in the buffer: no decode of its encoding
            e.record = record;
            buffered += SortEntry.decodedHeapBytes(bytes.length, fields);
        }
        rows++;
        if (buffered >= bufferBytes) {
            spill();
        }
        progress();
    }

    /**
     * Adds a file whose rows are in the dataset's order, with its row count (from its footer): it
     * is merged as it is read, and digested then.
     */
    public void addSortedFile(FileStatus file, long fileRows) {
        sortedFiles.add(file);
        rows += fileRows;
    }

    /** Rows in the sort (those of sorted files included). */
    public long rows() {
        return rows;
    }

    /** Bytes spilled to disk so far. */
    public long spilledBytes() {
        return spilledBytes;
    }

    /** Runs spilled to disk so far. */
    public int spilledRuns() {
        return spills.size();
    }

    /**
     * The digest of every record admitted; complete once {@link #merged} is drained (sorted files
     * are digested as they are merged).
     */
    public RecordDigest readDigest() {
        return read;
    }

    /** Sorts what is buffered and writes it as a run file; frees the buffer. */
    public void spill() throws IOException {
        if (buffer.isEmpty()) {
            return;
        }
        buffer.sort(SortEntry.ORDER);
        spills.add(writeRun(buffer.iterator()));
        buffer.clear();
        buffered = 0;
        // a partition that spills is merged from disk: its buffer holds encodings only from now on
        keepDecoded = false;
    }

    /** The entries in the dataset's order. Call once, after every file was added. */
    public Iterator<SortEntry> merged() throws IOException {
        while (spills.size() + sortedFiles.size() + 1 > MAX_FAN_IN && spills.size() > 1) {
            int n = Math.min(spills.size(), MAX_FAN_IN);
            List<File> group = new ArrayList<>(spills.subList(0, n));
            List<Iterator<SortEntry>> runs = new ArrayList<>();
            for (File f : group) {
                runs.add(spilled(f));
            }
            File merged = writeRun(new Merge(runs));
            closeOpen();
            for (File f : group) {
                Files.deleteIfExists(f.toPath());
            }
            spills.subList(0, n).clear();
            spills.add(merged);
        }
        List<Iterator<SortEntry>> runs = new ArrayList<>();
        for (FileStatus f : sortedFiles) {
            runs.add(sortedFile(f));
        }
        for (File f : spills) {
            runs.add(spilled(f));
        }
        if (!buffer.isEmpty()) {
            buffer.sort(SortEntry.ORDER);
            runs.add(buffer.iterator());
        }
        if (!spills.isEmpty() || !sortedFiles.isEmpty()) {
            LOG.info(
                    "{}: merging {} rows from {} sorted files, {} spilled runs ({} MiB) and the"
                            + " buffer",
                    what,
                    rows,
                    sortedFiles.size(),
                    spills.size(),
                    spilledBytes >> 20);
        }
        return runs.size() == 1 ? runs.get(0) : new Merge(runs);
    }

    /**
     * An entry's record: the one it was made from when the entry kept it, else decoded from its
     * encoding (reusing one instance: hand it on before the next call).
     */
    public IndexedRecord decode(SortEntry e) throws IOException {
        return e.record != null ? e.record : codec.decode(e.bytes);
    }

    /** The record's Avro binary encoding, as entries hold it (for read-back checks). */
    public byte[] encode(IndexedRecord record) throws IOException {
        return codec.encode(record);
    }

    @Override
    public void close() throws IOException {
        if (rowsRead != null && unreported > 0) {
            rowsRead.accept(unreported);
            unreported = 0;
        }
        closeOpen();
        buffer.clear();
        File[] left = spillDir.listFiles();
        if (left != null) {
            for (File f : left) {
                Files.deleteIfExists(f.toPath());
            }
        }
        Files.deleteIfExists(spillDir.toPath());
    }

    private void closeOpen() throws IOException {
        for (Closeable c : open) {
            c.close();
        }
        open.clear();
    }

    private void progress() {
        if (rows >= nextProgress) {
            nextProgress += PROGRESS_EVERY;
            LOG.info(
                    "{}: {} rows read, {} runs ({} MiB) spilled",
                    what,
                    rows,
                    spills.size(),
                    spilledBytes >> 20);
        }
    }

    private File writeRun(Iterator<SortEntry> entries) throws IOException {
        File f = new File(spillDir, "run-" + System.nanoTime() + "-" + spills.size());
        try (DataOutputStream out =
                new DataOutputStream(
                        new BufferedOutputStream(Files.newOutputStream(f.toPath()), IO_BUFFER))) {
            while (entries.hasNext()) {
                entries.next().writeTo(out);
            }
        }
        spilledBytes += f.length();
        return f;
    }

    private Iterator<SortEntry> spilled(File f) throws IOException {
        DataInputStream in =
                new DataInputStream(
                        new BufferedInputStream(Files.newInputStream(f.toPath()), IO_BUFFER));
        open.add(in);
        return new Pull() {
            @Override
            SortEntry pull() throws IOException {
                return SortEntry.readFrom(in);
            }
        };
    }

    private Iterator<SortEntry> sortedFile(FileStatus file) throws IOException {
        LakeFiles.RecordStream<GenericRecord> in =
                LakeFiles.openRawRecords(file, dataset.recordClass());
        open.add(in);
        return new Pull() {
            private SortEntry last;

            @Override
            SortEntry pull() throws IOException {
                GenericRecord r = in.next();
                if (r == null) {
                    return null;
                }
                rowRead();
                byte[] bytes = codec.encode(r);
                SortEntry e = SortEntry.of(dataset, r, bytes);
                if (last != null && SortEntry.ORDER.compare(last, e) > 0) {
                    throw new UnsortedInput(file.getPath().getName());
                }
                read.add(bytes, e.id);
                // one entry per sorted file is alive at a time: it keeps its record, written as is
                e.record = r;
                last = e;
                return e;
            }
        };
    }

    /** An iterator over a source that answers null at its end. */
    private abstract static class Pull implements Iterator<SortEntry> {
        private SortEntry next;
        private boolean done;

        abstract SortEntry pull() throws IOException;

        @Override
        public boolean hasNext() {
            if (next == null && !done) {
                try {
                    next = pull();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                done = next == null;
            }
            return next != null;
        }

        @Override
        public SortEntry next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            SortEntry e = next;
            next = null;
            return e;
        }
    }

    /** A k-way merge of sorted runs; equal keys come out in run order. */
    private static final class Merge implements Iterator<SortEntry> {
        private record Head(SortEntry entry, int run) {}

        private final List<Iterator<SortEntry>> runs;
        private final PriorityQueue<Head> heads;

        Merge(List<Iterator<SortEntry>> runs) {
            this.runs = runs;
            this.heads =
                    new PriorityQueue<>(
                            Math.max(1, runs.size()),
                            (a, b) -> {
                                int c = SortEntry.ORDER.compare(a.entry, b.entry);
                                return c != 0 ? c : Integer.compare(a.run, b.run);
                            });
            for (int i = 0; i < runs.size(); i++) {
                if (runs.get(i).hasNext()) {
                    heads.add(new Head(runs.get(i).next(), i));
                }
            }
        }

        @Override
        public boolean hasNext() {
            return !heads.isEmpty();
        }

        @Override
        public SortEntry next() {
            Head h = heads.poll();
            if (h == null) {
                throw new NoSuchElementException();
            }
            Iterator<SortEntry> run = runs.get(h.run);
            if (run.hasNext()) {
                heads.add(new Head(run.next(), h.run));
            }
            return h.entry;
        }
    }

    /**
     * Avro binary encoding and decoding of the dataset's records (Fingerprints' encoding). Encodes
     * typed and raw records alike (the same bytes for the same values); decodes to raw records
     * (strings as {@code Utf8}, timestamps as longs), which the merged files' writer takes as they
     * are.
     */
    private static final class Codec {
        private final SpecificDatumWriter<IndexedRecord> writer;
        private final GenericDatumReader<GenericRecord> reader;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        private BinaryEncoder encoder;
        private BinaryDecoder decoder;
        private GenericRecord reuse;
        private final int fields;

        Codec(Dataset dataset) {
            SpecificData model = SpecificData.getForClass(dataset.recordClass());
            Schema schema = model.getSchema(dataset.recordClass());
            Schema raw = LakeFiles.rawSchema(dataset.recordClass());
            fields = schema.getFields().size();
            writer = new SpecificDatumWriter<>(schema, model);
            reader = new GenericDatumReader<>(raw, raw, GenericData.get());
        }

        int fields() {
            return fields;
        }

        byte[] encode(IndexedRecord record) throws IOException {
            out.reset();
            encoder = EncoderFactory.get().binaryEncoder(out, encoder);
            writer.write(record, encoder);
            encoder.flush();
            return out.toByteArray();
        }

        GenericRecord decode(byte[] bytes) throws IOException {
            decoder = DecoderFactory.get().binaryDecoder(bytes, decoder);
            reuse = reader.read(reuse, decoder);
            return reuse;
        }
    }
}
