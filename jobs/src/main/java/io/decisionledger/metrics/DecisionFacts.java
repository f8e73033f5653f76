package io.decisionledger.metrics;

import io.decisionledger.schema.DecisionRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.apache.datasketches.hash.MurmurHash3;

/**
 * What the metrics windows need of one accepted decision, and nothing more: the key, the event
 * time, the outcome and a few numbers. Decisions are reduced to this right after de-duplication, so
 * the window shuffle carries about 100 bytes per event instead of the full record, and the user id
 * (personal data) is replaced by a 64-bit hash before it leaves the operator that read it: it never
 * reaches the metrics job's window state, checkpoints or output. A Flink POJO.
 */
public class DecisionFacts {

    public static final byte NO_DECISION = 0;
    public static final byte APPROVED = 1;
    public static final byte DENIED = 2;

    /** The columns of audit/decisions this is made from (a Parquet projection). */
    public static final List<String> AUDIT_COLUMNS =
            List.of(
                    "event_id",
                    "event_time",
                    "tenant_id",
                    "user_id",
                    "model",
                    "model_version",
                    "response_tokens",
                    "response_finish_reason",
                    "decision_approved",
                    "decision_confidence");

    private static final long USER_HASH_SEED = 0x6465636973696f6eL; // "decision"

    public String tenantId;
    public String model;
    public String modelVersion;
    public String eventId;
    public long eventTimeMicros;

    /** {@link #NO_DECISION}, {@link #APPROVED} or {@link #DENIED}. */
    public byte outcome;

    /** decision.confidence, NaN when absent. */
    public double confidence = Double.NaN;

    /** response.tokens, -1 when absent. */
    public long responseTokens = -1;

    /** {@link FinishReason} ordinal. */
    public byte finishReason;

    /** 64-bit hash of the user id: enough for distinct counting, not the id itself. */
    public long userHash;

    public DecisionFacts() {}

    /** A field-for-field copy (every field is immutable or primitive). */
    public DecisionFacts copy() {
        DecisionFacts c = new DecisionFacts();
        c.tenantId = tenantId;
        c.model = model;
        c.modelVersion = modelVersion;
        c.eventId = eventId;
        c.eventTimeMicros = eventTimeMicros;
        c.outcome = outcome;
        c.confidence = confidence;
        c.responseTokens = responseTokens;
        c.finishReason = finishReason;
        c.userHash = userHash;
        return c;
    }

    public static DecisionFacts of(DecisionRecord r) {
        DecisionFacts f = new DecisionFacts();
        f.tenantId = r.getTenantId();
        f.model = r.getModel();
        f.modelVersion = r.getModelVersion();
        f.eventId = r.getEventId();
        f.eventTimeMicros = micros(r.getEventTime());
        f.outcome = outcome(r.getDecisionApproved());
        f.confidence = r.getDecisionConfidence() == null ? Double.NaN : r.getDecisionConfidence();
        f.responseTokens = r.getResponseTokens() == null ? -1 : r.getResponseTokens();
        f.finishReason = (byte) FinishReason.of(r.getResponseFinishReason()).ordinal();
        f.userHash = userHash(r.getUserId());
        return f;
    }

    /** From a generic row of audit/decisions read with {@link #AUDIT_COLUMNS}. */
    public static DecisionFacts of(GenericRecord r) {
        DecisionFacts f = new DecisionFacts();
        f.tenantId = r.get("tenant_id").toString();
        f.model = r.get("model").toString();
        f.modelVersion = r.get("model_version").toString();
        f.eventId = r.get("event_id").toString();
        Object time = r.get("event_time");
        f.eventTimeMicros = time instanceof Instant i ? micros(i) : (Long) time;
        f.outcome = outcome((Boolean) r.get("decision_approved"));
        Object confidence = r.get("decision_confidence");
        f.confidence = confidence == null ? Double.NaN : (Double) confidence;
        Object tokens = r.get("response_tokens");
        f.responseTokens = tokens == null ? -1 : (Long) tokens;
        Object finish = r.get("response_finish_reason");
        f.finishReason =
                (byte) FinishReason.of(finish == null ? null : finish.toString()).ordinal();
        f.userHash = userHash(r.get("user_id").toString());
        return f;
    }

    private static long micros(Instant t) {
        return Math.addExact(
                Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1000);
    }

    private static byte outcome(Boolean approved) {
        if (approved == null) {
            return NO_DECISION;
        }
        return approved ? APPROVED : DENIED;
    }

    static long userHash(String userId) {
        return MurmurHash3.hash(userId.getBytes(StandardCharsets.UTF_8), USER_HASH_SEED)[0];
    }

    /**
     * Event time in Flink's millisecond timestamps (floor, so a window never gets a later event).
     */
    public long eventTimeMillis() {
        return Math.floorDiv(eventTimeMicros, 1000L);
    }

    public boolean hasConfidence() {
        return !Double.isNaN(confidence);
    }
}
