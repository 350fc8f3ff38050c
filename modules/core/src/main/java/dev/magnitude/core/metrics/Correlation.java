package dev.magnitude.core.metrics;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Pearson and Spearman correlation of two paired samples, as STS evaluation uses them (gold scores vs
 * similarities), in double precision.
 *
 * <p>Spearman is the Pearson correlation of the ranks, ties given the average of the ranks they span
 * (scipy.stats.spearmanr, sentence-transformers' EmbeddingSimilarityEvaluator). A correlation is NaN when
 * it is undefined: fewer than two pairs, or a sample without variance (every value equal). Inputs must
 * be finite: a NaN would make the ranks meaningless, so it is refused.
 */
public final class Correlation {
  private Correlation() {}

  /**
   * Pearson's r: covariance over the product of the standard deviations (two-pass, centred).
   *
   * @return r in [−1, 1], or NaN when undefined (n &lt; 2 or a constant sample)
   * @throws IllegalArgumentException when the lengths differ or a value is not finite
   */
  public static double pearson(double[] x, double[] y) {
    check(x, y);
    int n = x.length;
    if (n < 2) {
      return Double.NaN;
    }
    double mx = mean(x);
    double my = mean(y);
    double sxy = 0;
    double sxx = 0;
    double syy = 0;
    for (int i = 0; i < n; i++) {
      double dx = x[i] - mx;
      double dy = y[i] - my;
      sxy += dx * dy;
      sxx += dx * dx;
      syy += dy * dy;
    }
    if (sxx == 0 || syy == 0) {
      return Double.NaN;
    }
    // Rounding can push |r| a hair past 1 for (anti)collinear samples.
    return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
  }

  /**
   * Spearman's ρ: Pearson's r of the average ranks.
   *
   * @return ρ in [−1, 1], or NaN when undefined (n &lt; 2 or a constant sample)
   * @throws IllegalArgumentException when the lengths differ or a value is not finite
   */
  public static double spearman(double[] x, double[] y) {
    check(x, y);
    return pearson(ranks(x), ranks(y));
  }

  /**
   * 1-based ranks in ascending order; tied values all get the mean of the ranks they occupy
   * (values 10, 20, 20, 30 rank 1, 2.5, 2.5, 4).
   */
  public static double[] ranks(double[] values) {
    int n = values.length;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingDouble(i -> values[i]));
    double[] ranks = new double[n];
    int start = 0;
    while (start < n) {
      int end = start + 1;
      while (end < n && values[order[end]] == values[order[start]]) {
        end++;
      }
      // positions start..end-1 hold equal values: ranks start+1..end, whose mean is (start + 1 + end) / 2
      double rank = (start + 1 + end) / 2.0;
      for (int k = start; k < end; k++) {
        ranks[order[k]] = rank;
      }
      start = end;
    }
    return ranks;
  }

  private static double mean(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x;
    }
    return s / v.length;
  }

  private static void check(double[] x, double[] y) {
    if (x.length != y.length) {
      throw new IllegalArgumentException(
          "paired samples differ in length: " + x.length + " vs " + y.length + "; every pair needs both values");
    }
    for (int i = 0; i < x.length; i++) {
      if (!Double.isFinite(x[i]) || !Double.isFinite(y[i])) {
        throw new IllegalArgumentException(
            "pair " + i + " has a non-finite value (" + x[i] + ", " + y[i] + "); correlations need finite values");
      }
    }
  }
}
