package dev.magnitude.core.stats;

import java.util.Objects;

/**
 * Mean, sample variance and sample standard deviation of an array, each in two passes (mean first,
 * then squared deviations from it) so that large values with a small spread keep their precision.
 *
 * <p>Contracts: the mean of an empty array is NaN; the sample variance and SD divide by n − 1 and are
 * NaN for fewer than 2 values; a NaN value makes every result NaN.
 */
public final class Descriptive {

  private Descriptive() {}

  public static double mean(double[] values) {
    Objects.requireNonNull(values, "values");
    if (values.length == 0) {
      return Double.NaN;
    }
    double sum = 0;
    for (double value : values) {
      sum += value;
    }
    return sum / values.length;
  }

  /** Σ (x − mean)² / (n − 1); NaN for fewer than 2 values. */
  public static double sampleVariance(double[] values) {
    Objects.requireNonNull(values, "values");
    if (values.length < 2) {
      return Double.NaN;
    }
    double mean = mean(values);
    double sumOfSquares = 0;
    for (double value : values) {
      double deviation = value - mean;
      sumOfSquares += deviation * deviation;
    }
    return sumOfSquares / (values.length - 1);
  }

  /** √ of {@link #sampleVariance}; NaN for fewer than 2 values. */
  public static double sampleSd(double[] values) {
    return Math.sqrt(sampleVariance(values));
  }
}
