package io.decisionledger.lake;

import java.io.IOException;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.reader.StreamFormat;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.formats.parquet.ParquetInputFile;
import org.apache.flink.util.function.SerializableFunction;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroReadSupport;
import org.apache.parquet.hadoop.ParquetReader;

/**
 * Reads lake Parquet files in a {@code FileSource}, decoding only the columns a job needs (a
 * projection of the stored schema), and turns each row into the job's own record. A batch job over
 * the audit lake then reads a few narrow columns instead of prompts and responses, which are most
 * of the bytes. Flink's {@code AvroParquetReaders} has no projection, and its specific-record
 * reader fails on logical types; rows here are generic, so timestamps arrive as their stored longs.
 *
 * <p>Parquet files are read whole by one reader (not split), which is how the FileSink writes them:
 * one file per bucket per checkpoint. Files written with an earlier schema version read fine as
 * long as the projected columns existed then (columns are only ever appended).
 */
public final class ProjectedParquetFormat<T> implements StreamFormat<T> {
    private static final long serialVersionUID = 1L;

    private final String projectionJson;
    private final SerializableFunction<GenericRecord, T> toRecord;
    private final TypeInformation<T> producedType;

    private ProjectedParquetFormat(
            Schema projection,
            SerializableFunction<GenericRecord, T> toRecord,
            TypeInformation<T> producedType) {
        // Avro's Schema is serialisable only since 1.10 and not across versions: ship its JSON.
        this.projectionJson = projection.toString();
        this.toRecord = toRecord;
        this.producedType = producedType;
    }

    /**
     * A format that reads the named {@code columns} of files written with {@code stored} and maps
     * each row with {@code toRecord}.
     */
    public static <T> ProjectedParquetFormat<T> of(
            Schema stored,
            List<String> columns,
            SerializableFunction<GenericRecord, T> toRecord,
            TypeInformation<T> producedType) {
        return new ProjectedParquetFormat<>(project(stored, columns), toRecord, producedType);
    }

    /** The record schema with only {@code columns}, in the stored order. */
    static Schema project(Schema stored, List<String> columns) {
        List<Schema.Field> fields =
                stored.getFields().stream()
                        .filter(f -> columns.contains(f.name()))
                        .map(f -> new Schema.Field(f, f.schema()))
                        .toList();
        if (fields.size() != columns.size()) {
            throw new IllegalArgumentException(
                    "columns " + columns + " are not all in " + stored.getFullName());
        }
        return Schema.createRecord(
                stored.getName() + "Projection",
                stored.getDoc(),
                stored.getNamespace(),
                false,
                fields);
    }

    @Override
    public Reader<T> createReader(
            Configuration config, FSDataInputStream stream, long fileLen, long splitEnd)
            throws IOException {
        Schema projection = new Schema.Parser().parse(projectionJson);
        // as every lake read: empty (Hadoop's defaults would be parsed from XML for every file),
        // page checksums checked
        org.apache.hadoop.conf.Configuration hadoop = LakeFiles.hadoopConf();
        AvroReadSupport.setRequestedProjection(hadoop, projection);
        AvroReadSupport.setAvroReadSchema(hadoop, projection);
        ParquetReader<GenericRecord> reader =
                AvroParquetReader.<GenericRecord>builder(new ParquetInputFile(stream, fileLen))
                        .withDataModel(GenericData.get())
                        .withConf(hadoop)
                        .build();
        return new Reader<>() {
            @Override
            public T read() throws IOException {
                GenericRecord row = reader.read();
                return row == null ? null : toRecord.apply(row);
            }

            @Override
            public void close() throws IOException {
                reader.close();
            }
        };
    }

    @Override
    public Reader<T> restoreReader(
            Configuration config,
            FSDataInputStream stream,
            long restoredOffset,
            long fileLen,
            long splitEnd)
            throws IOException {
        // No position is checkpointed (getCheckpointedPosition is null): the reader starts at the
        // beginning and the FileSource skips the records it had already emitted.
        return createReader(config, stream, fileLen, splitEnd);
    }

    @Override
    public boolean isSplittable() {
        return false;
    }

    @Override
    public TypeInformation<T> getProducedType() {
        return producedType;
    }
}
