package io.decisionledger.chain;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.decision.CanonicalContent;
import io.decisionledger.privacy.RecordErasure;
import io.decisionledger.schema.DecisionRecord;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Tampering with a layout-3 record is detected as on layout 2 (every content column, every
 * provenance column, the stored hashes), and more: the model-card link columns, the layout itself,
 * the salt, and an erased record's columns and kept commitments.
 */
class RecordVerifierTest {

    private final RecordVerifier verifier = new RecordVerifier();

    private static Named<Consumer<DecisionRecord>> change(String name, Consumer<DecisionRecord> c) {
        return Named.of(name, c);
    }

    static Stream<Named<Consumer<DecisionRecord>>> contentChanges() {
        return Stream.of(
                change("event_id", r -> r.setEventId("evt-other")),
                change("event_type", r -> r.setEventType("OTHER")),
                change("event_time", r -> r.setEventTime(r.getEventTime().plusNanos(1000))),
                change("tenant_id", r -> r.setTenantId("bank_457")),
                change("user_id", r -> r.setUserId("user_124")),
                change("case_id", r -> r.setCaseId(null)),
                change("model", r -> r.setModel("gpt-5")),
                change("model_version", r -> r.setModelVersion("x")),
                change("model_metadata_id", r -> r.setModelMetadataId(null)),
                change("prompt", r -> r.setPrompt("p")),
                change("system_prompt", r -> r.setSystemPrompt("s")),
                change("context_user_history", r -> r.setContextUserHistory(List.of())),
                change("context_relevant_documents", r -> r.setContextRelevantDocuments(null)),
                change("context_metadata_json", r -> r.setContextMetadataJson("{}")),
                change("temperature", r -> r.setTemperature(0.31)),
                change("max_tokens", r -> r.setMaxTokens(501L)),
                change("top_p", r -> r.setTopP(0.9)),
                change("response_content", r -> r.setResponseContent("{}")),
                change("response_tokens", r -> r.setResponseTokens(46L)),
                change("response_finish_reason", r -> r.setResponseFinishReason("length")),
                change("decision_approved", r -> r.setDecisionApproved(false)),
                change("decision_confidence", r -> r.setDecisionConfidence(0.93)),
                change("decision_reasoning", r -> r.setDecisionReasoning("x")),
                change("extra_json", r -> r.setExtraJson(null)),
                change("field_salt", r -> r.setFieldSalt("ff".repeat(32))),
                change("record_layout downgraded to 2", r -> r.setRecordLayout(null)),
                change("content_sha256", r -> r.setContentSha256("00".repeat(32))));
    }

    static Stream<Named<Consumer<DecisionRecord>>> chainChanges() {
        return Stream.of(
                change("event_id_derived", r -> r.setEventIdDerived(true)),
                change("source_topic", r -> r.setSourceTopic("other")),
                change("source_partition", r -> r.setSourcePartition(2)),
                change("source_offset", r -> r.setSourceOffset(4243L)),
                change("ingest_time", r -> r.setIngestTime(r.getIngestTime().plusSeconds(1))),
                change("model_card_id", r -> r.setModelCardId("meta_other")),
                change("model_card_sha256", r -> r.setModelCardSha256("00".repeat(32))),
                change("model_card_status", r -> r.setModelCardStatus("NO_CARD")),
                change("model_card_status cleared", r -> r.setModelCardStatus(null)),
                change("prev_hash", r -> r.setPrevHash("11".repeat(32))),
                change("content_sha256", r -> r.setContentSha256("00".repeat(32))),
                change("hash", r -> r.setHash("22".repeat(32))));
    }

