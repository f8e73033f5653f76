package io.decisionledger.decision;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.schema.DecisionRecord;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The canonical content bytes behind content_sha256, checked against an independent encoder written
 * from the specification (not from the implementation) and against a fixed test vector that other
 * languages can use to check their own implementation.
 */
class CanonicalContentTest {

    /**
     * SHA-256 of the canonical content of {@link #testVector()}. Fixed: if this changes, every
     * stored content_sha256 changes with it.
     */
    static final String TEST_VECTOR_SHA256 =
            "69619f58bec504e9296a87b62884ab0df7b8d3e7d0263f6adb6e902c90c0311a";

    /** All content fields set, non-ASCII text included so byte and character counts differ. */
    static DecisionRecord testVector() {
        DecisionRecord r = new DecisionRecord();
        r.setEventId("evt-loan-123");
        r.setEventIdDerived(false);
        r.setEventType("AI_DECISION");
        r.setEventTime(Instant.parse("2026-03-15T10:21:07.123456Z"));
        r.setTenantId("bank_456");
        r.setUserId("user_123");
        r.setCaseId("loan_123");
        r.setModel("gpt-4o");
        r.setModelVersion("gpt-4o-2024-05-13");
        r.setModelMetadataId("meta_abc123");
        r.setPrompt("Evaluate this loan application (Zoë, 120 000 €)");
        r.setSystemPrompt("You are a loan underwriting assistant.");
        r.setContextUserHistory(List.of("User has 2 previous approved loans"));
        r.setContextRelevantDocuments(
                List.of(
                        "Credit report: score 720",
                        "Income verification: $120k/year",
                        "Tax return 2025"));
        r.setContextMetadataJson(
                "{\"annualIncome\":120000,\"creditScore\":720,\"dtiRatio\":0.35,\"employmentYears\":5}");
        r.setTemperature(0.3);
        r.setMaxTokens(500L);
        r.setTopP(1.0);
        r.setResponseContent("{ \"approved\": true, \"confidence\": 0.92 }");
        r.setResponseTokens(45L);
        r.setResponseFinishReason("stop");
        r.setDecisionApproved(true);
        r.setDecisionConfidence(0.92);
        r.setDecisionReasoning("Strong credit score, stable income");
        r.setExtraJson("{\"aiInteraction.parameters.seed\":42,\"channel\":\"web\"}");
        r.setSourceTopic("decisions");
        r.setSourcePartition(3);
        r.setSourceOffset(42L);
        r.setIngestTime(Instant.parse("2026-03-15T10:21:08Z"));
        r.setContentSha256(null);
        return r;
    }

    // ---- an independent encoder, written from the specification -------------------------------

