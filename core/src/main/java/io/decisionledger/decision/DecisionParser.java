package io.decisionledger.decision;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.decisionledger.schema.DecisionRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;

/**
 * Turns one Kafka record value (the JSON wire format of docs/design.md) into a {@link
 * DecisionRecord} ready to store, or into the reason it must be quarantined. It is the single
 * definition of "a valid decision": ingest, metrics and the benchmarks all call it.
 *
 * <p>It reads the JSON with Jackson's streaming parser straight into the Avro record (no tree, no
 * intermediate map), so the per-event cost stays close to the cost of tokenising. Fields it does
 * not know are kept as canonical JSON in {@code extra_json}: nothing the producer sent is lost.
 * Error details name the field and the rule, never the value, because values may be personal data.
 * One instance per thread: it reuses buffers.
 */
public final class DecisionParser {

    public static final String AI_DECISION = "AI_DECISION";

    /** Allowed tenant ids: safe in a Hive partition folder and an S3 key, on every BI tool. */
    private static final Pattern TENANT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

    static final int MAX_TENANT_ID_LENGTH = 128;
    static final int MAX_ID_LENGTH = 256;
    private static final int MAX_NESTING_DEPTH = 64;

    private final ParserLimits limits;
    private final JsonFactory jsonFactory;
    private final CharsetDecoder utf8 =
            StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final CanonicalContent canonicalContent = new CanonicalContent();
    private final Random saltSource;
    private CharBuffer chars = CharBuffer.allocate(4096);

    // Per-record state, reset by parse(): what is known of the input so far, for quarantine.
    private String seenTenantId;
    private String seenEventId;
    private boolean decoded;
    private String eventTypeText;
    private String timestampText;
    private boolean sawInteraction;
    private boolean sawResponse;

    /** Unknown fields as a tree mirroring the input: segment → canonical value or sub-tree. */
    private Map<String, Object> extras;

    public DecisionParser(ParserLimits limits) {
        this(limits, new SecureRandom());
    }

    /**
     * @param saltSource where each record's layout-3 salt comes from: a {@link SecureRandom} in
     *     production; tests pass a seeded one to get fixed hashes
     */
    public DecisionParser(ParserLimits limits, Random saltSource) {
        this.limits = limits;
        this.saltSource = saltSource;
        this.jsonFactory =
                JsonFactory.builder()
                        .enable(
                                com.fasterxml.jackson.core.StreamReadFeature
                                        .STRICT_DUPLICATE_DETECTION)
                        .streamReadConstraints(
                                StreamReadConstraints.builder()
                                        .maxNestingDepth(MAX_NESTING_DEPTH)
                                        .build())
                        .build();
    }

    /**
     * Parses and validates one record value.
     *
     * @param value the Kafka record value, possibly null
     * @param topic provenance: Kafka topic
     * @param partition provenance: Kafka partition
     * @param offset provenance: Kafka offset
     * @param ingestTime when the job read the record; also the reference for the future-skew check
     */
    public ParseOutcome parse(
            byte[] value, String topic, int partition, long offset, Instant ingestTime) {
        seenTenantId = null;
        seenEventId = null;
        decoded = false;
        eventTypeText = null;
        timestampText = null;
        sawInteraction = false;
        sawResponse = false;
        extras = null;
        try {
            DecisionRecord record = parseAndValidate(value, ingestTime);
            boolean derived = record.getEventId() == null;
            if (derived) {
                record.setEventId(derivedEventId(topic, partition, offset));
            }
            record.setEventIdDerived(derived);
            record.setSourceTopic(topic);
            record.setSourcePartition(partition);
            record.setSourceOffset(offset);
            record.setIngestTime(ingestTime);
            // Layout 3: a fresh salt per record keys the commitments to its personal columns.
            byte[] salt = new byte[CanonicalContent.SALT_BYTES];
            saltSource.nextBytes(salt);
            CanonicalContent.Hashes hashes = canonicalContent.layout3(record, salt);
            record.setRecordLayout(3);
            record.setFieldSalt(HexFormat.of().formatHex(salt));
            record.setContentSha256(hashes.contentSha256());
            return ParseOutcome.accepted(record, hashes.fingerprint());
        } catch (InvalidDecisionException e) {
            if (seenTenantId == null && decoded) {
                peekIds();
            }
            return ParseOutcome.rejected(e.reason(), e.getMessage(), seenTenantId, seenEventId);
        }
    }

