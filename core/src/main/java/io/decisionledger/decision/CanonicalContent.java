package io.decisionledger.decision;

import io.decisionledger.schema.DecisionRecord;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

/**
 * The content hash of a decision ({@code content_sha256}), exactly as specified in
 * schemas/CANONICAL.md so that an auditor can recompute it in any language. Two layouts: {@code
 * DLC2} (records written before record layout 3) is SHA-256 over the magic {@code DLC2} and the
 * SHA-256 digest d_i of each of the 24 content fields in schema order; {@code DLC3} replaces the
 * digest of each personal column by an HMAC of it keyed with the record's random salt, so that a
 * commitment kept after erasure cannot be reversed by trying candidate values. The DLC2 value of a
 * record is also its de-duplication fingerprint, computed from the same single pass over the
 * fields. Provenance and ingest time are not content. One instance per thread.
 */
public final class CanonicalContent {

    /** Leads the layout-2 canonical content bytes; a new layout gets a new magic. */
    static final byte[] MAGIC = "DLC2".getBytes(StandardCharsets.US_ASCII);

    /** Leads the layout-3 canonical content bytes. */
    static final byte[] MAGIC_3 = "DLC3".getBytes(StandardCharsets.US_ASCII);

    /** Leads the HMAC message of a layout-3 personal-column commitment. */
    static final byte[] FIELD_MAGIC_3 = "DLF3".getBytes(StandardCharsets.US_ASCII);

    /** Salt length of layout 3, in bytes. */
    public static final int SALT_BYTES = SaltedCommitment.SALT_BYTES;

    /** The 24 content columns, in hash order: column i (1-based) is {@code COLUMNS.get(i - 1)}. */
    public static final List<String> COLUMNS =
            List.of(
                    "event_id",
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
                    "extra_json");

    /** The personal columns (1-based positions): salted in layout 3, erasable in both layouts. */
    private static final int[] PERSONAL = {5, 6, 10, 11, 12, 13, 14, 18, 23, 24};

    private static final boolean[] IS_PERSONAL = new boolean[COLUMNS.size() + 1];

    static {
        for (int i : PERSONAL) {
            IS_PERSONAL[i] = true;
        }
    }

    /** The two content hashes the ingest job computes for a new record. */
    public record Hashes(String contentSha256, String fingerprint) {}

    private final MessageDigest digest = FieldDigests.sha256();
    private final FieldDigests fields = new FieldDigests();
    private final byte[] d = new byte[COLUMNS.size() * 32];
    private final byte[] c = new byte[32];

    // HMAC-SHA256 (RFC 2104) under the record's salt
    private final SaltedCommitment hmac = new SaltedCommitment();

    /** True when column {@code i} (1-based) is personal data. */
    public static boolean isPersonal(int i) {
        return i >= 1 && i <= COLUMNS.size() && IS_PERSONAL[i];
    }

    /** The names of the personal columns, in column order. */
    public static List<String> personalColumns() {
        return java.util.Arrays.stream(PERSONAL).mapToObj(i -> COLUMNS.get(i - 1)).toList();
    }

    /** 1-based position of a content column, or -1 when {@code column} is not one. */
    public static int position(String column) {
        return COLUMNS.indexOf(column) + 1;
    }

    /** Lower-case hex SHA-256 over the layout-2 ({@code DLC2}) canonical content of {@code r}. */
    public String sha256Hex(DecisionRecord r) {
        return HexFormat.of().formatHex(sha256(r));
    }

    /** SHA-256 over the layout-2 ({@code DLC2}) canonical content of {@code r}. */
    public byte[] sha256(DecisionRecord r) {
        fieldDigests(r);
        digest.reset();
        digest.update(MAGIC);
        digest.update(d);
        return digest.digest();
    }

    /**
     * The layout-3 content hash of a new record under {@code salt}, and its fingerprint (the DLC2
     * hash, which does not depend on the salt), from one pass over the fields.
     */
    public Hashes layout3(DecisionRecord r, byte[] salt) {
        fieldDigests(r);
        digest.reset();
        digest.update(MAGIC);
        digest.update(d);
        String fingerprint = HexFormat.of().formatHex(digest.digest());
        return new Hashes(HexFormat.of().formatHex(combine(true, salt, null)), fingerprint);
    }

    /**
     * Recomputes a stored record's content hash.
     *
     * @param layout3 DLC3 when true, else DLC2
     * @param salt the record's salt; may be null only when every personal column is in {@code kept}
     *     (or for DLC2)
     * @param kept commitments kept for erased columns, indexed by 1-based column (length 25); null
     *     entries (or a null array) are computed from the stored values
     */
    public String sha256Hex(DecisionRecord r, boolean layout3, byte[] salt, byte[][] kept) {
        fieldDigests(r);
        return HexFormat.of().formatHex(combine(layout3, salt, kept));
    }

    /**
     * The commitment c_i a content hash takes for column {@code i} of {@code r} (1-based): d_i, or
     * for a personal column of layout 3 its HMAC under {@code salt}. What an erasure keeps.
     */
    public byte[] commitment(DecisionRecord r, int i, boolean layout3, byte[] salt) {
        fieldDigests(r);
        if (layout3) {
            initHmac(salt);
        }
        byte[] out = new byte[32];
        commit(i, layout3, salt, out);
        return out;
    }

    private byte[] combine(boolean layout3, byte[] salt, byte[][] kept) {
        if (layout3) {
            initHmac(salt);
        }
        digest.reset();
        digest.update(layout3 ? MAGIC_3 : MAGIC);
        for (int i = 1; i <= COLUMNS.size(); i++) {
            if (kept != null && kept[i] != null) {
                digest.update(kept[i]);
            } else {
                commit(i, layout3, salt, c);
                digest.update(c);
            }
        }
        return digest.digest();
    }

    private void commit(int i, boolean layout3, byte[] salt, byte[] out) {
        int off = (i - 1) * 32;
        if (!layout3 || !IS_PERSONAL[i]) {
            System.arraycopy(d, off, out, 0, 32);
            return;
        }
        if (salt == null) {
            throw new IllegalStateException(
                    "column " + COLUMNS.get(i - 1) + " needs the record's salt, which is absent");
        }
        if (!hmac.keyed()) {
            throw new IllegalStateException("the HMAC key was not set for this record");
        }
        hmac.commit(FIELD_MAGIC_3, i, d, off, out);
    }

    private void initHmac(byte[] salt) {
        if (salt != null && salt.length != SALT_BYTES) {
            throw new IllegalArgumentException(
                    "a layout-3 salt is " + SALT_BYTES + " bytes, not " + salt.length);
        }
        hmac.key(salt); // null: every personal column must then be kept; commit() says which is not
    }

    private void fieldDigests(DecisionRecord r) {
        fields.into(d, 0)
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
    }
}
