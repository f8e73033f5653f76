package io.decisionledger.ingest;

import static io.decisionledger.testing.DuckDbLake.count;
import static io.decisionledger.testing.DuckDbLake.query;
import static io.decisionledger.testing.DuckDbLake.table;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.decisionledger.decision.ReasonCode;
import io.decisionledger.testing.DuckDbLake;
import io.decisionledger.testing.IngestRun;
import io.decisionledger.testing.MiniClusters;
import io.decisionledger.testing.Proves;
import io.decisionledger.testkit.SampleDecisions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ingest job's pipeline with its production sinks on a real MiniCluster, fed from memory
 * through the Kafka source's reader ({@link IngestRun#ingestInMemory}), with the lake read back by
 * DuckDB as a BI tool would: valid events stored once in their partition, everything else
 * quarantined with its reason, field values exact. The Kafka source itself is covered by {@link
 * IngestExactlyOnceITCase}.
 */
class IngestJobITCase {

    @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = MiniClusters.twoSlots();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOPIC = "decisions";

    @TempDir static Path work;

    private static SampleDecisions.Sample sample;
    private static Path lake;

    @BeforeAll
    static void ingestASample() throws Exception {
        // given a topic with valid events, malformed records and producer re-sends
        sample = SampleDecisions.generate(42, 400, 33, 20, Instant.now());
        lake = work.resolve("lake");

        // when the ingest job consumes the topic
        IngestRun.ingestInMemory(sample.events(), TOPIC, lake.toUri().toString());
    }

    private static String audit() {
        return table(lake.resolve("audit/decisions"));
    }

    private static String quarantine() {
        return table(lake.resolve("quarantine"));
    }

    @Test
    @Proves({"EU-AI-Act-Art-12"})
    void storesEveryValidEventExactlyOncePerTenant() {
        assertThat(count("SELECT count(*) FROM " + audit())).isEqualTo(400);
        assertThat(count("SELECT count(DISTINCT event_id) FROM " + audit())).isEqualTo(400);

        Map<String, Long> perTenant = new TreeMap<>();
        for (Map<String, Object> row :
                query("SELECT tenant_id, count(*) AS n FROM " + audit() + " GROUP BY tenant_id")) {
            perTenant.put((String) row.get("tenant_id"), ((Number) row.get("n")).longValue());
        }
        assertThat(perTenant).isEqualTo(sample.acceptedPerTenant());

        List<String> expectedIds =
                sample.valid().stream().map(SampleDecisions.Event::eventId).sorted().toList();
        List<String> storedIds =
                query("SELECT event_id FROM " + audit() + " ORDER BY event_id").stream()
                        .map(r -> (String) r.get("event_id"))
                        .toList();
        assertThat(storedIds).isEqualTo(expectedIds);
    }

    @Test
    void partitionsByTenantAndUtcEventDate() {
        for (Map<String, Object> row :
                query("SELECT tenant_id, event_date, event_time FROM " + audit())) {
            OffsetDateTime eventTime = (OffsetDateTime) row.get("event_time");
            LocalDate expected = eventTime.atZoneSameInstant(ZoneOffset.UTC).toLocalDate();
            assertThat(row.get("event_date").toString()).isEqualTo(expected.toString());
        }
        assertThat(count("SELECT count(DISTINCT event_date) FROM " + audit())).isGreaterThan(1);
    }

    @Test
    void writesOnlyCommittedParquetFilesInHiveFolders() throws IOException {
        try (Stream<Path> files = Files.walk(lake.resolve("audit/decisions"))) {
            List<String> relative =
                    files.filter(Files::isRegularFile)
                            .map(p -> lake.resolve("audit/decisions").relativize(p).toString())
                            .toList();
            assertThat(relative)
                    .isNotEmpty()
                    .allMatch(
                            p ->
                                    p.matches(
                                            "tenant_id=[a-z_0-9]+/event_date=\\d{4}-\\d{2}-\\d{2}/part-[^/]+\\.parquet"),
                            "tenant_id=T/event_date=D/part-*.parquet");
        }
        try (Stream<Path> files = Files.walk(lake.resolve("quarantine"))) {
            assertThat(
                            files.filter(Files::isRegularFile)
                                    .map(p -> p.getParent().getFileName().toString()))
                    .isNotEmpty()
                    .allMatch(dir -> dir.matches("ingest_date=\\d{4}-\\d{2}-\\d{2}"));
        }
    }