    /**
     * The canonical content bytes exactly as the specification states them: "DLC2", then the
     * SHA-256 of each content field's encoding, in order; a field is encoded as null 0x00 | string
     * 0x01 u32 len bytes | long 0x02 i64 | double 0x03 f64 (-0.0 as +0.0) | boolean 0x04 0x00/0x01
     * | timestamp 0x05 i64 micros | string list 0x06 u32 count then each element as a string value.
     * All integers big-endian.
     */
    static byte[] specBytes(DecisionRecord r) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            bytes.write(new byte[] {'D', 'L', 'C', '2'});
            bytes.write(field(out -> specString(out, r.getEventId())));
            bytes.write(field(out -> specString(out, r.getEventType())));
            bytes.write(field(out -> specTimestamp(out, r.getEventTime())));
            bytes.write(field(out -> specString(out, r.getTenantId())));
            bytes.write(field(out -> specString(out, r.getUserId())));
            bytes.write(field(out -> specString(out, r.getCaseId())));
            bytes.write(field(out -> specString(out, r.getModel())));
            bytes.write(field(out -> specString(out, r.getModelVersion())));
            bytes.write(field(out -> specString(out, r.getModelMetadataId())));
            bytes.write(field(out -> specString(out, r.getPrompt())));
            bytes.write(field(out -> specString(out, r.getSystemPrompt())));
            bytes.write(field(out -> specStringList(out, r.getContextUserHistory())));
            bytes.write(field(out -> specStringList(out, r.getContextRelevantDocuments())));
            bytes.write(field(out -> specString(out, r.getContextMetadataJson())));
            bytes.write(field(out -> specDouble(out, r.getTemperature())));
            bytes.write(field(out -> specLong(out, r.getMaxTokens())));
            bytes.write(field(out -> specDouble(out, r.getTopP())));
            bytes.write(field(out -> specString(out, r.getResponseContent())));
            bytes.write(field(out -> specLong(out, r.getResponseTokens())));
            bytes.write(field(out -> specString(out, r.getResponseFinishReason())));
            bytes.write(field(out -> specBoolean(out, r.getDecisionApproved())));
            bytes.write(field(out -> specDouble(out, r.getDecisionConfidence())));
            bytes.write(field(out -> specString(out, r.getDecisionReasoning())));
            bytes.write(field(out -> specString(out, r.getExtraJson())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private interface FieldEncoder {
        void encode(DataOutputStream out) throws IOException;
    }

    /** SHA-256 of one field's encoding, as the specification commits to fields. */
    private static byte[] field(FieldEncoder encoder) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        encoder.encode(out);
        out.flush();
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void specString(DataOutputStream out, String v) throws IOException {
        if (v == null) {
            out.writeByte(0x00);
            return;
        }
        byte[] utf8 = v.getBytes(StandardCharsets.UTF_8);
        out.writeByte(0x01);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static void specLong(DataOutputStream out, Long v) throws IOException {
        if (v == null) {
            out.writeByte(0x00);
            return;
        }
        out.writeByte(0x02);
        out.writeLong(v);
    }

    private static void specDouble(DataOutputStream out, Double v) throws IOException {
        if (v == null) {
            out.writeByte(0x00);
            return;
        }
        out.writeByte(0x03);
        boolean negativeZero = Double.doubleToRawLongBits(v) == Long.MIN_VALUE;
        out.writeDouble(negativeZero ? +0.0 : v);
    }

    private static void specBoolean(DataOutputStream out, Boolean v) throws IOException {
        if (v == null) {
            out.writeByte(0x00);
            return;
        }
        out.writeByte(0x04);
        out.writeByte(v ? 0x01 : 0x00);
    }

    private static void specTimestamp(DataOutputStream out, Instant v) throws IOException {
        if (v == null) {
            out.writeByte(0x00);
            return;
        }
        out.writeByte(0x05);
        out.writeLong(ChronoUnit.MICROS.between(Instant.EPOCH, v));
    }

    private static void specStringList(DataOutputStream out, List<String> v) throws IOException {
        if (v == null) {
            out.writeByte(0x00);
            return;
        }
        out.writeByte(0x06);
        out.writeInt(v.size());
        for (String element : v) {
            specString(out, element);
        }
    }

    private static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hashOf(DecisionRecord r) {
        return new CanonicalContent().sha256Hex(r);
    }

    private static DecisionRecord testVectorWith(Consumer<DecisionRecord> change) {
        DecisionRecord r = testVector();
        change.accept(r);
        return r;
    }

    // ---- the test vector ----------------------------------------------------------------------

    @Test
    void hashesTheTestVectorExactlyAsTheSpecificationDescribes() {
        // given
        DecisionRecord record = testVector();
        byte[] expectedBytes = specBytes(record);

        // when
        String actual = hashOf(record);

        // then
        System.out.println(
                "canonical content test vector: "
                        + expectedBytes.length
                        + " bytes, SHA-256 "
                        + actual
                        + "\n  bytes: "
                        + HexFormat.of().formatHex(expectedBytes));
        assertThat(actual).isEqualTo(sha256Hex(expectedBytes));
        assertThat(actual).isEqualTo(TEST_VECTOR_SHA256);
    }

    @Test
    void buildsTheSpecBytesFromTheMagicAndOneDigestPerField() throws Exception {
        // given
        DecisionRecord record = testVector();

        // when
        byte[] bytes = specBytes(record);

        // then: "DLC2", then 24 SHA-256 digests; the first commits to 0x01, u32 12, "evt-loan-123"
        assertThat(bytes).hasSize(4 + 24 * 32);
        assertThat(HexFormat.of().formatHex(bytes, 0, 4)).isEqualTo("444c4332");
        byte[] eventIdEncoding =
                HexFormat.of()
                        .parseHex(
                                "01"
                                        + "0000000c"
                                        + HexFormat.of()
                                                .formatHex(
                                                        "evt-loan-123"
                                                                .getBytes(StandardCharsets.UTF_8)));
        assertThat(HexFormat.of().formatHex(bytes, 4, 36)).isEqualTo(sha256Hex(eventIdEncoding));
        assertThat(Instant.parse("2026-03-15T10:21:07.123456Z"))
                .isEqualTo(Instant.EPOCH.plus(1_773_570_067_123_456L, ChronoUnit.MICROS));
    }

    @Test
    void producesLowerCaseHexOfTheRawDigest() {
        // given
        CanonicalContent content = new CanonicalContent();
        DecisionRecord record = testVector();

        // when
        String hex = content.sha256Hex(record);
        byte[] raw = content.sha256(record);

        // then
        assertThat(hex).matches("[0-9a-f]{64}");
        assertThat(HexFormat.of().parseHex(hex)).isEqualTo(raw);
    }

    @Test
    void givesTheSameHashWhenOneInstanceIsReusedForManyRecords() {
        // given
        CanonicalContent content = new CanonicalContent();
        DecisionRecord other = testVectorWith(r -> r.setPrompt("another prompt"));

        // when
        String first = content.sha256Hex(testVector());
        String between = content.sha256Hex(other);
        String again = content.sha256Hex(testVector());

        // then
        assertThat(again).isEqualTo(first).isNotEqualTo(between);
    }

    @Test
    void hashesAMinimalRecordWithEveryOptionalFieldNullAsTheSpecificationDescribes() {
        // given
        DecisionRecord record = new DecisionRecord();
        record.setEventId("kafka:decisions:0:7");
        record.setEventType("AI_DECISION");
        record.setEventTime(Instant.parse("2000-01-01T00:00:00Z"));
        record.setTenantId("t");
        record.setUserId("u");
        record.setModel("m");
        record.setModelVersion("v");
        record.setPrompt("");
        record.setResponseContent("");

        // when
        String actual = hashOf(record);

        // then
        assertThat(actual).isEqualTo(sha256Hex(specBytes(record)));
    }

    // ---- what changes the hash and what does not -------------------------------------------

    @Test
    void hashesANullStringDifferentlyFromAnEmptyString() {
        // given
        DecisionRecord withNull = testVectorWith(r -> r.setCaseId(null));
        DecisionRecord withEmpty = testVectorWith(r -> r.setCaseId(""));

        // when
        String nullHash = hashOf(withNull);
        String emptyHash = hashOf(withEmpty);

        // then
        assertThat(nullHash).isNotEqualTo(emptyHash);
        assertThat(nullHash).isEqualTo(sha256Hex(specBytes(withNull)));
        assertThat(emptyHash).isEqualTo(sha256Hex(specBytes(withEmpty)));
    }

    @Test
    void hashesANullListDifferentlyFromAnEmptyListAndFromAListWithOneEmptyString() {
        // given
        DecisionRecord withNull = testVectorWith(r -> r.setContextUserHistory(null));
        DecisionRecord withEmpty = testVectorWith(r -> r.setContextUserHistory(List.of()));
        DecisionRecord withEmptyElement = testVectorWith(r -> r.setContextUserHistory(List.of("")));

        // when
        List<String> hashes =
                List.of(hashOf(withNull), hashOf(withEmpty), hashOf(withEmptyElement));

        // then
        assertThat(hashes).doesNotHaveDuplicates();
    }

    @Test
    void doesNotConfuseTextMovedFromOneFieldToTheNext() {
        // given
        DecisionRecord ab =
                testVectorWith(
                        r -> {
                            r.setPrompt("ab");
                            r.setSystemPrompt("c");
                        });
        DecisionRecord bc =
                testVectorWith(
                        r -> {
                            r.setPrompt("a");
                            r.setSystemPrompt("bc");
                        });

        // when / then
        assertThat(hashOf(ab)).isNotEqualTo(hashOf(bc));
    }

    @Test
    void doesNotConfuseListElementBoundaries() {
        // given
        DecisionRecord two = testVectorWith(r -> r.setContextRelevantDocuments(List.of("a", "b")));
        DecisionRecord one = testVectorWith(r -> r.setContextRelevantDocuments(List.of("ab")));

        // when / then
        assertThat(hashOf(two)).isNotEqualTo(hashOf(one));
    }

    @Test
    void hashesNegativeZeroLikePositiveZeroInEveryDoubleField() {
        // given
        DecisionRecord positive =
                testVectorWith(
                        r -> {
                            r.setTemperature(0.0);
                            r.setTopP(0.0);
                            r.setDecisionConfidence(0.0);
                        });
        DecisionRecord negative =
                testVectorWith(
                        r -> {
                            r.setTemperature(-0.0);
                            r.setTopP(-0.0);
                            r.setDecisionConfidence(-0.0);
                        });

        // when
        String positiveHash = hashOf(positive);
        String negativeHash = hashOf(negative);

        // then
        assertThat(negativeHash).isEqualTo(positiveHash);
        assertThat(negativeHash).isEqualTo(sha256Hex(specBytes(negative)));
    }

    @Test
    void ignoresProvenanceTheDerivedFlagAndTheStoredHashItself() {
        // given
        DecisionRecord original = testVector();
        DecisionRecord redelivered =
                testVectorWith(
                        r -> {
                            r.setSourceTopic("decisions-replay");
                            r.setSourcePartition(7);
                            r.setSourceOffset(1_000_000L);
                            r.setIngestTime(Instant.parse("2027-01-01T00:00:00Z"));
                            r.setEventIdDerived(true);
                            r.setContentSha256("ff".repeat(32));
                        });

        // when / then
        assertThat(hashOf(redelivered)).isEqualTo(hashOf(original));
    }

    static Stream<Named<Consumer<DecisionRecord>>> everyContentField() {
        List<Named<Consumer<DecisionRecord>>> changes = new ArrayList<>();
        changes.add(Named.of("event_id", r -> r.setEventId("evt-loan-124")));
        changes.add(Named.of("event_type", r -> r.setEventType("AI_DECISION2")));
        changes.add(
                Named.of(
                        "event_time (one microsecond)",
                        r -> r.setEventTime(r.getEventTime().plus(1, ChronoUnit.MICROS))));
        changes.add(Named.of("tenant_id", r -> r.setTenantId("bank_457")));
        changes.add(Named.of("user_id", r -> r.setUserId("user_124")));
        changes.add(Named.of("case_id", r -> r.setCaseId(null)));
        changes.add(Named.of("model", r -> r.setModel("gpt-4o-mini")));
        changes.add(Named.of("model_version", r -> r.setModelVersion("gpt-4o-2024-08-06")));
        changes.add(Named.of("model_metadata_id", r -> r.setModelMetadataId("meta_abc124")));
        changes.add(Named.of("prompt", r -> r.setPrompt(r.getPrompt() + ".")));
        changes.add(Named.of("system_prompt", r -> r.setSystemPrompt(null)));
        changes.add(
                Named.of(
                        "context_user_history",
                        r ->
                                r.setContextUserHistory(
                                        List.of("User has 3 previous approved loans"))));
        changes.add(
                Named.of(
                        "context_relevant_documents (order)",
                        r ->
                                r.setContextRelevantDocuments(
                                        List.of(
                                                "Income verification: $120k/year",
                                                "Credit report: score 720",
                                                "Tax return 2025"))));
        changes.add(
                Named.of(
                        "context_metadata_json",
                        r -> r.setContextMetadataJson("{\"creditScore\":721}")));
        changes.add(Named.of("temperature", r -> r.setTemperature(0.30000000000000004)));
        changes.add(Named.of("max_tokens", r -> r.setMaxTokens(501L)));
        changes.add(Named.of("top_p", r -> r.setTopP(0.99)));
        changes.add(Named.of("response_content", r -> r.setResponseContent("")));
        changes.add(Named.of("response_tokens", r -> r.setResponseTokens(46L)));
        changes.add(Named.of("response_finish_reason", r -> r.setResponseFinishReason("length")));
        changes.add(Named.of("decision_approved", r -> r.setDecisionApproved(false)));
        changes.add(Named.of("decision_confidence", r -> r.setDecisionConfidence(0.93)));
        changes.add(Named.of("decision_reasoning", r -> r.setDecisionReasoning("Weak")));
        changes.add(Named.of("extra_json", r -> r.setExtraJson(null)));
        return changes.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyContentField")
    void changesTheHashWhenAnyContentFieldChanges(Consumer<DecisionRecord> change) {
        // given
        DecisionRecord changed = testVectorWith(change);

        // when
        String changedHash = hashOf(changed);

        // then
        assertThat(changedHash).isNotEqualTo(hashOf(testVector()));
        assertThat(changedHash).isEqualTo(sha256Hex(specBytes(changed)));
    }

    @Test
    void coversEveryContentFieldOfTheSchemaInTheChangeList() {
        // given: the fields that are not content (see the content_sha256 doc in the schema)
        List<String> notContent =
                List.of(
                        "event_id_derived",
                        "source_topic",
                        "source_partition",
                        "source_offset",
                        "ingest_time",
                        "content_sha256",
                        // the hash chain commits to the content, it is not part of it
                        "chain_shard",
                        "chain_seq",
                        "prev_hash",
                        "hash",
                        // model registry links are provenance of the ingest, like ingest_time
                        "model_card_id",
                        "model_card_sha256",
                        "model_card_status",
                        // layout and erasure columns say how content is committed to
                        "record_layout",
                        "field_salt",
                        "erased_columns_json",
                        "erasure_request_id",
                        "erased_at");

        // when
        List<String> contentFields =
                DecisionRecord.getClassSchema().getFields().stream()
                        .map(org.apache.avro.Schema.Field::name)
                        .filter(name -> !notContent.contains(name))
                        .toList();
        List<String> covered = everyContentField().map(n -> n.getName().split(" ")[0]).toList();

        // then: in schema order, which is also the order of the canonical bytes
        assertThat(covered).containsExactlyElementsOf(contentFields);
    }
}
