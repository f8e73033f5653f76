package io.decisionledger.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.core.fs.FileStatus;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.filter2.predicate.FilterApi;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A damaged lake file (truncated, not Parquet, a corrupt page) fails every lake read as an {@link
 * UnreadableLakeFile} that names it by path and says what kind of damage it is, never with a value
 * of the file in the message, and never as a silent end of file or a different value.
 */
class UnreadableLakeFileTest {

    private static final Schema SCHEMA =
            SchemaBuilder.record("Row")
                    .fields()
                    .requiredString("event_id")
                    .requiredString("prompt")
                    .endRecord();

    @TempDir Path dir;

    @Test
    void aTruncatedFileFailsEveryReaderNamingItsPath() throws Exception {
        Path good = write("good.parquet");
        byte[] bytes = Files.readAllBytes(good);
        Path truncated = dir.resolve("tenant_id=t/event_date=2026-01-02/truncated.parquet");
        Files.createDirectories(truncated.getParent());
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length / 2));
        FileStatus file = status(truncated);

        for (ThrowingRead read : readers(file)) {
            assertThatThrownBy(read::run)
                    .isInstanceOf(UnreadableLakeFile.class)
                    .hasMessageContaining(file.getPath().toString())
                    .hasMessageContaining("not a Parquet file or truncated")
                    .hasMessageNotContaining("secret")
                    .satisfies(
                            e ->
                                    assertThat(((UnreadableLakeFile) e).path())
                                            .isEqualTo(file.getPath().toString()));
        }
    }

    @Test
    void aFileThatIsNotParquetFailsNamingItsPath() throws Exception {
        Path junk = dir.resolve("junk.parquet");
        Files.writeString(junk, "{\"prompt\": \"secret text\"}");
        FileStatus file = status(junk);

        for (ThrowingRead read : readers(file)) {
            assertThatThrownBy(read::run)
                    .isInstanceOf(UnreadableLakeFile.class)
                    .hasMessageContaining(file.getPath().toString())
                    .hasMessageNotContaining("secret");
        }
    }

    @Test
    void aFlippedByteInAPageFailsInsteadOfReadingAsAnotherValue() throws Exception {
        // an uncompressed file: without the page checksum the flipped byte would decode as a
        // different prompt and nobody would know
        Path good = write("plain.parquet");
        byte[] bytes = Files.readAllBytes(good);
        int at = indexOf(bytes, "secret prompt 500".getBytes()) + "secret prompt ".length();
        assertThat(at).isGreaterThan("secret prompt ".length());
        bytes[at] = (byte) (bytes[at] ^ 0x01);
        Path corrupt = dir.resolve("corrupt.parquet");
        Files.write(corrupt, bytes);
        FileStatus file = status(corrupt);

        List<String> prompts = new ArrayList<>();
        assertThatThrownBy(
                        () ->
                                LakeFiles.forEachRecord(
                                        file, r -> prompts.add(r.get("prompt").toString())))
                .isInstanceOf(UnreadableLakeFile.class)
                .hasMessageContaining(file.getPath().toString())
                .hasMessageContaining("checksum")
                .hasMessageNotContaining("secret");
        // the flipped prompt (500 -> 400) never came out as a second "secret prompt 400"
        assertThat(prompts).doesNotHaveDuplicates();
        assertThatThrownBy(() -> scan(file))
                .isInstanceOf(UnreadableLakeFile.class)
                .hasMessageContaining("checksum");
    }

    @Test
    void anIntactFileStillReadsWholeAndTheConsumersOwnFailureIsNotBlamedOnTheFile()
            throws Exception {
        FileStatus file = status(write("intact.parquet"));
        List<String> ids = new ArrayList<>();
        LakeFiles.forEachRecord(file, r -> ids.add(r.get("event_id").toString()));
        assertThat(ids).hasSize(1000);
        assertThat(scan(file).rowsMatched()).isEqualTo(1000);

        assertThatThrownBy(
                        () ->
                                ParquetScan.read(
                                        file,
                                        FilterApi.notEq(FilterApi.binaryColumn("event_id"), null),
                                        GenericData.get(),
                                        SCHEMA,
                                        r -> {
                                            throw new IllegalStateException("consumer");
                                        }))
                .isExactlyInstanceOf(IllegalStateException.class)
                .hasMessage("consumer");
    }

    // ---------------------------------------------------------------------------------------

    @FunctionalInterface
    private interface ThrowingRead {
        void run() throws Exception;
    }

    private static List<ThrowingRead> readers(FileStatus file) {
        return List.of(
                () -> LakeFiles.forEachRecord(file, r -> {}),
                () -> LakeFiles.forEachRecord(file, SCHEMA, List.of("event_id"), r -> {}),
                () -> LakeFiles.rowCount(file),
                () -> scan(file));
    }

    private static ParquetScan.FileCost scan(FileStatus file) throws IOException {
        return ParquetScan.read(
                file,
                FilterApi.notEq(FilterApi.binaryColumn("event_id"), null),
                GenericData.get(),
                SCHEMA,
                r -> true);
    }

    private Path write(String name) throws IOException {
        Path p = dir.resolve(name);
        try (ParquetWriter<GenericRecord> w =
                AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(p))
                        .withSchema(SCHEMA)
                        .withCompressionCodec(CompressionCodecName.UNCOMPRESSED)
                        .withDictionaryEncoding(false)
                        .build()) {
            for (int i = 0; i < 1000; i++) {
                GenericRecord r = new GenericData.Record(SCHEMA);
                r.put("event_id", String.format("evt-%04d", i));
                r.put("prompt", "secret prompt " + i);
                w.write(r);
            }
        }
        return p;
    }

    private static FileStatus status(Path p) throws IOException {
        org.apache.flink.core.fs.Path path = new org.apache.flink.core.fs.Path(p.toUri());
        return path.getFileSystem().getFileStatus(path);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
