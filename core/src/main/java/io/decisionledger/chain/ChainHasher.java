package io.decisionledger.chain;

import io.decisionledger.decision.FieldDigests;
import io.decisionledger.schema.DecisionRecord;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Computes a record's link in its hash chain: {@code hash = SHA-256(prev_hash ‖ canonical record
 * bytes)}, under the record's layout (schemas/CANONICAL.md): {@code DLR1} for layout-2 records
 * ({@code record_layout} null): the content hash and the digests of the provenance fields; {@code
 * DLR3} for layout 3: the same plus the digests of the model-card link columns. The ingest job uses
 * it to link, the verify job and the chain proofs to re-check, so all agree by construction; the
 * document lets an auditor agree without our code.
 */
public final class ChainHasher {

    /** prev_hash of the first record of every chain. */
    public static final String GENESIS = "0".repeat(64);

    static final byte[] MAGIC = "DLR1".getBytes(StandardCharsets.US_ASCII);

    static final byte[] MAGIC_3 = "DLR3".getBytes(StandardCharsets.US_ASCII);

    private final MessageDigest digest = FieldDigests.sha256();
    private final FieldDigests fields = new FieldDigests();

    /**
     * The hash of {@code record} when it follows a record whose hash is {@code prevHashHex}.
     *
     * @throws IllegalArgumentException when the record's {@code record_layout} is neither null nor
     *     3
     */
    public String hash(String prevHashHex, DecisionRecord record) {
        RecordLayout layout = RecordLayout.of(record.getRecordLayout());
        if (layout == null) {
            throw new IllegalArgumentException(
                    "record_layout " + record.getRecordLayout() + " is not a known layout");
        }
        return HexFormat.of()
                .formatHex(
                        hash(
                                HexFormat.of().parseHex(prevHashHex),
                                HexFormat.of().parseHex(record.getContentSha256()),
                                layout,
                                record));
    }

    /**
     * The same from the hashes' bytes: {@code prevHash} and {@code contentSha256} (32 bytes each)
     * under {@code layout}, the record's; the verify job parses each stored hash once.
     */
    public byte[] hash(
            byte[] prevHash, byte[] contentSha256, RecordLayout layout, DecisionRecord record) {
        digest.reset();
        digest.update(prevHash);
        digest.update(layout == RecordLayout.LAYOUT_3 ? MAGIC_3 : MAGIC);
        digest.update(contentSha256);
        fields.into(digest)
                .bool(record.getEventIdDerived())
                .string(record.getSourceTopic())
                .int64((long) record.getSourcePartition())
                .int64(record.getSourceOffset())
                .timestamp(record.getIngestTime());
        if (layout == RecordLayout.LAYOUT_3) {
            fields.string(record.getModelCardId())
                    .string(record.getModelCardSha256())
                    .string(record.getModelCardStatus());
        }
        return digest.digest();
    }
}
