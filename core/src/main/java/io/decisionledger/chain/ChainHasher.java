package io.decisionledger.chain;

import io.decisionledger.decision.FieldDigests;
import io.decisionledger.schema.DecisionRecord;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Computes a record's link in its hash chain: {@code hash = SHA-256(prev_hash ‖ canonical record
 * bytes)}, where the canonical record bytes are {@code DLR1}, the record's content hash and the
 * digests of its provenance fields (schemas/CANONICAL.md). The ingest job uses it to link, the
 * verify job to re-check, so both agree by construction; the document lets an auditor agree without
 * our code.
 */
public final class ChainHasher {

    /** prev_hash of the first record of every chain. */
    public static final String GENESIS = "0".repeat(64);

    static final byte[] MAGIC = "DLR1".getBytes(StandardCharsets.US_ASCII);

    private final MessageDigest digest = FieldDigests.sha256();
    private final FieldDigests fields = new FieldDigests();

    /** The hash of {@code record} when it follows a record whose hash is {@code prevHashHex}. */
    public String hash(String prevHashHex, DecisionRecord record) {
        digest.reset();
        digest.update(HexFormat.of().parseHex(prevHashHex));
        digest.update(MAGIC);
        digest.update(HexFormat.of().parseHex(record.getContentSha256()));
        fields.into(digest)
                .bool(record.getEventIdDerived())
                .string(record.getSourceTopic())
                .int64((long) record.getSourcePartition())
                .int64(record.getSourceOffset())
                .timestamp(record.getIngestTime());
        return HexFormat.of().formatHex(digest.digest());
    }
}
