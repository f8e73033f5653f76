package io.decisionledger.lake;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.flink.core.fs.FileStatus;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.avro.AvroReadSupport;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.filter2.predicate.FilterPredicate;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.metadata.FileMetaData;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.io.api.RecordMaterializer;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

/**
 * Reads only the rows of one lake file that match a predicate, the way a point query should: the
 * footer is read first and row groups whose statistics, dictionaries or bloom filters (where the
 * writer made them) rule the predicate out are never fetched; inside the remaining row groups the
 * column indexes skip pages, and only the requested columns are decoded. It reports what it had to
 * touch, so a query can say how much of the lake it read. One open file per call, through Flink's
 * file systems ({@code file://}, {@code s3://}).
 */
public final class ParquetScan {

    /**
     * What reading one file cost.
     *
     * @param rowGroups row groups in the file (from its footer)
     * @param rowGroupsRead row groups whose pages were fetched after pruning
     * @param rowsDecoded rows decoded in those row groups (after page-level pruning)
     * @param rowsMatched rows that matched the predicate and were handed to the consumer
     */
    public record FileCost(int rowGroups, int rowGroupsRead, long rowsDecoded, long rowsMatched) {}

    private ParquetScan() {}

    /**
     * Reads the rows of {@code file} matching {@code filter} as records of {@code readSchema}
     * (fields the file lacks get their schema default; fields of the file not in it are not
     * decoded), in file order, and hands each to {@code consumer} until it returns false.
     *
     * @param model the Avro data model records are built with: {@code
     *     SpecificData.getForClass(cls)} for generated classes, {@code GenericData.get()} otherwise
     * @param readSchema must contain every column {@code filter} refers to
     */
    public static <T> FileCost read(
            FileStatus file,
            FilterPredicate filter,
            GenericData model,
            Schema readSchema,
            Predicate<T> consumer)
            throws IOException {
        FilterCompat.Filter rowFilter = FilterCompat.get(filter);
        ParquetReadOptions options =
                ParquetReadOptions.builder()
                        .withRecordFilter(rowFilter)
                        .useStatsFilter()
                        .useDictionaryFilter()
                        .useBloomFilter()
                        .useColumnIndexFilter()
                        .useRecordFilter()
                        .build();
        try (ParquetFileReader reader = ParquetFileReader.open(LakeFiles.input(file), options)) {
            int rowGroups = reader.getFooter().getBlocks().size();
            if (reader.getRowGroups().isEmpty()) {
                return new FileCost(rowGroups, 0, 0, 0);
            }
            FileMetaData meta = reader.getFooter().getFileMetaData();
            MessageType fileSchema = meta.getSchema();
            MessageType requested = project(fileSchema, readSchema);
            reader.setRequestedSchema(requested);

            Configuration conf = new Configuration(false);
            AvroReadSupport.setAvroReadSchema(conf, readSchema);
            AvroReadSupport<T> support = new AvroReadSupport<>(model);
            Map<String, String> keyValues = meta.getKeyValueMetaData();
            ReadSupport.ReadContext context =
                    new ReadSupport.ReadContext(
                            requested,
                            support.init(conf, keyValues, fileSchema).getReadSupportMetadata());
            RecordMaterializer<T> materializer =
                    support.prepareForRead(conf, keyValues, fileSchema, context);
            MessageColumnIO columns =
                    new ColumnIOFactory(meta.getCreatedBy()).getColumnIO(requested, fileSchema);

            int rowGroupsRead = 0;
            long decoded = 0;
            long matched = 0;
            PageReadStore pages;
            while ((pages = reader.readNextFilteredRowGroup()) != null) {
                rowGroupsRead++;
                RecordReader<T> rows = columns.getRecordReader(pages, materializer, rowFilter);
                long count = pages.getRowCount();
                decoded += count;
                for (long i = 0; i < count; i++) {
                    T row = rows.read();
                    if (row == null || rows.shouldSkipCurrentRecord()) {
                        continue;
                    }
                    matched++;
                    if (!consumer.test(row)) {
                        return new FileCost(rowGroups, rowGroupsRead, decoded, matched);
                    }
                }
            }
            return new FileCost(rowGroups, rowGroupsRead, decoded, matched);
        }
    }

    /** The file's top-level columns that {@code readSchema} names, in file order. */
    private static MessageType project(MessageType fileSchema, Schema readSchema) {
        Set<String> wanted = new LinkedHashSet<>();
        readSchema.getFields().forEach(f -> wanted.add(f.name()));
        List<Type> kept = new ArrayList<>();
        for (Type t : fileSchema.getFields()) {
            if (wanted.contains(t.getName())) {
                kept.add(t);
            }
        }
        return new MessageType(fileSchema.getName(), kept);
    }
}
