package io.decisionledger.lake;

import java.io.IOException;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.formats.parquet.ParquetInputFile;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.HadoopReadOptions;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroReadSupport;
import org.apache.parquet.conf.HadoopParquetConfiguration;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.io.InputFile;

/**
 * Lists and reads the committed Parquet files of a lake folder through Flink's file systems, so the
 * same code works on {@code file://} and {@code s3://}. "Committed" means what a BI tool's {@code
 * **}{@code /*.parquet} glob sees: files the FileSink left hidden ({@code .part-*}, in progress or
 * from a failed attempt) are skipped.
 */
public final class LakeFiles {

    private LakeFiles() {}

    /** Committed Parquet files under {@code dir}, recursively, sorted by path. Empty if none. */
    public static List<FileStatus> parquetFiles(Path dir) throws IOException {
        return files(dir, ".parquet");
    }

    /**
     * Committed files under {@code dir} whose name ends with {@code suffix}, recursively, sorted by
     * path; names starting with "." or "_" (in-progress files, staging) are skipped. Empty if none.
     */
    public static List<FileStatus> files(Path dir, String suffix) throws IOException {
        FileSystem fs = dir.getFileSystem();
        List<FileStatus> files = new ArrayList<>();
        if (fs.exists(dir)) {
            collect(fs, dir, suffix, files);
        }
        files.sort(Comparator.comparing(f -> f.getPath().toString()));
        return files;
    }

    private static void collect(FileSystem fs, Path dir, String suffix, List<FileStatus> out)
            throws IOException {
        FileStatus[] children = fs.listStatus(dir);
        if (children == null) {
            return;
        }
        for (FileStatus child : children) {
            String name = child.getPath().getName();
            if (name.startsWith(".") || name.startsWith("_")) {
                continue;
            }
            if (child.isDir()) {
                collect(fs, child.getPath(), suffix, out);
            } else if (name.endsWith(suffix)) {
                out.add(child);
            }
        }
    }

    /**
     * The {@code tenant_id=T/event_date=D} folders of {@code audit/decisions}, sorted, optionally
     * only one tenant's (null: all) and only dates in [from, to] (null: open). Hidden folders and
     * folders that are not partitions are skipped.
     */
    public static List<Path> auditPartitions(
            LakeLayout lake, String tenant, LocalDate from, LocalDate to) throws IOException {
        Path audit = lake.auditDecisions();
        FileSystem fs = audit.getFileSystem();
        List<Path> partitions = new ArrayList<>();
        if (!fs.exists(audit)) {
            return partitions;
        }
        for (FileStatus tenantDir : children(fs, audit, "tenant_id=")) {
            String t = tenantDir.getPath().getName().substring("tenant_id=".length());
            if (tenant != null && !tenant.equals(t)) {
                continue;
            }
            for (FileStatus dateDir : children(fs, tenantDir.getPath(), "event_date=")) {
                LocalDate date;
                try {
                    date =
                            LocalDate.parse(
                                    dateDir.getPath().getName().substring("event_date=".length()));
                } catch (DateTimeParseException e) {
                    continue;
                }
                if ((from == null || !date.isBefore(from)) && (to == null || !date.isAfter(to))) {
                    partitions.add(dateDir.getPath());
                }
            }
        }
        partitions.sort(Comparator.comparing(Path::toString));
        return partitions;
    }

    private static List<FileStatus> children(FileSystem fs, Path dir, String prefix)
            throws IOException {
        List<FileStatus> out = new ArrayList<>();
        FileStatus[] children = fs.listStatus(dir);
        if (children != null) {
            for (FileStatus child : children) {
                if (child.isDir() && child.getPath().getName().startsWith(prefix)) {
                    out.add(child);
                }
            }
        }
        return out;
    }

    /** The file's footer: schema, row groups, row counts, statistics. */
    public static ParquetMetadata footer(FileStatus file) throws IOException {
        try (ParquetFileReader reader =
                ParquetFileReader.open(
                        input(file), HadoopReadOptions.builder(new Configuration(false)).build())) {
            return reader.getFooter();
        } catch (IOException | RuntimeException e) {
            throw UnreadableLakeFile.of(file.getPath().toString(), e);
        }
    }

    /** Row count from the footer alone, without reading data pages. */
    public static long rowCount(FileStatus file) throws IOException {
        return footer(file).getBlocks().stream().mapToLong(b -> b.getRowCount()).sum();
    }