    @Test
    void aFreshLayoutThreeRecordVerifies() {
        DecisionRecord r = RecordLayoutThreeTest.vector();

        RecordVerifier.Result result = verifier.verifyContent(r);

        assertThat(result.layout()).isEqualTo(RecordLayout.LAYOUT_3);
        assertThat(result.problem()).isNull();
        assertThat(result.contentOk()).isTrue();
        assertThat(result.erasure()).isNull();
        assertThat(verifier.chainHash(r.getPrevHash(), r)).isEqualTo(r.getHash());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("contentChanges")
    void detectsAChangedContentColumnOfALayoutThreeRecord(Consumer<DecisionRecord> change) {
        DecisionRecord r = RecordLayoutThreeTest.vector();
        change.accept(r);

        RecordVerifier.Result result = verifier.verifyContent(r);

        assertThat(result.contentOk()).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("chainChanges")
    void detectsAChangedChainColumnOfALayoutThreeRecord(Consumer<DecisionRecord> change) {
        DecisionRecord r = RecordLayoutThreeTest.vector();
        String stored = r.getHash();
        change.accept(r);

        String recomputed = verifier.chainHash(r.getPrevHash(), r);

        assertThat(recomputed).isNotEqualTo(r.getHash());
        assertThat(r.getHash().equals(stored) || recomputed != null).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("chainChanges")
    void theChainHashCheckOnBytesDetectsEveryChangeTheStringCheckDoes(
            Consumer<DecisionRecord> change) {
        DecisionRecord r = RecordLayoutThreeTest.vector();
        assertThat(bytesCheck(r)).isTrue();
        change.accept(r);

        assertThat(bytesCheck(r)).isFalse().isEqualTo(stringCheck(r));
    }

    static Stream<Named<Consumer<DecisionRecord>>> hexSpellings() {
        return Stream.of(
                change("hash in upper case", r -> r.setHash(r.getHash().toUpperCase())),
                change(
                        "content_sha256 in upper case",
                        r -> r.setContentSha256(r.getContentSha256().toUpperCase())),
                change("hash one character short", r -> r.setHash(r.getHash().substring(1))),
                change(
                        "prev_hash not hex",
                        r -> r.setPrevHash("zz" + r.getPrevHash().substring(2))),
                change(
                        "hash with a non-ASCII digit",
                        r -> r.setHash("\u0660" + r.getHash().substring(1))),
                change("record_layout unknown", r -> r.setRecordLayout(4)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hexSpellings")
    void aStoredHashSpelledOtherwiseThanLowerCaseHexFailsAsTheStringCheckDoes(
            Consumer<DecisionRecord> change) {
        DecisionRecord r = RecordLayoutThreeTest.vector();
        change.accept(r);

        assertThat(bytesCheck(r)).isFalse();
        assertThat(stringCheck(r)).isFalse();
    }

    /** The verify job's check: stored hashes parsed once, compared on bytes. */
    private boolean bytesCheck(DecisionRecord r) {
        return verifier.chainHashMatches(Hex64.parse(r.getPrevHash()), r, Hex64.parse(r.getHash()));
    }

    /** The check as it was: the recomputed hex string against the stored one. */
    private boolean stringCheck(DecisionRecord r) {
        String recomputed = verifier.chainHash(r.getPrevHash(), r);
        return recomputed != null && recomputed.equals(r.getHash());
    }

    @Test
    void aLayoutTwoRecordLeavesTheCardLinkOutsideTheHash() {
        DecisionRecord r = ChainHasherTest.vector();
        String before = verifier.chainHash(ChainHasher.GENESIS, r);

        r.setModelCardStatus("LINKED");
        r.setModelCardId("meta_other");

        assertThat(verifier.chainHash(ChainHasher.GENESIS, r)).isEqualTo(before);
        assertThat(verifier.verifyContent(r).layout().coverage())
                .isEqualTo("model-card link columns not covered by the hash");
    }

    @Test
    void refusesAnUnknownLayout() {
        DecisionRecord r = RecordLayoutThreeTest.vector();
        r.setRecordLayout(4);

        RecordVerifier.Result result = verifier.verifyContent(r);

        assertThat(result.layout()).isNull();
        assertThat(result.contentOk()).isFalse();
        assertThat(result.problem())
                .isEqualTo("record_layout 4 is not a known layout (null = layout 2, 3 = layout 3)");
        assertThat(verifier.chainHash(r.getPrevHash(), r)).isNull();
    }

    @Test
    void refusesALayoutThreeRecordWithoutSaltOrErasure() {
        DecisionRecord r = RecordLayoutThreeTest.vector();
        r.setFieldSalt(null);

        RecordVerifier.Result result = verifier.verifyContent(r);

        assertThat(result.contentOk()).isFalse();
        assertThat(result.problem())
                .isEqualTo("layout-3 record without field_salt and without erased columns");
    }

    @Test
    void refusesALayoutTwoRecordWithASalt() {
        DecisionRecord r = ChainHasherTest.vector();
        r.setFieldSalt("00".repeat(32));

        assertThat(verifier.verifyContent(r).problem())
                .isEqualTo("layout-2 record carries a field_salt");
    }

    // ---- erased records ----------------------------------------------------------------------

    private static DecisionRecord erased() {
        DecisionRecord r = RecordLayoutThreeTest.vector();
        RecordErasure.erase(
                r,
                CanonicalContent.personalColumns(),
                "erasure-7",
                Instant.parse("2026-04-01T12:00:00Z"));
        return r;
    }

    @Test
    void anErasedLayoutThreeRecordStillVerifiesAndSaysWhatWasErased() {
        DecisionRecord r = erased();

        RecordVerifier.Result result = verifier.verifyContent(r);

        assertThat(result.problem()).isNull();
        assertThat(result.contentOk()).isTrue();
        assertThat(result.erasure().columns())
                .containsExactlyElementsOf(
                        CanonicalContent.personalColumns().stream().sorted().toList());
        assertThat(result.erasure().requestId()).isEqualTo("erasure-7");
        assertThat(result.erasure().erasedAt()).isEqualTo(Instant.parse("2026-04-01T12:00:00Z"));
        assertThat(verifier.chainHash(r.getPrevHash(), r)).isEqualTo(r.getHash());
    }

    @Test
    void detectsAChangedNonErasedColumnOfAnErasedRecord() {
        DecisionRecord r = erased();
        r.setDecisionApproved(false);

        assertThat(verifier.verifyContent(r).contentOk()).isFalse();
    }

    @Test
    void detectsAChangedKeptCommitment() {
        DecisionRecord r = erased();
        r.setErasedColumnsJson(
                r.getErasedColumnsJson()
                        .replaceFirst("\"user_id\":\"[0-9a-f]", "\"user_id\":\"x")
                        .replace("\"user_id\":\"x", "\"user_id\":\"0"));
        if (r.getErasedColumnsJson().equals(erased().getErasedColumnsJson())) {
            r.setErasedColumnsJson(
                    r.getErasedColumnsJson().replace("\"user_id\":\"1", "\"user_id\":\"2"));
        }

        RecordVerifier.Result result = verifier.verifyContent(r);

        assertThat(result.problem()).isNull();
        assertThat(result.contentOk()).isFalse();
    }

    @Test
    void detectsAValuePutBackIntoAnErasedColumn() {
        DecisionRecord r = erased();
        r.setUserId("user_123");

        RecordVerifier.Result result = verifier.verifyContent(r);

        assertThat(result.contentOk()).isFalse();
        assertThat(result.problem())
                .isEqualTo(
                        "column user_id is listed as erased but holds a value instead of its"
                                + " erasure marker");
        assertThat(result.problem()).doesNotContain("user_123");
    }

    @Test
    void cannotUneraseALayoutThreeRecordEvenWithTheRightValues() {
        DecisionRecord original = RecordLayoutThreeTest.vector();
        DecisionRecord r = erased();
        // put every value back and drop the erasure columns: the salt is gone for good
        for (String column : CanonicalContent.personalColumns()) {
            int pos = r.getSchema().getField(column).pos();
            r.put(pos, original.get(pos));
        }
        r.setErasedColumnsJson(null);
        r.setErasureRequestId(null);
        r.setErasedAt(null);

        assertThat(verifier.verifyContent(r).contentOk()).isFalse();
    }

    @Test
    void unerasingALayoutTwoRecordIsDetectedOnlyWhenTheGuessIsWrong() {
        DecisionRecord r = ChainHasherTest.vector();
        RecordErasure.erase(
                r, List.of("user_id"), "erasure-8", Instant.parse("2026-04-01T12:00:00Z"));
        r.setErasedColumnsJson(null);
        r.setErasureRequestId(null);
        r.setErasedAt(null);

        r.setUserId("user_124");
        assertThat(verifier.verifyContent(r).contentOk()).isFalse();
        r.setUserId("user_123");
        assertThat(verifier.verifyContent(r).contentOk()).isTrue();
    }

    @Test
    void refusesASaltKeptAfterErasure() {
        DecisionRecord r = erased();
        r.setFieldSalt(RecordLayoutThreeTest.vector().getFieldSalt());

        assertThat(verifier.verifyContent(r).problem())
                .startsWith("layout-3 record keeps field_salt after erasure");
    }

    @Test
    void refusesAPartialErasureOfALayoutThreeRecord() {
        DecisionRecord r = erased();
        DecisionRecord original = RecordLayoutThreeTest.vector();
        r.setErasedColumnsJson(
                r.getErasedColumnsJson().replaceAll(",\"system_prompt\":\"[0-9a-f]{64}\"", ""));
        r.setSystemPrompt(original.getSystemPrompt());

        assertThat(verifier.verifyContent(r).problem())
                .isEqualTo(
                        "layout-3 erasure removed the salt but not every personal column (not"
                                + " erased: system_prompt), so those cannot be verified");
    }

    @Test
    void refusesAnErasureWithoutItsRequestOrTime() {
        DecisionRecord r = erased();
        r.setErasureRequestId(null);

        assertThat(verifier.verifyContent(r).problem())
                .isEqualTo("erased record without erasure_request_id or erased_at");
    }

    @Test
    void refusesANonCanonicalOrForeignErasedColumnsList() {
        DecisionRecord r = erased();
        r.setErasedColumnsJson(r.getErasedColumnsJson().replace(",", ", "));
        assertThat(verifier.verifyContent(r).problem())
                .isEqualTo(
                        "erased_columns_json is not in canonical form (keys sorted, no"
                                + " whitespace)");

        DecisionRecord l2 = ChainHasherTest.vector();
        RecordErasure.erase(
                l2, List.of("user_id"), "erasure-9", Instant.parse("2026-04-01T12:00:00Z"));
        l2.setErasedColumnsJson(
                l2.getErasedColumnsJson()
                        .replace(
                                "{\"user_id\"",
                                "{\"model\":\"" + "00".repeat(32) + "\",\"user_id\""));
        assertThat(verifier.verifyContent(l2).problem())
                .isEqualTo("erased_columns_json names model, which is not a personal column");
    }
}
