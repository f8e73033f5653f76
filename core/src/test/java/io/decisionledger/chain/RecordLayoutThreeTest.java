package io.decisionledger.chain;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.decision.CanonicalContent;
import io.decisionledger.decision.CanonicalContentTestVector;
import io.decisionledger.privacy.RecordErasure;
import io.decisionledger.schema.DecisionRecord;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * The layout-3 test vectors of schemas/CANONICAL.md section 8 (content DLC3, fingerprint, chain
 * DLR3, and the same record after erasure), each checked against an encoder written here from the
 * document, not from the implementation; and the layout-2 vectors still hold.
 */
class RecordLayoutThreeTest {

    /** The fixed salt of the vectors: bytes 00 01 02 … 1f. */
    static final byte[] SALT = new byte[32];

    static {
        for (int i = 0; i < 32; i++) {
            SALT[i] = (byte) i;
        }
    }

    /** Published in schemas/CANONICAL.md section 8. */
    static final String DLC3_CONTENT =
            "e3eb40246bd11cf654e4a8258c507a198b7c7b6645f26687b809e1a3f63191aa";

    static final String DLR3_HASH =
            "3aa44fcb275101b0e742919c822857cb5e871e0b681621efd0346faba8671e9b";

    /** The erased vector's kept commitments (section 8), as erasure writes them. */
    static final String ERASED_COLUMNS_JSON =
            "{\"case_id\":\"9220b8713b16f5c0930b9d963b87145fd65938106eb5c94f08677a74865001ff\","
                    + "\"context_metadata_json\":\"dd600d9ece0cd8243726110fa717b3759c32e24d3065a70e2b9e2175cd910be6\","
                    + "\"context_relevant_documents\":\"04a3260286d0ba64759993ad85fdb2e37a9987018601b579db60dd72bb1d54a1\","
                    + "\"context_user_history\":\"9ca38caef585c094c66e570af153ab59dbefa50f6c7053570ffa5a92539564cf\","
                    + "\"decision_reasoning\":\"458474ca1e7d2e88c867636ff63a37bacf1d38fc0333aac4e1c789ef00b68976\","
                    + "\"extra_json\":\"20521baa747a1910148cd8c86f6cc87258e6c2981541e071f8f34d8c8c44133d\","
                    + "\"prompt\":\"feb0c88e563c5074de7da8307c1b8eb59418b612307739dd4ffd9b2a3d70027c\","
                    + "\"response_content\":\"cb53991a16f851d05167b3eb6b0db5ef44a3db76e437efaa3e452a57f5ee2640\","
                    + "\"system_prompt\":\"2d0d09a497c681e5dd98b4b8c521495dfbf916ed0e9b9f73ccb31e5c4ee8a4ff\","
                    + "\"user_id\":\"121634c7febfee300302185ec5023b18aad70f312cb57832ce7419641960bd1b\"}";

    static final String CARD_SHA256 =
            "cffb9fb48b03131cc7d026554b62587a511539767ecff71e5d9e1ba6ccfdba34";

    private static final Set<Integer> PERSONAL = Set.of(5, 6, 10, 11, 12, 13, 14, 18, 23, 24);

    /** The section-5 record, written under layout 3 with the fixed salt and the section-8 links. */
    static DecisionRecord vector() {
        DecisionRecord r = CanonicalContentTestVector.record();
        r.setRecordLayout(3);
        r.setFieldSalt(HexFormat.of().formatHex(SALT));
        r.setEventIdDerived(false);
        r.setSourceTopic("ai-decisions");
        r.setSourcePartition(1);
        r.setSourceOffset(4242L);
        r.setIngestTime(Instant.parse("2026-03-15T10:21:08.000001Z"));
        r.setModelCardId("meta_abc123");
        r.setModelCardSha256(CARD_SHA256);
        r.setModelCardStatus("LINKED");
        r.setContentSha256(new CanonicalContent().layout3(r, SALT).contentSha256());
        r.setChainShard(0);
        r.setChainSeq(1L);
        r.setPrevHash(ChainHasher.GENESIS);
        r.setHash(new ChainHasher().hash(ChainHasher.GENESIS, r));
        return r;
    }

    // ---- an independent encoder, from the document -------------------------------------------

