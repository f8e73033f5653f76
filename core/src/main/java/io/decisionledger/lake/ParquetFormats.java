package io.decisionledger.lake;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.core.fs.Path;
import org.apache.flink.formats.parquet.ParquetBuilder;
import org.apache.flink.formats.parquet.ParquetWriterFactory;
import org.apache.flink.streaming.api.functions.sink.filesystem.BucketAssigner;
import org.apache.flink.streaming.api.functions.sink.filesystem.OutputFileConfig;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.OnCheckpointRollingPolicy;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.avro.AvroSchemaConverter;
import org.apache.parquet.avro.AvroWriteSupport;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;
import org.apache.parquet.schema.MessageType;

/**
 * Parquet writer factories for the lake's Avro record classes. Flink's own {@code
 * AvroParquetWriters.forSpecificRecord} uses {@code SpecificData.get()}, which cannot write logical
 * types (timestamp-micros as {@code Instant}) and does not compress; this builds the writer with
 * the record class's own data model, a codec, and the standard three-level list layout that Spark,
 * Trino and Athena expect.
 */
public final class ParquetFormats {

    private ParquetFormats() {}

    /**
     * Rows per page in compacted files (parquet-mr's default is 20 000): the unit a point lookup
     * decodes once the column index has chosen its page. Smaller pages cost a page header (about 20
     * bytes) per column per page and a little compression; at 1 000 a lookup in a partition of 10
     * 000 decisions decodes a tenth of it (bench/README.md, point queries).
     */
    public static final int COMPACTED_PAGE_ROWS = 1_000;

    /**
     * A streaming Parquet sink of {@code type} under {@code base}: one file per bucket, subtask and
     * checkpoint (rolled on every checkpoint, so files commit with it), named {@code
     * part-<uuid>-<subtask>-<n>.parquet}.
     */
    public static <T extends SpecificRecordBase> FileSink<T> checkpointedSink(
            Path base, Class<T> type, ParquetSettings settings, BucketAssigner<T, String> buckets) {
        return checkpointedSink(base, writerFor(type, settings), buckets);
    }

    /**
     * {@link #checkpointedSink} that also reports its open part files as the gauge {@value
     * MeteredFileSink#OPEN_PART_FILES} (the ingest job's lake sinks: the dashboard and alerts read
     * it).
     */
    public static <T extends SpecificRecordBase> MeteredFileSink<T> meteredSink(
            Path base, Class<T> type, ParquetSettings settings, BucketAssigner<T, String> buckets) {
        return MeteredFileSink.of(
                writerFor(type, settings), writers -> checkpointedSink(base, writers, buckets));
    }

    /** {@link #checkpointedSink} with the given writers (e.g. {@link #smallFileWriterFor}). */
    public static <T> FileSink<T> checkpointedSink(
            Path base,
            org.apache.flink.api.common.serialization.BulkWriter.Factory<T> writers,
            BucketAssigner<T, String> buckets) {
        return FileSink.forBulkFormat(base, writers)
                .withBucketAssigner(buckets)
                .withRollingPolicy(OnCheckpointRollingPolicy.build())
                .withOutputFileConfig(
                        OutputFileConfig.builder()
                                .withPartPrefix("part")
                                .withPartSuffix(".parquet")
                                .build())
                .build();
    }

    public static <T extends SpecificRecordBase> ParquetWriterFactory<T> writerFor(
            Class<T> recordClass, ParquetSettings settings) {
        return new ParquetWriterFactory<>(
                new SpecificRecordParquetBuilder<>(recordClass, settings, false));
    }

    /** The largest page a {@link #smallFileWriterFor} writer starts buffering for. */
    static final int SMALL_FILE_PAGE_BYTES = 64 * 1024;

    /**
     * A writer for files that stay small by nature, a few to a few hundred rows: the metrics read
     * model and its late decisions (a part file per tenant, granularity and date per checkpoint),
     * one access-log entry. No dictionaries (each column's dictionary writer and hash map is set up
     * per file, for values Snappy compresses as well here), and pages of at most {@value
     * #SMALL_FILE_PAGE_BYTES} bytes (Parquet sizes its first buffers from the page size). Same
     * column statistics as {@link #writerFor}. Measured on 60-row files of the metrics read model:
     * 0.22 instead of 0.38 ms of CPU and 0.6 instead of 2.3 MB allocated per file, 0.8 % larger.
     */
    public static <T extends SpecificRecordBase> ParquetWriterFactory<T> smallFileWriterFor(
            Class<T> recordClass, ParquetSettings settings) {
        return new ParquetWriterFactory<>(
                new SpecificRecordParquetBuilder<>(recordClass, settings, true));
    }

