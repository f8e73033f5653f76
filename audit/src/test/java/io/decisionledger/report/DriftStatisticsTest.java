package io.decisionledger.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.decisionledger.report.DriftStatistics.Flag;
import io.decisionledger.testing.Proves;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** PSI and KS against values computed by hand (the formulas are in the class comment). */
class DriftStatisticsTest {

    private static long[] bins(int... pairs) {
        long[] b = new long[DriftStatistics.BINS];
        for (int i = 0; i < pairs.length; i += 2) {
            b[pairs[i]] = pairs[i + 1];
        }
        return b;
    }

    @Test
    @Proves({"EU-AI-Act-Art-72", "SR-26-2-monitoring"})
    void psiOfAHalfAndHalfMovingToAQuarterAndThreeQuartersIsSignificant() {
        // given: 50/50 in bins 5 and 6, then 25/75
        // when
        double psi = DriftStatistics.psi(bins(5, 50, 6, 50), bins(5, 25, 6, 75));
        // then: 0.25·ln 2 + 0.25·ln 1.5 = 0.274653
        assertThat(psi).isCloseTo(0.2746530721670274, within(1e-12));
        assertThat(DriftStatistics.psiFlag(psi)).isEqualTo(Flag.DRIFT);
    }

    @Test
    void psiOfASmallShiftIsStable() {
        double psi = DriftStatistics.psi(bins(5, 50, 6, 50), bins(5, 45, 6, 55));
        // 0.05·ln(1/0.9) + 0.05·ln 1.1 = 0.0100335
        assertThat(psi).isCloseTo(0.01003353477310756, within(1e-12));
        assertThat(DriftStatistics.psiFlag(psi)).isEqualTo(Flag.STABLE);
        assertThat(DriftStatistics.psiFlag(0.1)).isEqualTo(Flag.WATCH);
        assertThat(DriftStatistics.psiFlag(0.2499)).isEqualTo(Flag.WATCH);
        assertThat(DriftStatistics.psiFlag(0.25)).isEqualTo(Flag.DRIFT);
    }

    @Test
    void anEmptyBinCountsAsOneTenThousandth() {
        double psi = DriftStatistics.psi(bins(5, 100), bins(5, 50, 6, 50));
        // 0.5·ln 2 + (0.5 − 0.0001)·ln(0.5 / 0.0001) = 4.604318
        assertThat(psi).isCloseTo(4.60431846666895, within(1e-12));
    }

    @Test
    void psiAndKsAreNotComparableWithoutDecisionsInAPeriod() {
        assertThat(DriftStatistics.psiFlag(DriftStatistics.psi(bins(), bins(5, 3))))
                .isEqualTo(Flag.NOT_COMPARABLE);
        assertThat(DriftStatistics.ks(new double[0], new double[] {0.5})).isNaN();
        assertThat(DriftStatistics.ksFlag(Double.NaN, 0, 1)).isEqualTo(Flag.NOT_COMPARABLE);
    }

    @Test
    void ksIsTheLargestDistanceBetweenTheEmpiricalDistributions() {
        double[] previous = {0.1, 0.2, 0.3, 0.4};
        double[] current = {0.3, 0.4, 0.5, 0.6};
        // F_prev(0.2) = 0.5, F_cur(0.2) = 0; F_prev(0.4) = 1, F_cur(0.4) = 0.5
        assertThat(DriftStatistics.ks(previous, current)).isEqualTo(0.5);
        // critical value 1.358·√(8/16) = 0.960251: not flagged
        assertThat(DriftStatistics.ksCritical(4, 4)).isCloseTo(0.9602510088513316, within(1e-12));
        assertThat(DriftStatistics.ksFlag(0.5, 4, 4)).isEqualTo(Flag.STABLE);
    }

    @Test
    void ksStepsOverTiesTogether() {
        assertThat(DriftStatistics.ks(new double[] {0.5, 0.5}, new double[] {0.5, 0.9}))
                .isEqualTo(0.5);
        assertThat(DriftStatistics.ks(new double[] {0.7, 0.2}, new double[] {0.2, 0.7}))
                .isEqualTo(0.0);
    }

    @Test
    @Proves({"EU-AI-Act-Art-72", "SR-26-2-monitoring"})
    void ksFlagsTwoSeparatedSamples() {
        double[] previous = new double[100];
        double[] current = new double[100];
        Arrays.fill(previous, 0.55);
        Arrays.fill(current, 0.75);
        double d = DriftStatistics.ks(previous, current);
        assertThat(d).isEqualTo(1.0);
        // 1.358·√(200/10000) = 0.192050
        assertThat(DriftStatistics.ksCritical(100, 100))
                .isCloseTo(0.19205020177026633, within(1e-12));
        assertThat(DriftStatistics.ksFlag(d, 100, 100)).isEqualTo(Flag.DRIFT);
    }

    @Test
    void binsAreTenthsWithOneInTheLast() {
        assertThat(DriftStatistics.bin(0.0)).isZero();
        assertThat(DriftStatistics.bin(0.7)).isEqualTo(7);
        assertThat(DriftStatistics.bin(0.57)).isEqualTo(5);
        assertThat(DriftStatistics.bin(0.99)).isEqualTo(9);
        assertThat(DriftStatistics.bin(1.0)).isEqualTo(9);
    }
}
