package io.decisionledger.lake;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.schema.DecisionRecord;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificData;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.core.fs.local.LocalDataOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.io.LocalInputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streaming writers' encodings: free text and digests are stored plain, without dictionary or
 * min/max statistics; per-record values (ids, times, offsets) without dictionary but with
 * statistics; short repeating columns keep both; and every value reads back unchanged.
 */
class ParquetFormatsTest {

    private static final Instant T0 = Instant.parse("2026-11-27T08:00:00Z");

    @TempDir Path dir;

    @Test
    void storesFreeTextPlainAndKeepsDictionariesForRepeatingColumns() throws Exception {
        // given: 200 decisions of one tenant, the same system prompt, distinct prompts
        List<DecisionRecord> written = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            written.add(decision(i));
        }
        Path file = dir.resolve("part-0.parquet");

        // when
        write(
                file,
                ParquetFormats.writerFor(DecisionRecord.class, ParquetSettings.defaults()),
                written);

        // then
        Map<String, ColumnChunkMetaData> columns = columns(file);
        for (String plain :
                List.of(
                        "prompt",
                        "system_prompt",
                        "response_content",
                        "decision_reasoning",
                        "context_metadata_json",
                        "context_user_history.list.element",
                        "context_relevant_documents.list.element",
                        "content_sha256",
                        "hash")) {
            assertThat(columns.get(plain).getEncodings())
                    .as(plain)
                    .doesNotContain(Encoding.PLAIN_DICTIONARY, Encoding.RLE_DICTIONARY);
            assertThat(columns.get(plain).getStatistics().hasNonNullValue()).as(plain).isFalse();
        }
        for (String unique : List.of("event_id", "event_time", "source_offset", "chain_seq")) {
            assertThat(columns.get(unique).getEncodings())
                    .as(unique)
                    .doesNotContain(Encoding.PLAIN_DICTIONARY, Encoding.RLE_DICTIONARY);
        }
        for (String dictionary : List.of("tenant_id", "model_version", "event_type", "user_id")) {
            assertThat(columns.get(dictionary).getEncodings())
                    .as(dictionary)
                    .containsAnyOf(Encoding.PLAIN_DICTIONARY, Encoding.RLE_DICTIONARY);
        }
        for (String filtered : List.of("event_id", "user_id", "event_time", "chain_seq")) {
            assertThat(columns.get(filtered).getStatistics().hasNonNullValue())
                    .as(filtered)
                    .isTrue();
        }
        assertThat(readBack(file)).isEqualTo(written);
    }

    @Test
    void theSmallFileWriterUsesNoDictionaryKeepsTheStatisticsAndReadsBack() throws Exception {
        // given: 300 decisions of one tenant, through the writer of small files
        List<DecisionRecord> written = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            written.add(decision(i));
        }
        Path file = dir.resolve("part-small.parquet");
        write(
                file,
                ParquetFormats.smallFileWriterFor(DecisionRecord.class, ParquetSettings.defaults()),
                written);

        // then no column has a dictionary, the statistics are those of the streaming writers,
        // and every value reads back
        Map<String, ColumnChunkMetaData> columns = columns(file);
        assertThat(columns).hasSizeGreaterThan(20);
        columns.forEach(
                (name, c) ->
                        assertThat(c.getEncodings())
                                .as(name)
                                .doesNotContain(
                                        Encoding.PLAIN_DICTIONARY, Encoding.RLE_DICTIONARY));
        assertThat(columns.get("prompt").getStatistics().hasNonNullValue()).isFalse();
        for (String filtered : List.of("tenant_id", "event_id", "user_id", "event_time")) {
            assertThat(columns.get(filtered).getStatistics().hasNonNullValue())
                    .as(filtered)
                    .isTrue();
        }
        assertThat(readBack(file)).isEqualTo(written);
    }

    @Test
    void readsBackFilesLargerThanTheWriteBufferWithManyPagesAndRowGroups() throws Exception {
        // given: ~6 MB of records, 8 KiB pages and 256 KiB row groups, so the writer's buffered
        // output stream drains many times and the footer's offsets must all be right
        List<DecisionRecord> written = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            DecisionRecord r = decision(i);
            r.setPrompt(r.getPrompt() + " " + "x".repeat(1000 + i % 1000));
            written.add(r);
        }
        Path file = dir.resolve("part-1.parquet");

        // when
        try (LocalDataOutputStream out = new LocalDataOutputStream(file.toFile())) {
            BulkWriter<DecisionRecord> writer =
                    ParquetFormats.writerFor(
                                    DecisionRecord.class,
                                    new ParquetSettings("UNCOMPRESSED", 256 * 1024, 8 * 1024))
                            .create(out);
            for (DecisionRecord r : written) {
                writer.addElement(r);
            }
            writer.finish();
        }

        // then
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file))) {
            assertThat(reader.getFooter().getBlocks().size()).isGreaterThan(10);
        }
        assertThat(readBack(file)).isEqualTo(written);
    }

    private static void write(
            Path file, BulkWriter.Factory<DecisionRecord> writers, List<DecisionRecord> records)
            throws Exception {
        try (LocalDataOutputStream out = new LocalDataOutputStream(file.toFile())) {
            BulkWriter<DecisionRecord> writer = writers.create(out);
            for (DecisionRecord r : records) {
                writer.addElement(r);
            }
            writer.finish();
        }
    }

    /** The first row group's column chunks by dot path. */
    private static Map<String, ColumnChunkMetaData> columns(Path file) throws Exception {
        Map<String, ColumnChunkMetaData> columns = new HashMap<>();
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file))) {
            for (ColumnChunkMetaData c : reader.getFooter().getBlocks().get(0).getColumns()) {
                columns.put(c.getPath().toDotString(), c);
            }
        }
        return columns;
    }

    private static List<DecisionRecord> readBack(Path file) throws Exception {
        List<DecisionRecord> read = new ArrayList<>();
        try (ParquetReader<DecisionRecord> reader =
                AvroParquetReader.<DecisionRecord>builder(new LocalInputFile(file))
                        .withDataModel(SpecificData.getForClass(DecisionRecord.class))
                        .withConf(new Configuration(false))
                        .build()) {
            for (DecisionRecord r = reader.read(); r != null; r = reader.read()) {
                read.add(r);
            }
        }
        return read;
    }

    /** A complete audit record, distinct per {@code i} (also for other tests of the package). */
    static DecisionRecord decision(int i) {
        DecisionRecord r = new DecisionRecord();
        r.setEventId("evt-" + i);
        r.setEventIdDerived(false);
        r.setEventType("AI_DECISION");
        r.setEventTime(T0.plusSeconds(i));
        r.setTenantId("bank_001");
        r.setUserId("user_" + (i % 17));
        r.setCaseId(null);
        r.setModel("gpt-4o");
        r.setModelVersion(i % 2 == 0 ? "gpt-4o-2024-05-13" : "gpt-4o-2024-08-06");
        r.setModelMetadataId(null);
        r.setPrompt("Evaluate loan application " + i + " for applicant user_" + (i % 17));
        r.setSystemPrompt("You are a loan underwriting assistant for bank_001.");
        r.setContextUserHistory(List.of("2021-06: account opened", "entry " + i));
        r.setContextRelevantDocuments(List.of("Credit report " + i, "Income verification"));
        r.setContextMetadataJson("{\"creditScore\":" + (600 + i) + "}");
        r.setResponseContent("{\"approved\":" + (i % 3 == 0) + "}");
        r.setResponseTokens(12L);
        r.setResponseFinishReason("stop");
        r.setDecisionApproved(i % 3 == 0);
        r.setDecisionConfidence(0.5 + i / 1000.0);
        r.setDecisionReasoning("Reason " + i);
        r.setSourceTopic("decisions");
        r.setSourcePartition(0);
        r.setSourceOffset((long) i);
        r.setIngestTime(T0.plusSeconds(1000 + i));
        r.setContentSha256(String.format("%064x", i));
        r.setChainShard(0);
        r.setChainSeq((long) i + 1);
        r.setPrevHash(String.format("%064x", 1000 + i));
        r.setHash(String.format("%064x", 1001 + i));
        r.setModelCardStatus("NO_CARD");
        return r;
    }
}
