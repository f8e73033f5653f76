package io.decisionledger.verify;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.chain.ChainEntry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The one string the verify job sorts chain entries by ({@link VerifyPipeline#chainAndSeq}): it
 * must order as (chain key, seq) compared field by field, so each chain's entries stay together and
 * in seq order, an unchained record (seq -1) first.
 */
class ChainAndSeqKeyTest {

    @Test
    void sortsByChainThenSeqNumericallyWithUnchainedRecordsFirst() {
        List<ChainEntry> entries = new ArrayList<>();
        for (String tenant : List.of("bank", "bank_2", "ban", "bank/1")) {
            for (int shard : new int[] {0, 1, 10}) {
                for (long seq : new long[] {-1, 1, 2, 9, 10, 99, 100, 33_503, Long.MAX_VALUE}) {
                    entries.add(entry(tenant, shard, seq));
                }
            }
        }
        Collections.shuffle(entries, new java.util.Random(7));

        List<ChainEntry> byKey = new ArrayList<>(entries);
        byKey.sort(
                (a, b) -> VerifyPipeline.chainAndSeq(a).compareTo(VerifyPipeline.chainAndSeq(b)));

        List<String> chainsInOrder = new ArrayList<>();
        for (int i = 0; i < byKey.size(); i++) {
            ChainEntry e = byKey.get(i);
            if (i == 0 || !byKey.get(i - 1).chainKey().equals(e.chainKey())) {
                assertThat(chainsInOrder)
                        .as("chain %s together", e.chainKey())
                        .doesNotContain(e.chainKey());
                chainsInOrder.add(e.chainKey());
            } else {
                assertThat(e.seq).isGreaterThan(byKey.get(i - 1).seq);
            }
        }
        assertThat(chainsInOrder).hasSize(12);
        assertThat(byKey.get(0).seq).isEqualTo(-1);
        assertThat(byKey.get(8).seq).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void isTheChainKeyANulAndTwentyDigits() {
        assertThat(VerifyPipeline.chainAndSeq(entry("bank_456", 0, 33_503)))
                .isEqualTo("bank_456/0\0" + "09223372036854809311");
        assertThat(VerifyPipeline.chainAndSeq(entry("bank_456", 0, -1)))
                .isEqualTo("bank_456/0\0" + "09223372036854775807");
    }

    private static ChainEntry entry(String tenant, int shard, long seq) {
        ChainEntry e = new ChainEntry();
        e.tenantId = tenant;
        e.chainShard = shard;
        e.seq = seq;
        return e;
    }
}
