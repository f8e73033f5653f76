package io.decisionledger.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
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
}
