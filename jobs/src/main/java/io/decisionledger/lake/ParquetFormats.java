package io.decisionledger.lake;

import java.io.IOException;
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
import org.apache.parquet.avro.AvroWriteSupport;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.OutputFile;

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
     * A streaming Parquet sink of {@code type} under {@code base}: one file per bucket, subtask and
     * checkpoint (rolled on every checkpoint, so files commit with it), named {@code
     * part-<uuid>-<subtask>-<n>.parquet}.
     */
    public static <T extends SpecificRecordBase> FileSink<T> checkpointedSink(
            Path base, Class<T> type, ParquetSettings settings, BucketAssigner<T, String> buckets) {
        return FileSink.forBulkFormat(base, writerFor(type, settings))
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
                new SpecificRecordParquetBuilder<>(recordClass, settings));
    }

    /**
     * A writer for compacted, long-lived files: large row groups, dictionary encoding, row-group
     * statistics on every column (Parquet's default, kept explicitly), and split-block bloom
     * filters on the point-lookup columns, sized for {@code expectedRows} distinct values so that a
     * filter costs bytes in proportion to the file, not the 1 MiB default maximum.
     *
     * @param bloomColumns flat column names that get a bloom filter (e.g. user_id, event_id)
     */
    public static <T extends SpecificRecordBase> ParquetWriter<T> compactedWriter(
            Class<T> recordClass,
            OutputFile out,
            ParquetSettings settings,
            java.util.List<String> bloomColumns,
            long expectedRows)
            throws IOException {
        SpecificData model = SpecificData.getForClass(recordClass);
        Schema schema = model.getSchema(recordClass);
        AvroParquetWriter.Builder<T> builder =
                AvroParquetWriter.<T>builder(out)
                        .withConf(new Configuration(false))
                        .withSchema(schema)
                        .withDataModel(model)
                        .withCompressionCodec(settings.codec())
                        .withRowGroupSize((long) settings.rowGroupBytes())
                        .withPageSize(settings.pageBytes())
                        .withDictionaryEncoding(true)
                        .withStatisticsEnabled(true)
                        .config(AvroWriteSupport.WRITE_OLD_LIST_STRUCTURE, "false");
        for (String column : bloomColumns) {
            builder =
                    builder.withBloomFilterEnabled(column, true)
                            .withBloomFilterNDV(column, Math.max(1, expectedRows));
        }
        return builder.build();
    }

    private static final class SpecificRecordParquetBuilder<T extends SpecificRecordBase>
            implements ParquetBuilder<T> {
        private static final long serialVersionUID = 1L;

        private final Class<T> recordClass;
        private final ParquetSettings settings;

        SpecificRecordParquetBuilder(Class<T> recordClass, ParquetSettings settings) {
            this.recordClass = recordClass;
            this.settings = settings;
        }

        @Override
        public ParquetWriter<T> createWriter(OutputFile out) throws IOException {
            SpecificData model = SpecificData.getForClass(recordClass);
            Schema schema = model.getSchema(recordClass);
            return AvroParquetWriter.<T>builder(out)
                    // An empty Hadoop configuration: left alone, the builder makes a default one,
                    // which parses core-default.xml and core-site.xml, once per part file, that
                    // is per bucket per checkpoint (a third of ingest's CPU in bench/). The writer
                    // reads only the parquet.* keys set here.
                    .withConf(new Configuration(false))
                    .withSchema(schema)
                    .withDataModel(model)
                    .withCompressionCodec(settings.codec())
                    .withRowGroupSize((long) settings.rowGroupBytes())
                    .withPageSize(settings.pageBytes())
                    .config(AvroWriteSupport.WRITE_OLD_LIST_STRUCTURE, "false")
                    .build();
        }
    }
}
