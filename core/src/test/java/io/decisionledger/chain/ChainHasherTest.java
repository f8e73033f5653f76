package io.decisionledger.chain;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.decision.CanonicalContentTestVector;
import io.decisionledger.schema.DecisionRecord;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The chain hash against an encoder written from schemas/CANONICAL.md, and the fixed test vector
 * published there.
 */
class ChainHasherTest {

    /** Published in schemas/CANONICAL.md, section 4. */
    static final String TEST_VECTOR_HASH =
            "fb181c9a2ed636091fb699f113db721b955a73ecfc4afc04555fe13e3e5337fa";

    static DecisionRecord vector() {
        DecisionRecord r = CanonicalContentTestVector.record();
        r.setContentSha256(CanonicalContentTestVector.SHA256);
        r.setEventIdDerived(false);
        r.setSourceTopic("ai-decisions");
        r.setSourcePartition(1);
        r.setSourceOffset(4242L);
        r.setIngestTime(Instant.parse("2026-03-15T10:21:08.000001Z"));
        return r;
    }

    private static byte[] sha256(byte[] bytes) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(bytes);
    }

    /**
     * hash = SHA-256(prev ‖ "DLR1" ‖ content ‖ d(derived) ‖ d(topic) ‖ d(partition) ‖ d(offset) ‖
     * d(ingest)).
     */
    static String specHash(String prevHex, DecisionRecord r) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(HexFormat.of().parseHex(prevHex));
        bytes.write("DLR1".getBytes(StandardCharsets.US_ASCII));
        bytes.write(HexFormat.of().parseHex(r.getContentSha256()));
        bytes.write(sha256(new byte[] {0x04, (byte) (r.getEventIdDerived() ? 1 : 0)}));
        byte[] topic = r.getSourceTopic().getBytes(StandardCharsets.UTF_8);
        bytes.write(
                sha256(
                        tagged(
                                0x01,
                                out -> {
                                    out.writeInt(topic.length);
                                    out.write(topic);
                                })));
        bytes.write(sha256(tagged(0x02, out -> out.writeLong(r.getSourcePartition()))));
        bytes.write(sha256(tagged(0x02, out -> out.writeLong(r.getSourceOffset()))));
        bytes.write(
                sha256(
                        tagged(
                                0x05,
                                out ->
                                        out.writeLong(
                                                ChronoUnit.MICROS.between(
                                                        Instant.EPOCH, r.getIngestTime())))));
        return HexFormat.of().formatHex(sha256(bytes.toByteArray()));
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

    @Test
    void hashesTheTestVectorAsTheSpecificationDescribes() throws Exception {
        DecisionRecord r = vector();

        String hash = new ChainHasher().hash(ChainHasher.GENESIS, r);

        System.out.println("chain hash test vector (genesis prev_hash): " + hash);
        assertThat(hash).isEqualTo(specHash(ChainHasher.GENESIS, r));
        assertThat(hash).isEqualTo(TEST_VECTOR_HASH);
    }

    @Test
    void dependsOnThePreviousHashAndEveryProvenanceField() throws Exception {
        ChainHasher hasher = new ChainHasher();
        String base = hasher.hash(ChainHasher.GENESIS, vector());
        String otherPrev = "ab".repeat(32);

        assertThat(hasher.hash(otherPrev, vector()))
                .isNotEqualTo(base)
                .isEqualTo(specHash(otherPrev, vector()));
        DecisionRecord r = vector();
        r.setSourceOffset(4243L);
        assertThat(hasher.hash(ChainHasher.GENESIS, r)).isNotEqualTo(base);
        r = vector();
        r.setIngestTime(r.getIngestTime().plusNanos(1000));
        assertThat(hasher.hash(ChainHasher.GENESIS, r)).isNotEqualTo(base);
        r = vector();
        r.setContentSha256("00".repeat(32));
        assertThat(hasher.hash(ChainHasher.GENESIS, r)).isNotEqualTo(base);
    }

    @Test
    void ignoresTheChainFieldsThemselves() {
        ChainHasher hasher = new ChainHasher();
        DecisionRecord r = vector();
        String base = hasher.hash(ChainHasher.GENESIS, r);
        r.setChainSeq(99L);
        r.setChainShard(3);
        r.setHash("ff".repeat(32));

        assertThat(hasher.hash(ChainHasher.GENESIS, r)).isEqualTo(base);
    }
}
