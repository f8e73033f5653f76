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
import org.apache.parquet.conf.HadoopParquetConfiguration;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.filter2.dictionarylevel.DictionaryFilter;
import org.apache.parquet.filter2.predicate.FilterPredicate;
import org.apache.parquet.filter2.predicate.Operators;
import org.apache.parquet.filter2.predicate.UserDefinedPredicate;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.FileMetaData;
import org.apache.parquet.hadoop.util.HadoopCodecs;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.io.api.RecordMaterializer;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

/**
 * Reads only the rows of one lake file that match a predicate, the way a point query should: the
 * footer is read first and row groups whose statistics, dictionaries or bloom filters (where the
 * writer made them) rule the predicate out are never fetched; in the remaining row groups only the
 * predicate's columns are decoded until a match is found, then the column indexes skip pages and
 * only the requested columns are decoded. It reports what it had to touch, so a query can say how
 * much of the lake it read. One open file per call, through Flink's file systems ({@code file://},
 * {@code s3://}).
 */
public final class ParquetScan {

    /**
     * What reading one file cost.
     *
     * @param rowGroups row groups in the file (from its footer)
     * @param rowGroupsScanned row groups left after footer-level pruning (statistics, dictionaries,
     *     bloom filters), whose filter columns were read to look for a match
     * @param rowGroupsRead row groups that held a match, so all requested columns were decoded
     * @param rowsDecoded rows decoded with all requested columns (in the row groups read, after
     *     page-level pruning)
     * @param rowsMatched rows that matched the predicate and were handed to the consumer
     */
    public record FileCost(
            int rowGroups,
            int rowGroupsScanned,
            int rowGroupsRead,
            long rowsDecoded,
            long rowsMatched) {}

    private ParquetScan() {}

    /**
     * Reads the rows of {@code file} matching {@code filter} as records of {@code readSchema}
     * (fields the file lacks get their schema default; fields of the file not in it are not
     * decoded), in file order, and hands each to {@code consumer} until it returns false.
     *
     * <p>Two passes per row group that survives footer-level pruning: first only the columns the
     * predicate names are decoded, to see whether any row matches; only then are all requested
     * columns decoded. A point lookup in a row group of other people's records thus costs a column
     * or two, not the whole record.
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
        return read(file, filter, model, readSchema, consumer, null);
    }

    /**
     * As {@link #read(FileStatus, FilterPredicate, GenericData, Schema, Predicate)}, with the
     * file's footer and bloom filters kept in {@code footers} (null: none): a file they rule out is
     * not opened at all, and row groups are pruned by statistics, then bloom filters, then
     * dictionaries (a bloom filter is a few KiB, a dictionary page can be far larger).
     */
    public static <T> FileCost read(
            FileStatus file,
            FilterPredicate filter,
            GenericData model,
            Schema readSchema,
            Predicate<T> consumer,
            FooterCache footers)
            throws IOException {
        for (String c : FilterColumns.of(filter)) {
            if (readSchema.getField(c) == null) {
                throw new IllegalArgumentException(
                        "the read schema must contain the filter column " + c);
            }
        }
        try {
            return scan(file, filter, model, readSchema, consumer, footers);
        } catch (ConsumerFailure e) {
            throw e.getCause();
        } catch (IOException | RuntimeException e) {
            // the footer, a page or a column of the file: name it (Parquet's message does not)
            throw UnreadableLakeFile.of(file.getPath().toString(), e);
        }
    }

    /** What the consumer threw, carried past the catch that names unreadable files. */
    private static final class ConsumerFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ConsumerFailure(RuntimeException cause) {
            super(cause);
        }

