package dev.magnitude.core.metrics;

/**
 * One run scored on one STS evaluation set: Spearman (average ranks for ties) and Pearson correlation
 * between the gold scores and the similarities of the pairs, see {@link Correlation}. Either is NaN when
 * undefined (fewer than two pairs, or constant gold scores or similarities).
 *
 * @param pairs pairs scored
 */
public record StsMetrics(int pairs, double spearman, double pearson) {
  /**
   * @param gold gold scores, in the dataset's scale (correlations do not depend on it)
   * @param similarity the similarity of the same pairs, in the same order
   */
  public static StsMetrics of(double[] gold, double[] similarity) {
    return new StsMetrics(gold.length, Correlation.spearman(gold, similarity), Correlation.pearson(gold, similarity));
  }
}
