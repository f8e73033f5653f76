package io.decisionledger.decision;

import io.decisionledger.schema.DecisionRecord;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

/**
 * The canonical byte form of a decision's content and its SHA-256 ({@code content_sha256}), exactly
 * as specified in schemas/CANONICAL.md so that an auditor can recompute it in any language. The
 * bytes are streamed into the digest, never materialised, to keep the hot path allocation-free.
 */
public final class CanonicalContent {

    /** Leads the canonical content bytes; a new layout would get a new magic. */
    static final byte[] MAGIC = "DLC1".getBytes(StandardCharsets.US_ASCII);

    private static final byte NULL = 0x00;
    private static final byte STRING = 0x01;
    private static final byte LONG = 0x02;
    private static final byte DOUBLE = 0x03;
    private static final byte BOOLEAN = 0x04;
    private static final byte TIMESTAMP = 0x05;
    private static final byte STRING_LIST = 0x06;

    private final MessageDigest digest;
    private final byte[] scratch = new byte[8];

    public CanonicalContent() {
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    /** Lower-case hex SHA-256 over the canonical content bytes of {@code r}. */
    public String sha256Hex(DecisionRecord r) {
        return HexFormat.of().formatHex(sha256(r));
    }

    /** SHA-256 over the canonical content bytes of {@code r}. */
    public byte[] sha256(DecisionRecord r) {
        digest.reset();
        digest.update(MAGIC);
        string(r.getEventId());
        string(r.getEventType());
        timestamp(r.getEventTime());
        string(r.getTenantId());
        string(r.getUserId());
        string(r.getCaseId());
        string(r.getModel());
        string(r.getModelVersion());
        string(r.getModelMetadataId());
        string(r.getPrompt());
        string(r.getSystemPrompt());
        stringList(r.getContextUserHistory());
        stringList(r.getContextRelevantDocuments());
        string(r.getContextMetadataJson());
        float64(r.getTemperature());
        int64(r.getMaxTokens());
        float64(r.getTopP());
        string(r.getResponseContent());
        int64(r.getResponseTokens());
        string(r.getResponseFinishReason());
        bool(r.getDecisionApproved());
        float64(r.getDecisionConfidence());
        string(r.getDecisionReasoning());
        string(r.getExtraJson());
        return digest.digest();
    }

    private void string(String value) {
        if (value == null) {
            digest.update(NULL);
            return;
        }
        digest.update(STRING);
        writeString(value);
    }

    private void writeString(String value) {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        putInt(utf8.length);
        digest.update(utf8);
    }

    private void stringList(List<String> values) {
        if (values == null) {
            digest.update(NULL);
            return;
        }
        digest.update(STRING_LIST);
        putInt(values.size());
        for (String value : values) {
            digest.update(STRING);
            writeString(value);
        }
    }

    private void int64(Long value) {
        if (value == null) {
            digest.update(NULL);
            return;
        }
        digest.update(LONG);
        putLong(value);
    }

    private void float64(Double value) {
        if (value == null) {
            digest.update(NULL);
            return;
        }
        digest.update(DOUBLE);
        // +0.0 and -0.0 are the same number to every reader; hash them the same.
        putLong(Double.doubleToLongBits(value == 0.0 ? 0.0 : value));
    }

    private void bool(Boolean value) {
        if (value == null) {
            digest.update(NULL);
            return;
        }
        digest.update(BOOLEAN);
        digest.update(value ? (byte) 1 : (byte) 0);
    }

    private void timestamp(Instant value) {
        if (value == null) {
            digest.update(NULL);
            return;
        }
        digest.update(TIMESTAMP);
        putLong(
                Math.addExact(
                        Math.multiplyExact(value.getEpochSecond(), 1_000_000L),
                        value.getNano() / 1_000));
    }

    private void putInt(int v) {
        scratch[0] = (byte) (v >>> 24);
        scratch[1] = (byte) (v >>> 16);
        scratch[2] = (byte) (v >>> 8);
        scratch[3] = (byte) v;
        digest.update(scratch, 0, 4);
    }

    private void putLong(long v) {
        for (int i = 7; i >= 0; i--) {
            scratch[i] = (byte) v;
            v >>>= 8;
        }
        digest.update(scratch, 0, 8);
    }
}