        @Override
        public synchronized RuntimeException getCause() {
            return (RuntimeException) super.getCause();
        }
    }

    private static <T> boolean accept(Predicate<T> consumer, T row) {
        try {
            return consumer.test(row);
        } catch (RuntimeException e) {
            throw new ConsumerFailure(e);
        }
    }

    private static <T> FileCost scan(
            FileStatus file,
            FilterPredicate filter,
            GenericData model,
            Schema readSchema,
            Predicate<T> consumer,
            FooterCache footers)
            throws IOException {
        FilterCompat.Filter rowFilter = FilterCompat.get(filter);
        Set<String> filterColumns = FilterColumns.of(filter);
        FooterCache.Key key = footers == null ? null : FooterCache.Key.of(file);
        if (footers != null) {
            FooterCache.Entry known = footers.get(key);
            if (known != null && known.rulesOut(filter)) {
                return new FileCost(known.rowGroups(), 0, 0, 0, 0);
            }
        }
        // with a cache, row groups are pruned here (below), not by the reader
        boolean readerPrunes = footers == null;
        // Without a configuration the builder makes a default Hadoop one, which parses
        // core-default.xml and core-site.xml for every file opened: 30 % of a point query's CPU
        // (JFR, 10 M-record lake). The lake's reads share one (empty, page checksums on); so does
        // the codec factory.
        Configuration hadoop = LakeFiles.hadoopConf();
        ParquetReadOptions options =
                ParquetReadOptions.builder(new HadoopParquetConfiguration(hadoop))
                        .withCodecFactory(HadoopCodecs.newFactory(hadoop, 0))
                        .withRecordFilter(rowFilter)
                        .useStatsFilter(readerPrunes)
                        .useDictionaryFilter(readerPrunes)
                        .useBloomFilter(readerPrunes)
                        .useColumnIndexFilter()
                        .useRecordFilter()
                        // a flipped byte in a page fails instead of decoding as another value
                        .usePageChecksumVerification(true)
                        .build();
        try (ParquetFileReader reader = ParquetFileReader.open(LakeFiles.input(file), options)) {
            int rowGroups = reader.getFooter().getBlocks().size();
            List<Integer> candidates = new ArrayList<>();
            if (readerPrunes) {
                for (int i = 0; i < reader.getRowGroups().size(); i++) {
                    candidates.add(i);
                }
            } else {
                FooterCache.Entry entry = footers.remember(key, reader.getFooter());
                for (int i = 0; i < rowGroups; i++) {
                    BlockMetaData block = reader.getRowGroups().get(i);
                    if (!entry.canDrop(i, filter, reader)
                            && !DictionaryFilter.canDrop(
                                    filter, block.getColumns(), reader.getDictionaryReader(i))) {
                        candidates.add(i);
                    }
                }
            }
            if (candidates.isEmpty()) {
                return new FileCost(rowGroups, 0, 0, 0, 0);
            }
            FileMetaData meta = reader.getFooter().getFileMetaData();
            MessageType fileSchema = meta.getSchema();
            MessageType requested = project(fileSchema, readSchema);
            boolean twoPasses = filterColumns.size() < requested.getFieldCount();
            // built on the first match only: setting up a materialiser parses the read schema
            Columns<T> full = null;
            Columns<Object> narrow =
                    twoPasses
                            ? Columns.of(meta, subset(readSchema, filterColumns), GenericData.get())
                            : null;

            int scanned = 0;
            int read = 0;
            long decoded = 0;
            long matched = 0;
            for (int i : candidates) {
                scanned++;
                if (twoPasses) {
                    // parquet-mr builds a row group's page index once, for the columns requested
                    // then: build it for every column the second pass may read
                    reader.setRequestedSchema(requested);
                    reader.getColumnIndexStore(i);
                    reader.setRequestedSchema(narrow.requested);
                    // only the pages of the filter columns that their column index leaves
                    if (!anyMatch(reader.readFilteredRowGroup(i), narrow, rowFilter)) {
                        continue;
                    }
                }
                if (full == null) {
                    full = Columns.of(meta, readSchema, model);
                }
                reader.setRequestedSchema(full.requested);
                PageReadStore pages = reader.readFilteredRowGroup(i);
                if (pages == null || pages.getRowCount() == 0) {
                    continue;
                }
                read++;
                RecordReader<T> rows = full.io.getRecordReader(pages, full.materializer, rowFilter);
                long count = pages.getRowCount();
                decoded += count;
                for (long r = 0; r < count; r++) {
                    T row = rows.read();
                    if (row == null || rows.shouldSkipCurrentRecord()) {
                        continue;
                    }
                    matched++;
                    if (!accept(consumer, row)) {
                        return new FileCost(rowGroups, scanned, read, decoded, matched);
                    }
                }
            }
            return new FileCost(rowGroups, scanned, read, decoded, matched);
        }
    }

    private static boolean anyMatch(
            PageReadStore pages, Columns<Object> narrow, FilterCompat.Filter rowFilter) {
        if (pages == null) {
            return false;
        }
        RecordReader<Object> rows =
                narrow.io.getRecordReader(pages, narrow.materializer, rowFilter);
        for (long r = 0; r < pages.getRowCount(); r++) {
            if (rows.read() != null && !rows.shouldSkipCurrentRecord()) {
                return true;
            }
        }
        return false;
    }

    /** The requested columns of one file and how to turn them into records. */
    private record Columns<T>(
            MessageType requested, MessageColumnIO io, RecordMaterializer<T> materializer) {

        static <T> Columns<T> of(FileMetaData meta, Schema readSchema, GenericData model) {
            MessageType fileSchema = meta.getSchema();
            MessageType requested = project(fileSchema, readSchema);
            Configuration conf = new Configuration(false);
            AvroReadSupport.setAvroReadSchema(conf, readSchema);
            AvroReadSupport<T> support = new AvroReadSupport<>(model);
            Map<String, String> keyValues = meta.getKeyValueMetaData();
            ReadSupport.ReadContext context =
                    new ReadSupport.ReadContext(
                            requested,
                            support.init(conf, keyValues, fileSchema).getReadSupportMetadata());
            return new Columns<>(
                    requested,
                    new ColumnIOFactory(meta.getCreatedBy()).getColumnIO(requested, fileSchema),
                    support.prepareForRead(conf, keyValues, fileSchema, context));
        }
    }

    /** A record schema with only the named fields of {@code schema}. */
    private static Schema subset(Schema schema, Set<String> names) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : schema.getFields()) {
            if (names.contains(f.name())) {
                fields.add(new Schema.Field(f, f.schema()));
            }
        }
        return Schema.createRecord("FilterColumns", null, "io.decisionledger.lake", false, fields);
    }

    /** The top-level columns a predicate names. */
    private static final class FilterColumns implements FilterPredicate.Visitor<Void> {
        private final Set<String> names = new LinkedHashSet<>();

        static Set<String> of(FilterPredicate p) {
            FilterColumns v = new FilterColumns();
            p.accept(v);
            return v.names;
        }

        private Void column(Operators.Column<?> c) {
            names.add(c.getColumnPath().toArray()[0]);
            return null;
        }

        @Override
        public <T extends Comparable<T>> Void visit(Operators.Eq<T> p) {
            return column(p.getColumn());
        }

        @Override
        public <T extends Comparable<T>> Void visit(Operators.NotEq<T> p) {
            return column(p.getColumn());
        }

        @Override
        public <T extends Comparable<T>> Void visit(Operators.Lt<T> p) {
            return column(p.getColumn());
        }

        @Override
        public <T extends Comparable<T>> Void visit(Operators.LtEq<T> p) {
            return column(p.getColumn());
        }

        @Override
        public <T extends Comparable<T>> Void visit(Operators.Gt<T> p) {
            return column(p.getColumn());
        }

        @Override
        public <T extends Comparable<T>> Void visit(Operators.GtEq<T> p) {
            return column(p.getColumn());
        }

        @Override
        public <T extends Comparable<T>> Void visit(Operators.In<T> p) {
            return column(p.getColumn());
        }

        @Override
        public <T extends Comparable<T>> Void visit(Operators.NotIn<T> p) {
            return column(p.getColumn());
        }

        @Override
        public <T extends Comparable<T>> Void visit(Operators.Contains<T> p) {
            return column(p.getColumn());
        }

        @Override
        public Void visit(Operators.And p) {
            p.getLeft().accept(this);
            return p.getRight().accept(this);
        }

        @Override
        public Void visit(Operators.Or p) {
            p.getLeft().accept(this);
            return p.getRight().accept(this);
        }

        @Override
        public Void visit(Operators.Not p) {
            return p.getPredicate().accept(this);
        }

        @Override
        public <T extends Comparable<T>, U extends UserDefinedPredicate<T>> Void visit(
                Operators.UserDefined<T, U> p) {
            return column(p.getColumn());
        }

        @Override
        public <T extends Comparable<T>, U extends UserDefinedPredicate<T>> Void visit(
                Operators.LogicalNotUserDefined<T, U> p) {
            return column(p.getUserDefined().getColumn());
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
