package io.decisionledger.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.schema.DecisionRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;
import org.apache.flink.core.fs.FileStatus;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading a lake file with a projection: only the named columns come back. */
class LakeFilesTest {

    private static final Schema SCHEMA =
            SchemaBuilder.record("Row")
                    .fields()
                    .requiredString("event_id")
                    .requiredLong("event_time")
                    .requiredString("prompt")
                    .endRecord();

    @TempDir Path dir;

    @Test
    void aProjectedReadReturnsOnlyTheNamedColumns() throws Exception {
        // given a file of rows with a prompt
        Path p = dir.resolve("rows.parquet");
        try (ParquetWriter<GenericRecord> w =
                AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(p))
                        .withSchema(SCHEMA)
                        .build()) {
            for (int i = 0; i < 3; i++) {
                GenericRecord r = new GenericData.Record(SCHEMA);
                r.put("event_id", "evt-" + i);
                r.put("event_time", 1000L + i);
                r.put("prompt", "personal text " + i);
                w.write(r);
            }
        }
        org.apache.flink.core.fs.Path path = new org.apache.flink.core.fs.Path(p.toUri());
        FileStatus file = path.getFileSystem().getFileStatus(path);

        // when it is read with the id and time columns only
        List<GenericRecord> rows = new ArrayList<>();
        LakeFiles.forEachRecord(file, SCHEMA, List.of("event_id", "event_time"), rows::add);

        // then every row comes back with those two columns and without the prompt
        assertThat(rows).hasSize(3);
        assertThat(rows)
                .extracting(r -> r.get("event_id").toString())
                .containsExactly("evt-0", "evt-1", "evt-2");
        assertThat(rows)
                .extracting(r -> (Long) r.get("event_time"))
                .containsExactly(1000L, 1001L, 1002L);
        assertThat(rows)
                .allSatisfy(
                        r -> {
                            assertThat(r.getSchema().getFields()).hasSize(2);
                            assertThat(r.getSchema().getField("prompt")).isNull();
                        });
        assertThatThrownBy(
                        () ->
                                LakeFiles.forEachRecord(
                                        file, SCHEMA, List.of("no_such_column"), r -> {}))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aRawReadKeepsStringsAsStoredBytesWithTheTypedRecordsEncoding() throws Exception {
        // given a lake file of an audit record and one with non-ASCII text
        DecisionRecord vector = ParquetFormatsTest.decision(1);
        DecisionRecord accented = ParquetFormatsTest.decision(2);
        accented.setEventId("evt-\u00e9\u4e2d\ud83d\ude00");
        accented.setPrompt("Kredit f\u00fcr J\u00fcrgen \u2013 \ud83d\udcb6");
        org.apache.flink.core.fs.Path path =
                new org.apache.flink.core.fs.Path(dir.resolve("audit.parquet").toUri());
        LakeFiles.writeParquet(path, List.of(vector, accented));
        FileStatus file = path.getFileSystem().getFileStatus(path);

        // when it is read raw
        List<GenericRecord> raw = new ArrayList<>();
        try (LakeFiles.RecordStream<GenericRecord> in =
                LakeFiles.openRawRecords(file, DecisionRecord.class)) {
            GenericRecord r;
            while ((r = in.next()) != null) {
                raw.add(r);
            }
        }

        // then strings are Utf8 and timestamps longs, at the typed record's field positions
        assertThat(raw).hasSize(2);
        int prompt = DecisionRecord.getClassSchema().getField("prompt").pos();
        int time = DecisionRecord.getClassSchema().getField("event_time").pos();
        assertThat(raw.get(1).get(prompt)).isInstanceOf(Utf8.class);
        assertThat(raw.get(1).get(prompt).toString()).isEqualTo(accented.getPrompt());
        assertThat(raw.get(0).get(time)).isEqualTo(micros(vector.getEventTime()));
        // and each encodes to the same Avro bytes as the typed record it was written from
        assertThat(avro(raw.get(0))).isEqualTo(avro(vector));
        assertThat(avro(raw.get(1))).isEqualTo(avro(accented));

        // and written back as they are, a typed read gives the records that were written
        org.apache.flink.core.fs.Path copy =
                new org.apache.flink.core.fs.Path(dir.resolve("copy.parquet").toUri());
        try (org.apache.flink.core.fs.FSDataOutputStream out =
                        copy.getFileSystem()
                                .create(
                                        copy,
                                        org.apache.flink.core.fs.FileSystem.WriteMode
                                                .NO_OVERWRITE);
                @SuppressWarnings({"unchecked", "rawtypes"})
                        ParquetWriter<GenericRecord> w =
                                (ParquetWriter)
                                        ParquetFormats.compactedWriter(
                                                DecisionRecord.class,
                                                new FlinkOutputFile(out),
                                                ParquetSettings.defaults(),
                                                List.of("user_id"),
                                                2)) {
            for (GenericRecord r : raw) {
                w.write(r);
            }
        }
        List<DecisionRecord> back = new ArrayList<>();
        LakeFiles.forEachRecord(
                copy.getFileSystem().getFileStatus(copy), DecisionRecord.class, back::add);
        assertThat(back).containsExactly(vector, accented);
    }

    private static long micros(java.time.Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
    }

    private static byte[] avro(org.apache.avro.generic.IndexedRecord r) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        org.apache.avro.io.BinaryEncoder e =
                org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
        new org.apache.avro.specific.SpecificDatumWriter<org.apache.avro.generic.IndexedRecord>(
                        DecisionRecord.getClassSchema(),
                        org.apache.avro.specific.SpecificData.getForClass(DecisionRecord.class))
                .write(r, e);
        e.flush();
        return out.toByteArray();
    }
}
