package io.decisionledger.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.schema.ChainHead;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The imprint vectors of schemas/CANONICAL.md section 11. */
class HeadsImprintTest {

    /** The signed head of section 9's vector. */
    private static ChainHead signedHead() {
        ChainHead h = new ChainHead();
        h.setTenantId("bank_456");
        h.setChainShard(3);
        h.setChainSeq(42L);
        h.setHash("a".repeat(64));
        h.setEventId("evt-0042");
        h.setPublishedAt(Instant.parse("2026-03-15T10:21:08.000001Z"));
        h.setSignatureKeyId("heads-2026");
        h.setSignatureAlgorithm("Ed25519");
        h.setSignature(
                "bzc/rr3k72U1/uHu6Ruknmw7SPAhCeiEUZSTmZlhaEZeoHlL6/P5bqfH4Gx5SSFbqZ/ajlqSnjG2zmCYmrb6CQ==");
        return h;
    }

    @Test
    void oneSignedHead() {
        byte[] bytes = HeadsImprint.bytes(List.of(signedHead()));

        assertThat(bytes).hasSize(250);
        assertThat(HexFormat.of().formatHex(bytes, 0, 8)).isEqualTo("444c543100000001");
        assertThat(HexFormat.of().formatHex(HeadsImprint.of(List.of(signedHead()))))
                .isEqualTo("2fa9865a0beb7cc97cea6b35dbf89b517492e82834380879558e7e124e586863");
    }

    @Test
    void aSignedAndAnUnsignedHeadInFileOrder() {
        ChainHead unsigned =
                ChainHead.newBuilder(signedHead())
                        .setChainSeq(43L)
                        .setHash("b".repeat(64))
                        .setEventId("evt-0043")
                        .setSignatureKeyId(null)
                        .setSignatureAlgorithm(null)
                        .setSignature(null)
                        .build();

        assertThat(HeadsImprint.bytes(List.of(signedHead(), unsigned))).hasSize(375);
        assertThat(HexFormat.of().formatHex(HeadsImprint.of(List.of(signedHead(), unsigned))))
                .isEqualTo("ebe7cc414b0f5cb0a084d125b1cb7c07ea6eaa84fded1864d001c30db183dff7");
        // order matters: the same heads swapped are another imprint
        assertThat(HeadsImprint.of(List.of(unsigned, signedHead())))
                .isNotEqualTo(HeadsImprint.of(List.of(signedHead(), unsigned)));
    }
}
