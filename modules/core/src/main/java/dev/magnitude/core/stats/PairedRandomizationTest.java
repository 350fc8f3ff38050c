package dev.magnitude.core.stats;

import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Paired randomization (sign-flip permutation) test of two systems scored on the same queries, the
 * test of Smucker, Allan and Carterette (2007) for IR comparisons.
 *
 * <p>Null hypothesis: the two systems are exchangeable on every query, so each paired difference
 * d_i = a_i − b_i is as likely to have the opposite sign. The statistic is |mean(d)|; a permutation
 * flips the sign of each d_i independently with probability ½. Two-sided.
 *
 * <ul>
 *   <li>{@link #sampled}: {@code permutations} random sign vectors from one
 *       {@link SplittableRandom}{@code (seed)}; p = (b + 1) / (n + 1) where b counts the sampled
 *       permutations whose |mean| ≥ the observed |mean| and n = {@code permutations} (the observed
 *       assignment counted once, so p is never 0; Phipson and Smyth 2010).
 *   <li>{@link #exact}: all 2^q sign vectors of q queries; p = b / 2^q where b counts the vectors
 *       (the identity among them) whose |mean| ≥ the observed one. For q ≤ {@value #MAX_EXACT_QUERIES}.
 *   <li>{@link #run}: exact when 2^q ≤ permutations (it is then cheaper and has no sampling error),
 *       else sampled.
 * </ul>
 *
 * <p>"≥" is judged on the sums of the signed differences with a relative tolerance of 1e-9 of Σ|d_i|,
 * so a permutation that gives the observed sum in another order of additions counts as equal to it
 * (otherwise rounding could decide whether e.g. the mirror image of the observation is counted).
 * Values must be finite.
 */
public final class PairedRandomizationTest {

  /** The largest number of queries {@link #exact} enumerates (2^24 ≈ 16.8 million sign vectors). */
  public static final int MAX_EXACT_QUERIES = 24;

  private static final double RELATIVE_TOLERANCE = 1e-9;

  /**
   * The outcome of one test.
   *
   * @param meanDifference mean(a − b): positive when a scores higher on average
   * @param statistic the test statistic |mean(a − b)|
   * @param pValue two-sided p-value, in (0, 1]
   * @param atLeastAsExtreme b: permutations with |mean| ≥ the observed one
   * @param permutations permutations evaluated: the sample size, or 2^q when exact
   * @param exact whether every sign vector was enumerated
   * @param queries number of paired values q
   */
  public record Result(
      double meanDifference,
      double statistic,
      double pValue,
      long atLeastAsExtreme,
      long permutations,
      boolean exact,
      int queries) {}

  /**
   * How {@link #run} tests: the number of sampled permutations and their seed.
   *
   * @param permutations sampled sign vectors, > 0 (e.g. 10000); also the exact-enumeration threshold
   * @param seed seed of the sampler
   */
  public record Settings(int permutations, long seed) {
    public Settings {
      checkPermutations(permutations);
    }
  }

  private PairedRandomizationTest() {}

  /** Exact when 2^q ≤ {@code settings.permutations()}, else {@link #sampled}. */
  public static Result run(double[] a, double[] b, Settings settings) {
    Objects.requireNonNull(settings, "settings must not be null");
    double[] d = differences(a, b);
    if (d.length <= MAX_EXACT_QUERIES && (1L << d.length) <= settings.permutations()) {
      return exact(d);
    }
    return sampled(d, settings.permutations(), settings.seed());
  }

  /**
   * Sampled test, p = (b + 1) / (permutations + 1).
   *
   * @param a per-query values of system A (e.g. nDCG@10), query i at index i
   * @param b per-query values of system B on the same queries in the same order
   * @param permutations random sign vectors, > 0
   * @param seed seed of the {@link SplittableRandom} drawing them: same inputs and seed, same p
   */
  public static Result sampled(double[] a, double[] b, int permutations, long seed) {
    return sampled(differences(a, b), permutations, seed);
  }

  /**
   * Exact test over all 2^q sign vectors, p = b / 2^q.
   *
   * @throws IllegalArgumentException when there are more than {@value #MAX_EXACT_QUERIES} queries
   */
  public static Result exact(double[] a, double[] b) {
    return exact(differences(a, b));
  }

  private static Result sampled(double[] d, int permutations, long seed) {
    checkPermutations(permutations);
    int q = d.length;
    double observed = sum(d);
    double threshold = Math.abs(observed) - tolerance(d);
    long[] bitsOf = rawBits(d);
    SplittableRandom random = new SplittableRandom(seed);
    long count = 0;
    for (int p = 0; p < permutations; p++) {
      double s = 0;
      long bits = 0;
      for (int i = 0; i < q; i++) {
        if ((i & 63) == 0) {
          bits = random.nextLong();
        }
        s += flip(bitsOf[i], bits);
        bits >>>= 1;
      }
      if (Math.abs(s) >= threshold) {
        count++;
      }
    }
    double mean = observed / q;
    return new Result(mean, Math.abs(mean), (count + 1) / (permutations + 1.0), count, permutations, false, q);
  }

  private static Result exact(double[] d) {
    int q = d.length;
    if (q > MAX_EXACT_QUERIES) {
      throw new IllegalArgumentException(
          "exact enumeration of " + q + " queries needs 2^" + q + " sign vectors; use at most "
              + MAX_EXACT_QUERIES + " queries or the sampled test");
    }
    double observed = sum(d);
    double threshold = Math.abs(observed) - tolerance(d);
    long total = 1L << q;
    long count = 0;
    long[] bitsOf = rawBits(d);
    for (long mask = 0; mask < total; mask++) {
      double s = 0;
      for (int i = 0; i < q; i++) {
        s += flip(bitsOf[i], mask >>> i);
      }
      if (Math.abs(s) >= threshold) {
        count++;
      }
    }
    double mean = observed / q;
    return new Result(mean, Math.abs(mean), (double) count / total, count, total, true, q);
  }

  /** d_i = a_i − b_i, after checking lengths (equal, > 0) and finiteness. */
  static double[] differences(double[] a, double[] b) {
    Objects.requireNonNull(a, "a must not be null");
    Objects.requireNonNull(b, "b must not be null");
    if (a.length != b.length) {
      throw new IllegalArgumentException(
          "paired values differ in length: " + a.length + " vs " + b.length
              + "; both systems must be scored on the same queries in the same order");
    }
    if (a.length == 0) {
      throw new IllegalArgumentException("no paired values: a paired test needs at least one query");
    }
    double[] d = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      if (!Double.isFinite(a[i]) || !Double.isFinite(b[i])) {
        throw new IllegalArgumentException(
            "query " + i + " has a non-finite value (" + a[i] + ", " + b[i] + "); per-query metrics must be finite");
      }
      d[i] = a[i] - b[i];
    }
    return d;
  }

  /**
   * d when the lowest bit of {@code signBits} is 0, −d when it is 1: the sign bit of d's raw bits XORed,
   * without a branch (random signs defeat branch prediction; this is several times faster). Exact.
   */
  private static double flip(long rawBitsOfD, long signBits) {
    return Double.longBitsToDouble(rawBitsOfD ^ (signBits << 63));
  }

  private static long[] rawBits(double[] d) {
    long[] bits = new long[d.length];
    for (int i = 0; i < d.length; i++) {
      bits[i] = Double.doubleToRawLongBits(d[i]);
    }
    return bits;
  }

  private static double tolerance(double[] d) {
    double scale = 0;
    for (double x : d) {
      scale += Math.abs(x);
    }
    return scale * RELATIVE_TOLERANCE;
  }

  private static double sum(double[] d) {
    double s = 0;
    for (double x : d) {
      s += x;
    }
    return s;
  }

  private static void checkPermutations(int permutations) {
    if (permutations <= 0) {
      throw new IllegalArgumentException(
          "permutations must be > 0, got " + permutations + "; 10000 is usual (p resolution 1e-4)");
    }
  }
}