    /** The id given to an event that arrived without one: stable across replays of the topic. */
    public static String derivedEventId(String topic, int partition, long offset) {
        return "kafka:" + topic + ":" + partition + ":" + offset;
    }

    private DecisionRecord parseAndValidate(byte[] value, Instant ingestTime)
            throws InvalidDecisionException {
        if (value == null || value.length == 0) {
            throw new InvalidDecisionException(ReasonCode.EMPTY_RECORD, "the record has no value");
        }
        if (value.length > limits.maxRecordBytes()) {
            throw new InvalidDecisionException(
                    ReasonCode.RECORD_TOO_LARGE,
                    "the record is "
                            + value.length
                            + " bytes, over the limit of "
                            + limits.maxRecordBytes()
                            + " bytes");
        }
        CharBuffer text = decodeUtf8(value);
        DecisionRecord record = new DecisionRecord();
        try (JsonParser p = jsonParser(text)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw new InvalidDecisionException(
                        ReasonCode.EMPTY_RECORD, "the record holds only whitespace");
            }
            if (first != JsonToken.START_OBJECT) {
                throw new InvalidDecisionException(
                        ReasonCode.NOT_A_JSON_OBJECT,
                        "the value is a JSON " + typeName(first) + ", not an object");
            }
            readEvent(p, record);
            // Well-formedness first: the reason must not depend on which field check runs first.
            JsonToken trailing = p.nextToken();
            if (trailing != null) {
                throw new InvalidDecisionException(
                        ReasonCode.MALFORMED_JSON,
                        "content follows the JSON object at character "
                                + p.currentTokenLocation().getCharOffset());
            }
        } catch (StreamConstraintsException e) {
            throw constraintViolated(e);
        } catch (JsonParseException e) {
            String message = String.valueOf(e.getOriginalMessage());
            // Jackson's own messages quote the offending input; only the position is passed on.
            if (message.startsWith("Duplicate field")) {
                throw new InvalidDecisionException(
                        ReasonCode.DUPLICATE_JSON_KEY,
                        "an object repeats a key (at line "
                                + e.getLocation().getLineNr()
                                + ", column "
                                + e.getLocation().getColumnNr()
                                + ")");
            }
            throw new InvalidDecisionException(
                    ReasonCode.MALFORMED_JSON,
                    "malformed JSON at line "
                            + e.getLocation().getLineNr()
                            + ", column "
                            + e.getLocation().getColumnNr());
        } catch (IOException e) {
            throw new InvalidDecisionException(
                    ReasonCode.MALFORMED_JSON,
                    "unreadable JSON (" + e.getClass().getSimpleName() + ")");
        }
        if (extras != null) {
            record.setExtraJson(CanonicalJson.render(extras));
        }
        validateEnvelope(record);
        validateRequired(record, ingestTime);
        return record;
    }

    private JsonParser jsonParser(CharBuffer text) throws IOException {
        int start = text.arrayOffset() + text.position();
        int length = text.remaining();
        // A UTF-8 byte-order mark is legal at the start of a text (some producers write one).
        if (length > 0 && text.array()[start] == '\uFEFF') {
            start++;
            length--;
        }
        return jsonFactory.createParser(text.array(), start, length);
    }

    private static InvalidDecisionException constraintViolated(StreamConstraintsException e) {
        String message = String.valueOf(e.getMessage());
        String where =
                e.getLocation() == null
                        ? ""
                        : " (at line "
                                + e.getLocation().getLineNr()
                                + ", column "
                                + e.getLocation().getColumnNr()
                                + ")";
        if (message.contains("nesting depth")) {
            return new InvalidDecisionException(
                    ReasonCode.NESTING_TOO_DEEP,
                    "JSON nested deeper than " + MAX_NESTING_DEPTH + " levels" + where);
        }
        if (message.startsWith("Number value length")) {
            return new InvalidDecisionException(
                    ReasonCode.VALUE_OUT_OF_RANGE,
                    "a number is longer than the parser's limit of "
                            + StreamReadConstraints.DEFAULT_MAX_NUM_LEN
                            + " digits"
                            + where);
        }
        if (message.startsWith("Name length")) {
            return new InvalidDecisionException(
                    ReasonCode.FIELD_TOO_LONG,
                    "a key is longer than the parser's limit of "
                            + StreamReadConstraints.DEFAULT_MAX_NAME_LEN
                            + " characters"
                            + where);
        }
        return new InvalidDecisionException(
                ReasonCode.FIELD_TOO_LONG, "a value exceeds the parser's size limits" + where);
    }

    /**
     * After a rejection, looks for a valid top-level tenantId and eventId anywhere in the object
     * (the fault may have come before them), so quarantine can still be triaged per tenant.
     */
    private void peekIds() {
        try (JsonParser p = jsonParser(chars)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if (t == JsonToken.VALUE_STRING && name.equals("tenantId")) {
                    String tenant = p.getText();
                    if (seenTenantId == null && isValidTenantId(tenant)) {
                        seenTenantId = tenant;
                    }
                } else if (t == JsonToken.VALUE_STRING && name.equals("eventId")) {
                    String id = p.getText();
                    if (seenEventId == null && isValidEventId(id)) {
                        seenEventId = id;
                    }
                } else {
                    p.skipChildren();
                }
            }
        } catch (IOException | RuntimeException e) {
            // Best effort on input already known to be bad: keep whatever was found.
        }
    }

    /**
     * True when {@code tenant} is an id ingest accepts: safe as a partition folder name. Readers of
     * the lake check ids they are given against it before building paths.
     */
    public static boolean isValidTenantId(String tenant) {
        if (tenant == null) {
            return false;
        }
        try {
            validateTenantId(tenant);
            return true;
        } catch (InvalidDecisionException e) {
            return false;
        }
    }

    /**
     * True when {@code id} is an event id ingest accepts. Readers check ids they are given (an
     * untrusted evidence bundle, an API request) against it before using them.
     */
    public static boolean isValidEventId(String id) {
        if (id == null) {
            return false;
        }
        try {
            validateEventId(id);
            return true;
        } catch (InvalidDecisionException e) {
            return false;
        }
    }

    private CharBuffer decodeUtf8(byte[] value) throws InvalidDecisionException {
        // A strict decode: Jackson tolerates some invalid sequences (e.g. encoded surrogates).
        if (chars.capacity() < value.length) {
            chars = CharBuffer.allocate(Math.max(value.length, chars.capacity() * 2));
        }
        chars.clear();
        utf8.reset();
        ByteBuffer in = ByteBuffer.wrap(value);
        CoderResult result = utf8.decode(in, chars, true);
        if (!result.isError()) {
            result = utf8.flush(chars);
        }
        if (result.isError()) {
            // The position of the bad sequence, never its bytes.
            throw new InvalidDecisionException(
                    ReasonCode.INVALID_UTF8, "invalid UTF-8 sequence at byte " + in.position());
        }
        chars.flip();
        decoded = true;
        return chars;
    }

    // ---- the event object --------------------------------------------------------------------

    private void readEvent(JsonParser p, DecisionRecord r)
            throws IOException, InvalidDecisionException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            switch (name) {
                case "eventId" -> {
                    String id = optString(p, t, "eventId");
                    if (id != null) {
                        validateEventId(id);
                        r.setEventId(id);
                        seenEventId = id;
                    }
                }
                case "eventType" -> eventTypeText = optString(p, t, "eventType");
                case "timestamp" -> timestampText = optString(p, t, "timestamp");
                case "tenantId" -> {
                    String tenant = optString(p, t, "tenantId");
                    if (tenant != null) {
                        validateTenantId(tenant);
                        r.setTenantId(tenant);
                        seenTenantId = tenant;
                    }
                }
                case "userId" -> r.setUserId(optString(p, t, "userId"));
                case "caseId" -> r.setCaseId(optString(p, t, "caseId"));
                case "aiInteraction" -> {
                    if (t != JsonToken.VALUE_NULL) {
                        requireObject(t, "aiInteraction");
                        readInteraction(p, r);
                        sawInteraction = true;
                    }
                }
                default -> extra(p, name);
            }
        }
    }

    /**
     * The event-level checks, in a fixed order, once the whole object is known to be well-formed.
     */
    private void validateEnvelope(DecisionRecord r) throws InvalidDecisionException {
        if (eventTypeText == null) {
            throw missing("eventType");
        }
        if (!AI_DECISION.equals(eventTypeText)) {
            throw new InvalidDecisionException(
                    ReasonCode.UNKNOWN_EVENT_TYPE,
                    "eventType must be "
                            + AI_DECISION
                            + "; other event types are not stored by this job");
        }
        r.setEventType(AI_DECISION);
        if (r.getTenantId() == null) {
            throw missing("tenantId");
        }
        if (timestampText == null) {
            throw missing("timestamp");
        }
        // The lake stores microseconds; truncate now so the hash matches what is stored.
        r.setEventTime(parseTimestamp(timestampText).truncatedTo(ChronoUnit.MICROS));
        if (!sawInteraction) {
            throw missing("aiInteraction");
        }
        if (!sawResponse) {
            throw missing("aiInteraction.response");
        }
    }

    private void readInteraction(JsonParser p, DecisionRecord r)
            throws IOException, InvalidDecisionException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            switch (name) {
                case "model" -> r.setModel(optString(p, t, "aiInteraction.model"));
                case "modelVersion" ->
                        r.setModelVersion(optString(p, t, "aiInteraction.modelVersion"));
                case "modelMetadataId" ->
                        r.setModelMetadataId(optString(p, t, "aiInteraction.modelMetadataId"));
                case "prompt" -> r.setPrompt(optString(p, t, "aiInteraction.prompt"));
                case "systemPrompt" ->
                        r.setSystemPrompt(optString(p, t, "aiInteraction.systemPrompt"));
                case "context" -> {
                    if (t != JsonToken.VALUE_NULL) {
                        requireObject(t, "aiInteraction.context");
                        readContext(p, r);
                    }
                }
                case "parameters" -> {
                    if (t != JsonToken.VALUE_NULL) {
                        requireObject(t, "aiInteraction.parameters");
                        readParameters(p, r);
                    }
                }
                case "response" -> {
                    if (t != JsonToken.VALUE_NULL) {
                        requireObject(t, "aiInteraction.response");
                        readResponse(p, r);
                        sawResponse = true;
                    }
                }
                case "decision" -> {
                    if (t != JsonToken.VALUE_NULL) {
                        requireObject(t, "aiInteraction.decision");
                        readDecision(p, r);
                    }
                }
                default -> extra(p, "aiInteraction", name);
            }
        }
    }

    private void readContext(JsonParser p, DecisionRecord r)
            throws IOException, InvalidDecisionException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            switch (name) {
                case "userHistory" ->
                        r.setContextUserHistory(
                                optStringList(p, t, "aiInteraction.context.userHistory"));
                case "relevantDocuments" ->
                        r.setContextRelevantDocuments(
                                optStringList(p, t, "aiInteraction.context.relevantDocuments"));
                case "metadata" -> {
                    if (t != JsonToken.VALUE_NULL) {
                        requireObject(t, "aiInteraction.context.metadata");
                        r.setContextMetadataJson(CanonicalJson.readValue(p));
                    }
                }
                default -> extra(p, "aiInteraction", "context", name);
            }
        }
    }

    private void readParameters(JsonParser p, DecisionRecord r)
            throws IOException, InvalidDecisionException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            switch (name) {
                case "temperature" -> {
                    Double v = optDouble(p, t, "aiInteraction.parameters.temperature");
                    if (v != null && v < 0) {
                        throw outOfRange(
                                "aiInteraction.parameters.temperature", "must not be negative");
                    }
                    r.setTemperature(v);
                }
                case "maxTokens" -> {
                    Long v = optLong(p, t, "aiInteraction.parameters.maxTokens");
                    if (v != null && v < 0) {
                        throw outOfRange(
                                "aiInteraction.parameters.maxTokens", "must not be negative");
                    }
                    r.setMaxTokens(v);
                }
                case "topP" -> {
                    Double v = optDouble(p, t, "aiInteraction.parameters.topP");
                    if (v != null && (v < 0 || v > 1)) {
                        throw outOfRange("aiInteraction.parameters.topP", "must be within [0, 1]");
                    }
                    r.setTopP(v);
                }
                default -> extra(p, "aiInteraction", "parameters", name);
            }
        }
    }

    private void readResponse(JsonParser p, DecisionRecord r)
            throws IOException, InvalidDecisionException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            switch (name) {
                case "content" ->
                        r.setResponseContent(optString(p, t, "aiInteraction.response.content"));
                case "tokens" -> {
                    Long v = optLong(p, t, "aiInteraction.response.tokens");
                    if (v != null && v < 0) {
                        throw outOfRange("aiInteraction.response.tokens", "must not be negative");
                    }
                    r.setResponseTokens(v);
                }
                case "finishReason" ->
                        r.setResponseFinishReason(
                                optString(p, t, "aiInteraction.response.finishReason"));
                default -> extra(p, "aiInteraction", "response", name);
            }
        }
    }

    private void readDecision(JsonParser p, DecisionRecord r)
            throws IOException, InvalidDecisionException {
        boolean sawApproved = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            switch (name) {
                case "approved" -> {
                    Boolean v = optBoolean(t, "aiInteraction.decision.approved");
                    r.setDecisionApproved(v);
                    sawApproved = v != null;
                }
                case "confidence" -> {
                    Double v = optDouble(p, t, "aiInteraction.decision.confidence");
                    if (v != null && (v < 0 || v > 1)) {
                        throw outOfRange(
                                "aiInteraction.decision.confidence", "must be within [0, 1]");
                    }
                    r.setDecisionConfidence(v);
                }
                case "reasoning" ->
                        r.setDecisionReasoning(optString(p, t, "aiInteraction.decision.reasoning"));
                default -> extra(p, "aiInteraction", "decision", name);
            }
        }
        if (!sawApproved) {
            throw missing("aiInteraction.decision.approved");
        }
    }

    // ---- checks ------------------------------------------------------------------------------

    private void validateRequired(DecisionRecord r, Instant ingestTime)
            throws InvalidDecisionException {
        requireText(r.getUserId(), "userId", MAX_ID_LENGTH * 4);
        requireText(r.getModel(), "aiInteraction.model", MAX_ID_LENGTH);
        requireText(r.getModelVersion(), "aiInteraction.modelVersion", MAX_ID_LENGTH);
        if (r.getPrompt() == null) {
            throw missing("aiInteraction.prompt");
        }
        if (r.getResponseContent() == null) {
            throw missing("aiInteraction.response.content");
        }
        Instant eventTime = r.getEventTime();
        if (eventTime.isBefore(limits.earliestEventTime())) {
            throw new InvalidDecisionException(
                    ReasonCode.TIMESTAMP_OUT_OF_RANGE,
                    "timestamp is before the earliest accepted event time "
                            + limits.earliestEventTime());
        }
        if (eventTime.isAfter(ingestTime.plus(limits.maxFutureSkew()))) {
            throw new InvalidDecisionException(
                    ReasonCode.TIMESTAMP_OUT_OF_RANGE,
                    "timestamp is more than " + limits.maxFutureSkew() + " after the ingest time");
        }
    }

    private static void requireText(String value, String field, int maxLength)
            throws InvalidDecisionException {
        if (value == null) {
            throw missing(field);
        }
        if (value.isBlank()) {
            throw new InvalidDecisionException(
                    ReasonCode.EMPTY_FIELD, field + " must not be empty");
        }
        if (value.length() > maxLength) {
            throw tooLong(field, value.length(), maxLength);
        }
    }

    static void validateTenantId(String tenant) throws InvalidDecisionException {
        if (tenant.isBlank()) {
            throw new InvalidDecisionException(
                    ReasonCode.EMPTY_FIELD, "tenantId must not be empty");
        }
        if (tenant.length() > MAX_TENANT_ID_LENGTH) {
            throw tooLong("tenantId", tenant.length(), MAX_TENANT_ID_LENGTH);
        }
        if (!TENANT_ID.matcher(tenant).matches() || tenant.contains("..")) {
            throw new InvalidDecisionException(
                    ReasonCode.INVALID_TENANT_ID,
                    "tenantId must start with a letter or digit and contain only letters, digits,"
                            + " '_', '-' and single '.' (it names a partition folder)"
                            + describeForbidden(tenant));
        }
    }

    /** Names the kind of character that broke the rule; safe because tenant ids are not PII. */
    private static String describeForbidden(String tenant) {
        if (tenant.indexOf('/') >= 0 || tenant.indexOf('\\') >= 0) {
            return "; it contains a path separator";
        }
        if (tenant.indexOf('=') >= 0) {
            return "; it contains '='";
        }
        if (tenant.contains("..")) {
            return "; it contains '..'";
        }
        return "";
    }

    static void validateEventId(String id) throws InvalidDecisionException {
        if (id.isBlank()) {
            throw new InvalidDecisionException(ReasonCode.EMPTY_FIELD, "eventId must not be empty");
        }
        if (id.length() > MAX_ID_LENGTH) {
            throw tooLong("eventId", id.length(), MAX_ID_LENGTH);
        }
        for (int i = 0; i < id.length(); i++) {
            if (Character.isISOControl(id.charAt(i))) {
                throw new InvalidDecisionException(
                        ReasonCode.INVALID_EVENT_ID,
                        "eventId must not contain control characters (one at position " + i + ")");
            }
        }
        if (id.startsWith("kafka:")) {
            throw new InvalidDecisionException(
                    ReasonCode.INVALID_EVENT_ID,
                    "eventId must not start with 'kafka:', which is reserved for derived ids");
        }
    }

    static Instant parseTimestamp(String text) throws InvalidDecisionException {
        try {
            return DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(text, Instant::from);
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new InvalidDecisionException(
                    ReasonCode.INVALID_TIMESTAMP,
                    "timestamp must be an ISO-8601 date-time with a zone offset,"
                            + " e.g. 2026-03-15T10:21:07.123Z");
        }
    }

    // ---- typed readers -----------------------------------------------------------------------

    private static String optString(JsonParser p, JsonToken t, String field)
            throws IOException, InvalidDecisionException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.VALUE_STRING) {
            throw wrongType(field, "a string", t);
        }
        return CanonicalJson.wellFormed(p.getText(), field);
    }

    private static Double optDouble(JsonParser p, JsonToken t, String field)
            throws IOException, InvalidDecisionException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
            throw wrongType(field, "a number", t);
        }
        double v = p.getDoubleValue();
        if (!Double.isFinite(v)) {
            throw outOfRange(field, "must be a finite number");
        }
        return v;
    }

    private static Long optLong(JsonParser p, JsonToken t, String field)
            throws IOException, InvalidDecisionException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw wrongType(field, "an integer", t);
        }
        JsonParser.NumberType type = p.getNumberType();
        if (type == JsonParser.NumberType.BIG_INTEGER) {
            throw outOfRange(field, "does not fit a 64-bit integer");
        }
        return p.getLongValue();
    }

    private static Boolean optBoolean(JsonToken t, String field) throws InvalidDecisionException {
        return switch (t) {
            case VALUE_NULL -> null;
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            default -> throw wrongType(field, "a boolean", t);
        };
    }

    private static List<String> optStringList(JsonParser p, JsonToken t, String field)
            throws IOException, InvalidDecisionException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.START_ARRAY) {
            throw wrongType(field, "an array of strings", t);
        }
        List<String> values = new ArrayList<>();
        JsonToken e;
        while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
            if (e != JsonToken.VALUE_STRING) {
                throw wrongType(field + "[" + values.size() + "]", "a string", e);
            }
            values.add(CanonicalJson.wellFormed(p.getText(), field));
        }
        return values;
    }

    private static void requireObject(JsonToken t, String field) throws InvalidDecisionException {
        if (t != JsonToken.START_OBJECT) {
            throw wrongType(field, "an object", t);
        }
    }

    /**
     * Keeps an unknown field under its path in a tree that mirrors the input, so that a top-level
     * key "a.b" and a nested "a": {"b": …} stay distinct.
     */
    @SuppressWarnings("unchecked")
    private void extra(JsonParser p, String... path) throws IOException, InvalidDecisionException {
        if (extras == null) {
            extras = new HashMap<>();
        }
        Map<String, Object> level = extras;
        for (int i = 0; i < path.length - 1; i++) {
            level = (Map<String, Object>) level.computeIfAbsent(path[i], k -> new HashMap<>());
        }
        level.put(path[path.length - 1], CanonicalJson.readValue(p));
    }

    private static InvalidDecisionException missing(String field) {
        return new InvalidDecisionException(ReasonCode.MISSING_FIELD, field + " is required");
    }

    private static InvalidDecisionException wrongType(String field, String expected, JsonToken t) {
        return new InvalidDecisionException(
                ReasonCode.WRONG_TYPE, field + " must be " + expected + ", got " + typeName(t));
    }

    private static InvalidDecisionException outOfRange(String field, String rule) {
        return new InvalidDecisionException(ReasonCode.VALUE_OUT_OF_RANGE, field + " " + rule);
    }

    private static InvalidDecisionException tooLong(String field, int length, int max) {
        return new InvalidDecisionException(
                ReasonCode.FIELD_TOO_LONG,
                field + " is " + length + " characters, over the limit of " + max);
    }

    private static String typeName(JsonToken t) {
        if (t == null) {
            return "nothing";
        }
        return switch (t) {
            case START_OBJECT -> "object";
            case START_ARRAY -> "array";
            case VALUE_STRING -> "string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number";
            case VALUE_TRUE, VALUE_FALSE -> "boolean";
            case VALUE_NULL -> "null";
            default -> t.name().toLowerCase();
        };
    }
}
