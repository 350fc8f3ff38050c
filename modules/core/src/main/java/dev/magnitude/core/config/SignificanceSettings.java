package dev.magnitude.core.config;

/**
 * {@code magnitude.aggregate.significance}: how the aggregate compares training variants (paired sign-flip
 * randomization tests on per-query values, Holm across one comparisons table) and the level of the
 * task-symmetry verdict.
 *
 * @param permutations sampled sign vectors per test; the test enumerates all 2^q sign vectors instead when
 *     that is not more than this (few queries)
 * @param seed seed of the sampled sign vectors (each test starts from it, so a table is reproducible)
 * @param alpha significance level of "significant" in the comparisons and verdicts tables, in (0, 0.5]
 */
public record SignificanceSettings(int permutations, long seed, double alpha) {
  /** The reference defaults: 10000 permutations, seed 11, α = 0.05. */
  public static final SignificanceSettings DEFAULTS = new SignificanceSettings(10_000, 11, 0.05);

  public SignificanceSettings {
    if (permutations < 1) {
      throw new IllegalArgumentException("significance.permutations = " + permutations + ": must be >= 1");
    }
    if (!(alpha > 0 && alpha <= 0.5)) {
      throw new IllegalArgumentException("significance.alpha = " + alpha + ": must be in (0, 0.5], e.g. 0.05");
    }
  }
}
