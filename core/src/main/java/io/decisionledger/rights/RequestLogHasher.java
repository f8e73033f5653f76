package io.decisionledger.rights;

import io.decisionledger.decision.FieldDigests;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Links a tenant's request-log entries into one hash chain, the way the access log is linked
 * ({@code io.decisionledger.access.AccessLogHasher}): {@code hash = SHA-256(prev_hash ‖ "DLD1" ‖
 * d(seq) ‖ d(request_id) ‖ … ‖ d(recorded_at))} with the per-field digests of {@link FieldDigests}
 * (the one implementation every chain of the lake uses). A deleted, altered, reordered or inserted
 * entry breaks it.
 */
public final class RequestLogHasher {

    /** prev_hash of a tenant's first entry. */
    public static final String GENESIS = "0".repeat(64);

    static final byte[] MAGIC = "DLD1".getBytes(StandardCharsets.US_ASCII);

    private final MessageDigest digest = FieldDigests.sha256();
    private final FieldDigests fields = new FieldDigests();

    /** The hash of {@code e} after an entry whose hash is {@code prevHashHex}. */
    public String hash(String prevHashHex, RequestEntry e) {
        digest.reset();
        digest.update(HexFormat.of().parseHex(prevHashHex));
        digest.update(MAGIC);
        fields.into(digest)
                .int64(e.seq())
                .string(e.requestId())
                .string(e.tenantId())
                .string(e.kind().name())
                .string(e.subjectType().name())
                .string(e.subjectId())
                .string(e.receivedDate())
                .string(e.requesterReference())
                .string(e.state().name())
                .string(e.until())
                .string(e.receiptSha256())
                .string(e.reason())
                .string(e.detailsJson())
                .bool(e.subjectRestricted())
                .string(e.loggedBy())
                .string(e.loggedByRole())
                .string(e.channel())
                .string(e.recordedAt());
        return HexFormat.of().formatHex(digest.digest());
    }
}
