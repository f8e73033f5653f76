package io.decisionledger.report;

import java.util.Arrays;

/**
 * How far a model version's confidence distribution moved between the previous period and this one,
 * as the compliance report shows it: the population stability index over ten fixed bins of width
 * 0.1 and the two-sample Kolmogorov-Smirnov statistic over the exact values, each with the
 * threshold that flags it. Pure functions: the report's appendix gives the same computation as
 * DuckDB SQL, and the tests check both against values computed by hand.
 *
 * <p>PSI = Σ (a<sub>i</sub> − e<sub>i</sub>) · ln(a<sub>i</sub> / e<sub>i</sub>) with a the current
 * and e the previous period's share of decisions in bin i; an empty bin counts as a share of {@link
 * #EMPTY_BIN_SHARE} so the logarithm stays finite. The usual reading: below 0.1 stable, 0.1 to 0.25
 * a moderate shift worth watching, 0.25 and above a significant shift. The KS statistic D is the
 * largest distance between the two empirical distribution functions; it flags when D exceeds the
 * critical value at α = 0.05, 1.358 · √((n + m) / (n · m)).
 */
public final class DriftStatistics {

    /** Bins of the confidence histogram: [0, 0.1), [0.1, 0.2), …, [0.9, 1.0]. */
    public static final int BINS = 10;

    /** The share an empty bin counts as in the PSI (a common convention; avoids ln(0)). */
    public static final double EMPTY_BIN_SHARE = 0.0001;

    public static final double PSI_WATCH = 0.1;
    public static final double PSI_DRIFT = 0.25;

    /** c(α) of the two-sample KS test at α = 0.05. */
    public static final double KS_C_ALPHA = 1.358;

    /** How a statistic reads against its thresholds. */
    public enum Flag {
        STABLE,
        WATCH,
        DRIFT,
        /** One of the periods has no decisions with a confidence: nothing to compare. */
        NOT_COMPARABLE
    }

    private DriftStatistics() {}

    /** The bin of a confidence in [0, 1]: floor(c · 10), 1.0 in the last bin. */
    public static int bin(double confidence) {
        return Math.max(0, Math.min((int) Math.floor(confidence * 10), BINS - 1));
    }

    /** The population stability index of {@code current} against {@code previous} bin counts. */
    public static double psi(long[] previous, long[] current) {
        long e = Arrays.stream(previous).sum();
        long a = Arrays.stream(current).sum();
        if (e == 0 || a == 0) {
            return Double.NaN;
        }
        double psi = 0;
        for (int i = 0; i < previous.length; i++) {
            double ei = Math.max((double) previous[i] / e, EMPTY_BIN_SHARE);
            double ai = Math.max((double) current[i] / a, EMPTY_BIN_SHARE);
            psi += (ai - ei) * Math.log(ai / ei);
        }
        return psi;
    }

    public static Flag psiFlag(double psi) {
        if (Double.isNaN(psi)) {
            return Flag.NOT_COMPARABLE;
        }
        return psi >= PSI_DRIFT ? Flag.DRIFT : psi >= PSI_WATCH ? Flag.WATCH : Flag.STABLE;
    }

    /** The two-sample Kolmogorov-Smirnov statistic D = sup |F_previous(x) − F_current(x)|. */
    public static double ks(double[] previous, double[] current) {
        if (previous.length == 0 || current.length == 0) {
            return Double.NaN;
        }
        double[] p = previous.clone();
        double[] c = current.clone();
        Arrays.sort(p);
        Arrays.sort(c);
        int i = 0;
        int j = 0;
        double d = 0;
        while (i < p.length || j < c.length) {
            // step both functions past the next distinct value
            double x = j >= c.length || (i < p.length && p[i] <= c[j]) ? p[i] : c[j];
            while (i < p.length && p[i] <= x) {
                i++;
            }
            while (j < c.length && c[j] <= x) {
                j++;
            }
            d = Math.max(d, Math.abs((double) i / p.length - (double) j / c.length));
        }
        return d;
    }

    /** The KS critical value at α = 0.05 for samples of n and m values. */
    public static double ksCritical(int n, int m) {
        return KS_C_ALPHA * Math.sqrt((double) (n + m) / ((double) n * m));
    }

    public static Flag ksFlag(double d, int n, int m) {
        if (Double.isNaN(d) || n == 0 || m == 0) {
            return Flag.NOT_COMPARABLE;
        }
        return d > ksCritical(n, m) ? Flag.DRIFT : Flag.STABLE;
    }
}
