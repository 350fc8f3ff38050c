package dev.magnitude.core.stats;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The comparisons table of one (task, evaluation set, metric): every pair of variants compared with the
 * {@link PairedRandomizationTest} on their per-query values, and the p-values Holm-adjusted across the
 * table ({@link Holm}), as DESIGN.md's evaluation semantics ask.
 *
 * <p>Pairs are (i, j) with i before j in the map's iteration order (pass a {@link java.util.LinkedHashMap}
 * or {@link java.util.TreeMap} for a stable order), so k variants give k(k − 1)/2 rows. Every test uses
 * the same settings and seed: each is reproducible on its own, whatever else is in the table.
 */
public final class VariantComparisons {

  /**
   * One row.
   *
   * @param a first variant id
   * @param b second variant id
   * @param meanA mean of a's per-query values
   * @param meanB mean of b's per-query values
   * @param meanDifference mean(a − b)
   * @param p two-sided p of the paired test
   * @param pHolm p Holm-adjusted across the rows of the table
   * @param queries paired values
   * @param exact whether the test enumerated every sign vector
   */
  public record Row(
      String a, String b, double meanA, double meanB, double meanDifference, double p, double pHolm, int queries,
      boolean exact) {}

  private VariantComparisons() {}

  /**
   * @param perQuery variant id → per-query values, the same queries in the same order for every variant
   *     (e.g. from {@link SeedSummary#aligned} or per-query means over seeds); at least two variants
   * @throws IllegalArgumentException naming the variant with a different number of values
   */
  public static List<Row> pairwise(Map<String, double[]> perQuery, PairedRandomizationTest.Settings test) {
    Objects.requireNonNull(perQuery, "perQuery must not be null");
    Objects.requireNonNull(test, "test settings must not be null");
    if (perQuery.size() < 2) {
      throw new IllegalArgumentException(
          "a comparisons table needs at least two variants, got " + perQuery.keySet());
    }
    List<String> variants = new ArrayList<>(perQuery.keySet());
    List<PairedRandomizationTest.Result> results = new ArrayList<>();
    List<String[]> pairs = new ArrayList<>();
    for (int i = 0; i < variants.size(); i++) {
      for (int j = i + 1; j < variants.size(); j++) {
        String a = variants.get(i);
        String b = variants.get(j);
        double[] va = perQuery.get(a);
        double[] vb = perQuery.get(b);
        Objects.requireNonNull(va, "per-query values of variant " + a + " are null");
        Objects.requireNonNull(vb, "per-query values of variant " + b + " are null");
        if (va.length != vb.length) {
          throw new IllegalArgumentException(
              "variant " + a + " has " + va.length + " per-query values and " + b + " has " + vb.length
                  + "; compare variants evaluated on the same queries");
        }
        try {
          results.add(PairedRandomizationTest.run(va, vb, test));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(a + " vs " + b + ": " + e.getMessage(), e);
        }
        pairs.add(new String[] {a, b});
      }
    }
    double[] p = results.stream().mapToDouble(PairedRandomizationTest.Result::pValue).toArray();
    double[] adjusted = Holm.adjust(p);
    List<Row> rows = new ArrayList<>(results.size());
    for (int r = 0; r < results.size(); r++) {
      String a = pairs.get(r)[0];
      String b = pairs.get(r)[1];
      PairedRandomizationTest.Result result = results.get(r);
      rows.add(new Row(a, b, Descriptive.mean(perQuery.get(a)), Descriptive.mean(perQuery.get(b)),
          result.meanDifference(), result.pValue(), adjusted[r], result.queries(), result.exact()));
    }
    return rows;
  }
}
