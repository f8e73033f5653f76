package io.decisionledger.chain;

import io.decisionledger.schema.ChainAnchor;
import io.decisionledger.schema.ChainHead;
import io.decisionledger.schema.RetentionSummary;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.avro.data.TimeConversions;

/**
 * The exact bytes a signature covers, for the three signed attestations of the lake: chain heads
 * ({@code DLH1}), retention summaries ({@code DLS1}) and retention chain anchors ({@code DLN1}).
 * One canonical byte string per record (schemas/CANONICAL.md section 9): the 4-byte ASCII magic,
 * then the key id and the algorithm (so a signature cannot be re-labelled with another key), then
 * every other field in schema order, each tagged with its type so nulls and neighbouring strings
 * cannot be confused. The field lists are fixed per magic: a field added to a schema later is not
 * covered until a new magic says so, so old signatures keep verifying.
 */
public final class SignedBytes {

    public static final String HEAD_MAGIC = "DLH1";
    public static final String SUMMARY_MAGIC = "DLS1";
    public static final String ANCHOR_MAGIC = "DLN1";

    private static final TimeConversions.TimestampMicrosConversion MICROS =
            new TimeConversions.TimestampMicrosConversion();

    private SignedBytes() {}

    /** tenant_id, chain_shard, chain_seq, hash, event_id, published_at. */
    public static byte[] of(ChainHead h, String keyId, String algorithm) {
        return encode(
                HEAD_MAGIC,
                keyId,
                algorithm,
                h.getTenantId(),
                h.getChainShard(),
                h.getChainSeq(),
                h.getHash(),
                h.getEventId(),
                h.getPublishedAt());
    }

    /** Every field of RetentionSummary before signature_key_id, in schema order. */
    public static byte[] of(RetentionSummary s, String keyId, String algorithm) {
        return encode(
                SUMMARY_MAGIC,
                keyId,
                algorithm,
                s.getTenantId(),
                s.getEventDate(),
                s.getModel(),
                s.getModelVersion(),
                s.getChainShard(),
                s.getRecords(),
                s.getApproved(),
                s.getDenied(),
                s.getUndecided(),
                s.getMeanConfidence(),
                s.getFirstEventTime(),
                s.getLastEventTime(),
                s.getFirstChainSeq(),
                s.getFirstHash(),
                s.getLastChainSeq(),
                s.getLastHash(),
                s.getDeletedEventIdsSha256(),
                s.getHeldRecords(),
                s.getRetentionPeriod(),
                s.getPolicyVersion(),
                s.getRunId(),
                s.getDeletedAt());
    }

    /** Every field of ChainAnchor before signature_key_id, in schema order. */
    public static byte[] of(ChainAnchor a, String keyId, String algorithm) {
        return encode(
                ANCHOR_MAGIC,
                keyId,
                algorithm,
                a.getTenantId(),
                a.getChainShard(),
                a.getEventDate(),
                a.getFromSeq(),
                a.getToSeq(),
                a.getFromPrevHash(),
                a.getToHash(),
                a.getRunId(),
                a.getDeletedAt());
    }

    /**
     * magic ‖ enc(keyId) ‖ enc(algorithm) ‖ enc(v1) ‖ …, where enc(null) = 0x00; enc(string) = 0x01
     * ‖ u32(length of its UTF-8) ‖ UTF-8; enc(int) = 0x02 ‖ i32; enc(long) = 0x03 ‖ i64;
     * enc(timestamp) = 0x03 ‖ i64 microseconds since the epoch (the stored value); enc(double) =
     * 0x04 ‖ IEEE-754 bits; all big-endian. Public for the signed forms kept outside core (the
     * verify job's state, {@code DLV1}).
     */
    public static byte[] encode(String magic, String keyId, String algorithm, Object... values) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(magic.getBytes(StandardCharsets.US_ASCII));
            put(out, keyId);
            put(out, algorithm);
            for (Object v : values) {
                put(out, v);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void put(DataOutputStream out, Object v) throws IOException {
        if (v == null) {
            out.writeByte(0);
        } else if (v instanceof CharSequence s) {
            byte[] utf8 = s.toString().getBytes(StandardCharsets.UTF_8);
            out.writeByte(1);
            out.writeInt(utf8.length);
            out.write(utf8);
        } else if (v instanceof Integer i) {
            out.writeByte(2);
            out.writeInt(i);
        } else if (v instanceof Long l) {
            out.writeByte(3);
            out.writeLong(l);
        } else if (v instanceof Instant t) {
            out.writeByte(3);
            out.writeLong(MICROS.toLong(t, null, null));
        } else if (v instanceof Double d) {
            out.writeByte(4);
            out.writeLong(Double.doubleToLongBits(d));
        } else {
            throw new IllegalArgumentException("no canonical encoding for " + v.getClass());
        }
    }
}
