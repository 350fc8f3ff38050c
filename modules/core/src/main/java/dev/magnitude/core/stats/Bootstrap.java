package dev.magnitude.core.stats;

import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Seeded percentile bootstrap over resampling units (e.g. queries).
 *
 * <p>Each of {@code samples} resamples draws {@code units} unit indices uniformly with replacement
 * from one {@link SplittableRandom}{@code (seed)}, in order, and evaluates the statistic on them: the
 * same (units, samples, seed) always draws the same resamples. Resamples whose statistic is NaN are
 * skipped and counted. The interval at level L is the (1 − L)/2 and (1 + L)/2 {@link #percentile}s of
 * the remaining statistics.
 */
public final class Bootstrap {

  /** A statistic of one resample, given the drawn unit indices (each in [0, units), repeats allowed). */
  @FunctionalInterface
  public interface Statistic {
    double of(int[] resampledUnits);
  }

  /** A confidence interval; both bounds NaN when no resample gave a statistic. */
  public record Interval(double low, double high, double level) {}

  /** The interval and how many of the resamples it rests on. */
  public record Result(Interval interval, int usedSamples, int skippedSamples) {}

  private Bootstrap() {}

  /**
   * Percentile bootstrap interval of {@code statistic} over {@code units} resampling units.
   *
   * @param samples number of resamples, > 0
   * @param level confidence level in (0, 1), e.g. 0.95
   */
  public static Result percentileInterval(
      int units, Statistic statistic, int samples, long seed, double level) {
    if (units <= 0) {
      throw new IllegalArgumentException(
          "units must be > 0, got " + units + "; there is nothing to resample, report the interval as NaN");
    }
    checkSamples(samples);
    checkLevel(level);
    Objects.requireNonNull(statistic, "statistic");
    SplittableRandom random = new SplittableRandom(seed);
    double[] estimates = new double[samples];
    int used = 0;
    int[] drawn = new int[units];
    for (int sample = 0; sample < samples; sample++) {
      for (int i = 0; i < units; i++) {
        drawn[i] = random.nextInt(units);
      }
      double estimate = statistic.of(drawn);
      if (!Double.isNaN(estimate)) {
        estimates[used++] = estimate;
      }
    }
    double[] sorted = Arrays.copyOf(estimates, used);
    Arrays.sort(sorted);
    return new Result(interval(sorted, level), used, samples - used);
  }

  /**
   * The central interval at {@code level} of already sorted values: the (1 − level)/2 and
   * (1 + level)/2 {@link #percentile}s; NaN bounds for no values.
   */
  public static Interval interval(double[] sortedValues, double level) {
    checkLevel(level);
    double tail = (1 - level) / 2;
    return new Interval(percentile(sortedValues, tail), percentile(sortedValues, 1 - tail), level);
  }

  /**
   * The q-quantile of ascending values by linear interpolation between order statistics (Hyndman and
   * Fan type 7, the default of R's {@code quantile} and of NumPy): with h = (n − 1)·q, it is
   * x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋ + 1] − x[⌊h⌋]), 0-based. q = 0 gives the minimum, q = 1 the maximum; NaN
   * for no values. NaN values and unsorted input are rejected.
   */
  public static double percentile(double[] sortedValues, double q) {
    Objects.requireNonNull(sortedValues, "sortedValues");
    if (!(q >= 0 && q <= 1)) {
      throw new IllegalArgumentException("q must be in [0, 1], got " + q + "; pass 0.975 for the 97.5th percentile");
    }
    checkSorted(sortedValues);
    int n = sortedValues.length;
    if (n == 0) {
      return Double.NaN;
    }
    double h = (n - 1) * q;
    int below = (int) Math.floor(h);
    if (below >= n - 1) {
      return sortedValues[n - 1];
    }
    double fraction = h - below;
    return sortedValues[below] + fraction * (sortedValues[below + 1] - sortedValues[below]);
  }

  static void checkSamples(int samples) {
    if (samples <= 0) {
      throw new IllegalArgumentException(
          "bootstrap samples must be > 0, got " + samples + "; 1000 or more is usual for a 95% interval");
    }
  }

  static void checkLevel(double level) {
    if (!(level > 0 && level < 1)) {
      throw new IllegalArgumentException(
          "confidence level must be in (0, 1), got " + level + "; pass 0.95 for a 95% interval");
    }
  }

  private static void checkSorted(double[] values) {
    for (int i = 0; i < values.length; i++) {
      if (Double.isNaN(values[i])) {
        throw new IllegalArgumentException(
            "percentile is undefined with NaN values; NaN at index " + i + ", drop NaN values first");
      }
      if (i > 0 && values[i] < values[i - 1]) {
        throw new IllegalArgumentException(
            "values must be sorted ascending, but index " + i + " holds " + values[i] + " after "
                + values[i - 1] + "; sort a copy with Arrays.sort first");
      }
    }
  }
}
