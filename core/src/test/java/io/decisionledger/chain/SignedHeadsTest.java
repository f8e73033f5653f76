package io.decisionledger.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.schema.ChainAnchor;
import io.decisionledger.schema.ChainHead;
import io.decisionledger.schema.RetentionSummary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ed25519 signatures of chain heads, summaries and anchors: the published test vector (RFC 8032 key
 * 1, schemas/CANONICAL.md section 9), the verdicts a verifier reports, key rotation and the key
 * file formats.
 */
class SignedHeadsTest {

    /** RFC 8032 section 7.1, TEST 1: secret key and public key. */
    static final String RFC8032_SEED =
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";

    static final String RFC8032_PUBLIC =
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

    /** PKCS#8 PEM of the RFC 8032 key: DER prefix 302e020100300506032b657004220420 ‖ seed. */
    static final String VECTOR_PRIVATE_PEM =
            "-----BEGIN PRIVATE KEY-----\n"
                    + Base64.getEncoder()
                            .encodeToString(
                                    HexFormat.of()
                                            .parseHex(
                                                    "302e020100300506032b657004220420"
                                                            + RFC8032_SEED))
                    + "\n-----END PRIVATE KEY-----\n";

    /** Trusted keys line: X.509 DER prefix 302a300506032b6570032100 ‖ public key. */
    static final String VECTOR_TRUSTED_LINE =
            "heads-2026 Ed25519 "
                    + Base64.getEncoder()
                            .encodeToString(
                                    HexFormat.of()
                                            .parseHex("302a300506032b6570032100" + RFC8032_PUBLIC));

    /** Published in schemas/CANONICAL.md, section 9. */
    static final String VECTOR_SIGNED_BYTES =
            "444c4831" // DLH1
                    + "010000000a68656164732d32303236" // key id "heads-2026"
                    + "0100000007456432353531390" // algorithm "Ed25519" (continues)
                    + "1"
                    + "0000000862616e6b5f343536" // tenant_id "bank_456"
                    + "0200000003" // chain_shard 3
                    + "03000000000000002a" // chain_seq 42
                    + "0100000040"
                    + "6161616161616161616161616161616161616161616161616161616161616161"
                    + "6161616161616161616161616161616161616161616161616161616161616161"
                    + "01000000086576742d30303432" // event_id "evt-0042"
                    + "03"
                    + "00064d0d75e32d01"; // published_at 2026-03-15T10:21:08.000001Z

    static final String VECTOR_SIGNATURE =
            "bzc/rr3k72U1/uHu6Ruknmw7SPAhCeiEUZSTmZlhaEZeoHlL6/P5bqfH4Gx5SSFbqZ/ajlqSnjG2zmCYmrb6CQ==";

    static ChainHead vectorHead() {
        ChainHead h = new ChainHead();
        h.setTenantId("bank_456");
        h.setChainShard(3);
        h.setChainSeq(42L);
        h.setHash("a".repeat(64));
        h.setEventId("evt-0042");
        h.setPublishedAt(Instant.parse("2026-03-15T10:21:08.000001Z"));
        return h;
    }

    private static HeadSigner vectorSigner(Path dir) throws IOException {
        Path pem = dir.resolve("heads-2026.pem");
        Files.writeString(pem, VECTOR_PRIVATE_PEM);
        return new PemFileSigningKey(pem.toString(), "heads-2026").open();
    }

    @Test
    void signedBytesAndSignatureMatchThePublishedVector(@TempDir Path dir) throws Exception {
        ChainHead h = vectorHead();
        byte[] bytes = SignedBytes.of(h, "heads-2026", "Ed25519");
        Signatures.sign(h, vectorSigner(dir));
        assertThat(HexFormat.of().formatHex(bytes)).isEqualTo(VECTOR_SIGNED_BYTES);
        assertThat(h.getSignatureKeyId()).isEqualTo("heads-2026");
        assertThat(h.getSignatureAlgorithm()).isEqualTo("Ed25519");
        assertThat(h.getSignature()).isEqualTo(VECTOR_SIGNATURE);
        TrustedKeys trusted = TrustedKeys.parse(VECTOR_TRUSTED_LINE, "test");
        assertThat(trusted.check(h).status()).isEqualTo(TrustedKeys.Status.VALID);
    }

