package io.decisionledger.decision;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.decisionledger.schema.DecisionRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** What DecisionParser accepts, how it stores it, and how it rejects everything else. */
class DecisionParserTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOPIC = "decisions";
    private static final int PARTITION = 3;
    private static final long OFFSET = 42L;

    /** Fixed so the future-skew check is deterministic (15 min after this is the limit). */
    private static final Instant INGEST_TIME = Instant.parse("2026-03-15T10:30:00Z");

    /** Personal data planted in the malformed inputs; no detail may ever contain any of it. */
    private static final List<String> PII = List.of("jane", "example.com", "078-05-1120", "Elm St");

    private final DecisionParser parser = new DecisionParser(ParserLimits.defaults());

    // ---- helpers -----------------------------------------------------------------------------

    /** The record's content hash recomputes under its layout (3, with its salt). */
    private static boolean contentVerifies(DecisionRecord r) {
        return new io.decisionledger.chain.RecordVerifier().verifyContent(r).contentOk();
    }

    /** The de-duplication fingerprint: the DLC2 hash of the fields, independent of the salt. */
    private static String fingerprint(DecisionRecord r) {
        return new CanonicalContent().sha256Hex(r);
    }

    private static byte[] resource(String name) {
        try (InputStream in = DecisionParserTest.class.getResourceAsStream(name)) {
            assertThat(in).as("test resource %s", name).isNotNull();
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] loanBytes() {
        return resource("/events/loan-decision.json");
    }

    private static ObjectNode loanEvent() {
        try {
            return (ObjectNode) JSON.readTree(loanBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The object at a dotted path, e.g. "aiInteraction.parameters". */
    private static ObjectNode at(ObjectNode root, String path) {
        ObjectNode node = root;
        for (String name : path.split("\\.")) {
            node = (ObjectNode) node.get(name);
        }
        return node;
    }

    private ParseOutcome parse(byte[] value) {
        return parser.parse(value, TOPIC, PARTITION, OFFSET, INGEST_TIME);
    }

    private ParseOutcome parse(JsonNode event) {
        return parse(bytes(event));
    }

    private static DecisionRecord accepted(ParseOutcome outcome) {
        assertThat(outcome.isAccepted()).as("accepted, but was %s", outcome).isTrue();
        assertThat(outcome.reason()).isNull();
        assertThat(outcome.detail()).isNull();
        return outcome.decision();
    }

    // ---- the reference article's loan example ------------------------------------------------

    @Test
    void storesEveryFieldOfTheArticlesLoanExampleExactlyAsSent() {
        // given
        byte[] value = loanBytes();
        JsonNode json = loanEvent();
        JsonNode ai = json.get("aiInteraction");

        // when
        ParseOutcome outcome = parse(value);

        // then
        DecisionRecord r = accepted(outcome);
        assertThat(r.getEventId())
                .isEqualTo("evt-loan-123")
                .isEqualTo(json.get("eventId").asText());
        assertThat(r.getEventIdDerived()).isFalse();
        assertThat(r.getEventType()).isEqualTo("AI_DECISION");
        assertThat(r.getEventTime()).isEqualTo(Instant.parse("2026-03-15T10:21:07.123Z"));
        assertThat(r.getTenantId()).isEqualTo("bank_456");
        assertThat(r.getUserId()).isEqualTo("user_123");
        assertThat(r.getCaseId()).isEqualTo("loan_123");
        assertThat(r.getModel()).isEqualTo("gpt-4o").isEqualTo(ai.get("model").asText());
        assertThat(r.getModelVersion())
                .isEqualTo("gpt-4o-2024-05-13")
                .isEqualTo(ai.get("modelVersion").asText());
        assertThat(r.getModelMetadataId()).isEqualTo("meta_abc123");
        assertThat(r.getPrompt())
                .isEqualTo("Evaluate this loan application")
                .isEqualTo(ai.get("prompt").asText());
        assertThat(r.getSystemPrompt())
                .startsWith("You are a loan underwriting assistant. Evaluate based on:")
                .endsWith("{ approved: boolean, confidence: 0-1, reasoning: string }")
                .isEqualTo(ai.get("systemPrompt").asText());
        assertThat(r.getContextUserHistory()).containsExactly("User has 2 previous approved loans");
        assertThat(r.getContextRelevantDocuments())
                .containsExactly(
                        "Credit report: score 720",
                        "Income verification: $120k/year",
                        "Tax return 2025");
        assertThat(r.getContextMetadataJson())
                .isEqualTo(
                        "{\"annualIncome\":120000,\"creditScore\":720,\"dtiRatio\":0.35,"
                                + "\"employmentYears\":5}");
        assertThat(r.getTemperature()).isEqualTo(0.3);
        assertThat(r.getMaxTokens()).isEqualTo(500L);
        assertThat(r.getTopP()).isEqualTo(1.0);
        assertThat(r.getResponseContent())
                .isEqualTo(
                        "{ \"approved\": true, \"confidence\": 0.92, \"reasoning\": \"Strong credit"
                                + " score, stable income, reasonable debt-to-income ratio\" }")
                .isEqualTo(ai.at("/response/content").asText());
        assertThat(r.getResponseTokens()).isEqualTo(45L);
        assertThat(r.getResponseFinishReason()).isEqualTo("stop");
        assertThat(r.getDecisionApproved()).isTrue();
        assertThat(r.getDecisionConfidence()).isEqualTo(0.92);
        assertThat(r.getDecisionReasoning())
                .isEqualTo("Strong credit score, stable income, reasonable debt-to-income ratio")
                .isEqualTo(ai.at("/decision/reasoning").asText());
        assertThat(r.getExtraJson()).isNull();
        assertThat(r.getSourceTopic()).isEqualTo(TOPIC);
        assertThat(r.getSourcePartition()).isEqualTo(PARTITION);
        assertThat(r.getSourceOffset()).isEqualTo(OFFSET);
        assertThat(r.getIngestTime()).isEqualTo(INGEST_TIME);
        // layout 3: a fresh salt, the content hash under it, the fingerprint of the fields
        assertThat(r.getRecordLayout()).isEqualTo(3);
        assertThat(r.getFieldSalt()).matches("[0-9a-f]{64}");
        assertThat(r.getContentSha256()).matches("[0-9a-f]{64}");
        assertThat(contentVerifies(r)).isTrue();
        assertThat(outcome.fingerprint()).isEqualTo(new CanonicalContent().sha256Hex(r));
        assertThat(r.getErasedColumnsJson()).isNull();
        assertThat(r.getErasureRequestId()).isNull();
        assertThat(r.getErasedAt()).isNull();
        // the hash chain links records after de-duplication (ChainLinkOperator), not the parser
        assertThat(r.getChainShard()).isNull();
        assertThat(r.getChainSeq()).isNull();
        assertThat(r.getPrevHash()).isNull();
        assertThat(r.getHash()).isNull();
        // the model registry join happens later, in the ingest job
        assertThat(r.getModelCardId()).isNull();
        assertThat(r.getModelCardSha256()).isNull();
        assertThat(r.getModelCardStatus()).isNull();
        assertThat(outcome.tenantId()).isEqualTo("bank_456");
        assertThat(outcome.eventId()).isEqualTo("evt-loan-123");
    }

    @Test
    void assertsEveryColumnOfTheSchemaInTheLoanRoundTrip() {
        // given: the columns storesEveryFieldOfTheArticlesLoanExampleExactlyAsSent checks, in order
        List<String> asserted =
                List.of(
                        "event_id",
                        "event_id_derived",
                        "event_type",
                        "event_time",
                        "tenant_id",
                        "user_id",
                        "case_id",
                        "model",
                        "model_version",
                        "model_metadata_id",
                        "prompt",
                        "system_prompt",
                        "context_user_history",
                        "context_relevant_documents",
                        "context_metadata_json",
                        "temperature",
                        "max_tokens",
                        "top_p",
                        "response_content",
                        "response_tokens",
                        "response_finish_reason",
                        "decision_approved",
                        "decision_confidence",
                        "decision_reasoning",
                        "extra_json",
                        "source_topic",
                        "source_partition",
                        "source_offset",
                        "ingest_time",
                        "content_sha256",
                        "chain_shard",
                        "chain_seq",
                        "prev_hash",
                        "hash",
                        "model_card_id",
                        "model_card_sha256",
                        "model_card_status",
                        "record_layout",
                        "field_salt",
                        "erased_columns_json",
                        "erasure_request_id",
                        "erased_at");

        // when
        List<String> columns =
                DecisionRecord.getClassSchema().getFields().stream()
                        .map(org.apache.avro.Schema.Field::name)
                        .toList();

        // then: a new column must be added to the round-trip test
        assertThat(columns).containsExactlyElementsOf(asserted);
    }

    @Test
    void storesTheEventTimeInUtcWhenTheTimestampHasAnotherOffset() {
        // given
        ObjectNode event = loanEvent();
        event.put("timestamp", "2026-03-15T12:21:07.123+02:00");

        // when
        DecisionRecord r = accepted(parse(event));

        // then
        assertThat(r.getEventTime()).isEqualTo(Instant.parse("2026-03-15T10:21:07.123Z"));
    }

    @Test
    void acceptsATimestampExactlyAtTheFutureSkewLimitAndAtTheEarliestAcceptedTime() {
        // given
        ObjectNode atSkewLimit = loanEvent().put("timestamp", "2026-03-15T10:45:00Z");
        ObjectNode atEarliest = loanEvent().put("timestamp", "2000-01-01T00:00:00Z");

        // when
        DecisionRecord skew = accepted(parse(atSkewLimit));
        DecisionRecord earliest = accepted(parse(atEarliest));

        // then
        assertThat(skew.getEventTime()).isEqualTo(INGEST_TIME.plus(Duration.ofMinutes(15)));
        assertThat(earliest.getEventTime()).isEqualTo(ParserLimits.DEFAULT_EARLIEST_EVENT_TIME);
    }

    // ---- derived event ids -------------------------------------------------------------------

    @ParameterizedTest(name = "eventId {0}")
    @ValueSource(strings = {"absent", "null"})
    void derivesTheEventIdFromTheKafkaCoordinatesWhenTheProducerSentNone(String how) {
        // given
        ObjectNode event = loanEvent();
        if (how.equals("absent")) {
            event.remove("eventId");
        } else {
            event.putNull("eventId");
        }

        // when
        ParseOutcome outcome = parser.parse(bytes(event), "decisions", 3, 42L, INGEST_TIME);

        // then
        DecisionRecord r = accepted(outcome);
        assertThat(r.getEventId()).isEqualTo("kafka:decisions:3:42");
        assertThat(r.getEventIdDerived()).isTrue();
        assertThat(outcome.eventId()).isEqualTo("kafka:decisions:3:42");
        assertThat(DecisionParser.derivedEventId("decisions", 3, 42L))
                .isEqualTo("kafka:decisions:3:42");
        assertThat(contentVerifies(r)).isTrue();
    }

    @Test
    void derivesTheSameIdAndHashForTheSameRecordAtTheSameCoordinates() {
        // given
        ObjectNode event = loanEvent();
        event.remove("eventId");
        byte[] value = bytes(event);
        DecisionParser otherParser = new DecisionParser(ParserLimits.defaults());

        // when
        DecisionRecord first = accepted(parser.parse(value, TOPIC, 1, 99L, INGEST_TIME));
        DecisionRecord replayed =
                accepted(
                        otherParser.parse(
                                value, TOPIC, 1, 99L, INGEST_TIME.plus(Duration.ofDays(3))));

        // then
        assertThat(replayed.getEventId())
                .isEqualTo(first.getEventId())
                .isEqualTo("kafka:decisions:1:99");
        assertThat(fingerprint(replayed)).isEqualTo(fingerprint(first));
    }

    @Test
    void derivesAnotherIdAndThereforeAnotherHashAtAnotherOffset() {
        // given
        ObjectNode event = loanEvent();
        event.remove("eventId");
        byte[] value = bytes(event);

        // when
        DecisionRecord atOffset99 = accepted(parser.parse(value, TOPIC, 1, 99L, INGEST_TIME));
        DecisionRecord atOffset100 = accepted(parser.parse(value, TOPIC, 1, 100L, INGEST_TIME));

        // then: the derived id is part of the content, so a re-sent id-less event is a new event
        assertThat(atOffset99.getEventId()).isEqualTo("kafka:decisions:1:99");
        assertThat(atOffset100.getEventId()).isEqualTo("kafka:decisions:1:100");
        assertThat(fingerprint(atOffset100)).isNotEqualTo(fingerprint(atOffset99));
    }

    // ---- layout 3: salted content hash, fingerprint ------------------------------------------

    @Test
    void drawsAFreshSaltPerRecordSoTwoDeliveriesHashDifferentlyButShareTheFingerprint() {
        // when
        ParseOutcome first = parser.parse(loanBytes(), TOPIC, 1, 99L, INGEST_TIME);
        ParseOutcome second = parser.parse(loanBytes(), TOPIC, 1, 99L, INGEST_TIME);

        // then
        DecisionRecord a = accepted(first);
        DecisionRecord b = accepted(second);
        assertThat(a.getFieldSalt()).isNotEqualTo(b.getFieldSalt());
        assertThat(a.getContentSha256()).isNotEqualTo(b.getContentSha256());
        assertThat(first.fingerprint()).isEqualTo(second.fingerprint()).matches("[0-9a-f]{64}");
        assertThat(contentVerifies(a)).isTrue();
        assertThat(contentVerifies(b)).isTrue();
        // the fingerprint is the layout-2 content hash, so old de-duplication state still matches
        assertThat(first.fingerprint()).isEqualTo(fingerprint(a));
        assertThat(ParsedDecision.accepted(first, loanBytes()).fingerprint())
                .isEqualTo(first.fingerprint());
    }

    @Test
    void hashesUnderTheSaltItDraws() {
        // given: a salt source that yields bytes 00 01 … 1f
        java.util.Random fixed =
                new java.util.Random() {
                    @Override
                    public void nextBytes(byte[] bytes) {
                        for (int i = 0; i < bytes.length; i++) {
                            bytes[i] = (byte) i;
                        }
                    }
                };
        DecisionParser seeded = new DecisionParser(ParserLimits.defaults(), fixed);

        // when
        DecisionRecord r = accepted(seeded.parse(loanBytes(), TOPIC, 1, 99L, INGEST_TIME));

        // then
        byte[] salt = new byte[32];
        fixed.nextBytes(salt);
        assertThat(r.getFieldSalt())
                .isEqualTo("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
        assertThat(r.getContentSha256())
                .isEqualTo(new CanonicalContent().layout3(r, salt).contentSha256());
    }

    // ---- the content hash does not depend on the JSON text -----------------------------------

    /** The same JSON value with the members of every object in reverse order. */
    private static JsonNode reversedKeys(JsonNode node) {
        if (node.isObject()) {
            List<Map.Entry<String, JsonNode>> members = new ArrayList<>(node.properties());
            ObjectNode reversed = JSON.createObjectNode();
            for (int i = members.size() - 1; i >= 0; i--) {
                reversed.set(members.get(i).getKey(), reversedKeys(members.get(i).getValue()));
            }
            return reversed;
        }
        return node;
    }

    @Test
    void givesTheSameContentHashWhenKeysComeInAnotherOrderAtEveryLevel() {
        // given
        byte[] original = loanBytes();
        byte[] reordered = bytes(reversedKeys(loanEvent()));
        assertThat(new String(reordered, StandardCharsets.UTF_8))
                .startsWith("{\"aiInteraction\":{\"decision\":")
                .contains("\"metadata\":{\"employmentYears\":5,\"dtiRatio\":0.35,");

        // when: also delivered at another offset, which is not content
        DecisionRecord first = accepted(parse(original));
        DecisionRecord second =
                accepted(parser.parse(reordered, TOPIC, PARTITION + 1, 7L, INGEST_TIME));

        // then
        assertThat(fingerprint(second)).isEqualTo(fingerprint(first));
        assertThat(second.getContextMetadataJson()).isEqualTo(first.getContextMetadataJson());
    }

    @Test
    void givesAnotherContentHashWhenOneCharacterOfThePromptChanges() {
        // given
        ObjectNode changed = loanEvent();
        at(changed, "aiInteraction").put("prompt", "Evaluate this loan applicatioN");

        // when
        DecisionRecord original = accepted(parse(loanBytes()));
        DecisionRecord modified = accepted(parse(changed));

        // then
        assertThat(modified.getPrompt()).isEqualTo("Evaluate this loan applicatioN");
        assertThat(fingerprint(modified)).isNotEqualTo(fingerprint(original));
    }

    // ---- unknown and optional fields ---------------------------------------------------------

    @Test
    void keepsUnknownFieldsAsCanonicalJsonInTheirOriginalNesting() {
        // given
        ObjectNode event = loanEvent();
        event.put("channel", "web");
        at(event, "aiInteraction").put("latencyMs", 812);
        at(event, "aiInteraction.parameters").put("seed", 42);
        at(event, "aiInteraction.context").putArray("tools").add("bureau").add("ledger");
        ObjectNode logprobs = at(event, "aiInteraction.response").putObject("logprobs");
        logprobs.put("b", 1.50);
        logprobs.putArray("a").add(1).add(2);
        at(event, "aiInteraction.decision").putNull("overriddenBy");

        // when
        DecisionRecord r = accepted(parse(event));

        // then
        assertThat(r.getExtraJson())
                .isEqualTo(
                        "{\"aiInteraction\":{\"context\":{\"tools\":[\"bureau\",\"ledger\"]},"
                                + "\"decision\":{\"overriddenBy\":null},"
                                + "\"latencyMs\":812,"
                                + "\"parameters\":{\"seed\":42},"
                                + "\"response\":{\"logprobs\":{\"a\":[1,2],\"b\":1.5}}},"
                                + "\"channel\":\"web\"}");
        assertThat(r.getTemperature()).isEqualTo(0.3);
        assertThat(r.getResponseContent())
                .isEqualTo(loanEvent().at("/aiInteraction/response/content").asText());
        assertThat(fingerprint(r)).isNotEqualTo(fingerprint(accepted(parse(loanBytes()))));
    }

    private static final List<String> OPTIONAL_FIELDS =
            List.of(
                    "caseId",
                    "aiInteraction.modelMetadataId",
                    "aiInteraction.systemPrompt",
                    "aiInteraction.context",
                    "aiInteraction.parameters",
                    "aiInteraction.response.tokens",
                    "aiInteraction.response.finishReason",
                    "aiInteraction.decision");

    @ParameterizedTest(name = "optional fields {0}")
    @ValueSource(strings = {"absent", "null"})
    void acceptsAnEventWhoseOptionalFieldsAreAbsentOrNullAndStoresThemAsNull(String how) {
        // given
        ObjectNode event = loanEvent();
        for (String path : OPTIONAL_FIELDS) {
            int dot = path.lastIndexOf('.');
            ObjectNode parent = dot < 0 ? event : at(event, path.substring(0, dot));
            String name = path.substring(dot + 1);
            if (how.equals("absent")) {
                parent.remove(name);
            } else {
                parent.putNull(name);
            }
        }

        // when
        DecisionRecord r = accepted(parse(event));

        // then
        assertThat(r.getCaseId()).isNull();
        assertThat(r.getModelMetadataId()).isNull();
        assertThat(r.getSystemPrompt()).isNull();
        assertThat(r.getContextUserHistory()).isNull();
        assertThat(r.getContextRelevantDocuments()).isNull();
        assertThat(r.getContextMetadataJson()).isNull();
        assertThat(r.getTemperature()).isNull();
        assertThat(r.getMaxTokens()).isNull();
        assertThat(r.getTopP()).isNull();
        assertThat(r.getResponseTokens()).isNull();
        assertThat(r.getResponseFinishReason()).isNull();
        assertThat(r.getDecisionApproved()).isNull();
        assertThat(r.getDecisionConfidence()).isNull();
        assertThat(r.getDecisionReasoning()).isNull();
        assertThat(r.getExtraJson()).isNull();
        assertThat(r.getPrompt()).isEqualTo("Evaluate this loan application");
        assertThat(r.getResponseContent()).startsWith("{ \"approved\": true");
        assertThat(contentVerifies(r)).isTrue();
    }

    @Test
    void acceptsNullMembersInsideTheOptionalObjectsAndStoresThemAsNull() {
        // given
        ObjectNode event = loanEvent();
        at(event, "aiInteraction.context")
                .putNull("userHistory")
                .putNull("relevantDocuments")
                .putNull("metadata");
        at(event, "aiInteraction.parameters")
                .putNull("temperature")
                .putNull("maxTokens")
                .putNull("topP");
        ObjectNode decision = at(event, "aiInteraction.decision");
        decision.put("approved", false);
        decision.remove("confidence");
        decision.putNull("reasoning");

        // when
        DecisionRecord r = accepted(parse(event));

        // then
        assertThat(r.getContextUserHistory()).isNull();
        assertThat(r.getContextRelevantDocuments()).isNull();
        assertThat(r.getContextMetadataJson()).isNull();
        assertThat(r.getTemperature()).isNull();
        assertThat(r.getMaxTokens()).isNull();
        assertThat(r.getTopP()).isNull();
        assertThat(r.getDecisionApproved()).isFalse();
        assertThat(r.getDecisionConfidence()).isNull();
        assertThat(r.getDecisionReasoning()).isNull();
    }

    @Test
    void acceptsEmptyListsAndAnEmptyMetadataObjectAsEmptyNotNull() {
        // given
        ObjectNode event = loanEvent();
        ObjectNode context = at(event, "aiInteraction.context");
        context.putArray("userHistory");
        context.putArray("relevantDocuments");
        context.putObject("metadata");

        // when
        DecisionRecord r = accepted(parse(event));

        // then
        assertThat(r.getContextUserHistory()).isEmpty();
        assertThat(r.getContextRelevantDocuments()).isEmpty();
        assertThat(r.getContextMetadataJson()).isEqualTo("{}");
    }

    @Test
    void acceptsNestingUpToTheLimitOf64Levels() {
        // given: the event object is level 1, so 63 arrays inside it reach level 64
        String deep = "[".repeat(63) + "]".repeat(63);
        String json =
                new String(loanBytes(), StandardCharsets.UTF_8)
                        .replaceFirst("\\{", "{\"trace\":" + deep + ",");

        // when
        DecisionRecord r = accepted(parse(utf8(json)));

        // then
        assertThat(r.getExtraJson()).isEqualTo("{\"trace\":" + deep + "}");
    }

    @Test
    void startsEachParseFreshAfterARejectedRecordThatHadUnknownFieldsAndATenant() {
        // given
        ObjectNode rejectedEvent = loanEvent();
        rejectedEvent.put("channel", "web");
        rejectedEvent.put("timestamp", "yesterday");
        ObjectNode bigEvent = loanEvent();
        at(bigEvent, "aiInteraction").put("prompt", "x".repeat(100_000));

        // when
        ParseOutcome rejected = parse(rejectedEvent);
        ParseOutcome big = parse(bigEvent);
        ParseOutcome empty = parse(new byte[0]);
        ParseOutcome small = parse(loanBytes());

        // then
        assertThat(rejected.reason()).isEqualTo(ReasonCode.INVALID_TIMESTAMP);
        assertThat(accepted(big).getPrompt()).hasSize(100_000);
        assertThat(empty.tenantId()).isNull();
        assertThat(empty.eventId()).isNull();
        DecisionRecord r = accepted(small);
        assertThat(r.getExtraJson()).isNull();
        assertThat(r.getPrompt()).isEqualTo("Evaluate this loan application");
    }

    @Test
    void keepsTheValidEventIdOfARejectedRecord() {
        // given
        ObjectNode event = loanEvent();
        event.remove("userId");

        // when
        ParseOutcome outcome = parse(event);

        // then
        assertThat(outcome.reason()).isEqualTo(ReasonCode.MISSING_FIELD);
        assertThat(outcome.eventId()).isEqualTo("evt-loan-123");
        assertThat(outcome.tenantId()).isEqualTo("bank_456");
        assertThat(outcome.decision()).isNull();
    }

    // ---- malformed input ---------------------------------------------------------------------

    /**
     * One malformed input. {@code tenantId} is what the outcome must keep (null when the tenant is
     * invalid or was never read); {@code secrets} are values no detail may contain.
     */
    record Malformed(
            String name,
            byte[] value,
            ParserLimits limits,
            ReasonCode reason,
            String detailFragment,
            String tenantId,
            List<String> secrets) {

        Malformed secret(String value) {
            List<String> more = new ArrayList<>(secrets);
            more.add(value);
            return new Malformed(name, this.value, limits, reason, detailFragment, tenantId, more);
        }

        Malformed tenant(String tenant) {
            return new Malformed(name, value, limits, reason, detailFragment, tenant, secrets);
        }

        Malformed limits(ParserLimits other) {
            return new Malformed(name, value, other, reason, detailFragment, tenantId, secrets);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /**
     * A complete, valid event full of personal data, tenantId first so that it has been read before
     * any later fault.
     */
    static ObjectNode piiEvent() {
        ObjectNode e = JSON.createObjectNode();
        e.put("tenantId", "bank_456");
        e.put("eventId", "evt-pii-1");
        e.put("eventType", "AI_DECISION");
        e.put("timestamp", "2026-03-15T10:21:07.123Z");
        e.put("userId", "jane.doe@example.com");
        e.put("caseId", "loan-jane-doe");
        ObjectNode ai = e.putObject("aiInteraction");
        ai.put("model", "gpt-4o");
        ai.put("modelVersion", "gpt-4o-2024-05-13");
        ai.put("modelMetadataId", "meta_abc123");
        ai.put("prompt", "Evaluate the loan of Jane Doe, SSN 078-05-1120, 12 Elm St");
        ai.put("systemPrompt", "You are a loan underwriting assistant.");
        ObjectNode context = ai.putObject("context");
        context.putArray("userHistory").add("jane.doe@example.com had 2 approved loans");
        context.putArray("relevantDocuments").add("Credit report for SSN 078-05-1120");
        context.putObject("metadata").put("creditScore", 720).put("ssn", "078-05-1120");
        ObjectNode parameters = ai.putObject("parameters");
        parameters.put("temperature", 0.3);
        parameters.put("maxTokens", 500);
        parameters.put("topP", 1);
        ObjectNode response = ai.putObject("response");
        response.put("content", "Approve Jane Doe (SSN 078-05-1120)");
        response.put("tokens", 45);
        response.put("finishReason", "stop");
        ObjectNode decision = ai.putObject("decision");
        decision.put("approved", true);
        decision.put("confidence", 0.92);
        decision.put("reasoning", "jane.doe@example.com has a strong credit score");
        return e;
    }

    static String piiJson() {
        return new String(bytes(piiEvent()), StandardCharsets.UTF_8);
    }

    private static Malformed raw(
            String name, byte[] value, ReasonCode reason, String fragment, String tenant) {
        return new Malformed(name, value, ParserLimits.defaults(), reason, fragment, tenant, PII);
    }

    /** The PII event changed by {@code change}; its valid tenant must be kept. */
    private static Malformed event(
            String name, Consumer<ObjectNode> change, ReasonCode reason, String fragment) {
        ObjectNode e = piiEvent();
        change.accept(e);
        return raw(name, bytes(e), reason, fragment, "bank_456");
    }

    /** The PII event's JSON text changed by {@code edit}; its valid tenant must be kept. */
    private static Malformed text(
            String name, UnaryOperator<String> edit, ReasonCode reason, String fragment) {
        String json = piiJson();
        String edited = edit.apply(json);
        assertThat(edited).as(name).isNotEqualTo(json);
        return raw(name, utf8(edited), reason, fragment, "bank_456");
    }

    /** The PII event with {@code bad} bytes in place of the marker in the prompt. */
    private static Malformed badBytes(String name, int... bad) {
        ObjectNode e = piiEvent();
        at(e, "aiInteraction").put("prompt", "Jane Doe, SSN 078-05-1120 @BAD@ 12 Elm St");
        byte[] json = bytes(e);
        int marker = indexOf(json, utf8("@BAD@"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(json, 0, marker);
        for (int b : bad) {
            out.write(b);
        }
        out.write(json, marker + 5, json.length - marker - 5);
        return raw(
                name,
                out.toByteArray(),
                ReasonCode.INVALID_UTF8,
                "invalid UTF-8 sequence at byte " + marker,
                null);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalArgumentException("marker not found");
    }

    private static Consumer<ObjectNode> put(String path, Object value) {
        return e -> {
            int dot = path.lastIndexOf('.');
            ObjectNode parent = dot < 0 ? e : at(e, path.substring(0, dot));
            parent.set(path.substring(dot + 1), JSON.valueToTree(value));
        };
    }

    private static Consumer<ObjectNode> putRaw(String path, String json) {
        return e -> {
            try {
                int dot = path.lastIndexOf('.');
                ObjectNode parent = dot < 0 ? e : at(e, path.substring(0, dot));
                parent.set(path.substring(dot + 1), JSON.readTree(json));
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        };
    }

    private static Consumer<ObjectNode> remove(String path) {
        return e -> {
            int dot = path.lastIndexOf('.');
            ObjectNode parent = dot < 0 ? e : at(e, path.substring(0, dot));
            assertThat(parent.remove(path.substring(dot + 1))).as(path).isNotNull();
        };
    }

    static Stream<Malformed> malformedInputs() {
        String valid = piiJson();
        List<Malformed> cases = new ArrayList<>();

        // -- the record itself
        cases.add(raw("null value", null, ReasonCode.EMPTY_RECORD, "no value", null));
        cases.add(raw("empty value", new byte[0], ReasonCode.EMPTY_RECORD, "no value", null));
        cases.add(
                raw(
                                "over the size limit",
                                utf8(valid),
                                ReasonCode.RECORD_TOO_LARGE,
                                "over the limit of 256 bytes",
                                null)
                        .limits(
                                new ParserLimits(
                                        256,
                                        ParserLimits.DEFAULT_MAX_FUTURE_SKEW,
                                        ParserLimits.DEFAULT_EARLIEST_EVENT_TIME)));

        // -- UTF-8
        cases.add(badBytes("lone 0xFF byte", 0xFF));
        cases.add(badBytes("truncated 3-byte sequence inside a string", 0xE2, 0x82));
        cases.add(badBytes("overlong encoding C0 AF", 0xC0, 0xAF));
        cases.add(badBytes("encoded surrogate ED A0 80", 0xED, 0xA0, 0x80));
        cases.add(badBytes("lone continuation byte 0x80", 0x80));
        byte[] euro = utf8(valid.replace("12 Elm St", "12 Elm St \u20ac"));
        int euroAt = indexOf(euro, utf8("\u20ac"));
        cases.add(
                raw(
                        "record cut inside a multi-byte sequence",
                        Arrays.copyOf(euro, euroAt + 2),
                        ReasonCode.INVALID_UTF8,
                        "invalid UTF-8 sequence at byte " + euroAt,
                        null));

        // -- JSON syntax
        cases.add(
                raw(
                        "not JSON at all",
                        utf8("jane.doe@example.com SSN 078-05-1120"),
                        ReasonCode.MALFORMED_JSON,
                        "malformed JSON at line 1, column",
                        null));
        cases.add(
                raw(
                        "unquoted personal value at the error position",
                        utf8("{\"tenantId\":\"bank_456\",\"userId\":jane.doe@example.com}"),
                        ReasonCode.MALFORMED_JSON,
                        "malformed JSON at line 1, column",
                        "bank_456"));
        cases.add(
                raw(
                        "missing comma right after a personal value",
                        utf8(
                                "{\"tenantId\":\"bank_456\",\"userId\":\"jane.doe@example.com\" \"x\":1}"),
                        ReasonCode.MALFORMED_JSON,
                        "malformed JSON at line 1, column",
                        "bank_456"));
        cases.add(
                text(
                        "truncated JSON",
                        json -> json.substring(0, json.indexOf("078-05-1120") + 11),
                        ReasonCode.MALFORMED_JSON,
                        "malformed JSON"));
        cases.add(
                text(
                        "trailing garbage after the object",
                        json -> json + " jane.doe@example.com",
                        ReasonCode.MALFORMED_JSON,
                        "malformed JSON at line 1"));
        cases.add(
                text(
                        "a second object after the first",
                        json -> json + "{\"userId\":\"jane.doe@example.com\"}",
                        ReasonCode.MALFORMED_JSON,
                        "content follows the JSON object at character " + valid.length()));
        cases.add(
                text(
                        "a raw line feed inside a string",
                        json -> json.replace("Jane Doe, SSN", "Jane Doe,\nSSN"),
                        ReasonCode.MALFORMED_JSON,
                        "malformed JSON at line"));
        cases.add(
                text(
                        "single-quoted string",
                        json -> json.replace("\"jane.doe@example.com\"", "'jane.doe@example.com'"),
                        ReasonCode.MALFORMED_JSON,
                        "malformed JSON at line 1"));
        cases.add(
                text(
                        "a comment",
                        json -> json.replace("\"userId\"", "/* jane.doe@example.com */\"userId\""),
                        ReasonCode.MALFORMED_JSON,
                        "malformed JSON at line 1"));
        cases.add(
                text(
                        "NaN literal",
                        json -> json.replace("\"temperature\":0.3", "\"temperature\":NaN"),
                        ReasonCode.MALFORMED_JSON,
                        "malformed JSON at line 1"));
        cases.add(
                text(
                        "number with a leading zero",
                        json -> json.replace("\"maxTokens\":500", "\"maxTokens\":0500"),
                        ReasonCode.MALFORMED_JSON,
                        "malformed JSON at line 1"));

        // -- not an object
        cases.add(
                raw(
                        "top-level array",
                        utf8("[\"jane.doe@example.com\"]"),
                        ReasonCode.NOT_A_JSON_OBJECT,
                        "JSON array, not an object",
                        null));
        cases.add(
                raw(
                        "top-level string",
                        utf8("\"jane.doe@example.com\""),
                        ReasonCode.NOT_A_JSON_OBJECT,
                        "JSON string, not an object",
                        null));
        cases.add(
                raw(
                        "top-level number",
                        utf8("78051120"),
                        ReasonCode.NOT_A_JSON_OBJECT,
                        "JSON number, not an object",
                        null));
        cases.add(
                raw(
                        "top-level null",
                        utf8("null"),
                        ReasonCode.NOT_A_JSON_OBJECT,
                        "JSON null, not an object",
                        null));
        cases.add(
                raw(
                        "top-level boolean",
                        utf8("true"),
                        ReasonCode.NOT_A_JSON_OBJECT,
                        "JSON boolean, not an object",
                        null));
        cases.add(
                raw(
                        "only whitespace",
                        utf8(" \n\t "),
                        ReasonCode.EMPTY_RECORD,
                        "the record holds only whitespace",
                        null));

        // -- duplicate keys and nesting
        cases.add(
                text(
                        "duplicate key at top level",
                        json ->
                                json.replace(
                                        "\"caseId\"",
                                        "\"userId\":\"john.roe@example.org\",\"caseId\""),
                        ReasonCode.DUPLICATE_JSON_KEY,
                        "an object repeats a key (at line 1, column"));
        cases.add(
                text(
                        "duplicate key inside metadata",
                        json ->
                                json.replace(
                                        "\"creditScore\":720",
                                        "\"creditScore\":720,\"creditScore\":680"),
                        ReasonCode.DUPLICATE_JSON_KEY,
                        "an object repeats a key"));
        cases.add(
                text(
                        "duplicate key inside an unknown field",
                        json ->
                                json.replace(
                                        "\"caseId\"", "\"x\":{\"jane\":1,\"jane\":2},\"caseId\""),
                        ReasonCode.DUPLICATE_JSON_KEY,
                        "an object repeats a key"));
        cases.add(
                text(
                        "nesting deeper than 64 levels",
                        json ->
                                json.replace(
                                        "\"caseId\"",
                                        "\"trace\":"
                                                + "[".repeat(64)
                                                + "]".repeat(64)
                                                + ",\"caseId\""),
                        ReasonCode.NESTING_TOO_DEEP,
                        "nested deeper than 64 levels"));
        cases.add(
                text(
                        "nesting 500 levels deep in the context metadata",
                        json ->
                                json.replace(
                                        "\"creditScore\":720",
                                        "\"creditScore\":"
                                                + "{\"a\":".repeat(500)
                                                + "1"
                                                + "}".repeat(500)),
                        ReasonCode.NESTING_TOO_DEEP,
                        "nested deeper than 64 levels"));

        // -- missing required fields
        cases.add(
                event(
                        "missing eventType",
                        remove("eventType"),
                        ReasonCode.MISSING_FIELD,
                        "eventType is required"));
        cases.add(
                event(
                                "missing tenantId",
                                remove("tenantId"),
                                ReasonCode.MISSING_FIELD,
                                "tenantId is required")
                        .tenant(null));
        cases.add(
                event(
                                "null tenantId",
                                put("tenantId", null),
                                ReasonCode.MISSING_FIELD,
                                "tenantId is required")
                        .tenant(null));
        cases.add(
                event(
                        "missing timestamp",
                        remove("timestamp"),
                        ReasonCode.MISSING_FIELD,
                        "timestamp is required"));
        cases.add(
                event(
                        "missing userId",
                        remove("userId"),
                        ReasonCode.MISSING_FIELD,
                        "userId is required"));
        cases.add(
                event(
                        "missing aiInteraction",
                        remove("aiInteraction"),
                        ReasonCode.MISSING_FIELD,
                        "aiInteraction is required"));
        cases.add(
                event(
                        "null aiInteraction",
                        put("aiInteraction", null),
                        ReasonCode.MISSING_FIELD,
                        "aiInteraction is required"));
        cases.add(
                event(
                        "missing model",
                        remove("aiInteraction.model"),
                        ReasonCode.MISSING_FIELD,
                        "aiInteraction.model is required"));
        cases.add(
                event(
                        "missing modelVersion",
                        remove("aiInteraction.modelVersion"),
                        ReasonCode.MISSING_FIELD,
                        "aiInteraction.modelVersion is required"));
        cases.add(
                event(
                        "missing prompt",
                        remove("aiInteraction.prompt"),
                        ReasonCode.MISSING_FIELD,
                        "aiInteraction.prompt is required"));
        cases.add(
                event(
                        "null prompt",
                        put("aiInteraction.prompt", null),
                        ReasonCode.MISSING_FIELD,
                        "aiInteraction.prompt is required"));
        cases.add(
                event(
                        "missing response",
                        remove("aiInteraction.response"),
                        ReasonCode.MISSING_FIELD,
                        "aiInteraction.response is required"));
        cases.add(
                event(
                        "missing response.content",
                        remove("aiInteraction.response.content"),
                        ReasonCode.MISSING_FIELD,
                        "aiInteraction.response.content is required"));
        cases.add(
                event(
                        "missing decision.approved",
                        remove("aiInteraction.decision.approved"),
                        ReasonCode.MISSING_FIELD,
                        "aiInteraction.decision.approved is required"));
        cases.add(
                event(
                        "null decision.approved",
                        put("aiInteraction.decision.approved", null),
                        ReasonCode.MISSING_FIELD,
                        "aiInteraction.decision.approved is required"));

        // -- wrong types
        cases.add(
                event(
                                "tenantId a number",
                                put("tenantId", 456),
                                ReasonCode.WRONG_TYPE,
                                "tenantId must be a string, got number")
                        .tenant(null));
        cases.add(
                event(
                        "eventId a number",
                        put("eventId", 1120),
                        ReasonCode.WRONG_TYPE,
                        "eventId must be a string, got number"));
        cases.add(
                event(
                        "userId an object",
                        putRaw("userId", "{\"email\":\"jane.doe@example.com\"}"),
                        ReasonCode.WRONG_TYPE,
                        "userId must be a string, got object"));
        cases.add(
                event(
                        "timestamp a number",
                        put("timestamp", 1773570067123L),
                        ReasonCode.WRONG_TYPE,
                        "timestamp must be a string, got number"));
        cases.add(
                event(
                        "aiInteraction a string",
                        put("aiInteraction", "Jane Doe, SSN 078-05-1120"),
                        ReasonCode.WRONG_TYPE,
                        "aiInteraction must be an object, got string"));
        cases.add(
                event(
                        "prompt an array",
                        putRaw("aiInteraction.prompt", "[\"Jane Doe, SSN 078-05-1120\"]"),
                        ReasonCode.WRONG_TYPE,
                        "aiInteraction.prompt must be a string, got array"));
        cases.add(
                event(
                        "temperature a string",
                        put("aiInteraction.parameters.temperature", "0.3 (SSN 078-05-1120)"),
                        ReasonCode.WRONG_TYPE,
                        "aiInteraction.parameters.temperature must be a number, got string"));
        cases.add(
                event(
                        "maxTokens a fraction",
                        putRaw("aiInteraction.parameters.maxTokens", "1.5"),
                        ReasonCode.WRONG_TYPE,
                        "aiInteraction.parameters.maxTokens must be an integer, got number"));
        cases.add(
                event(
                        "tokens a string",
                        put("aiInteraction.response.tokens", "45 for jane.doe@example.com"),
                        ReasonCode.WRONG_TYPE,
                        "aiInteraction.response.tokens must be an integer, got string"));
        cases.add(
                event(
                                "approved a string",
                                put("aiInteraction.decision.approved", "yes"),
                                ReasonCode.WRONG_TYPE,
                                "aiInteraction.decision.approved must be a boolean, got string")
                        .secret("yes"));
        cases.add(
                event(
                        "confidence a string",
                        put("aiInteraction.decision.confidence", "0.92 jane.doe@example.com"),
                        ReasonCode.WRONG_TYPE,
                        "aiInteraction.decision.confidence must be a number, got string"));
        cases.add(
                event(
                        "userHistory not an array",
                        put(
                                "aiInteraction.context.userHistory",
                                "jane.doe@example.com had 2 loans"),
                        ReasonCode.WRONG_TYPE,
                        "aiInteraction.context.userHistory must be an array of strings, got string"));
        cases.add(
                event(
                        "userHistory element a number",
                        putRaw(
                                "aiInteraction.context.userHistory",
                                "[\"jane.doe@example.com had 2 loans\", 781120]"),
                        ReasonCode.WRONG_TYPE,
                        "aiInteraction.context.userHistory[1] must be a string, got number"));
        cases.add(
                event(
                        "relevantDocuments element an object",
                        putRaw(
                                "aiInteraction.context.relevantDocuments",
                                "[{\"ssn\":\"078-05-1120\"}]"),
                        ReasonCode.WRONG_TYPE,
                        "aiInteraction.context.relevantDocuments[0] must be a string, got object"));
        cases.add(
                event(
                        "metadata an array",
                        putRaw("aiInteraction.context.metadata", "[\"078-05-1120\"]"),
                        ReasonCode.WRONG_TYPE,
                        "aiInteraction.context.metadata must be an object, got array"));
        cases.add(
                event(
                        "context a string",
                        put("aiInteraction.context", "Jane Doe, SSN 078-05-1120"),
                        ReasonCode.WRONG_TYPE,
                        "aiInteraction.context must be an object, got string"));
        cases.add(
                event(
                        "parameters an array",
                        putRaw("aiInteraction.parameters", "[0.3, 500]"),
                        ReasonCode.WRONG_TYPE,
                        "aiInteraction.parameters must be an object, got array"));
        cases.add(
                event(
                        "decision a boolean",
                        put("aiInteraction.decision", true),
                        ReasonCode.WRONG_TYPE,
                        "aiInteraction.decision must be an object, got boolean"));

        // -- numbers out of range
        cases.add(
                event(
                        "confidence 1.5",
                        put("aiInteraction.decision.confidence", 1.5),
                        ReasonCode.VALUE_OUT_OF_RANGE,
                        "aiInteraction.decision.confidence must be within [0, 1]"));
        cases.add(
                event(
                        "confidence -0.1",
                        put("aiInteraction.decision.confidence", -0.1),
                        ReasonCode.VALUE_OUT_OF_RANGE,
                        "aiInteraction.decision.confidence must be within [0, 1]"));
        cases.add(
                event(
                        "negative tokens",
                        put("aiInteraction.response.tokens", -1),
                        ReasonCode.VALUE_OUT_OF_RANGE,
                        "aiInteraction.response.tokens must not be negative"));
        cases.add(
                event(
                        "negative temperature",
                        put("aiInteraction.parameters.temperature", -0.5),
                        ReasonCode.VALUE_OUT_OF_RANGE,
                        "aiInteraction.parameters.temperature must not be negative"));
        cases.add(
                event(
                        "negative maxTokens",
                        put("aiInteraction.parameters.maxTokens", -500),
                        ReasonCode.VALUE_OUT_OF_RANGE,
                        "aiInteraction.parameters.maxTokens must not be negative"));
        cases.add(
                event(
                        "topP 1.2",
                        put("aiInteraction.parameters.topP", 1.2),
                        ReasonCode.VALUE_OUT_OF_RANGE,
                        "aiInteraction.parameters.topP must be within [0, 1]"));
        cases.add(
                event(
                        "maxTokens beyond 64 bits",
                        putRaw("aiInteraction.parameters.maxTokens", "9223372036854775808"),
                        ReasonCode.VALUE_OUT_OF_RANGE,
                        "aiInteraction.parameters.maxTokens does not fit a 64-bit integer"));
        cases.add(
                text(
                        "temperature beyond the double range",
                        json -> json.replace("\"temperature\":0.3", "\"temperature\":1e400"),
                        ReasonCode.VALUE_OUT_OF_RANGE,
                        "aiInteraction.parameters.temperature must be a finite number"));

        // -- timestamps
        cases.add(
                event(
                        "timestamp unparseable",
                        put("timestamp", "jane.doe@example.com"),
                        ReasonCode.INVALID_TIMESTAMP,
                        "ISO-8601 date-time with a zone offset"));
        cases.add(
                event(
                                "timestamp without offset",
                                put("timestamp", "2026-03-15T10:21:07.123"),
                                ReasonCode.INVALID_TIMESTAMP,
                                "ISO-8601 date-time with a zone offset")
                        .secret("10:21:07.123\""));
        cases.add(
                event(
                                "timestamp 2026-02-30",
                                put("timestamp", "2026-02-30T10:21:07Z"),
                                ReasonCode.INVALID_TIMESTAMP,
                                "ISO-8601 date-time with a zone offset")
                        .secret("02-30"));
        cases.add(
                event(
                        "timestamp a date only",
                        put("timestamp", "2026-03-15"),
                        ReasonCode.INVALID_TIMESTAMP,
                        "ISO-8601 date-time with a zone offset"));
        cases.add(
                event(
                                "timestamp before 2000",
                                put("timestamp", "1999-12-31T23:59:59.999Z"),
                                ReasonCode.TIMESTAMP_OUT_OF_RANGE,
                                "before the earliest accepted event time 2000-01-01T00:00:00Z")
                        .secret("1999"));
        cases.add(
                event(
                                "timestamp one millisecond beyond the future skew",
                                put("timestamp", "2026-03-15T10:45:00.001Z"),
                                ReasonCode.TIMESTAMP_OUT_OF_RANGE,
                                "more than PT15M after the ingest time")
                        .secret("10:45"));
        cases.add(
                event(
                                "timestamp far in the future",
                                put("timestamp", "2099-01-01T00:00:00Z"),
                                ReasonCode.TIMESTAMP_OUT_OF_RANGE,
                                "after the ingest time")
                        .secret("2099"));

        // -- empty and blank
        cases.add(
                event(
                                "empty tenantId",
                                put("tenantId", ""),
                                ReasonCode.EMPTY_FIELD,
                                "tenantId must not be empty")
                        .tenant(null));
        cases.add(
                event(
                        "blank userId",
                        put("userId", "   "),
                        ReasonCode.EMPTY_FIELD,
                        "userId must not be empty"));
        cases.add(
                event(
                        "empty model",
                        put("aiInteraction.model", ""),
                        ReasonCode.EMPTY_FIELD,
                        "aiInteraction.model must not be empty"));
        cases.add(
                event(
                        "blank modelVersion",
                        put("aiInteraction.modelVersion", " \t"),
                        ReasonCode.EMPTY_FIELD,
                        "aiInteraction.modelVersion must not be empty"));
        cases.add(
                event(
                        "empty eventId",
                        put("eventId", ""),
                        ReasonCode.EMPTY_FIELD,
                        "eventId must not be empty"));

        // -- event types
        cases.add(
                event(
                                "unknown eventType",
                                put("eventType", "LOAN_DECIDED"),
                                ReasonCode.UNKNOWN_EVENT_TYPE,
                                "eventType must be AI_DECISION; other event types are not stored")
                        .secret("LOAN_DECIDED"));
        cases.add(
                event(
                        "eventType holding personal data",
                        put("eventType", "jane.doe@example.com"),
                        ReasonCode.UNKNOWN_EVENT_TYPE,
                        "eventType must be AI_DECISION"));
        cases.add(
                event(
                                "MODEL_VERSION_REGISTERED (not stored by this parser yet)",
                                put("eventType", "MODEL_VERSION_REGISTERED"),
                                ReasonCode.UNKNOWN_EVENT_TYPE,
                                "eventType must be AI_DECISION")
                        .secret("MODEL_VERSION"));
        cases.add(
                event(
                        "eventType a lower-case variant",
                        put("eventType", "ai_decision"),
                        ReasonCode.UNKNOWN_EVENT_TYPE,
                        "eventType must be AI_DECISION"));

        // -- tenant ids (they name partition folders)
        cases.add(
                event(
                                "tenantId with '/'",
                                put("tenantId", "bank/jane"),
                                ReasonCode.INVALID_TENANT_ID,
                                "it contains a path separator")
                        .tenant(null)
                        .secret("bank/"));
        cases.add(
                event(
                                "tenantId with '\\'",
                                put("tenantId", "bank\\jane"),
                                ReasonCode.INVALID_TENANT_ID,
                                "it contains a path separator")
                        .tenant(null));
        cases.add(
                event(
                                "tenantId with '='",
                                put("tenantId", "tenant_id=bank"),
                                ReasonCode.INVALID_TENANT_ID,
                                "it contains '='")
                        .tenant(null)
                        .secret("tenant_id="));
        cases.add(
                event(
                                "tenantId with '..'",
                                put("tenantId", "bank..456"),
                                ReasonCode.INVALID_TENANT_ID,
                                "it contains '..'")
                        .tenant(null)
                        .secret("bank.."));
        cases.add(
                event(
                                "tenantId with a space",
                                put("tenantId", "jane doe"),
                                ReasonCode.INVALID_TENANT_ID,
                                "(it names a partition folder)")
                        .tenant(null));
        cases.add(
                event(
                                "tenantId starting with '_' (hidden to Hive)",
                                put("tenantId", "_bank"),
                                ReasonCode.INVALID_TENANT_ID,
                                "must start with a letter or digit")
                        .tenant(null)
                        .secret("_bank"));
        cases.add(
                event(
                                "tenantId '..'",
                                put("tenantId", ".."),
                                ReasonCode.INVALID_TENANT_ID,
                                "must start with a letter or digit")
                        .tenant(null));
        cases.add(
                event(
                                "tenantId over 128 characters",
                                put("tenantId", "bank" + "9".repeat(125)),
                                ReasonCode.FIELD_TOO_LONG,
                                "tenantId is 129 characters, over the limit of 128")
                        .tenant(null)
                        .secret("bank999"));

        // -- event ids and lengths
        cases.add(
                event(
                        "eventId with a control character",
                        put("eventId", "evt-jane.doe@example.com\u0007"),
                        ReasonCode.INVALID_EVENT_ID,
                        "eventId must not contain control characters (one at position 24)"));
        cases.add(
                event(
                                "eventId starting with kafka:",
                                put("eventId", "kafka:decisions:3:42"),
                                ReasonCode.INVALID_EVENT_ID,
                                "reserved for derived ids")
                        .secret("decisions:3:42"));
        cases.add(
                event(
                        "eventId over 256 characters",
                        put("eventId", "jane.doe@example.com".repeat(13)),
                        ReasonCode.FIELD_TOO_LONG,
                        "eventId is 260 characters, over the limit of 256"));
        cases.add(
                event(
                        "userId over 1024 characters",
                        put("userId", "jane.doe@example.com".repeat(52)),
                        ReasonCode.FIELD_TOO_LONG,
                        "userId is 1040 characters, over the limit of 1024"));
        cases.add(
                event(
                        "model over 256 characters",
                        put("aiInteraction.model", "gpt-" + "4".repeat(253)),
                        ReasonCode.FIELD_TOO_LONG,
                        "aiInteraction.model is 257 characters, over the limit of 256"));

        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedInputs")
    void rejectsMalformedInputWithItsReasonAndADetailThatNamesNoValue(Malformed input) {
        // given
        DecisionParser limited = new DecisionParser(input.limits());

        // when
        ParseOutcome outcome = limited.parse(input.value(), TOPIC, PARTITION, OFFSET, INGEST_TIME);

        // then
        assertThat(outcome.isAccepted()).as("accepted: %s", outcome).isFalse();
        assertThat(outcome.decision()).isNull();
        assertThat(outcome.reason())
                .as("reason, detail: %s", outcome.detail())
                .isEqualTo(input.reason());
        assertThat(outcome.detail()).contains(input.detailFragment());
        assertThat(outcome.tenantId()).as("tenantId kept").isEqualTo(input.tenantId());
        for (String secret : input.secrets()) {
            assertThat(outcome.detail())
                    .as("detail echoes a value")
                    .doesNotContainIgnoringCase(secret);
            assertThat(outcome.toString())
                    .as("toString echoes a value")
                    .doesNotContainIgnoringCase(secret);
        }
    }

    @Test
    void coversAtLeast35DistinctMalformedInputsMostOfThemCarryingPersonalData() {
        // given
        List<Malformed> cases = malformedInputs().toList();

        // when
        long distinctNames = cases.stream().map(Malformed::name).distinct().count();
        long distinctValues =
                cases.stream()
                        .map(c -> c.value() == null ? "<null>" : Arrays.toString(c.value()))
                        .distinct()
                        .count();
        long withPlantedPii =
                cases.stream()
                        .filter(c -> c.value() != null)
                        .filter(
                                c ->
                                        new String(c.value(), StandardCharsets.ISO_8859_1)
                                                .contains("jane"))
                        .count();

        // then
        assertThat(cases).hasSizeGreaterThanOrEqualTo(35);
        assertThat(distinctNames).isEqualTo(cases.size());
        assertThat(distinctValues).isEqualTo(cases.size());
        assertThat(withPlantedPii).isGreaterThanOrEqualTo(cases.size() - 10);
        assertThat(cases.stream().map(Malformed::reason).distinct())
                .containsExactlyInAnyOrder(
                        Arrays.stream(ReasonCode.values())
                                // found after parsing: by the de-duplicator, the tenant bindings
                                .filter(r -> r != ReasonCode.DUPLICATE_EVENT_ID)
                                .filter(r -> r != ReasonCode.TENANT_NOT_ALLOWED)
                                .toArray(ReasonCode[]::new));
    }

    @Test
    void wouldLeakThePersonalValueThroughJacksonsOwnMessageForTheUnquotedCase() {
        // given: shows the malformed-JSON cases really put the value where Jackson quotes it
        byte[] value = utf8("{\"tenantId\":\"bank_456\",\"userId\":jane.doe@example.com}");

        // when
        Throwable thrown = Assertions.catchThrowable(() -> JSON.readTree(value));

        // then
        assertThat(thrown).isInstanceOf(JsonParseException.class).hasMessageContaining("jane");
        assertThat(parse(value).detail()).doesNotContainIgnoringCase("jane");
    }

    // ---- bugs found while writing these tests (kept, disabled, until main code is fixed) -----

    @Test
    void keepsBothValuesWhenAnUnknownDottedKeyCollidesWithANestedUnknownField() {
        // given
        ObjectNode event = loanEvent();
        at(event, "aiInteraction.parameters").put("seed", 1111);
        event.put("aiInteraction.parameters.seed", 2222);

        // when
        ParseOutcome outcome = parse(event);

        // then: either refused as ambiguous, or both values kept
        if (outcome.isAccepted()) {
            assertThat(outcome.decision().getExtraJson()).contains("1111").contains("2222");
        } else {
            assertThat(outcome.reason()).isEqualTo(ReasonCode.DUPLICATE_JSON_KEY);
        }
    }

    @Test
    void rejectsAStringWithALoneSurrogateEscape() {
        // given
        String loan = new String(loanBytes(), StandardCharsets.UTF_8);
        byte[] loneSurrogate = utf8(loan.replace("Evaluate this loan application", "\\ud800"));
        byte[] questionMark = utf8(loan.replace("Evaluate this loan application", "?"));

        // when
        ParseOutcome surrogate = parse(loneSurrogate);
        ParseOutcome question = parse(questionMark);

        // then
        assertThat(accepted(question).getPrompt()).isEqualTo("?");
        assertThat(surrogate.isAccepted()).as("accepted with hash %s", surrogate).isFalse();
        assertThat(surrogate.reason()).isIn(ReasonCode.INVALID_UTF8, ReasonCode.MALFORMED_JSON);
    }

    static Stream<Malformed> streamConstraintViolations() {
        return Stream.of(
                text(
                        "maxTokens with 1001 digits",
                        json ->
                                json.replace(
                                        "\"maxTokens\":500", "\"maxTokens\":" + "1".repeat(1001)),
                        ReasonCode.VALUE_OUT_OF_RANGE,
                        "a number is longer than the parser's limit of 1000 digits"),
                text(
                        "temperature with 1001 fraction digits",
                        json ->
                                json.replace(
                                        "\"temperature\":0.3",
                                        "\"temperature\":0." + "3".repeat(1001)),
                        ReasonCode.VALUE_OUT_OF_RANGE,
                        "a number is longer than the parser's limit"),
                text(
                        "an unknown key of 50001 characters",
                        json ->
                                json.replace(
                                        "\"caseId\"",
                                        "\"" + "k".repeat(50_001) + "\":1,\"caseId\""),
                        ReasonCode.FIELD_TOO_LONG,
                        "a key is longer than the parser's limit of 50000 characters"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("streamConstraintViolations")
    void reportsJacksonLengthLimitsAsWhatTheyAreNotAsTooDeepNesting(Malformed input) {
        // when
        ParseOutcome outcome = parse(input.value());

        // then
        assertThat(outcome.isAccepted()).isFalse();
        assertThat(outcome.reason()).isNotEqualTo(ReasonCode.NESTING_TOO_DEEP);
        assertThat(outcome.detail()).doesNotContain("nested deeper");
        assertThat(outcome.reason()).isEqualTo(input.reason());
        assertThat(outcome.detail()).contains(input.detailFragment());
    }

    @Test
    void keepsTheValidTenantOfARejectedRecordWhateverTheKeyOrder() {
        // given: docs/design.md order, eventId before tenantId
        ObjectNode event = loanEvent();
        event.put("eventId", "kafka:forged");

        // when
        ParseOutcome outcome = parse(event);

        // then
        assertThat(outcome.reason()).isEqualTo(ReasonCode.INVALID_EVENT_ID);
        assertThat(outcome.tenantId()).isEqualTo("bank_456");
    }

    @Test
    void acceptsThePersonalDataEventThatTheMalformedCasesStartFrom() {
        // given: each malformed case changes one thing in this event, so it must itself be valid
        ObjectNode event = piiEvent();

        // when
        DecisionRecord r = accepted(parse(event));

        // then
        assertThat(r.getUserId()).isEqualTo("jane.doe@example.com");
        assertThat(r.getPrompt())
                .isEqualTo("Evaluate the loan of Jane Doe, SSN 078-05-1120, 12 Elm St");
        assertThat(r.getContextMetadataJson())
                .isEqualTo("{\"creditScore\":720,\"ssn\":\"078-05-1120\"}");
        assertThat(r.getExtraJson()).isNull();
    }
}
