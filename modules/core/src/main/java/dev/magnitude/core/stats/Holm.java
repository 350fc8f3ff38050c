package dev.magnitude.core.stats;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Objects;

/**
 * Holm–Bonferroni step-down adjustment of the p-values of one family of comparisons (e.g. every variant
 * comparison of one table), controlling the family-wise error rate.
 *
 * <p>With the m p-values sorted ascending p_(1) ≤ … ≤ p_(m), the adjusted value of the j-th smallest is
 * max over i ≤ j of min(1, (m − i + 1)·p_(i)): the running maximum keeps the adjusted values in the
 * same order as the raw ones (monotone), the cap keeps them probabilities. A comparison is significant
 * at level α when its adjusted p ≤ α, which is Holm's sequential rule. This is R's
 * {@code p.adjust(p, "holm")} and statsmodels' {@code multipletests(method="holm")}. Equal raw p-values
 * get equal adjusted values whatever order they come in.
 */
public final class Holm {

  private Holm() {}

  /**
   * Adjusted p-values, in the order of {@code pValues}.
   *
   * @param pValues raw p-values, each in [0, 1]; an empty array gives an empty array
   * @throws IllegalArgumentException naming the index of a value outside [0, 1] or NaN
   */
  public static double[] adjust(double[] pValues) {
    Objects.requireNonNull(pValues, "pValues must not be null");
    int m = pValues.length;
    for (int i = 0; i < m; i++) {
      if (!(pValues[i] >= 0 && pValues[i] <= 1)) {
        throw new IllegalArgumentException(
            "p-value " + i + " is " + pValues[i] + "; p-values must be in [0, 1]");
      }
    }
    Integer[] order = new Integer[m];
    for (int i = 0; i < m; i++) {
      order[i] = i;
    }
    // stable: equal p-values keep their input order, and the running maximum makes them equal anyway
    Arrays.sort(order, Comparator.comparingDouble(i -> pValues[i]));
    double[] adjusted = new double[m];
    double running = 0;
    for (int rank = 0; rank < m; rank++) {
      int index = order[rank];
      double scaled = Math.min(1.0, (m - rank) * pValues[index]);
      running = Math.max(running, scaled);
      adjusted[index] = running;
    }
    return adjusted;
  }
}
