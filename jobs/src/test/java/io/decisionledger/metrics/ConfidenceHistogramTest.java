package io.decisionledger.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** The confidence sketch: exact nearest-rank quantiles of rounded values, order-free, mergeable. */
class ConfidenceHistogramTest {

    /** The definition, on a sorted list: the ⌈p·n/100⌉-th smallest rounded value. */
    private static double nearestRank(List<Double> values, int percent) {
        List<Double> rounded = new ArrayList<>();
        for (double v : values) {
            rounded.add(Math.round(v * 1000) / 1000.0);
        }
        Collections.sort(rounded);
        int rank = (int) Math.max(1, Math.ceil(rounded.size() * percent / 100.0));
        return rounded.get(rank - 1);
    }

    @Test
    void quantilesAreTheNearestRankOfTheRoundedValues() {
        // given 10 known values
        ConfidenceHistogram h = new ConfidenceHistogram();
        for (double v : new double[] {0.10, 0.20, 0.30, 0.40, 0.50, 0.60, 0.70, 0.80, 0.90, 1.0}) {
            h.add(v);
        }
        // then
        assertThat(h.count()).isEqualTo(10);
        assertThat(h.quantile(50)).isEqualTo(0.5);
        assertThat(h.quantile(90)).isEqualTo(0.9);
        assertThat(h.quantile(99)).isEqualTo(1.0);
        assertThat(h.quantile(1)).isEqualTo(0.1);
        assertThat(h.quantile(100)).isEqualTo(1.0);
    }

    @Test
    void matchesTheDefinitionOnRandomDataWithFullPrecisionValues() {
        Random random = new Random(7);
        for (int n : new int[] {1, 2, 3, 17, 100, 999, 5_000}) {
            List<Double> values = new ArrayList<>();
            ConfidenceHistogram h = new ConfidenceHistogram();
            for (int i = 0; i < n; i++) {
                double v = random.nextDouble();
                values.add(v);
                h.add(v);
            }
            for (int p : new int[] {1, 25, 50, 90, 99, 100}) {
                assertThat(h.quantile(p)).as("n=%d p%d", n, p).isEqualTo(nearestRank(values, p));
            }
        }
    }

    @Test
    void roundsToTheNearestThousandthAndClampsToTheUnitInterval() {
        assertThat(ConfidenceHistogram.bin(0.0)).isZero();
        assertThat(ConfidenceHistogram.bin(1.0)).isEqualTo(1000);
        assertThat(ConfidenceHistogram.bin(0.9234)).isEqualTo(923);
        assertThat(ConfidenceHistogram.bin(0.9236)).isEqualTo(924);
        assertThat(ConfidenceHistogram.bin(0.92)).isEqualTo(920);
        assertThat(ConfidenceHistogram.bin(1.2)).isEqualTo(1000);
        assertThat(ConfidenceHistogram.bin(-0.1)).isZero();
    }

    @Test
    void doesNotDependOnOrderAndMergingEqualsAddingEverything() {
        Random random = new Random(11);
        List<Double> values = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            values.add(Math.round(random.nextGaussian() * 100 + 700) / 1000.0);
        }
        ConfidenceHistogram all = new ConfidenceHistogram();
        values.forEach(all::add);

        Collections.shuffle(values, random);
        ConfidenceHistogram shuffled = new ConfidenceHistogram();
        values.forEach(shuffled::add);

        ConfidenceHistogram merged = new ConfidenceHistogram();
        for (int part = 0; part < 7; part++) {
            ConfidenceHistogram piece = new ConfidenceHistogram();
            for (int i = part; i < values.size(); i += 7) {
                piece.add(values.get(i));
            }
            merged.merge(piece);
        }

        assertThat(shuffled).isEqualTo(all);
        assertThat(merged).isEqualTo(all);
        assertThat(merged.quantile(90)).isEqualTo(all.quantile(90));
    }

    @Test
    void serializesCompactlyAndReadsBack() throws IOException {
        ConfidenceHistogram h = new ConfidenceHistogram();
        for (int i = 0; i <= 100; i++) {
            h.add(i / 100.0); // 101 two-decimal values, as producers send them
        }
        DataOutputSerializer out = new DataOutputSerializer(64);
        h.serialize(out);
        ConfidenceHistogram back =
                ConfidenceHistogram.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));

        assertThat(back).isEqualTo(h);
        assertThat(back.quantile(50)).isEqualTo(0.5);
        assertThat(out.length()).as("bytes for 101 distinct values").isLessThan(260);
    }

    @Test
    void anEmptyHistogramHasNoQuantileAndRejectsNonsensePercents() {
        ConfidenceHistogram h = new ConfidenceHistogram();
        assertThat(h.quantile(50)).isNaN();
        assertThatThrownBy(() -> h.quantile(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> h.quantile(101)).isInstanceOf(IllegalArgumentException.class);
    }
}
