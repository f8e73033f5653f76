package io.decisionledger.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.chain.HeadSigner;
import io.decisionledger.chain.PemFileSigningKey;
import io.decisionledger.chain.TrustedKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verify state's canonical form ({@code DLV1}, schemas/CANONICAL.md section 12): the published
 * test vector (RFC 8032 key 1, as in section 9), its signature, the hash the next state names, and
 * the stored JSON refusing an edit.
 */
class VerifyStateTest {

    /** RFC 8032 section 7.1, TEST 1. */
    static final String RFC8032_SEED =
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";

    static final String RFC8032_PUBLIC =
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

    /** Published in schemas/CANONICAL.md, section 12. */
    static final String VECTOR_SIGNED_BYTES =
            "444c5631" // DLV1
                    + "010000000a68656164732d32303236" // key id "heads-2026"
                    + "01000000074564323535313" // algorithm "Ed25519" (continues)
                    + "9"
                    + "010000000f" // lake: 15 bytes
                    + "66696c653a2f2f2f6c616b652f6131" // "file:///lake/a1"
                    + "030000000000000002" // run 2
                    + "0100000040"
                    + "6262626262626262626262626262626262626262626262626262626262626262"
                    + "6262626262626262626262626262626262626262626262626262626262626262"
                    + "0300064d0d75e32d01" // verified_at 2026-03-15T10:21:08.000001Z
                    + "01000000" // mode: 11 bytes (continues)
                    + "0b696e6372656d656e74616c" // "incremental"
                    + "0200000001" // 1 chain
                    + "010000000561756469" // dataset "audit" (continues)
                    + "74"
                    + "010000000862616e6b5f343536" // tenant "bank_456"
                    + "0200000003" // shard 3
                    + "03000000000000002a" // seq 42
                    + "0100000040"
                    + "6161616161616161616161616161616161616161616161616161616161616161"
                    + "6161616161616161616161616161616161616161616161616161616161616161"
                    + "0200000001" // 1 file
                    + "01000000056175646974" // dataset "audit"
                    + "0100000049" // path: 73 bytes
                    + HexFormat.of()
                            .formatHex(
                                    "audit/decisions/tenant_id=bank_456/event_date=2026-03-15/part-0-1.parquet"
                                            .getBytes(StandardCharsets.UTF_8))
                    + "030000000000001000" // size 4096
                    + "0300000195994b3e00" // modified 1742033600000 ms
                    + "0100000040"
                    + "6363636363636363636363636363636363636363636363636363636363636363"
                    + "6363636363636363636363636363636363636363636363636363636363636363";

    static VerifyState vector() {
        return VerifyState.unsigned(
                "file:///lake/a1",
                2,
                "b".repeat(64),
                Instant.parse("2026-03-15T10:21:08.000001Z"),
                "incremental",
                List.of(new VerifyState.Chain(Violation.AUDIT, "bank_456", 3, 42, "a".repeat(64))),
                List.of(
                        new VerifyState.CoveredFile(
                                Violation.AUDIT,
                                "audit/decisions/tenant_id=bank_456/event_date=2026-03-15/part-0-1.parquet",
                                4096,
                                1742033600000L,
                                "c".repeat(64))));
    }

    static HeadSigner vectorSigner(Path dir) throws IOException {
        Path pem = dir.resolve("vector.pem");
        Files.writeString(
                pem,
                "-----BEGIN PRIVATE KEY-----\n"
                        + Base64.getEncoder()
                                .encodeToString(
                                        HexFormat.of()
                                                .parseHex(
                                                        "302e020100300506032b657004220420"
                                                                + RFC8032_SEED))
                        + "\n-----END PRIVATE KEY-----\n");
        return new PemFileSigningKey(pem.toString(), "heads-2026").open();
    }

    static TrustedKeys vectorTrusted() throws IOException {
        return TrustedKeys.parse(
                "heads-2026 Ed25519 "
                        + Base64.getEncoder()
                                .encodeToString(
                                        HexFormat.of()
                                                .parseHex(
                                                        "302a300506032b6570032100"
                                                                + RFC8032_PUBLIC)),
                "test keys");
    }

    @Test
    void theSignedBytesOfTheVectorStateAreThePublishedOnes(@TempDir Path dir) throws Exception {
        VerifyState signed = vector().signedWith(vectorSigner(dir));

        assertThat(HexFormat.of().formatHex(signed.signedBytes())).isEqualTo(VECTOR_SIGNED_BYTES);
        assertThat(signed.signature()).isEqualTo(VECTOR_SIGNATURE);
        assertThat(signed.sha256()).isEqualTo(VECTOR_SHA256);
        assertThat(signed.check(vectorTrusted()).status()).isEqualTo(TrustedKeys.Status.VALID);
    }

    static final String VECTOR_SIGNATURE =
            "pFPVkMtwAn8uiSAw8tJgRLcGVpRsGT7XmDDHaSVskE2gichKz9fm4yc9TnzLxRGrQysz6/Nf5YwIQPeaseoCBg==";
    static final String VECTOR_SHA256 =
            "d60114004364c85f4c52a475bef5086d9df31d550f3e88bc99832c8d8bbb7898";

    @Test
    void anEditedSignedStateNoLongerVerifies(@TempDir Path dir) throws Exception {
        VerifyState signed = vector().signedWith(vectorSigner(dir));
        VerifyState edited =
                new VerifyState(
                        signed.lake(),
                        signed.run(),
                        signed.previousSha256(),
                        signed.verifiedAt(),
                        signed.mode(),
                        signed.chains(),
                        List.of(
                                new VerifyState.CoveredFile(
                                        Violation.AUDIT,
                                        signed.files().get(0).path(),
                                        4096,
                                        1742033600000L,
                                        "d".repeat(64))),
                        signed.signatureKeyId(),
                        signed.signatureAlgorithm(),
                        signed.signature());

        assertThat(edited.check(vectorTrusted()).status()).isEqualTo(TrustedKeys.Status.BAD);
        assertThat(vector().check(vectorTrusted()).status()).isEqualTo(TrustedKeys.Status.UNSIGNED);
    }

    @Test
    void theStoredJsonRoundTripsAndRefusesAnEdit(@TempDir Path dir) throws Exception {
        VerifyState signed = vector().signedWith(vectorSigner(dir));
        byte[] json = signed.toJson();

        assertThat(VerifyState.fromJson(json, "state-2")).isEqualTo(signed);

        String edited =
                new String(json, StandardCharsets.UTF_8).replace("\"seq\" : 42", "\"seq\" : 41");
        assertThat(edited).contains("\"seq\" : 41");
        assertThatThrownBy(
                        () ->
                                VerifyState.fromJson(
                                        edited.getBytes(StandardCharsets.UTF_8), "state-2"))
                .isInstanceOf(IOException.class)
                .hasMessage(
                        "state-2: its content does not hash to the sha256 stored with it (edited)");
    }
}
