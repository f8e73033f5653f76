package io.decisionledger.retention;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.chain.ChainHasher;
import io.decisionledger.chain.ChainSharding;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetentionAnchorsTest {

    private static final String CHAIN = ChainSharding.chainKey("bank_456", 0);

    /** Positions 1-3 and 5-6 deleted; 4 kept under a hold; 7 onwards kept. */
    private static final RetentionAnchors ANCHORS =
            RetentionAnchors.of(
                    CHAIN,
                    List.of(
                            new RetentionAnchors.Run(1, 3, ChainHasher.GENESIS, "h3"),
                            new RetentionAnchors.Run(5, 6, "h4", "h6")));

    @Test
    void bridgesAChainThatStartsAfterTheRetentionCut() {
        RetentionAnchors.Bridge b = ANCHORS.bridge(CHAIN, 0, ChainHasher.GENESIS, 4);
        assertThat(b.nextSeq()).isEqualTo(4);
        assertThat(b.hash()).isEqualTo("h3");
        assertThat(b.bridged()).isEqualTo(3);
        assertThat(b.brokenAt()).isNull();
    }

    @Test
    void bridgesConsecutiveRunsAndStopsAtTheFirstUncoveredPosition() {
        RetentionAnchors.Bridge b = ANCHORS.bridge(CHAIN, 4, "h4", 7);
        assertThat(b.nextSeq()).isEqualTo(7);
        assertThat(b.hash()).isEqualTo("h6");
        // a hole the anchors do not start at stays a hole
        assertThat(ANCHORS.bridge(CHAIN, 4, "h4", 9).nextSeq()).isEqualTo(7);
        assertThat(ANCHORS.bridge(CHAIN, 1, "h1", 4).nextSeq()).isEqualTo(2);
        assertThat(ANCHORS.bridge(CHAIN, 1, "h1", 4).bridged()).isZero();
    }

    @Test
    void aRunWhoseFirstPrevHashDoesNotLinkIsReported() {
        RetentionAnchors.Bridge b = ANCHORS.bridge(CHAIN, 4, "forged", 7);
        assertThat(b.brokenAt()).isEqualTo(new RetentionAnchors.Run(5, 6, "h4", "h6"));
        assertThat(b.nextSeq()).isEqualTo(5);
    }

    @Test
    void anotherChainHasNoAnchors() {
        RetentionAnchors.Bridge b =
                ANCHORS.bridge(ChainSharding.chainKey("bank_456", 1), 0, ChainHasher.GENESIS, 4);
        assertThat(b.nextSeq()).isEqualTo(1);
        assertThat(RetentionAnchors.none().isEmpty()).isTrue();
        assertThat(ANCHORS.runs()).isEqualTo(2);
    }
}
