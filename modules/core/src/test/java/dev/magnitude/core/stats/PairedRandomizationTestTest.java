package dev.magnitude.core.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PairedRandomizationTestTest {

  // a − b = d = (0.2, 0.3, −0.1): Σd = 0.4, mean 0.4/3.
  private static final double[] A = {0.5, 0.7, 0.2};
  private static final double[] B = {0.3, 0.4, 0.3};

  @Test
  void exactEnumeratesAllSignVectorsOfThreeQueries() {
    // The 8 sums ±0.2 ±0.3 ±0.1 (signs applied to d):
    //   +.2 +.3 −.1 = 0.4 (observed)   +.2 +.3 +.1 = 0.6   +.2 −.3 −.1 = −0.2   +.2 −.3 +.1 = 0.0
    //   −.2 +.3 −.1 = 0.0              −.2 +.3 +.1 = 0.2   −.2 −.3 −.1 = −0.6   −.2 −.3 +.1 = −0.4
    // |sum| ≥ 0.4: 0.4, 0.6, −0.6, −0.4 → b = 4, p = 4/8 = 0.5.
    PairedRandomizationTest.Result r = PairedRandomizationTest.exact(A, B);
    assertThat(r.exact()).isTrue();
    assertThat(r.permutations()).isEqualTo(8);
    assertThat(r.atLeastAsExtreme()).isEqualTo(4);
    assertThat(r.pValue()).isEqualTo(0.5);
    assertThat(r.meanDifference()).isCloseTo(0.4 / 3, within(1e-12));
    assertThat(r.statistic()).isCloseTo(0.4 / 3, within(1e-12));
    assertThat(r.queries()).isEqualTo(3);
  }

  @Test
  void exactOfFourQueriesAllInOneDirection() {
    // d = (1, 2, 3, 4), Σ = 10, the largest |sum| of all 16 sign vectors; only all-plus (10) and all-minus
    // (−10) reach it (flipping just the 1 gives 8): b = 2, p = 2/16 = 0.125. Mean difference is negative
    // when the systems are swapped, with the same p.
    double[] a = {1, 2, 3, 4};
    double[] b = {0, 0, 0, 0};
    PairedRandomizationTest.Result r = PairedRandomizationTest.exact(a, b);
    assertThat(r.atLeastAsExtreme()).isEqualTo(2);
    assertThat(r.pValue()).isEqualTo(0.125);
    assertThat(r.meanDifference()).isEqualTo(2.5);
    PairedRandomizationTest.Result swapped = PairedRandomizationTest.exact(b, a);
    assertThat(swapped.meanDifference()).isEqualTo(-2.5);
    assertThat(swapped.statistic()).isEqualTo(2.5);
    assertThat(swapped.pValue()).isEqualTo(0.125);
  }

  @Test
  void sumsEqualUpToRoundingCountAsAtLeastAsExtreme() {
    // d = (0.1, 0.2, −0.3, 0.5), observed Σ = 0.5. With the 0.5 term's sign fixed to +, the 8 sums of
    // ±0.1 ±0.2 ±0.3 + 0.5 are 1.1, 0.5, 0.7, 0.1, 0.9, 0.3, 0.5, −0.1: five reach |0.5|, and the mirror
    // images (0.5 term negative) give five more → b = 10, p = 10/16 = 0.625. In doubles two of the
    // "0.5" sums come out as ±0.49999999999999994 (e.g. −0.1 − 0.2 + 0.3 + 0.5); without the tolerance
    // b would be 8 and p 0.5.
    PairedRandomizationTest.Result r =
        PairedRandomizationTest.exact(new double[] {0.1, 0.2, -0.3, 0.5}, new double[4]);
    assertThat(r.atLeastAsExtreme()).isEqualTo(10);
    assertThat(r.pValue()).isEqualTo(0.625);
  }

  @Test
  void exactAndSampledAgreeOnTwelveQueries() {
    // Second route: 2^12 = 4096 vectors enumerated vs 40000 sampled ones; SE of the sampled p ≤
    // √(0.25/40000) = 0.0025, so they must agree within 0.0125 (5 SE).
    double[] a = {0.61, 0.42, 0.55, 0.30, 0.71, 0.48, 0.52, 0.66, 0.39, 0.58, 0.45, 0.62};
    double[] b = {0.52, 0.45, 0.50, 0.33, 0.60, 0.41, 0.55, 0.60, 0.42, 0.50, 0.47, 0.55};
    double exact = PairedRandomizationTest.exact(a, b).pValue();
    double sampled = PairedRandomizationTest.sampled(a, b, 40000, 11).pValue();
    assertThat(exact).isBetween(0.0, 1.0);
    assertThat(sampled).isCloseTo(exact, within(0.0125));
  }

  @Test
  void identicalSystemsGiveOne() {
    // every d is 0: every sign vector sums to 0 ≥ 0 → b = 2^3, p = 1 (exact) and (n + 1)/(n + 1) = 1 (sampled)
    double[] a = {0.1, 0.2, 0.3};
    assertThat(PairedRandomizationTest.exact(a, a).pValue()).isEqualTo(1.0);
    assertThat(PairedRandomizationTest.sampled(a, a, 99, 1).pValue()).isEqualTo(1.0);
  }

  @Test
  void sampledApproachesTheExactPAndIsSeeded() {
    // Exact p = 0.125 (test above). 20000 draws: SE = √(0.125·0.875/20000) ≈ 0.0023, so within 0.01 is > 4 SE.
    double[] a = {1, 2, 3, 4};
    double[] b = {0, 0, 0, 0};
    PairedRandomizationTest.Result r = PairedRandomizationTest.sampled(a, b, 20000, 42);
    assertThat(r.exact()).isFalse();
    assertThat(r.permutations()).isEqualTo(20000);
    assertThat(r.pValue()).isCloseTo(0.125, within(0.01));
    assertThat(r.pValue()).isEqualTo((r.atLeastAsExtreme() + 1) / 20001.0);
    assertThat(PairedRandomizationTest.sampled(a, b, 20000, 42)).isEqualTo(r);
  }

  @Test
  void sampledPIsNeverBelowOneOverNPlusOne() {
    // 30 queries all +1: only the all-plus and all-minus vectors (2 of 2^30) reach |Σ| = 30, so 999 draws
    // find none: b = 0 and p = (0 + 1)/(999 + 1) = 0.001, not 0.
    double[] a = new double[30];
    double[] b = new double[30];
    java.util.Arrays.fill(a, 1);
    PairedRandomizationTest.Result r = PairedRandomizationTest.sampled(a, b, 999, 3);
    assertThat(r.atLeastAsExtreme()).isZero();
    assertThat(r.pValue()).isEqualTo(0.001);
  }

  @Test
  void runIsExactWhenAllSignVectorsFitInThePermutationBudget() {
    // 3 queries → 8 vectors ≤ 1000: exact, p = 0.5 as hand-checked above
    PairedRandomizationTest.Result small = PairedRandomizationTest.run(A, B, new PairedRandomizationTest.Settings(1000, 7));
    assertThat(small.exact()).isTrue();
    assertThat(small.pValue()).isEqualTo(0.5);
    // 3 queries with a budget of 4 < 8: sampled
    PairedRandomizationTest.Result sampled = PairedRandomizationTest.run(A, B, new PairedRandomizationTest.Settings(4, 7));
    assertThat(sampled.exact()).isFalse();
    assertThat(sampled.permutations()).isEqualTo(4);
  }

  @Test
  void refusesBadInput() {
    assertThatThrownBy(() -> PairedRandomizationTest.exact(new double[] {1}, new double[] {1, 2}))
        .hasMessageContaining("1 vs 2");
    assertThatThrownBy(() -> PairedRandomizationTest.exact(new double[0], new double[0]))
        .hasMessageContaining("at least one query");
    assertThatThrownBy(() -> PairedRandomizationTest.exact(new double[] {Double.NaN}, new double[] {1}))
        .hasMessageContaining("query 0");
    assertThatThrownBy(() -> PairedRandomizationTest.sampled(A, B, 0, 1)).hasMessageContaining("permutations must be > 0");
    assertThatThrownBy(() -> PairedRandomizationTest.exact(new double[25], new double[25]))
        .hasMessageContaining("2^25");
  }
}
