package dev.magnitude.core.stats;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Combining runs that differ only in their seed.
 *
 * <ul>
 *   <li>{@link #of}: the mean and sample SD (n − 1) of one variant's headline metric over its seeds,
 *       reported as mean ± sd.
 *   <li>{@link #perQueryMeans}: each query's metric averaged over the seeds, the per-query input of
 *       {@link PairedRandomizationTest} when a variant has several seeds (the test then compares
 *       seed-averaged systems, with queries as the units; seeds are not resampled).
 *   <li>{@link #aligned}: two variants' per-query values as paired arrays in query id order.
 * </ul>
 *
 * @param mean mean over the seeds; NaN for none
 * @param sd sample standard deviation (n − 1); NaN for fewer than 2 seeds
 * @param seeds number of seeds
 */
public record SeedSummary(double mean, double sd, int seeds) {

  /**
   * mean ± sd of one variant's values, one per seed.
   *
   * @throws IllegalArgumentException when a value is not finite, naming its index
   */
  public static SeedSummary of(double[] valuePerSeed) {
    Objects.requireNonNull(valuePerSeed, "valuePerSeed must not be null");
    for (int i = 0; i < valuePerSeed.length; i++) {
      if (!Double.isFinite(valuePerSeed[i])) {
        throw new IllegalArgumentException(
            "value of seed " + i + " is " + valuePerSeed[i] + "; a metric must be finite to be averaged");
      }
    }
    return new SeedSummary(
        Descriptive.mean(valuePerSeed), Descriptive.sampleSd(valuePerSeed), valuePerSeed.length);
  }

  /** "0.4123 ± 0.0100 (3 seeds)", or without "± …" for one seed; 4 decimals. */
  public String format() {
    if (seeds < 2) {
      return String.format(java.util.Locale.ROOT, "%.4f (%d seed%s)", mean, seeds, seeds == 1 ? "" : "s");
    }
    return String.format(java.util.Locale.ROOT, "%.4f ± %.4f (%d seeds)", mean, sd, seeds);
  }

  /**
   * Each query's value averaged over the seeds, by query id (sorted).
   *
   * @param perSeed one map per seed, queryId → metric; every map must hold the same query ids (the
   *     runs were evaluated on the same set)
   * @throws IllegalArgumentException when there is no seed, a seed misses a query of another, or a
   *     value is not finite; the message names the seed index and the query
   */
  public static Map<String, Double> perQueryMeans(List<Map<String, Double>> perSeed) {
    Objects.requireNonNull(perSeed, "perSeed must not be null");
    if (perSeed.isEmpty()) {
      throw new IllegalArgumentException("no seed given: pass one queryId → value map per seed");
    }
    TreeSet<String> queries = new TreeSet<>(perSeed.get(0).keySet());
    for (int s = 1; s < perSeed.size(); s++) {
      checkSameQueries(queries, perSeed.get(s).keySet(), "seed 0", "seed " + s);
    }
    Map<String, Double> means = new TreeMap<>();
    for (String query : queries) {
      double sum = 0;
      for (int s = 0; s < perSeed.size(); s++) {
        Double value = perSeed.get(s).get(query);
        if (value == null || !Double.isFinite(value)) {
          throw new IllegalArgumentException(
              "seed " + s + " has value " + value + " for query '" + query + "'; per-query metrics must be finite");
        }
        sum += value;
      }
      means.put(query, sum / perSeed.size());
    }
    return means;
  }

  /**
   * Two variants' per-query values as paired arrays {a, b}, both in query id order, ready for
   * {@link PairedRandomizationTest}.
   *
   * @throws IllegalArgumentException when the two maps do not hold the same query ids (naming one)
   */
  public static double[][] aligned(Map<String, Double> a, Map<String, Double> b) {
    Objects.requireNonNull(a, "a must not be null");
    Objects.requireNonNull(b, "b must not be null");
    TreeSet<String> queries = new TreeSet<>(a.keySet());
    checkSameQueries(queries, b.keySet(), "a", "b");
    double[][] out = new double[2][queries.size()];
    int i = 0;
    for (String query : queries) {
      out[0][i] = a.get(query);
      out[1][i] = b.get(query);
      i++;
    }
    return out;
  }

  private static void checkSameQueries(
      TreeSet<String> expected, java.util.Set<String> actual, String expectedName, String actualName) {
    for (String query : expected) {
      if (!actual.contains(query)) {
        throw new IllegalArgumentException(
            actualName + " has no value for query '" + query + "' that " + expectedName
                + " has; pair only runs evaluated on the same queries");
      }
    }
    for (String query : actual) {
      if (!expected.contains(query)) {
        throw new IllegalArgumentException(
            actualName + " has a value for query '" + query + "' that " + expectedName
                + " lacks; pair only runs evaluated on the same queries");
      }
    }
  }
}