    @Test
    void quarantinesEveryRefusedRecordWithItsReason() {
        Map<ReasonCode, Long> perReason = new TreeMap<>();
        for (Map<String, Object> row :
                query(
                        "SELECT reason_code, count(*) AS n FROM "
                                + quarantine()
                                + " GROUP BY reason_code")) {
            perReason.put(
                    ReasonCode.valueOf((String) row.get("reason_code")),
                    ((Number) row.get("n")).longValue());
        }
        assertThat(perReason).isEqualTo(new TreeMap<>(sample.quarantinedPerReason()));
        assertThat(count("SELECT count(*) FROM " + quarantine())).isEqualTo(33 + 20);

        // Duplicates are exact re-sends: the detail says so and the raw bytes are the event's.
        List<Map<String, Object>> duplicates =
                query(
                        "SELECT detail, raw, event_id, tenant_id FROM "
                                + quarantine()
                                + " WHERE reason_code = 'DUPLICATE_EVENT_ID'");
        Map<String, byte[]> validById =
                sample.valid().stream()
                        .collect(
                                Collectors.toMap(
                                        SampleDecisions.Event::eventId,
                                        SampleDecisions.Event::value));
        for (Map<String, Object> d : duplicates) {
            assertThat((String) d.get("detail")).contains("identical");
            assertThat(bytes(d.get("raw"))).isEqualTo(validById.get((String) d.get("event_id")));
            assertThat((String) d.get("tenant_id")).isIn(SampleDecisions.TENANTS);
        }
    }

    @Test
    void keepsTheRawBytesOfMalformedRecords() {
        List<Map<String, Object>> notJson =
                query(
                        "SELECT raw, raw_size, detail, source_topic, source_offset FROM "
                                + quarantine()
                                + " WHERE reason_code = 'MALFORMED_JSON' AND raw_size < 60");
        assertThat(notJson).hasSize(3);
        for (Map<String, Object> row : notJson) {
            String raw = new String(bytes(row.get("raw")), StandardCharsets.UTF_8);
            assertThat(raw).startsWith("loan decision approved for case ");
            assertThat(((Number) row.get("raw_size")).intValue()).isEqualTo(raw.length());
            assertThat(row.get("source_topic")).isEqualTo(TOPIC);
            assertThat((String) row.get("detail")).startsWith("malformed JSON at line 1");
        }
        assertThat(
                        count(
                                "SELECT count(*) FROM "
                                        + quarantine()
                                        + " WHERE reason_code = 'EMPTY_RECORD' AND raw_size = 0"))
                .isEqualTo(3);
    }

    @Test
    @Proves({"EU-AI-Act-Art-12", "Reg-B-1002.9"})
    void storesEveryFieldOfTheWireEventExactly() throws IOException {
        SampleDecisions.Event event = sample.valid().get(7);
        JsonNode json = JSON.readTree(event.value());
        JsonNode ai = json.get("aiInteraction");
        Map<String, Object> row =
                query("SELECT * FROM " + audit() + " WHERE event_id = '" + event.eventId() + "'")
                        .get(0);

        assertThat(row.get("event_id")).isEqualTo(json.get("eventId").asText());
        assertThat(row.get("event_id_derived")).isEqualTo(false);
        assertThat(row.get("event_type")).isEqualTo("AI_DECISION");
        assertThat(((OffsetDateTime) row.get("event_time")).toInstant())
                .isEqualTo(Instant.parse(json.get("timestamp").asText()));
        assertThat(row.get("tenant_id")).isEqualTo(json.get("tenantId").asText());
        assertThat(row.get("user_id")).isEqualTo(json.get("userId").asText());
        assertThat(row.get("case_id")).isEqualTo(json.get("caseId").asText());
        assertThat(row.get("model")).isEqualTo(ai.get("model").asText());
        assertThat(row.get("model_version")).isEqualTo(ai.get("modelVersion").asText());
        assertThat(row.get("model_metadata_id")).isEqualTo(ai.get("modelMetadataId").asText());
        assertThat(row.get("prompt")).isEqualTo(ai.get("prompt").asText());
        assertThat(row.get("system_prompt")).isEqualTo(ai.get("systemPrompt").asText());
        assertThat(list(row.get("context_user_history")))
                .containsExactly(ai.get("context").get("userHistory").get(0).asText());
        assertThat(list(row.get("context_relevant_documents")))
                .containsExactly(
                        ai.get("context").get("relevantDocuments").get(0).asText(),
                        ai.get("context").get("relevantDocuments").get(1).asText(),
                        ai.get("context").get("relevantDocuments").get(2).asText());
        JsonNode metadata = ai.get("context").get("metadata");
        assertThat(row.get("context_metadata_json"))
                .isEqualTo(
                        "{\"annualIncome\":"
                                + metadata.get("annualIncome").asText()
                                + ",\"creditScore\":"
                                + metadata.get("creditScore").asText()
                                + ",\"dtiRatio\":"
                                + metadata.get("dtiRatio").asText()
                                + ",\"employmentYears\":"
                                + metadata.get("employmentYears").asText()
                                + "}");
        assertThat(row.get("temperature")).isEqualTo(0.3);
        assertThat(row.get("max_tokens")).isEqualTo(500L);
        assertThat(row.get("top_p")).isEqualTo(1.0);
        assertThat(row.get("response_content"))
                .isEqualTo(ai.get("response").get("content").asText());
        assertThat(row.get("response_tokens")).isEqualTo(ai.get("response").get("tokens").asLong());
        assertThat(row.get("response_finish_reason")).isEqualTo("stop");
        assertThat(row.get("decision_approved"))
                .isEqualTo(ai.get("decision").get("approved").asBoolean());
        assertThat(row.get("decision_confidence"))
                .isEqualTo(ai.get("decision").get("confidence").asDouble());
        assertThat(row.get("decision_reasoning"))
                .isEqualTo(ai.get("decision").get("reasoning").asText());
        assertThat(row.get("extra_json")).isNull();
        assertThat(row.get("source_topic")).isEqualTo(TOPIC);
        assertThat(((Number) row.get("source_partition")).intValue()).isBetween(0, 1);
        assertThat(((Number) row.get("source_offset")).longValue()).isNotNegative();
        assertThat(((OffsetDateTime) row.get("ingest_time")).toInstant())
                .isBetween(Instant.now().minus(10, ChronoUnit.MINUTES), Instant.now());
        assertThat((String) row.get("content_sha256")).matches("[0-9a-f]{64}");
    }

