package io.decisionledger.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.chain.ChainEntry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.flink.api.java.tuple.Tuple2;
import org.junit.jupiter.api.Test;

/**
 * The one {@code long} the verify job sorts chain entries by in a subtask ({@link ChainSortKey}):
 * sorted by it, each chain's entries stay together and in seq order (an unchained record, seq -1,
 * first), chains never share a number, and seqs the key has no room for come together at their
 * chain's start or end.
 */
class ChainSortKeyTest {

    @Test
    void sortsByChainThenSeqNumericallyWithUnchainedRecordsFirst() {
        List<ChainEntry> entries = new ArrayList<>();
        for (String tenant : List.of("bank", "bank_2", "ban", "bank/1")) {
            for (int shard : new int[] {0, 1, 10}) {
                for (long seq :
                        new long[] {
                            -1, 1, 2, 9, 10, 99, 100, 33_503, ChainSortKey.MAX_PLACED_SEQ
                        }) {
                    entries.add(entry(tenant, shard, seq));
                }
            }
        }
        Collections.shuffle(entries, new java.util.Random(7));

        List<ChainEntry> sorted = sort(entries);

        List<String> chainsInOrder = new ArrayList<>();
        for (int i = 0; i < sorted.size(); i++) {
            ChainEntry e = sorted.get(i);
            if (i == 0 || !sorted.get(i - 1).chainKey().equals(e.chainKey())) {
                assertThat(chainsInOrder)
                        .as("chain %s together", e.chainKey())
                        .doesNotContain(e.chainKey());
                chainsInOrder.add(e.chainKey());
                assertThat(e.seq).as("first of %s", e.chainKey()).isEqualTo(-1);
            } else {
                assertThat(e.seq).isGreaterThan(sorted.get(i - 1).seq);
            }
        }
        assertThat(chainsInOrder).hasSize(12);
        assertThat(sorted.get(8).seq).isEqualTo(ChainSortKey.MAX_PLACED_SEQ);
    }

    @Test
    void numbersChainsByTheirFullKeySoChainsWithTheSameHashStayApart() {
        // "Aa" and "BB" have the same String.hashCode: a key derived from the hash would merge them
        assertThat("Aa/0".hashCode()).isEqualTo("BB/0".hashCode());
        ChainSortKey key = new ChainSortKey();

        long aa = key.map(entry("Aa", 0, 5)).f1;
        long bb = key.map(entry("BB", 0, 5)).f1;
        long aaAgain = key.map(entry("Aa", 0, 6)).f1;

        assertThat(aa >>> ChainSortKey.SEQ_BITS).isNotEqualTo(bb >>> ChainSortKey.SEQ_BITS);
        assertThat(aaAgain >>> ChainSortKey.SEQ_BITS).isEqualTo(aa >>> ChainSortKey.SEQ_BITS);
        assertThat(aaAgain).isEqualTo(aa + 1);
    }

    @Test
    void seqsOutsideTheKeysRangeComeAtTheirChainsStartOrEnd() {
        List<ChainEntry> entries = new ArrayList<>();
        for (long seq :
                new long[] {
                    Long.MAX_VALUE,
                    3,
                    Long.MIN_VALUE,
                    -1,
                    ChainSortKey.MAX_PLACED_SEQ + 1,
                    -2,
                    1,
                    ChainSortKey.MAX_PLACED_SEQ
                }) {
            entries.add(entry("bank", 0, seq));
        }
        entries.add(entry("lender", 0, 1));

        List<ChainEntry> sorted = sort(entries);

        assertThat(sorted.subList(0, 2))
                .extracting(e -> e.seq)
                .containsExactlyInAnyOrder(Long.MIN_VALUE, -2L);
        assertThat(sorted.subList(2, 6))
                .extracting(e -> e.seq)
                .containsExactly(-1L, 1L, 3L, ChainSortKey.MAX_PLACED_SEQ);
        assertThat(sorted.subList(6, 8))
                .extracting(e -> e.seq)
                .containsExactlyInAnyOrder(Long.MAX_VALUE, ChainSortKey.MAX_PLACED_SEQ + 1);
        assertThat(sorted.get(8).tenantId).isEqualTo("lender");
        assertThat(ChainSortKey.placed(ChainSortKey.MAX_PLACED_SEQ)).isTrue();
        assertThat(ChainSortKey.placed(ChainSortKey.MAX_PLACED_SEQ + 1)).isFalse();
        assertThat(ChainSortKey.placed(-1)).isTrue();
        assertThat(ChainSortKey.placed(-2)).isFalse();
    }

    @Test
    void refusesMoreChainsThanTheKeyCanNumberWithAClearMessage() {
        ChainSortKey key = new ChainSortKey();
        for (int i = 0; i < ChainSortKey.MAX_CHAINS; i++) {
            key.map(entry("t" + i, 0, 1));
        }
        assertThat(key.map(entry("t0", 0, 2)).f1 >>> ChainSortKey.SEQ_BITS).isZero();
        assertThatThrownBy(() -> key.map(entry("one-too-many", 0, 1)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("more than 524288 hash chains")
                .hasMessageContaining("higher parallelism");
    }

    /** Sorted as the job's subtask sorts them: by the long alone, ties in arrival order. */
    private static List<ChainEntry> sort(List<ChainEntry> entries) {
        ChainSortKey key = new ChainSortKey();
        List<Tuple2<ChainEntry, Long>> keyed = new ArrayList<>();
        for (ChainEntry e : entries) {
            keyed.add(key.map(e));
        }
        keyed.sort((a, b) -> Long.compare(a.f1, b.f1));
        assertThat(keyed).allSatisfy(t -> assertThat(t.f1).isNotNegative());
        return keyed.stream().map(t -> t.f0).toList();
    }

    private static ChainEntry entry(String tenant, int shard, long seq) {
        ChainEntry e = new ChainEntry();
        e.tenantId = tenant;
        e.chainShard = shard;
        e.seq = seq;
        return e;
    }
}