    static byte[] sha256(byte[] b) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(b);
    }

    /** SHA-256("DLC3" ‖ c_1 ‖ … ‖ c_24), c_i = HMAC(salt, "DLF3" ‖ u8(i) ‖ d_i) when personal. */
    static String specContent(DecisionRecord r, byte[] salt) throws Exception {
        byte[] d = CanonicalContentTestVector.specFieldDigests(r);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write("DLC3".getBytes(StandardCharsets.US_ASCII));
        for (int i = 1; i <= 24; i++) {
            byte[] di = java.util.Arrays.copyOfRange(d, (i - 1) * 32, i * 32);
            if (PERSONAL.contains(i)) {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(salt, "HmacSHA256"));
                mac.update(new byte[] {0x44, 0x4c, 0x46, 0x33, (byte) i});
                mac.update(di);
                bytes.write(mac.doFinal());
            } else {
                bytes.write(di);
            }
        }
        return HexFormat.of().formatHex(sha256(bytes.toByteArray()));
    }

    static byte[] specString(String v) throws Exception {
        if (v == null) {
            return sha256(new byte[] {0x00});
        }
        byte[] utf8 = v.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0x01);
        b.write(new byte[] {0, 0, 0, (byte) utf8.length});
        b.write(utf8);
        return sha256(b.toByteArray());
    }

    static byte[] specLong(long v) throws Exception {
        return sha256(java.nio.ByteBuffer.allocate(9).put((byte) 0x02).putLong(v).array());
    }

    /** SHA-256(prev ‖ "DLR3" ‖ content ‖ DLR1's five digests ‖ d(card id, sha256, status)). */
    static String specHash(String prevHex, DecisionRecord r) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(HexFormat.of().parseHex(prevHex));
        bytes.write("DLR3".getBytes(StandardCharsets.US_ASCII));
        bytes.write(HexFormat.of().parseHex(r.getContentSha256()));
        bytes.write(sha256(new byte[] {0x04, (byte) (r.getEventIdDerived() ? 1 : 0)}));
        bytes.write(specString(r.getSourceTopic()));
        bytes.write(specLong(r.getSourcePartition()));
        bytes.write(specLong(r.getSourceOffset()));
        long micros =
                java.time.temporal.ChronoUnit.MICROS.between(Instant.EPOCH, r.getIngestTime());
        bytes.write(
                sha256(java.nio.ByteBuffer.allocate(9).put((byte) 0x05).putLong(micros).array()));
        bytes.write(specString(r.getModelCardId()));
        bytes.write(specString(r.getModelCardSha256()));
        bytes.write(specString(r.getModelCardStatus()));
        return HexFormat.of().formatHex(sha256(bytes.toByteArray()));
    }

    // ---- the vectors -------------------------------------------------------------------------

    @Test
    void hashesTheLayoutThreeContentVectorAsTheDocumentDescribes() throws Exception {
        DecisionRecord r = CanonicalContentTestVector.record();

        CanonicalContent.Hashes hashes = new CanonicalContent().layout3(r, SALT);

        System.out.println("DLC3 content vector: " + hashes.contentSha256());
        assertThat(hashes.contentSha256()).isEqualTo(specContent(r, SALT));
        assertThat(hashes.contentSha256()).isEqualTo(DLC3_CONTENT);
        // the fingerprint is the DLC2 content hash of section 5, whatever the salt
        assertThat(hashes.fingerprint()).isEqualTo(CanonicalContentTestVector.SHA256);
        assertThat(new CanonicalContent().layout3(r, new byte[32]).fingerprint())
                .isEqualTo(CanonicalContentTestVector.SHA256);
        assertThat(new CanonicalContent().layout3(r, new byte[32]).contentSha256())
                .isNotEqualTo(DLC3_CONTENT);
    }

    @Test
    void hashesTheLayoutThreeChainVectorAsTheDocumentDescribes() throws Exception {
        DecisionRecord r = vector();

        String hash = new ChainHasher().hash(ChainHasher.GENESIS, r);

        System.out.println("DLR3 chain vector: " + hash);
        assertThat(hash).isEqualTo(specHash(ChainHasher.GENESIS, r));
        assertThat(hash).isEqualTo(DLR3_HASH);
        assertThat(new RecordVerifier().verifyContent(r).contentOk()).isTrue();
    }

    @Test
    void keepsTheLayoutTwoVectors() {
        DecisionRecord r = ChainHasherTest.vector();

        assertThat(r.getRecordLayout()).isNull();
        assertThat(new ChainHasher().hash(ChainHasher.GENESIS, r))
                .isEqualTo(ChainHasherTest.TEST_VECTOR_HASH);
        RecordVerifier.Result result = new RecordVerifier().verifyContent(r);
        assertThat(result.layout()).isEqualTo(RecordLayout.LAYOUT_2);
        assertThat(result.contentSha256()).isEqualTo(CanonicalContentTestVector.SHA256);
        assertThat(result.contentOk()).isTrue();
    }

    @Test
    void theErasedVectorKeepsBothHashes() throws Exception {
        DecisionRecord r = vector();

        RecordErasure.erase(
                r,
                List.of("user_id", "prompt"),
                "erasure-2026-0001",
                Instant.parse("2026-04-01T12:00:00Z"));

        System.out.println("DLC3 erased vector, erased_columns_json: " + r.getErasedColumnsJson());
        // layout 3 erases the salt, so every personal column goes with it
        assertThat(r.getFieldSalt()).isNull();
        assertThat(r.getUserId()).isEqualTo("[ERASED]");
        assertThat(r.getPrompt()).isEqualTo("[ERASED]");
        assertThat(r.getResponseContent()).isEqualTo("[ERASED]");
        assertThat(r.getCaseId()).isNull();
        assertThat(r.getContextUserHistory()).isNull();
        assertThat(r.getModel()).isEqualTo("gpt-4o");
        assertThat(r.getErasedColumnsJson()).isEqualTo(ERASED_COLUMNS_JSON);
        RecordVerifier.Result result = new RecordVerifier().verifyContent(r);
        assertThat(result.problem()).isNull();
        assertThat(result.contentSha256()).isEqualTo(DLC3_CONTENT);
        assertThat(result.contentOk()).isTrue();
        assertThat(result.erasure().columns()).hasSize(10).contains("user_id", "prompt");
        assertThat(result.erasure().requestId()).isEqualTo("erasure-2026-0001");
        assertThat(new ChainHasher().hash(ChainHasher.GENESIS, r)).isEqualTo(DLR3_HASH);
        // the kept commitment of user_id is the HMAC of section 8, not the bare digest
        String keptUser =
                r.getErasedColumnsJson().replaceAll(".*\"user_id\":\"([0-9a-f]{64})\".*", "$1");
        assertThat(keptUser)
                .isNotEqualTo(
                        HexFormat.of()
                                .formatHex(
                                        specString(
                                                CanonicalContentTestVector.record().getUserId())));
    }

    @Test
    void aLayoutTwoErasureKeepsTheUnsaltedDigestsOfTheColumnsItNames() throws Exception {
        DecisionRecord r = ChainHasherTest.vector();
        r.setChainSeq(1L);
        r.setPrevHash(ChainHasher.GENESIS);
        r.setHash(ChainHasherTest.TEST_VECTOR_HASH);

        RecordErasure.erase(
                r,
                List.of("user_id", "prompt"),
                "erasure-1",
                Instant.parse("2026-04-01T12:00:00Z"));

        assertThat(r.getUserId()).isEqualTo("[ERASED]");
        assertThat(r.getPrompt()).isEqualTo("[ERASED]");
        assertThat(r.getCaseId()).isEqualTo("loan_123");
        assertThat(r.getErasedColumnsJson())
                .isEqualTo(
                        "{\"prompt\":\""
                                + HexFormat.of()
                                        .formatHex(
                                                specString(
                                                        CanonicalContentTestVector.record()
                                                                .getPrompt()))
                                + "\",\"user_id\":\""
                                + HexFormat.of().formatHex(specString("user_123"))
                                + "\"}");
        RecordVerifier.Result result = new RecordVerifier().verifyContent(r);
        assertThat(result.problem()).isNull();
        assertThat(result.contentSha256()).isEqualTo(CanonicalContentTestVector.SHA256);
        assertThat(new ChainHasher().hash(ChainHasher.GENESIS, r))
                .isEqualTo(ChainHasherTest.TEST_VECTOR_HASH);
    }
}