    @Test
    void unsignedHeadIsUnsignedAndEveryTamperingIsBad(@TempDir Path dir) throws Exception {
        TrustedKeys trusted = TrustedKeys.parse(VECTOR_TRUSTED_LINE, "test");
        assertThat(trusted.check(vectorHead()).status()).isEqualTo(TrustedKeys.Status.UNSIGNED);

        ChainHead signed = Signatures.sign(vectorHead(), vectorSigner(dir));
        ChainHead otherHash = ChainHead.newBuilder(signed).setHash("b".repeat(64)).build();
        assertThat(trusted.check(otherHash))
                .extracting(TrustedKeys.Verdict::status, TrustedKeys.Verdict::detail)
                .containsExactly(
                        TrustedKeys.Status.BAD,
                        "the signature does not verify with trusted key heads-2026");
        ChainHead otherSeq = ChainHead.newBuilder(signed).setChainSeq(43L).build();
        assertThat(trusted.check(otherSeq).status()).isEqualTo(TrustedKeys.Status.BAD);
        ChainHead relabelled = ChainHead.newBuilder(signed).setSignatureAlgorithm("RSA").build();
        assertThat(trusted.check(relabelled).detail())
                .isEqualTo("algorithm RSA does not match trusted key heads-2026 (Ed25519)");
        ChainHead unknownKey = ChainHead.newBuilder(signed).setSignatureKeyId("other").build();
        assertThat(trusted.check(unknownKey).detail())
                .isEqualTo(
                        "signed with key id other, which is not among the trusted keys"
                                + " [heads-2026]");
        ChainHead garbage = ChainHead.newBuilder(signed).setSignature("AAAA").build();
        assertThat(trusted.check(garbage).status()).isEqualTo(TrustedKeys.Status.BAD);
        ChainHead halfSigned = ChainHead.newBuilder(signed).setSignature(null).build();
        assertThat(trusted.check(halfSigned).status()).isEqualTo(TrustedKeys.Status.BAD);
    }

    @Test
    void rotationVerifiesHeadsOfEveryTrustedKey(@TempDir Path dir) throws Exception {
        KeyPair old = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        KeyPair current = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        HeadSigner oldSigner = signer(dir, "k2025", old);
        HeadSigner newSigner = signer(dir, "k2026", current);
        TrustedKeys both =
                TrustedKeys.parse(
                        "# retired, kept for old heads\n"
                                + TrustedKeys.line("k2025", old.getPublic())
                                + "\n\n"
                                + "k2026 Ed25519\n"
                                + pem(current)
                                + "\n",
                        "test");
        assertThat(both.keyIds()).containsExactly("k2025", "k2026");
        assertThat(both.check(Signatures.sign(vectorHead(), oldSigner)).valid()).isTrue();
        assertThat(both.check(Signatures.sign(vectorHead(), newSigner)).valid()).isTrue();

        TrustedKeys onlyNew =
                TrustedKeys.parse(TrustedKeys.line("k2026", current.getPublic()), "test");
        assertThat(onlyNew.check(Signatures.sign(vectorHead(), oldSigner)).status())
                .isEqualTo(TrustedKeys.Status.BAD);
        // a key id that claims a trusted id but was signed by another key
        HeadSigner impostor = signer(dir, "k2026", old);
        assertThat(onlyNew.check(Signatures.sign(vectorHead(), impostor)).status())
                .isEqualTo(TrustedKeys.Status.BAD);
    }

