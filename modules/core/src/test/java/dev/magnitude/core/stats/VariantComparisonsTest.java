package dev.magnitude.core.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VariantComparisonsTest {

  private static final PairedRandomizationTest.Settings EXACT = new PairedRandomizationTest.Settings(1000, 5);

  @Test
  void everyPairTestedAndHolmAdjustedAcrossTheTable() {
    Map<String, double[]> perQuery = new LinkedHashMap<>();
    perQuery.put("cosine", new double[] {0.3, 0.3, 0.3});
    perQuery.put("dot", new double[] {0.5, 0.6, 0.2});
    perQuery.put("doc-norm", new double[] {0.4, 0.4, 0.4});
    // 3 queries → 8 sign vectors ≤ 1000: exact.
    // cosine − dot = (−0.2, −0.3, 0.1): mirror of the hand-enumerated (0.2, 0.3, −0.1) → p = 4/8 = 0.5
    // cosine − doc-norm = (−0.1, −0.1, −0.1): only all-same signs reach |−0.3| → p = 2/8 = 0.25
    // dot − doc-norm = (0.1, 0.2, −0.2): the 8 sums ±0.1 ±0.2 ±0.2 are ±0.5, ±0.1, ±0.1, ±0.3 — all
    //   ≥ |observed 0.1| → p = 8/8 = 1
    // Holm over (0.5, 0.25, 1): sorted 0.25·3 = 0.75, 0.5·2 = 1.0, 1·1 = 1 → (1.0, 0.75, 1.0)
    List<VariantComparisons.Row> rows = VariantComparisons.pairwise(perQuery, EXACT);
    assertThat(rows).extracting(VariantComparisons.Row::a).containsExactly("cosine", "cosine", "dot");
    assertThat(rows).extracting(VariantComparisons.Row::b).containsExactly("dot", "doc-norm", "doc-norm");
    assertThat(rows).extracting(VariantComparisons.Row::p).containsExactly(0.5, 0.25, 1.0);
    assertThat(rows).extracting(VariantComparisons.Row::pHolm).containsExactly(1.0, 0.75, 1.0);
    assertThat(rows.get(0).meanDifference()).isCloseTo(-0.4 / 3, within(1e-12));
    assertThat(rows.get(0).meanA()).isCloseTo(0.3, within(1e-12));
    assertThat(rows.get(0).meanB()).isCloseTo(1.3 / 3, within(1e-12));
    assertThat(rows).allMatch(VariantComparisons.Row::exact);
  }

  @Test
  void refusesUnpairedVariants() {
    Map<String, double[]> perQuery = new LinkedHashMap<>();
    perQuery.put("cosine", new double[] {0.3, 0.3});
    perQuery.put("dot", new double[] {0.5});
    assertThatThrownBy(() -> VariantComparisons.pairwise(perQuery, EXACT)).hasMessageContaining("cosine has 2");
    assertThatThrownBy(() -> VariantComparisons.pairwise(Map.of("dot", new double[] {1}), EXACT))
        .hasMessageContaining("at least two");
  }
}