    /**
     * Calls {@code consumer} for every record of the file, read generically (schema from the file).
     */
    public static void forEachRecord(FileStatus file, Consumer<GenericRecord> consumer)
            throws IOException {
        try (ParquetReader<GenericRecord> reader =
                open(file, () -> AvroParquetReader.<GenericRecord>builder(input(file), conf()))) {
            GenericRecord record;
            while ((record = next(file, reader)) != null) {
                consumer.accept(record);
            }
        }
    }

    /**
     * Calls {@code consumer} for every record of the file with only the named {@code columns} of
     * {@code stored} decoded (a projection: the other columns' pages are never read), generically:
     * timestamps arrive as their stored longs. For planning over large files: which records, not
     * their content.
     */
    public static void forEachRecord(
            FileStatus file, Schema stored, List<String> columns, Consumer<GenericRecord> consumer)
            throws IOException {
        Schema projection = ProjectedParquetFormat.project(stored, columns);
        Configuration hadoop = hadoopConf();
        AvroReadSupport.setRequestedProjection(hadoop, projection);
        AvroReadSupport.setAvroReadSchema(hadoop, projection);
        try (ParquetReader<GenericRecord> reader =
                open(
                        file,
                        () ->
                                AvroParquetReader.<GenericRecord>builder(
                                                input(file), new HadoopParquetConfiguration(hadoop))
                                        .withDataModel(GenericData.get()))) {
            GenericRecord record;
            while ((record = next(file, reader)) != null) {
                consumer.accept(record);
            }
        }
    }

    /**
     * Calls {@code consumer} for every record of the file as an instance of {@code recordClass},
     * with its logical types (timestamps as {@code Instant}). Files written with an earlier version
     * of the schema read fine: fields are only ever appended.
     */
    public static <T extends SpecificRecordBase> void forEachRecord(
            FileStatus file, Class<T> recordClass, Consumer<T> consumer) throws IOException {
        try (ParquetReader<T> reader =
                open(
                        file,
                        () ->
                                AvroParquetReader.<T>builder(input(file), conf())
                                        .withDataModel(SpecificData.getForClass(recordClass)))) {
            T record;
            while ((record = next(file, reader)) != null) {
                consumer.accept(record);
            }
        }
    }

    /** The records of one file, pulled one at a time ({@link #openRecords}). */
    public interface RecordStream<T> extends java.io.Closeable {
        /** The next record, or null at the end of the file. */
        T next() throws IOException;
    }

    /**
     * The records of the file as instances of {@code recordClass}, pulled one at a time, as {@link
     * #forEachRecord(FileStatus, Class, Consumer)} hands them on: for merging several files.
     */
    public static <T extends SpecificRecordBase> RecordStream<T> openRecords(
            FileStatus file, Class<T> recordClass) throws IOException {
        ParquetReader<T> reader =
                open(
                        file,
                        () ->
                                AvroParquetReader.<T>builder(input(file), conf())
                                        .withDataModel(SpecificData.getForClass(recordClass)));
        return stream(file, reader);
    }

    private static <T> RecordStream<T> stream(FileStatus file, ParquetReader<T> reader) {
        return new RecordStream<>() {
            @Override
            public T next() throws IOException {
                return LakeFiles.next(file, reader);
            }

            @Override
            public void close() throws IOException {
                reader.close();
            }
        };
    }

    /**
     * The records of the file as generic records of {@code recordClass}'s schema, pulled one at a
     * time, with their values as stored: strings as Avro {@code Utf8} (the stored UTF-8 bytes,
     * never decoded to a Java {@code String}), timestamps as their stored longs. Field positions
     * are those of {@code recordClass}; the records' Avro binary encoding is the same as that of
     * the typed records {@link #openRecords} reads. For rewrites that copy records as they are
     * (compaction): no string is decoded on the way in and encoded again on the way out.
     */
    public static RecordStream<GenericRecord> openRawRecords(
            FileStatus file, Class<? extends SpecificRecordBase> recordClass) throws IOException {
        Configuration hadoop = hadoopConf();
        // the read schema only, no projection: a projection is converted to a Parquet schema with
        // the old two-level lists and would then miss the files' three-level list columns
        AvroReadSupport.setAvroReadSchema(hadoop, rawSchema(recordClass));
        ParquetReader<GenericRecord> reader =
                open(
                        file,
                        () ->
                                AvroParquetReader.<GenericRecord>builder(
                                                input(file), new HadoopParquetConfiguration(hadoop))
                                        .withDataModel(GenericData.get()));
        return stream(file, reader);
    }