    @Test
    void summariesAndAnchorsAreSignedOverEveryField(@TempDir Path dir) throws Exception {
        HeadSigner signer = vectorSigner(dir);
        TrustedKeys trusted = TrustedKeys.parse(VECTOR_TRUSTED_LINE, "test");
        RetentionSummary s =
                RetentionSummary.newBuilder()
                        .setTenantId("bank_456")
                        .setEventDate("2019-01-02")
                        .setModel("m")
                        .setModelVersion("1")
                        .setChainShard(0)
                        .setRecords(10)
                        .setApproved(6)
                        .setDenied(3)
                        .setUndecided(1)
                        .setMeanConfidence(0.5)
                        .setFirstEventTime(Instant.parse("2019-01-02T00:00:00Z"))
                        .setLastEventTime(Instant.parse("2019-01-02T23:00:00Z"))
                        .setFirstChainSeq(1L)
                        .setFirstHash("c".repeat(64))
                        .setLastChainSeq(10L)
                        .setLastHash("d".repeat(64))
                        .setDeletedEventIdsSha256("e".repeat(64))
                        .setHeldRecords(0)
                        .setRetentionPeriod("P7Y")
                        .setPolicyVersion("v1")
                        .setRunId("r1")
                        .setDeletedAt(Instant.parse("2026-03-15T10:00:00Z"))
                        .build();
        Signatures.sign(s, signer);
        assertThat(trusted.check(s).valid()).isTrue();
        s.setRecords(9L);
        assertThat(trusted.check(s).status()).isEqualTo(TrustedKeys.Status.BAD);
        s.setRecords(10L);
        s.setMeanConfidence(null);
        assertThat(trusted.check(s).status()).isEqualTo(TrustedKeys.Status.BAD);

        ChainAnchor a =
                ChainAnchor.newBuilder()
                        .setTenantId("bank_456")
                        .setChainShard(0)
                        .setEventDate("2019-01-02")
                        .setFromSeq(1)
                        .setToSeq(10)
                        .setFromPrevHash("0".repeat(64))
                        .setToHash("d".repeat(64))
                        .setRunId("r1")
                        .setDeletedAt(Instant.parse("2026-03-15T10:00:00Z"))
                        .build();
        Signatures.sign(a, signer);
        assertThat(trusted.check(a).valid()).isTrue();
        a.setToSeq(11L);
        assertThat(trusted.check(a).status()).isEqualTo(TrustedKeys.Status.BAD);
    }

    @Test
    void commandSignerSignsThroughAnExternalProgram(@TempDir Path dir) throws Exception {
        // the "KMS": a script that signs stdin with the vector key via the JDK's own tool chain
        // is heavy; a fixed-signature script proves the plumbing and the verifier catches a lie
        Path script = dir.resolve("kms.sh");
        Files.writeString(script, "#!/bin/sh\ncat > /dev/null\necho AAAA\n");
        script.toFile().setExecutable(true);
        HeadSigner kms = CommandSigningKey.parse(script.toString(), "heads-2026").open();
        ChainHead h = Signatures.sign(vectorHead(), kms);
        assertThat(h.getSignature()).isEqualTo("AAAA");
        assertThat(TrustedKeys.parse(VECTOR_TRUSTED_LINE, "test").check(h).status())
                .isEqualTo(TrustedKeys.Status.BAD);

        Path failing = dir.resolve("down.sh");
        Files.writeString(failing, "#!/bin/sh\nexit 3\n");
        failing.toFile().setExecutable(true);
        assertThatThrownBy(
                        () ->
                                Signatures.sign(
                                        vectorHead(),
                                        CommandSigningKey.parse(failing.toString(), "k").open()))
                .isInstanceOf(IOException.class)
                .hasMessage("the signing command " + failing + " exited with 3");
    }

    @Test
    void badKeyFilesAreRefusedWithoutQuotingThem(@TempDir Path dir) throws Exception {
        Path notPem = dir.resolve("key.pem");
        Files.writeString(notPem, "secret-material");
        assertThatThrownBy(() -> new PemFileSigningKey(notPem.toString(), "k").open())
                .hasMessageContaining("is not a PEM PRIVATE KEY")
                .hasMessageNotContaining("secret-material");
        assertThatThrownBy(() -> TrustedKeys.parse("k1 RSA AAAA", "keys.txt"))
                .hasMessage("keys.txt line 1: algorithm RSA is not supported (only Ed25519)");
        assertThatThrownBy(
                        () ->
                                TrustedKeys.parse(
                                        VECTOR_TRUSTED_LINE + "\n" + VECTOR_TRUSTED_LINE,
                                        "keys.txt"))
                .hasMessage("keys.txt line 2: key id heads-2026 repeated");
        assertThatThrownBy(() -> TrustedKeys.parse("# nothing\n", "keys.txt"))
                .hasMessage("keys.txt lists no key");
    }

    private static HeadSigner signer(Path dir, String keyId, KeyPair pair) throws IOException {
        Path pem = dir.resolve(keyId + "-" + System.nanoTime() + ".pem");
        Files.writeString(
                pem,
                "-----BEGIN PRIVATE KEY-----\n"
                        + Base64.getMimeEncoder().encodeToString(pair.getPrivate().getEncoded())
                        + "\n-----END PRIVATE KEY-----\n");
        return new PemFileSigningKey(pem.toString(), keyId).open();
    }

    private static String pem(KeyPair pair) {
        return "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(pair.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----";
    }
}
