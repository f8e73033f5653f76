package io.decisionledger.access;

import io.decisionledger.decision.FieldDigests;
import io.decisionledger.schema.AccessLogEntry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Links access-log entries into the lake's access-log hash chain (schemas/CANONICAL.md section 6):
 * {@code hash = SHA-256(prev_hash ‖ "DLA1" ‖ d(access_id) ‖ … ‖ d(log_seq))}, with the same
 * per-field digests ({@link FieldDigests}) as the decision chain, so one re-implementation of the
 * digests verifies both. A deleted, altered, reordered or inserted access-log entry breaks it.
 */
public final class AccessLogHasher {

    /** prev_hash of the first entry. */
    public static final String GENESIS = "0".repeat(64);

    static final byte[] MAGIC = "DLA1".getBytes(StandardCharsets.US_ASCII);

    private final MessageDigest digest = FieldDigests.sha256();
    private final FieldDigests fields = new FieldDigests();

    /** The hash of {@code e} after an entry whose hash is {@code prevHashHex}. */
    public String hash(String prevHashHex, AccessLogEntry e) {
        digest.reset();
        digest.update(HexFormat.of().parseHex(prevHashHex));
        digest.update(MAGIC);
        fields.into(digest)
                .string(e.getAccessId())
                .timestamp(e.getAccessTime())
                .string(e.getActor())
                .string(e.getActorRole())
                .string(e.getVia())
                .string(e.getChannel())
                .string(e.getAction())
                .string(e.getPurpose())
                .string(e.getDataset())
                .string(e.getTenantId())
                .stringList(e.getRecordIds())
                .string(e.getQueryJson())
                .string(e.getOutcome())
                .int64(e.getLogSeq());
        return HexFormat.of().formatHex(digest.digest());
    }
}
