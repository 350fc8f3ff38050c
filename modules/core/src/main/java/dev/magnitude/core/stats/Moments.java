package dev.magnitude.core.stats;

import java.io.Serializable;
import java.util.Objects;

/**
 * Count, mean and sum of squared deviations (M2) of a group of values: enough for a mean, a sample
 * variance and Cohen's d. Two groups {@link #combine} exactly (Chan, Golub and LeVeque's parallel
 * update), so a statistic over any union of groups, such as a bootstrap resample of queries, costs one
 * combine per group instead of a pass over the values.
 *
 * @param count number of values, ≥ 0
 * @param mean their mean; NaN when count is 0
 * @param m2 Σ (x − mean)²; 0 when count is 0
 */
public record Moments(long count, double mean, double m2) implements Serializable {

  /** The moments of no value. */
  public static final Moments EMPTY = new Moments(0, Double.NaN, 0);

  public Moments {
    if (count < 0) {
      throw new IllegalArgumentException("count must be >= 0, got " + count);
    }
  }

  /** The moments of {@code values}, in one pass (Welford's update). */
  public static Moments of(double[] values) {
    Objects.requireNonNull(values, "values");
    Moments moments = EMPTY;
    for (double value : values) {
      moments = moments.add(value);
    }
    return moments;
  }

  /** These moments with one more value. */
  public Moments add(double value) {
    if (count == 0) {
      return new Moments(1, value, 0);
    }
    long n = count + 1;
    double delta = value - mean;
    double newMean = mean + delta / n;
    return new Moments(n, newMean, m2 + delta * (value - newMean));
  }

  /** The moments of the union of both groups. */
  public Moments combine(Moments other) {
    if (other.count == 0) {
      return this;
    }
    if (count == 0) {
      return other;
    }
    long n = count + other.count;
    double delta = other.mean - mean;
    double newMean = mean + delta * other.count / n;
    double newM2 = m2 + other.m2 + delta * delta * ((double) count * other.count / n);
    return new Moments(n, newMean, newM2);
  }

  /** M2 / (n − 1); NaN for fewer than 2 values. */
  public double sampleVariance() {
    return count < 2 ? Double.NaN : m2 / (count - 1);
  }
}