    /**
     * A writer for compacted, long-lived files: large row groups, dictionary encoding and row-group
     * statistics where they help (the same column choice as the streaming writers: none on free
     * text and digests, statistics without dictionary on per-record columns such as event_id and
     * event_time), and split-block bloom filters on the point-lookup columns, sized for {@code
     * expectedRows} distinct values so that a filter costs bytes in proportion to the file, not the
     * 1 MiB default maximum.
     *
     * <p>The bloom-filter columns are written without dictionary: parquet-mr leaves out the bloom
     * filter of a column chunk whose pages are all dictionary-encoded, and a sorted,
     * ZSTD-compressed id column is small without one.
     *
     * <p>Pages hold at most {@link #COMPACTED_PAGE_ROWS} rows, so the page-level column and offset
     * indexes (which parquet-mr writes for every column) are worth reading: a compacted file is
     * sorted by user id, so a point lookup's column index leaves one page of a few hundred rows in
     * each column instead of the whole row group (tens of thousands of rows).
     *
     * @param bloomColumns flat column names that get a bloom filter (e.g. user_id, event_id)
     */
    public static <T extends SpecificRecordBase> ParquetWriter<T> compactedWriter(
            Class<T> recordClass,
            OutputFile out,
            ParquetSettings settings,
            List<String> bloomColumns,
            long expectedRows)
            throws IOException {
        SpecificData model = SpecificData.getForClass(recordClass);
        Schema schema = model.getSchema(recordClass);
        AvroParquetWriter.Builder<T> builder =
                AvroParquetWriter.<T>builder(new BufferedOutputFile(out))
                        .withConf(new Configuration(false))
                        .withSchema(schema)
                        .withDataModel(model)
                        .withCompressionCodec(settings.codec())
                        .withRowGroupSize((long) settings.rowGroupBytes())
                        .withPageSize(settings.pageBytes())
                        .withPageRowCountLimit(COMPACTED_PAGE_ROWS)
                        .withDictionaryEncoding(true)
                        .withStatisticsEnabled(true)
                        .config(AvroWriteSupport.WRITE_OLD_LIST_STRUCTURE, "false");
        builder = withColumnEncodings(builder, schema);
        for (String column : bloomColumns) {
            // parquet-mr writes no bloom filter for a fully dictionary-encoded chunk (a file of a
            // few thousand users is one): the lookup would then read and decode the whole
            // dictionary page to rule a file out, instead of probing a filter of a few KiB
            builder =
                    builder.withDictionaryEncoding(column, false)
                            .withBloomFilterEnabled(column, true)
                            .withBloomFilterNDV(column, Math.max(1, expectedRows));
        }
        return builder.build();
    }

    /**
     * Columns the streaming writers store without dictionary and without min/max statistics: long
     * free text (prompts, responses, documents, raw input) and per-record digests. Their values
     * hardly repeat within a file, or when they do (a tenant's system prompt) Snappy finds the
     * repeat anyway, so a dictionary saves nothing while hashing and comparing every value (a tenth
     * of ingest's CPU); no query filters on them, so their statistics only cost compares.
     */
    public static final Set<String> FREE_TEXT_COLUMNS =
            Set.of(
                    "prompt",
                    "system_prompt",
                    "context_user_history",
                    "context_relevant_documents",
                    "context_metadata_json",
                    "response_content",
                    "decision_reasoning",
                    "extra_json",
                    "content_sha256",
                    "prev_hash",
                    "hash",
                    "context_relevant_documents_sha256",
                    "raw",
                    "detail",
                    "card_json",
                    "query_json",
                    "replayed_reasoning",
                    "replayed_content");

    /**
     * Columns with a new value in (almost) every record, stored without dictionary but with
     * statistics, which queries prune files with. Parquet would build their dictionary, hashing
     * every value, only to drop it at the first page for not compressing.
     */
    static final Set<String> UNIQUE_COLUMNS =
            Set.of("event_id", "event_time", "ingest_time", "source_offset", "chain_seq");

    // Short, repeating columns (tenant, model version, event type, status, user) keep both.

    /** Column paths per record schema, in FREE_TEXT_COLUMNS and UNIQUE_COLUMNS: computed once. */
    private static final java.util.Map<Schema, List<List<String>>> COLUMN_CHOICE =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** No dictionary and no statistics on free text; no dictionary on per-record columns. */
    static <T> AvroParquetWriter.Builder<T> withColumnEncodings(
            AvroParquetWriter.Builder<T> builder, Schema schema) {
        List<List<String>> choice =
                COLUMN_CHOICE.computeIfAbsent(
                        schema,
                        s ->
                                List.of(
                                        columnPaths(s, FREE_TEXT_COLUMNS),
                                        columnPaths(s, UNIQUE_COLUMNS)));
        for (String column : choice.get(0)) {
            builder =
                    builder.withDictionaryEncoding(column, false)
                            .withStatisticsEnabled(column, false);
        }
        for (String column : choice.get(1)) {
            builder = builder.withDictionaryEncoding(column, false);
        }
        return builder;
    }

