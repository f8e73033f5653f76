package io.decisionledger.metrics;

import java.io.IOException;
import java.util.Arrays;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The confidence quantile sketch of a window: exact counts of confidences rounded to 0.001, i.e. a
 * histogram over the 1 001 points 0.000 … 1.000 that the parser's [0, 1] range allows.
 *
 * <p>Why not a KLL sketch: KLL (and every other rank-error sketch in DataSketches) compacts with
 * random coin flips, so its answer depends on arrival order and on chance. The live job sees events
 * in Kafka order with late ones last, the rebuild in file order; with KLL their p90s would differ
 * and "live equals rebuild" could not hold. Confidence has a bounded domain, so a fixed-bin
 * histogram is the better sketch here: merging is adding counts (hours are exactly the merge of
 * their minutes), the result does not depend on order, quantiles have no rank error at all, and the
 * value error is at most 0.0005 (half a bin). It is bounded at 1 001 entries; stored sparse, a
 * window holds one entry per distinct rounded value it saw (at most ~6 KB serialized, typically a
 * few hundred bytes: producers send two or three decimals).
 *
 * <p>Quantiles use the nearest-rank definition: the q-quantile of n values is the ⌈q·n⌉-th
 * smallest, which is what DuckDB's {@code quantile_disc(round(decision_confidence, 3), q)} returns
 * over the audit lake.
 */
public final class ConfidenceHistogram {

    /** Bins per unit: confidences are rounded to 1/RESOLUTION. */
    public static final int RESOLUTION = 1000;

    private static final int INITIAL_CAPACITY = 8;

    /** Sorted distinct bins (0 … RESOLUTION) and their counts, first {@code size} entries. */
    private short[] bins;

    private long[] counts;
    private int size;
    private long total;

    public ConfidenceHistogram() {
        bins = new short[INITIAL_CAPACITY];
        counts = new long[INITIAL_CAPACITY];
    }

    /** The bin of a confidence in [0, 1]: round half up to the nearest 0.001. */
    public static int bin(double confidence) {
        long b = Math.round(confidence * RESOLUTION);
        return (int) Math.max(0, Math.min(RESOLUTION, b));
    }

    public void add(double confidence) {
        add(bin(confidence), 1);
    }

    private void add(int bin, long count) {
        int i = Arrays.binarySearch(bins, 0, size, (short) bin);
        if (i >= 0) {
            counts[i] += count;
        } else {
            int at = -i - 1;
            if (size == bins.length) {
                int capacity = Math.min(RESOLUTION + 1, size * 2);
                bins = Arrays.copyOf(bins, capacity);
                counts = Arrays.copyOf(counts, capacity);
            }
            System.arraycopy(bins, at, bins, at + 1, size - at);
            System.arraycopy(counts, at, counts, at + 1, size - at);
            bins[at] = (short) bin;
            counts[at] = count;
            size++;
        }
        total += count;
    }

    public void merge(ConfidenceHistogram other) {
        for (int i = 0; i < other.size; i++) {
            add(other.bins[i], other.counts[i]);
        }
    }

    /** Number of values added. */
    public long count() {
        return total;
    }

    /** Distinct rounded values held (the sketch's size). */
    public int distinctBins() {
        return size;
    }

    /**
     * The nearest-rank quantile for {@code percent} in 1 … 100: the ⌈percent·n/100⌉-th smallest
     * rounded confidence, computed in integers so no floating-point error moves the rank. NaN when
     * empty.
     */
    public double quantile(int percent) {
        if (percent < 1 || percent > 100) {
            throw new IllegalArgumentException("percent must be in 1 … 100");
        }
        if (total == 0) {
            return Double.NaN;
        }
        long rank = Math.max(1, -Math.floorDiv(-Math.multiplyExact(total, percent), 100L));
        long seen = 0;
        for (int i = 0; i < size; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return bins[i] / (double) RESOLUTION;
            }
        }
        throw new IllegalStateException("counts do not add up to the total");
    }

    public ConfidenceHistogram copy() {
        ConfidenceHistogram c = new ConfidenceHistogram();
        c.bins = Arrays.copyOf(bins, Math.max(size, INITIAL_CAPACITY));
        c.counts = Arrays.copyOf(counts, Math.max(size, INITIAL_CAPACITY));
        c.size = size;
        c.total = total;
        return c;
    }

    /** Entries as (bin delta, count) varints: two or three bytes per distinct value. */
    void serialize(DataOutputView out) throws IOException {
        VarInts.writeUnsigned(size, out);
        int previous = 0;
        for (int i = 0; i < size; i++) {
            VarInts.writeUnsigned(bins[i] - previous, out);
            VarInts.writeUnsigned(counts[i], out);
            previous = bins[i];
        }
    }

    static ConfidenceHistogram deserialize(DataInputView in) throws IOException {
        ConfidenceHistogram h = new ConfidenceHistogram();
        int n = (int) VarInts.readUnsigned(in);
        if (n < 0 || n > RESOLUTION + 1) {
            throw new IOException("corrupt confidence histogram: " + n + " bins");
        }
        h.bins = new short[Math.max(n, INITIAL_CAPACITY)];
        h.counts = new long[Math.max(n, INITIAL_CAPACITY)];
        int bin = 0;
        for (int i = 0; i < n; i++) {
            bin += (int) VarInts.readUnsigned(in);
            h.bins[i] = (short) bin;
            h.counts[i] = VarInts.readUnsigned(in);
            h.total += h.counts[i];
        }
        h.size = n;
        return h;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConfidenceHistogram h
                && h.size == size
                && h.total == total
                && Arrays.equals(bins, 0, size, h.bins, 0, size)
                && Arrays.equals(counts, 0, size, h.counts, 0, size);
    }

    @Override
    public int hashCode() {
        int result = Long.hashCode(total);
        for (int i = 0; i < size; i++) {
            result = 31 * result + bins[i];
            result = 31 * result + Long.hashCode(counts[i]);
        }
        return result;
    }
}
