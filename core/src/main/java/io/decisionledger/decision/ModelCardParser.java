package io.decisionledger.decision;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.decisionledger.schema.ModelCertification;
import io.decisionledger.schema.ModelVersionCard;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses {@code MODEL_VERSION_REGISTERED} events into {@link ModelVersionCard}s for the model
 * registry ({@code <lake>/models/model_versions/}). The wire format:
 *
 * <pre>{@code
 * { "eventId": "mv-1", "eventType": "MODEL_VERSION_REGISTERED", "timestamp": "2026-03-01T09:00:00Z",
 *   "tenantId": "bank_456", "modelMetadataId": "meta_abc123",
 *   "modelMetadata": { "modelName": "gpt-4o", "version": "gpt-4o-2024-05-13",
 *     "releaseDate": "2024-05-13", "trainingCutoff": "2024-04-01",
 *     "finetuningDataset": "proprietary_loan_decisions_2024",
 *     "evaluationMetrics": { "accuracy": 0.94, "fairnessScore": 0.89 },
 *     "certifications": [ { "name": "EU_AI_ACT", "level": "HIGH_RISK" }, { "name": "SOC2", "passed": true } ] } }
 * }</pre>
 *
 * <p>{@code tenantId}, {@code modelMetadataId} and {@code eventId} are optional; {@code
 * modelMetadata.modelName} and {@code .version} are required. The whole {@code modelMetadata}
 * object, unknown members included, is kept as canonical JSON ({@code card_json}) and hashed
 * ({@code card_sha256}, schemas/CANONICAL.md section 7). Cards are rare, so this reads a tree;
 * refusals name fields and rules, never values. One instance per thread.
 */
public final class ModelCardParser {

    public static final String MODEL_VERSION_REGISTERED = "MODEL_VERSION_REGISTERED";

    private static final ObjectMapper TREE = new ObjectMapper();

    private final ParserLimits limits;
    private final JsonFactory jsonFactory =
            JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    /** What became of a record: a card, a refusal, or "not a card event at all" (both null). */
    public record Outcome(ModelVersionCard card, ParseOutcome rejection) {
        public boolean isCardEvent() {
            return card != null || rejection != null;
        }
    }

    public ModelCardParser(ParserLimits limits) {
        this.limits = limits;
    }

