package io.decisionledger.chain;

import io.decisionledger.decision.FieldDigests;
import io.decisionledger.schema.QuarantineRecord;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Computes a quarantined record's link in its quarantine hash chain: {@code hash =
 * SHA-256(prev_hash ‖ "DLQ1" ‖ SHA-256(raw) ‖ field digests)} (schemas/CANONICAL.md section 10).
 * Refused input is evidence that an event arrived, so deleting or altering a quarantined record
 * must be as visible as deleting a decision: the ingest job links with it ({@link
 * QuarantineChainOperator}), the verify job re-checks with it. Also names the chain a record
 * belongs to ({@link #chainTenant}).
 */
public final class QuarantineChainHasher {

    static final byte[] MAGIC = "DLQ1".getBytes(StandardCharsets.US_ASCII);

    /**
     * The tenant part of the chain key of quarantined input without a valid tenant id. Tenant ids
     * start with a letter or a digit, so no tenant can have this name.
     */
    public static final String NO_TENANT = "_none";

    private static final Pattern TENANT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

    private final MessageDigest digest = FieldDigests.sha256();
    private final MessageDigest rawDigest = FieldDigests.sha256();
    private final FieldDigests fields = new FieldDigests();

    /**
     * The tenant part of the quarantine chain key of a record with {@code tenantId}: the tenant id
     * when it is a valid one, else {@link #NO_TENANT}.
     */
    public static String chainTenant(String tenantId) {
        return tenantId != null && TENANT_ID.matcher(tenantId).matches() && !tenantId.contains("..")
                ? tenantId
                : NO_TENANT;
    }

    /** What an erasure puts in place of a quarantined record's raw input. */
    public static final byte[] ERASED_RAW =
            io.decisionledger.decision.ErasedColumns.MARKER.getBytes(StandardCharsets.UTF_8);

    /**
     * SHA-256 of the record's raw input; for a record whose raw input an erasure replaced by {@link
     * #ERASED_RAW}, the digest it kept in {@code raw_sha256} (section 10). A kept digest beside raw
     * input that is not the marker is ignored: it cannot stand in for content that is still there.
     */
    private byte[] rawDigest(QuarantineRecord record) {
        ByteBuffer raw = record.getRaw();
        if (record.getRawSha256() != null && isErased(raw)) {
            return HexFormat.of().parseHex(record.getRawSha256());
        }
        rawDigest.reset();
        if (raw != null) {
            rawDigest.update(raw.duplicate());
        }
        return rawDigest.digest();
    }

    /** Whether {@code raw} is the erasure marker. */
    public static boolean isErased(ByteBuffer raw) {
        if (raw == null || raw.remaining() != ERASED_RAW.length) {
            return false;
        }
        return raw.duplicate().equals(ByteBuffer.wrap(ERASED_RAW));
    }

    /** The hash of {@code record} when it follows a record whose hash is {@code prevHashHex}. */
    public String hash(String prevHashHex, QuarantineRecord record) {
        digest.reset();
        digest.update(HexFormat.of().parseHex(prevHashHex));
        digest.update(MAGIC);
        digest.update(rawDigest(record));
        fields.into(digest)
                .int64((long) record.getRawSize())
                .string(record.getReasonCode())
                .string(record.getDetail())
                .string(record.getTenantId())
                .string(record.getEventId())
                .string(record.getSourceTopic())
                .int64((long) record.getSourcePartition())
                .int64(record.getSourceOffset())
                .timestamp(record.getSourceTimestamp())
                .timestamp(record.getIngestTime());
        return HexFormat.of().formatHex(digest.digest());
    }
}
