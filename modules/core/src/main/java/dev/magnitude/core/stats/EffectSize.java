package dev.magnitude.core.stats;

/**
 * Standardized mean differences of two independent groups a and b.
 *
 * <p>Cohen's d = (mean(a) − mean(b)) / s_pooled, with s_pooled = √(((n_a − 1)·v_a + (n_b − 1)·v_b) /
 * (n_a + n_b − 2)) and v the sample variance (n − 1). Positive when a has the larger mean. NaN when a
 * group has fewer than 2 values, when s_pooled is 0 (both groups constant) or when a value is NaN.
 */
public final class EffectSize {

  private EffectSize() {}

  public static double cohensD(double[] a, double[] b) {
    return cohensD(Moments.of(a), Moments.of(b));
  }

  /** Cohen's d from the groups' moments; same contract as {@link #cohensD(double[], double[])}. */
  public static double cohensD(Moments a, Moments b) {
    if (a.count() < 2 || b.count() < 2) {
      return Double.NaN;
    }
    // (n - 1) * v is M2, so the pooled variance is the groups' summed M2 over n_a + n_b - 2.
    double pooledVariance = (a.m2() + b.m2()) / (a.count() + b.count() - 2);
    if (!(pooledVariance > 0)) {
      return Double.NaN;
    }
    return (a.mean() - b.mean()) / Math.sqrt(pooledVariance);
  }

  /**
   * Hedges' g = d·J, the small-sample bias correction of d. J = 1 − 3 / (4(n_a + n_b) − 9) is Hedges'
   * (1981) approximation of the exact Γ(m/2) / (√(m/2)·Γ((m−1)/2)) with m = n_a + n_b − 2: slightly
   * above it, by 1.3% at n_a + n_b = 4 and by less than 0.1% from n_a + n_b = 9 on.
   * NaN when d is NaN or a group has fewer than 2 values.
   */
  public static double hedgesG(double d, long na, long nb) {
    if (na < 2 || nb < 2) {
      return Double.NaN;
    }
    return d * hedgesJ(na, nb);
  }

  /** The correction factor J = 1 − 3 / (4(n_a + n_b) − 9) of {@link #hedgesG}; groups of ≥ 2 values. */
  static double hedgesJ(long na, long nb) {
    return 1 - 3.0 / (4.0 * (na + nb) - 9);
  }
}