    /**
     * Parses {@code value} if it is a model registration event. Returns an outcome with neither
     * card nor rejection when the record is not one (its eventType is something else or
     * unreadable), so the caller keeps its own verdict.
     */
    public Outcome parse(byte[] value, String topic, int partition, long offset, Instant ingest) {
        if (value == null || value.length == 0 || value.length > limits.maxRecordBytes()) {
            return new Outcome(null, null);
        }
        String text;
        try {
            text =
                    StandardCharsets.UTF_8
                            .newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)
                            .decode(ByteBuffer.wrap(value))
                            .toString();
        } catch (CharacterCodingException e) {
            return new Outcome(null, null);
        }
        Map<String, String> envelope = new LinkedHashMap<>();
        String cardJson = null;
        try (JsonParser p = jsonFactory.createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return new Outcome(null, null);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if (name.equals("modelMetadata") && t == JsonToken.START_OBJECT) {
                    cardJson = CanonicalJson.readValue(p);
                } else if (t == JsonToken.VALUE_STRING) {
                    envelope.put(name, p.getText());
                } else {
                    p.skipChildren();
                    envelope.put(name, null);
                }
            }
        } catch (IOException | InvalidDecisionException e) {
            return new Outcome(null, null);
        }
        if (!MODEL_VERSION_REGISTERED.equals(envelope.get("eventType"))) {
            return new Outcome(null, null);
        }
        try {
            return new Outcome(card(envelope, cardJson, topic, partition, offset, ingest), null);
        } catch (InvalidDecisionException e) {
            String tenant = envelope.get("tenantId");
            String eventId = envelope.get("eventId");
            return new Outcome(
                    null,
                    ParseOutcome.rejected(
                            e.reason(),
                            e.getMessage(),
                            tenant != null && DecisionParser.isValidTenantId(tenant)
                                    ? tenant
                                    : null,
                            null == eventId ? null : safeEventId(eventId)));
        }
    }

    private static String safeEventId(String id) {
        try {
            DecisionParser.validateEventId(id);
            return id;
        } catch (InvalidDecisionException e) {
            return null;
        }
    }

    private ModelVersionCard card(
            Map<String, String> envelope,
            String cardJson,
            String topic,
            int partition,
            long offset,
            Instant ingest)
            throws InvalidDecisionException {
        ModelVersionCard c = new ModelVersionCard();
        String eventId = envelope.get("eventId");
        if (eventId != null) {
            DecisionParser.validateEventId(eventId);
        } else if (envelope.containsKey("eventId")) {
            throw wrongType("eventId", "a string");
        } else {
            eventId = DecisionParser.derivedEventId(topic, partition, offset);
        }
        c.setEventId(eventId);
        String timestamp = requiredEnvelope(envelope, "timestamp");
        c.setRegisteredAt(
                DecisionParser.parseTimestamp(timestamp)
                        .truncatedTo(java.time.temporal.ChronoUnit.MICROS));
        String tenant = optionalEnvelope(envelope, "tenantId");
        if (tenant != null) {
            DecisionParser.validateTenantId(tenant);
        }
        c.setTenantId(tenant);
        String metadataId = optionalEnvelope(envelope, "modelMetadataId");
        if (metadataId != null) {
            requireText(metadataId, "modelMetadataId");
        }
        c.setModelMetadataId(metadataId);
        if (cardJson == null) {
            throw new InvalidDecisionException(
                    ReasonCode.MISSING_FIELD, "modelMetadata (an object) is required");
        }
        JsonNode card;
        try {
            card = TREE.readTree(cardJson);
        } catch (IOException e) {
            throw new InvalidDecisionException(
                    ReasonCode.MALFORMED_JSON, "modelMetadata is not readable JSON");
        }
        c.setCardJson(cardJson);
        c.setCardSha256(sha256Hex(cardJson));
        c.setModelName(requiredText(card, "modelName"));
        c.setModelVersion(requiredText(card, "version"));
        c.setReleaseDate(optionalDate(card, "releaseDate"));
        c.setTrainingCutoff(optionalDate(card, "trainingCutoff"));
        c.setFineTuningDataset(optionalText(card, "finetuningDataset"));
        c.setEvaluationMetrics(metrics(card.get("evaluationMetrics")));
        c.setCertifications(certifications(card.get("certifications")));
        c.setCardId(
                metadataId != null
                        ? metadataId
                        : "mv:" + c.getModelVersion() + ":" + c.getCardSha256().substring(0, 16));
        c.setSourceTopic(topic);
        c.setSourcePartition(partition);
        c.setSourceOffset(offset);
        c.setIngestTime(ingest);
        return c;
    }

    /** The card hash: SHA-256 of the canonical card JSON's UTF-8 bytes, lower-case hex. */
    public static String sha256Hex(String canonicalCardJson) {
        return HexFormat.of()
                .formatHex(
                        FieldDigests.sha256()
                                .digest(canonicalCardJson.getBytes(StandardCharsets.UTF_8)));
    }

    private static String requiredEnvelope(Map<String, String> envelope, String field)
            throws InvalidDecisionException {
        String v = envelope.get(field);
        if (v == null) {
            if (envelope.containsKey(field)) {
                throw wrongType(field, "a string");
            }
            throw new InvalidDecisionException(ReasonCode.MISSING_FIELD, field + " is required");
        }
        return v;
    }

    private static String optionalEnvelope(Map<String, String> envelope, String field)
            throws InvalidDecisionException {
        String v = envelope.get(field);
        if (v == null && envelope.containsKey(field)) {
            throw wrongType(field, "a string");
        }
        return v;
    }

    private static String requiredText(JsonNode card, String field)
            throws InvalidDecisionException {
        String v = optionalText(card, field);
        if (v == null) {
            throw new InvalidDecisionException(
                    ReasonCode.MISSING_FIELD, "modelMetadata." + field + " is required");
        }
        return v;
    }

    private static String optionalText(JsonNode card, String field)
            throws InvalidDecisionException {
        JsonNode n = card.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw wrongType("modelMetadata." + field, "a string");
        }
        requireText(n.asText(), "modelMetadata." + field);
        return n.asText();
    }

    private static void requireText(String v, String field) throws InvalidDecisionException {
        if (v.isBlank()) {
            throw new InvalidDecisionException(
                    ReasonCode.EMPTY_FIELD, field + " must not be empty");
        }
        if (v.length() > DecisionParser.MAX_ID_LENGTH) {
            throw new InvalidDecisionException(
                    ReasonCode.FIELD_TOO_LONG,
                    field + " is longer than " + DecisionParser.MAX_ID_LENGTH + " characters");
        }
    }

    private static String optionalDate(JsonNode card, String field)
            throws InvalidDecisionException {
        String v = optionalText(card, field);
        if (v != null) {
            try {
                LocalDate.parse(v);
            } catch (DateTimeParseException e) {
                throw new InvalidDecisionException(
                        ReasonCode.INVALID_TIMESTAMP,
                        "modelMetadata." + field + " must be an ISO date such as 2024-05-13");
            }
        }
        return v;
    }

    private static Map<String, Double> metrics(JsonNode n) throws InvalidDecisionException {
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isObject()) {
            throw wrongType("modelMetadata.evaluationMetrics", "an object");
        }
        Map<String, Double> out = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = n.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isNumber()) {
                throw wrongType("modelMetadata.evaluationMetrics.<metric>", "a number");
            }
            out.put(e.getKey(), e.getValue().asDouble());
        }
        return out;
    }

    private static List<ModelCertification> certifications(JsonNode n)
            throws InvalidDecisionException {
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isArray()) {
            throw wrongType("modelMetadata.certifications", "an array");
        }
        List<ModelCertification> out = new ArrayList<>();
        for (JsonNode c : n) {
            if (!c.isObject()) {
                throw wrongType("modelMetadata.certifications[]", "an object");
            }
            ModelCertification m = new ModelCertification();
            JsonNode name = c.get("name");
            if (name == null || name.isNull()) {
                throw new InvalidDecisionException(
                        ReasonCode.MISSING_FIELD,
                        "modelMetadata.certifications[].name is required");
            }
            if (!name.isTextual()) {
                throw wrongType("modelMetadata.certifications[].name", "a string");
            }
            requireText(name.asText(), "modelMetadata.certifications[].name");
            m.setName(name.asText());
            JsonNode level = c.get("level");
            if (level != null && !level.isNull() && !level.isTextual()) {
                throw wrongType("modelMetadata.certifications[].level", "a string");
            }
            m.setLevel(level == null || level.isNull() ? null : level.asText());
            JsonNode passed = c.get("passed");
            if (passed != null && !passed.isNull()) {
                if (!passed.isBoolean()) {
                    throw wrongType("modelMetadata.certifications[].passed", "a boolean");
                }
                m.setPassed(passed.asBoolean());
            }
            out.add(m);
        }
        return out;
    }

    private static InvalidDecisionException wrongType(String field, String expected) {
        return new InvalidDecisionException(ReasonCode.WRONG_TYPE, field + " must be " + expected);
    }
}
