package io.decisionledger.verify;

import io.decisionledger.chain.ChainEntry;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.java.tuple.Tuple2;

/**
 * The one {@code long} the verify job sorts chain entries by within a sorting subtask: the chain's
 * number in that subtask (chains numbered as they first arrive) in the high bits, the entry's
 * position in its chain in the low {@value #SEQ_BITS} bits. Flink's sorter compares a {@code long}
 * through its fixed-length normalized key, without deserialising a record; the composite string key
 * it replaces ({@code chain key ‖ NUL ‖ 20 digits}) agreed with its neighbours on the chain key, so
 * nearly every comparison fell back to reading both strings back from the sort buffer.
 *
 * <p>The numbering is exact (a map from the full chain key, never a hash of it), so two chains
 * never share a number. It is only valid within one subtask, which is all the sort needs: every
 * entry of a chain is sent to the same subtask ({@code partitionCustom} by chain key), and this map
 * runs there, chained to the sort.
 *
 * <p>Positions: seq -1 (an unchained record) to {@link #MAX_PLACED_SEQ} sort by seq. A seq outside
 * that range (below -1, or above 17.6 × 10¹²: no ingest job writes one, a damaged or forged file
 * can) does not fit beside the chain number; those entries share the chain's first position (seq
 * below -1) or its last one (seq above the range), so they come right before or after the chain's
 * placed entries in no particular order among themselves, and {@link ChainChecker} puts them in seq
 * order before walking them. A lake whose records still all verify never has one.
 *
 * <p>The key is the tuple's second field: Flink 2.2.0's {@code sortPartition(int field, Order)}
 * refuses field 0 ("The field mustn't be less than zero").
 */
final class ChainSortKey implements MapFunction<ChainEntry, Tuple2<ChainEntry, Long>> {
    private static final long serialVersionUID = 1L;

    /** Bits of the position in the chain; the chain's number takes the others but the sign. */
    static final int SEQ_BITS = 44;

    private static final long POSITIONS = 1L << SEQ_BITS;

    /** The most chains one sorting subtask can number. */
    static final int MAX_CHAINS = 1 << (63 - SEQ_BITS);

    /** The largest seq with a position of its own: seq + 2 stays below the last position. */
    static final long MAX_PLACED_SEQ = POSITIONS - 4;

    private transient Map<String, Long> chains;

    @Override
    public Tuple2<ChainEntry, Long> map(ChainEntry e) {
        if (chains == null) {
            chains = new HashMap<>();
        }
        String chain = e.chainKey();
        Long base = chains.get(chain);
        if (base == null) {
            if (chains.size() == MAX_CHAINS) {
                throw new IllegalStateException(
                        "more than "
                                + MAX_CHAINS
                                + " hash chains reach one sorting subtask of the verify job;"
                                + " run it with a higher parallelism");
            }
            base = (long) chains.size() << SEQ_BITS;
            chains.put(chain, base);
        }
        return Tuple2.of(e, base | position(e.seq));
    }

    /** Where {@code seq} sorts within its chain: 0 .. 2^{@value #SEQ_BITS} - 1. */
    static long position(long seq) {
        if (seq < -1) {
            return 0;
        }
        if (seq > MAX_PLACED_SEQ) {
            return POSITIONS - 1;
        }
        return seq + 2;
    }

    /** False when entries with this seq share a position and come unsorted among themselves. */
    static boolean placed(long seq) {
        return seq >= -1 && seq <= MAX_PLACED_SEQ;
    }
}
