package io.decisionledger.lake;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.core.fs.FileStatus;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.filter2.predicate.FilterApi;
import org.apache.parquet.filter2.predicate.FilterPredicate;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A point lookup reads only the row groups that can hold a match: statistics prune sorted files,
 * bloom filters prune unsorted ones where the writer made them, and the cost it reports is what it
 * actually fetched.
 */
class ParquetScanTest {

    private static final Schema SCHEMA =
            SchemaBuilder.record("Row")
                    .fields()
                    .requiredString("user_id")
                    .requiredLong("event_time")
                    .requiredString("payload")
                    .endRecord();

    @TempDir Path dir;

    @Test
    void statisticsSkipRowGroupsOfASortedFile() throws Exception {
        FileStatus file = write("sorted.parquet", sortedUsers(), false);

        List<GenericRecord> hits = new ArrayList<>();
        ParquetScan.FileCost cost = scan(file, userIs("user_0500"), hits);

        assertThat(cost.rowGroups()).isGreaterThanOrEqualTo(4);
        assertThat(cost.rowGroupsRead()).isEqualTo(1);
        assertThat(cost.rowsMatched()).isEqualTo(3);
        assertThat(hits).extracting(r -> r.get("user_id").toString()).containsOnly("user_0500");
        assertThat(cost.rowsDecoded()).isLessThan(3000 / 2);
    }

    @Test
    void touchesNoRowGroupForAValueOutsideEveryRange() throws Exception {
        FileStatus file = write("sorted.parquet", sortedUsers(), false);

        ParquetScan.FileCost cost = scan(file, userIs("user_9999"), new ArrayList<>());

        assertThat(cost.rowGroupsRead()).isZero();
        assertThat(cost.rowsDecoded()).isZero();
    }

    @Test
    void bloomFiltersSkipRowGroupsStatisticsCannot() throws Exception {
        List<GenericRecord> shuffled = sortedUsers();
        java.util.Collections.shuffle(shuffled, new Random(7));
        FileStatus plain = write("plain.parquet", shuffled, false);
        FileStatus bloom = write("bloom.parquet", shuffled, true);
        // between min and max of every row group, but never written
        FilterPredicate absent = userIs("user_0500x");

        ParquetScan.FileCost withoutBloom = scan(plain, absent, new ArrayList<>());
        ParquetScan.FileCost withBloom = scan(bloom, absent, new ArrayList<>());

        assertThat(withoutBloom.rowGroupsScanned()).isEqualTo(withoutBloom.rowGroups());
        assertThat(withoutBloom.rowGroupsRead()).isZero();
        assertThat(withBloom.rowGroups()).isGreaterThanOrEqualTo(4);
        assertThat(withBloom.rowGroupsScanned()).isZero();
        assertThat(scan(bloom, userIs("user_0500"), new ArrayList<>()).rowsMatched()).isEqualTo(3);
    }

    @Test
    void decodesWholeRecordsOnlyInRowGroupsThatHoldAMatch() throws Exception {
        List<GenericRecord> shuffled = sortedUsers();
        java.util.Collections.shuffle(shuffled, new Random(7));
        FileStatus plain = write("plain.parquet", shuffled, false);

        List<GenericRecord> hits = new ArrayList<>();
        ParquetScan.FileCost cost = scan(plain, userIs("user_0500"), hits);

        // statistics cannot help in an unsorted file: every row group's user_id column is checked,
        // but only the (at most 3) row groups holding the user are decoded in full
        assertThat(cost.rowGroupsScanned()).isEqualTo(cost.rowGroups());
        assertThat(cost.rowGroupsRead()).isBetween(1, 3);
        assertThat(cost.rowsMatched()).isEqualTo(3);
        assertThat(hits)
                .extracting(r -> r.get("payload").toString())
                .allMatch(p -> p.length() == 200);
        assertThat(cost.rowsDecoded())
                .isLessThanOrEqualTo(3L * 3000 / cost.rowGroups() + 3000 / cost.rowGroups());
    }