    private static final java.util.Map<Class<?>, Schema> RAW_SCHEMAS =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * {@code recordClass}'s schema without the {@code avro.java.string} hints that make Avro and
     * parquet-avro decode strings to {@code String}: read with it, strings stay {@code Utf8}.
     */
    public static Schema rawSchema(Class<? extends SpecificRecordBase> recordClass) {
        return RAW_SCHEMAS.computeIfAbsent(
                recordClass,
                c -> {
                    String json = SpecificData.get().getSchema(c).toString();
                    String stripped = json.replace(",\"avro.java.string\":\"String\"", "");
                    if (stripped.contains("avro.java.string")) {
                        throw new IllegalStateException(
                                "unexpected string hint in the schema of " + c.getName());
                    }
                    return new Schema.Parser().parse(stripped);
                });
    }

    /**
     * An empty Hadoop configuration. Left alone, the reader builders make a default one, which
     * parses core-default.xml and core-site.xml for every file: most of the CPU when reading many
     * small files (compaction, verify). Only parquet.* keys matter here, and their defaults are
     * right.
     */
    private static ParquetConfiguration conf() {
        return new HadoopParquetConfiguration(hadoopConf());
    }

    /**
     * The Hadoop configuration of every lake read: empty (see {@link #conf()}) but for page
     * checksums. The lake's writers store a CRC per page (Parquet's default); readers do not check
     * it unless told, so a flipped byte in an uncompressed page would decode as another value.
     */
    static Configuration hadoopConf() {
        Configuration c = new Configuration(false);
        c.setBoolean(VERIFY_PAGE_CHECKSUMS, true);
        return c;
    }

    /** parquet-hadoop's key (ParquetInputFormat.PAGE_VERIFY_CHECKSUM_ENABLED). */
    static final String VERIFY_PAGE_CHECKSUMS = "parquet.page.verify-checksum.enabled";

    static InputFile input(FileStatus file) throws IOException {
        FileSystem fs = file.getPath().getFileSystem();
        return new NamedInputFile(
                new ParquetInputFile(fs.open(file.getPath()), file.getLen()),
                file.getPath().toString());
    }

    /** A reader builder, opened by {@link #open}. */
    @FunctionalInterface
    private interface ReaderBuilder<T> {
        ParquetReader.Builder<T> get() throws IOException;
    }

    /**
     * Opens a record reader; a file that is not Parquet or has no footer fails here, as {@link
     * UnreadableLakeFile} naming it.
     */
    private static <T> ParquetReader<T> open(FileStatus file, ReaderBuilder<T> builder)
            throws IOException {
        try {
            return builder.get().build();
        } catch (IOException | RuntimeException e) {
            throw UnreadableLakeFile.of(file.getPath().toString(), e);
        }
    }

    /**
     * The next record; a page that does not decode fails as {@link UnreadableLakeFile}, after the
     * rows before it were handed on (the caller decides whether a partial file is of any use).
     */
    private static <T> T next(FileStatus file, ParquetReader<T> reader) throws IOException {
        try {
            return reader.read();
        } catch (IOException | RuntimeException e) {
            throw UnreadableLakeFile.of(file.getPath().toString(), e);
        }
    }

    /**
     * Parquet's exceptions name the file by its {@code toString()}, which Flink's input file does
     * not override: this one answers the path.
     */
    private record NamedInputFile(InputFile file, String path) implements InputFile {
        @Override
        public long getLength() throws IOException {
            return file.getLength();
        }

        @Override
        public org.apache.parquet.io.SeekableInputStream newStream() throws IOException {
            return file.newStream();
        }

        @Override
        public String toString() {
            return path;
        }
    }

    /**
     * Writes {@code records} (at least one, all of one class) as one Parquet file, created new: for
     * small files written whole (summaries, test lakes), not for streaming output.
     */
    @SuppressWarnings("unchecked")
    public static void writeParquet(Path file, List<? extends SpecificRecordBase> records)
            throws IOException {
        FileSystem fs = file.getFileSystem();
        fs.mkdirs(file.getParent());
        Class<SpecificRecordBase> type = (Class<SpecificRecordBase>) records.get(0).getClass();
        try (org.apache.flink.core.fs.FSDataOutputStream out =
                fs.create(file, FileSystem.WriteMode.NO_OVERWRITE)) {
            org.apache.flink.api.common.serialization.BulkWriter<SpecificRecordBase> writer =
                    ParquetFormats.writerFor(type, ParquetSettings.defaults()).create(out);
            for (SpecificRecordBase r : records) {
                writer.addElement(r);
            }
            writer.finish();
        }
    }
}