    /**
     * The dot paths of {@code schema}'s Parquet columns whose top-level field is in {@code names}.
     */
    static List<String> columnPaths(Schema schema, Set<String> names) {
        MessageType parquet = new AvroSchemaConverter(avroConfiguration()).convert(schema);
        List<String> paths = new ArrayList<>();
        for (ColumnDescriptor column : parquet.getColumns()) {
            String[] path = column.getPath();
            if (names.contains(path[0])) {
                paths.add(String.join(".", path));
            }
        }
        return paths;
    }

    /** The three-level list layout the writers use, for the schema converter too. */
    private static Configuration avroConfiguration() {
        Configuration conf = new Configuration(false);
        conf.setBoolean(AvroWriteSupport.WRITE_OLD_LIST_STRUCTURE, false);
        return conf;
    }

    private static final class SpecificRecordParquetBuilder<T extends SpecificRecordBase>
            implements ParquetBuilder<T> {
        private static final long serialVersionUID = 1L;

        private final Class<T> recordClass;
        private final ParquetSettings settings;
        private final boolean smallFiles;

        SpecificRecordParquetBuilder(
                Class<T> recordClass, ParquetSettings settings, boolean smallFiles) {
            this.recordClass = recordClass;
            this.settings = settings;
            this.smallFiles = smallFiles;
        }

        @Override
        public ParquetWriter<T> createWriter(OutputFile out) throws IOException {
            SpecificData model = SpecificData.getForClass(recordClass);
            Schema schema = model.getSchema(recordClass);
            AvroParquetWriter.Builder<T> builder =
                    withColumnEncodings(
                            AvroParquetWriter.<T>builder(new BufferedOutputFile(out)), schema);
            return builder
                    // An empty Hadoop configuration: left alone, the builder makes a default one,
                    // which parses core-default.xml and core-site.xml, once per part file, that
                    // is per bucket per checkpoint (a third of ingest's CPU in bench/). The writer
                    // reads only the parquet.* keys set here.
                    .withConf(new Configuration(false))
                    .withSchema(schema)
                    .withDataModel(model)
                    .withCompressionCodec(settings.codec())
                    .withRowGroupSize((long) settings.rowGroupBytes())
                    .withPageSize(
                            smallFiles
                                    ? Math.min(settings.pageBytes(), SMALL_FILE_PAGE_BYTES)
                                    : settings.pageBytes())
                    .withDictionaryEncoding(!smallFiles)
                    .config(AvroWriteSupport.WRITE_OLD_LIST_STRUCTURE, "false")
                    .build();
        }
    }

    /**
     * Coalesces the writer's small writes. Parquet serialises page headers and the footer a few
     * bytes at a time (Thrift), and Flink's local file system writes every call straight to its
     * file channel, one system call each: 5-7% of ingest's CPU went to those calls. Everything
     * reaches the underlying stream, in order, no later than the writer's close, which the FileSink
     * calls when it finishes the part file at a checkpoint.
     */
    static final class BufferedOutputFile implements OutputFile {
        private static final int BUFFER_BYTES = 64 * 1024;

        private final OutputFile file;

        BufferedOutputFile(OutputFile file) {
            this.file = file;
        }

        @Override
        public PositionOutputStream create(long blockSizeHint) throws IOException {
            return new Buffered(file.create(blockSizeHint));
        }

        @Override
        public PositionOutputStream createOrOverwrite(long blockSizeHint) throws IOException {
            return new Buffered(file.createOrOverwrite(blockSizeHint));
        }

        @Override
        public boolean supportsBlockSize() {
            return file.supportsBlockSize();
        }

        @Override
        public long defaultBlockSize() {
            return file.defaultBlockSize();
        }

        @Override
        public String getPath() {
            return file.getPath();
        }

        private static final class Buffered extends PositionOutputStream {
            private final PositionOutputStream out;
            private final byte[] buffer = new byte[BUFFER_BYTES];
            private int buffered;

            /** Bytes handed to the underlying stream, counted from where it stood at the start. */
            private long position;

            Buffered(PositionOutputStream out) throws IOException {
                this.out = out;
                this.position = out.getPos();
            }

            @Override
            public long getPos() {
                return position + buffered;
            }

            @Override
            public void write(int b) throws IOException {
                if (buffered == buffer.length) {
                    drain();
                }
                buffer[buffered++] = (byte) b;
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (len > buffer.length - buffered) {
                    drain();
                    if (len >= buffer.length) {
                        out.write(b, off, len);
                        position += len;
                        return;
                    }
                }
                System.arraycopy(b, off, buffer, buffered, len);
                buffered += len;
            }

            @Override
            public void flush() throws IOException {
                drain();
                out.flush();
            }

            @Override
            public void close() throws IOException {
                drain();
                out.close();
            }

            private void drain() throws IOException {
                if (buffered > 0) {
                    out.write(buffer, 0, buffered);
                    position += buffered;
                    buffered = 0;
                }
            }
        }
    }
}