    @Test
    void refusesAReadSchemaWithoutTheFilterColumns() throws Exception {
        FileStatus file = write("sorted.parquet", sortedUsers(), false);
        Schema payloadOnly =
                SchemaBuilder.record("P").fields().requiredString("payload").endRecord();

        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () ->
                                ParquetScan.read(
                                        file,
                                        userIs("user_0500"),
                                        GenericData.get(),
                                        payloadOnly,
                                        r -> true))
                .hasMessageContaining("user_id");
    }

    @Test
    void appliesTheWholePredicateToRowsAndStopsWhenTheConsumerIsDone() throws Exception {
        FileStatus file = write("sorted.parquet", sortedUsers(), false);
        FilterPredicate userAndTime =
                FilterApi.and(
                        userIs("user_0500"),
                        FilterApi.ltEq(FilterApi.longColumn("event_time"), 1_500L));

        List<GenericRecord> hits = new ArrayList<>();
        ParquetScan.FileCost cost = scan(file, userAndTime, hits);
        List<GenericRecord> first = new ArrayList<>();
        ParquetScan.read(
                file,
                userIs("user_0500"),
                GenericData.get(),
                SCHEMA,
                (GenericRecord r) -> {
                    first.add(r);
                    return false;
                });

        assertThat(hits).extracting(r -> (Long) r.get("event_time")).containsExactly(1_500L);
        assertThat(cost.rowsMatched()).isEqualTo(1);
        assertThat(first).hasSize(1);
    }

    @Test
    void readsWithoutParsingHadoopsDefaultResources() throws Exception {
        FileStatus file = write("sorted.parquet", sortedUsers(), false);
        // a default Hadoop Configuration looks its XML resources up through the thread's context
        // class loader the first time it is read; an empty one never does
        ClassLoader original = Thread.currentThread().getContextClassLoader();
        List<String> lookedUp = new java.util.concurrent.CopyOnWriteArrayList<>();
        ClassLoader counting =
                new ClassLoader(original) {
                    @Override
                    public java.net.URL getResource(String name) {
                        if (name.endsWith("-default.xml") || name.endsWith("-site.xml")) {
                            lookedUp.add(name);
                        }
                        return super.getResource(name);
                    }
                };
        List<GenericRecord> hits = new ArrayList<>();
        Thread.currentThread().setContextClassLoader(counting);
        try {
            scan(file, userIs("user_0500"), hits);
            scan(file, userIs("user_0500"), hits);
        } finally {
            Thread.currentThread().setContextClassLoader(original);
        }

        assertThat(hits).hasSize(6);
        // before: core-default.xml and core-site.xml parsed for every file opened (30 % of a
        // point query's CPU on the 10 M-record lake)
        assertThat(lookedUp).isEmpty();
    }

    /** 1000 users × 3 decisions, sorted by user: event_time = 1000 × (k + 1) + user number. */
    private static List<GenericRecord> sortedUsers() {
        Random random = new Random(42);
        List<GenericRecord> rows = new ArrayList<>();
        for (int u = 0; u < 1000; u++) {
            for (int k = 0; k < 3; k++) {
                GenericRecord r = new GenericData.Record(SCHEMA);
                r.put("user_id", String.format("user_%04d", u));
                r.put("event_time", (k + 1) * 1000L + u);
                // incompressible, so that the file has several row groups
                byte[] noise = new byte[100];
                random.nextBytes(noise);
                r.put("payload", java.util.HexFormat.of().formatHex(noise));
                rows.add(r);
            }
        }
        return rows;
    }

    private FileStatus write(String name, List<GenericRecord> rows, boolean bloom)
            throws Exception {
        Path p = dir.resolve(name);
        try (ParquetWriter<GenericRecord> w =
                AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(p))
                        .withSchema(SCHEMA)
                        .withRowGroupSize(64L * 1024)
                        .withPageSize(8 * 1024)
                        .withBloomFilterEnabled("user_id", bloom)
                        // no dictionary: it would prune absent values on its own (high-cardinality
                        // columns of large files fall back to plain encoding anyway)
                        .withDictionaryEncoding("user_id", false)
                        .build()) {
            for (GenericRecord r : rows) {
                w.write(r);
            }
        }
        org.apache.flink.core.fs.Path path = new org.apache.flink.core.fs.Path(p.toUri());
        return path.getFileSystem().getFileStatus(path);
    }

    private static ParquetScan.FileCost scan(
            FileStatus f, FilterPredicate filter, List<GenericRecord> out) throws Exception {
        return ParquetScan.read(
                f,
                filter,
                GenericData.get(),
                SCHEMA,
                (GenericRecord r) -> {
                    out.add(r);
                    return true;
                });
    }

    private static FilterPredicate userIs(String user) {
        return FilterApi.eq(FilterApi.binaryColumn("user_id"), Binary.fromString(user));
    }
}
