package io.decisionledger.chain;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.schema.QuarantineRecord;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The quarantine chain hash against an encoder written from schemas/CANONICAL.md section 10, and
 * the fixed test vectors published there.
 */
class QuarantineChainHasherTest {

    /** Published in schemas/CANONICAL.md, section 10: the vector record after GENESIS. */
    static final String TEST_VECTOR_HASH =
            "c1eada12c336b402bec1c17d97978ff4fbab5cd2f1b8794e22bb67107ae1f0a9";

    /** Published in schemas/CANONICAL.md, section 10: the null-value record after the first. */
    static final String TEST_VECTOR_HASH_2 =
            "046e5751ebc694635a98d9980f3890721dc2cbf03676b7099fe236c44305c20b";

    static QuarantineRecord vector() {
        QuarantineRecord q = new QuarantineRecord();
        q.setReasonCode("MISSING_FIELD");
        q.setDetail("required field decision.approved is missing");
        byte[] raw =
                "{\"eventId\":\"evt-9\",\"tenantId\":\"bank_123\"}"
                        .getBytes(StandardCharsets.UTF_8);
        q.setRaw(ByteBuffer.wrap(raw));
        q.setRawSize(raw.length);
        q.setTenantId("bank_123");
        q.setEventId("evt-9");
        q.setSourceTopic("ai-decisions");
        q.setSourcePartition(1);
        q.setSourceOffset(4243L);
        q.setSourceTimestamp(Instant.parse("2026-03-15T10:21:07.123Z"));
        q.setIngestTime(Instant.parse("2026-03-15T10:21:08.000001Z"));
        return q;
    }

    /** A Kafka record with a null value: no tenant, no event id, no Kafka timestamp. */
    static QuarantineRecord nullValue() {
        QuarantineRecord q = new QuarantineRecord();
        q.setReasonCode("MALFORMED_JSON");
        q.setDetail("the record has no value");
        q.setRaw(ByteBuffer.wrap(new byte[0]));
        q.setRawSize(-1);
        q.setSourceTopic("ai-decisions");
        q.setSourcePartition(0);
        q.setSourceOffset(7L);
        q.setIngestTime(Instant.parse("2026-03-15T10:21:09Z"));
        return q;
    }

    @Test
    void matchesTheSpecEncoderAndThePublishedVectors() throws Exception {
        QuarantineChainHasher hasher = new QuarantineChainHasher();
        String first = hasher.hash(ChainHasher.GENESIS, vector());
        String second = hasher.hash(first, nullValue());

        assertThat(first).isEqualTo(specHash(ChainHasher.GENESIS, vector()));
        assertThat(second).isEqualTo(specHash(first, nullValue()));
        assertThat(first).isEqualTo(TEST_VECTOR_HASH);
        assertThat(second).isEqualTo(TEST_VECTOR_HASH_2);
    }

    @Test
    void everyColumnIsCovered() {
        QuarantineChainHasher hasher = new QuarantineChainHasher();
        String original = hasher.hash(ChainHasher.GENESIS, vector());
        java.util.List<java.util.function.Consumer<QuarantineRecord>> edits =
                java.util.List.of(
                        q -> q.setReasonCode("INVALID_FIELD"),
                        q -> q.setDetail("edited"),
                        q -> q.setRaw(ByteBuffer.wrap(new byte[] {1})),
                        q -> q.setRawSize(1),
                        q -> q.setTenantId("insurer_456"),
                        q -> q.setEventId(null),
                        q -> q.setSourceTopic("other"),
                        q -> q.setSourcePartition(2),
                        q -> q.setSourceOffset(1L),
                        q -> q.setSourceTimestamp(null),
                        q -> q.setIngestTime(Instant.parse("2026-03-16T00:00:00Z")));
        for (java.util.function.Consumer<QuarantineRecord> edit : edits) {
            QuarantineRecord q = vector();
            edit.accept(q);
            assertThat(hasher.hash(ChainHasher.GENESIS, q)).isNotEqualTo(original);
        }
        assertThat(hasher.hash(original, vector())).isNotEqualTo(original);
    }

    @Test
    void namesTheChainByAValidTenantOrTheReservedNone() {
        assertThat(QuarantineChainHasher.chainTenant("bank_123")).isEqualTo("bank_123");
        assertThat(QuarantineChainHasher.chainTenant(null)).isEqualTo("_none");
        assertThat(QuarantineChainHasher.chainTenant("a/b")).isEqualTo("_none");
        assertThat(QuarantineChainHasher.chainTenant("_none")).isEqualTo("_none");
        assertThat(QuarantineChainHasher.chainTenant("a..b")).isEqualTo("_none");
    }

    // ---- an encoder written from CANONICAL.md section 10
    // -----------------------------------------

    static String specHash(String prevHex, QuarantineRecord q) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(HexFormat.of().parseHex(prevHex));
        bytes.write("DLQ1".getBytes(StandardCharsets.US_ASCII));
        ByteBuffer raw = q.getRaw().duplicate();
        byte[] rawBytes = new byte[raw.remaining()];
        raw.get(rawBytes);
        bytes.write(sha256(rawBytes));
        bytes.write(sha256(tagged(0x02, out -> out.writeLong(q.getRawSize()))));
        bytes.write(string(q.getReasonCode()));
        bytes.write(string(q.getDetail()));
        bytes.write(string(q.getTenantId()));
        bytes.write(string(q.getEventId()));
        bytes.write(string(q.getSourceTopic()));
        bytes.write(sha256(tagged(0x02, out -> out.writeLong(q.getSourcePartition()))));
        bytes.write(sha256(tagged(0x02, out -> out.writeLong(q.getSourceOffset()))));
        bytes.write(timestamp(q.getSourceTimestamp()));
        bytes.write(timestamp(q.getIngestTime()));
        return HexFormat.of().formatHex(sha256(bytes.toByteArray()));
    }

    private static byte[] string(String s) throws Exception {
        if (s == null) {
            return sha256(new byte[] {0x00});
        }
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        return sha256(
                tagged(
                        0x01,
                        out -> {
                            out.writeInt(utf8.length);
                            out.write(utf8);
                        }));
    }

    private static byte[] timestamp(Instant t) throws Exception {
        if (t == null) {
            return sha256(new byte[] {0x00});
        }
        return sha256(
                tagged(0x05, out -> out.writeLong(ChronoUnit.MICROS.between(Instant.EPOCH, t))));
    }

    private static byte[] sha256(byte[] bytes) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(bytes);
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] tagged(int tag, Writer body) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(tag);
        body.write(out);
        out.flush();
        return bytes.toByteArray();
    }
}
