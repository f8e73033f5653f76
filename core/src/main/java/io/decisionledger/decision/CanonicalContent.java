package io.decisionledger.decision;

import io.decisionledger.schema.DecisionRecord;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The content hash of a decision ({@code content_sha256}), exactly as specified in
 * schemas/CANONICAL.md so that an auditor can recompute it in any language: SHA-256 over the magic
 * {@code DLC2} followed by the SHA-256 digest of each of the 24 content fields in schema order.
 * Provenance and ingest time are not content: two deliveries of the same event hash alike.
 */
public final class CanonicalContent {

    /** Leads the canonical content bytes; a new layout gets a new magic. */
    static final byte[] MAGIC = "DLC2".getBytes(StandardCharsets.US_ASCII);

    private final MessageDigest digest = FieldDigests.sha256();
    private final FieldDigests fields = new FieldDigests();

    /** Lower-case hex SHA-256 over the canonical content of {@code r}. */
    public String sha256Hex(DecisionRecord r) {
        return HexFormat.of().formatHex(sha256(r));
    }

    /** SHA-256 over the canonical content of {@code r}. */
    public byte[] sha256(DecisionRecord r) {
        digest.reset();
        digest.update(MAGIC);
        fields.into(digest)
                .string(r.getEventId())
                .string(r.getEventType())
                .timestamp(r.getEventTime())
                .string(r.getTenantId())
                .string(r.getUserId())
                .string(r.getCaseId())
                .string(r.getModel())
                .string(r.getModelVersion())
                .string(r.getModelMetadataId())
                .string(r.getPrompt())
                .string(r.getSystemPrompt())
                .stringList(r.getContextUserHistory())
                .stringList(r.getContextRelevantDocuments())
                .string(r.getContextMetadataJson())
                .float64(r.getTemperature())
                .int64(r.getMaxTokens())
                .float64(r.getTopP())
                .string(r.getResponseContent())
                .int64(r.getResponseTokens())
                .string(r.getResponseFinishReason())
                .bool(r.getDecisionApproved())
                .float64(r.getDecisionConfidence())
                .string(r.getDecisionReasoning())
                .string(r.getExtraJson());
        return digest.digest();
    }
}