    @Test
    void exposesTheDocumentedColumnsAndTypesToBiTools() {
        Map<String, String> expected = new java.util.LinkedHashMap<>();
        expected.put("event_id", "VARCHAR");
        expected.put("event_id_derived", "BOOLEAN");
        expected.put("event_type", "VARCHAR");
        expected.put("event_time", "TIMESTAMP WITH TIME ZONE");
        expected.put("tenant_id", "VARCHAR");
        expected.put("user_id", "VARCHAR");
        expected.put("case_id", "VARCHAR");
        expected.put("model", "VARCHAR");
        expected.put("model_version", "VARCHAR");
        expected.put("model_metadata_id", "VARCHAR");
        expected.put("prompt", "VARCHAR");
        expected.put("system_prompt", "VARCHAR");
        expected.put("context_user_history", "VARCHAR[]");
        expected.put("context_relevant_documents", "VARCHAR[]");
        expected.put("context_metadata_json", "VARCHAR");
        expected.put("temperature", "DOUBLE");
        expected.put("max_tokens", "BIGINT");
        expected.put("top_p", "DOUBLE");
        expected.put("response_content", "VARCHAR");
        expected.put("response_tokens", "BIGINT");
        expected.put("response_finish_reason", "VARCHAR");
        expected.put("decision_approved", "BOOLEAN");
        expected.put("decision_confidence", "DOUBLE");
        expected.put("decision_reasoning", "VARCHAR");
        expected.put("extra_json", "VARCHAR");
        expected.put("source_topic", "VARCHAR");
        expected.put("source_partition", "INTEGER");
        expected.put("source_offset", "BIGINT");
        expected.put("ingest_time", "TIMESTAMP WITH TIME ZONE");
        expected.put("content_sha256", "VARCHAR");
        expected.put("chain_shard", "INTEGER");
        expected.put("chain_seq", "BIGINT");
        expected.put("prev_hash", "VARCHAR");
        expected.put("hash", "VARCHAR");
        expected.put("model_card_id", "VARCHAR");
        expected.put("model_card_sha256", "VARCHAR");
        expected.put("model_card_status", "VARCHAR");
        // schema v4: record layout 3 and the erasure columns (schemas/CANONICAL.md section 8)
        expected.put("record_layout", "INTEGER");
        expected.put("field_salt", "VARCHAR");
        expected.put("erased_columns_json", "VARCHAR");
        expected.put("erasure_request_id", "VARCHAR");
        expected.put("erased_at", "TIMESTAMP WITH TIME ZONE");
        expected.put("event_date", "DATE");
        assertThat(DuckDbLake.describe(lake.resolve("audit/decisions")))
                .containsExactlyEntriesOf(expected);
    }

    private static byte[] bytes(Object duckDbBlob) {
        try {
            java.sql.Blob blob = (java.sql.Blob) duckDbBlob;
            return blob.getBytes(1, (int) blob.length());
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Object> list(Object duckDbArray) {
        try {
            return List.of((Object[]) ((java.sql.Array) duckDbArray).getArray());
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
