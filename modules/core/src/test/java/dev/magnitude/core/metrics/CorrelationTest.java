package dev.magnitude.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class CorrelationTest {
  private static final double EPS = 1e-12;

  @Test
  void tiedValuesShareTheMeanOfTheirRanks() {
    // sorted: 10 (rank 1), 20, 20 (ranks 2 and 3 → 2.5 each), 30 (rank 4)
    assertThat(Correlation.ranks(new double[] {20, 10, 30, 20})).containsExactly(2.5, 1, 4, 2.5);
    // three-way tie over ranks 1..3 → 2 each
    assertThat(Correlation.ranks(new double[] {7, 7, 7, 1e9})).containsExactly(2, 2, 2, 4);
  }

  @Test
  void spearmanWithTiesInOneSample() {
    // x ranks 1, 2.5, 2.5, 4 and y ranks 1, 3, 2, 4, both of mean 2.5:
    // deviations x (−1.5, 0, 0, 1.5), y (−1.5, 0.5, −0.5, 1.5); Sxy = 4.5, Sxx = 4.5, Syy = 5
    // → ρ = 4.5 / √(4.5 · 5) = √0.9
    double[] x = {1, 2, 2, 3};
    double[] y = {1, 3, 2, 4};
    assertThat(Correlation.spearman(x, y)).isCloseTo(Math.sqrt(0.9), within(EPS));
  }

  @Test
  void spearmanWithTiesInBothSamples() {
    // x ranks 1.5, 1.5, 3.5, 3.5; y ranks 2, 2, 2, 4; means 2.5
    // deviations x (−1, −1, 1, 1), y (−0.5, −0.5, −0.5, 1.5); Sxy = 2, Sxx = 4, Syy = 3 → ρ = 2/√12 = 1/√3
    double[] x = {0, 0, 1, 1};
    double[] y = {5, 5, 5, 6};
    assertThat(Correlation.spearman(x, y)).isCloseTo(1 / Math.sqrt(3), within(EPS));
    assertThat(Correlation.spearman(y, x)).isCloseTo(1 / Math.sqrt(3), within(EPS));
  }

  @Test
  void pearsonByHand() {
    // means 2 and 7/3; deviations x (−1, 0, 1), y (−4/3, −1/3, 5/3); Sxy = 3, Sxx = 2, Syy = 14/3
    // → r = 3 / √(28/3) = √(27/28); the samples are monotone, so Spearman is exactly 1
    double[] x = {1, 2, 3};
    double[] y = {1, 2, 4};
    assertThat(Correlation.pearson(x, y)).isCloseTo(Math.sqrt(27.0 / 28), within(EPS));
    assertThat(Correlation.spearman(x, y)).isCloseTo(1, within(EPS));
    // a decreasing line: Pearson −1; any decreasing sample: Spearman −1
    assertThat(Correlation.pearson(x, new double[] {6, 4, 2})).isCloseTo(-1, within(EPS));
    assertThat(Correlation.spearman(x, new double[] {9, 4, 1})).isCloseTo(-1, within(EPS));
  }

  @Test
  void undefinedCorrelationsAreNaN() {
    assertThat(Correlation.pearson(new double[] {1, 2, 3}, new double[] {4, 4, 4})).isNaN();
    assertThat(Correlation.spearman(new double[] {4, 4, 4}, new double[] {1, 2, 3})).isNaN();
    assertThat(Correlation.pearson(new double[] {1}, new double[] {2})).isNaN();
    assertThat(Correlation.spearman(new double[0], new double[0])).isNaN();
  }

  @Test
  void badInputsAreRefusedWithTheRule() {
    assertThatThrownBy(() -> Correlation.pearson(new double[] {1, 2}, new double[] {1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("differ in length: 2 vs 1");
    assertThatThrownBy(() -> Correlation.spearman(new double[] {1, Double.NaN}, new double[] {1, 2}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pair 1 has a non-finite value");
  }

  /**
   * Randomized: without ties Spearman equals 1 − 6Σd²/(n(n²−1)) (the textbook route, d = rank
   * difference), is unchanged by a strictly increasing transform, and both stay in [−1, 1].
   */
  @Test
  void randomSamplesAgreeWithTheTextbookFormulaAndMonotoneInvariance() {
    Random random = new Random(11);
    for (int trial = 0; trial < 50; trial++) {
      int n = 2 + random.nextInt(60);
      double[] x = new double[n];
      double[] y = new double[n];
      for (int i = 0; i < n; i++) {
        x[i] = random.nextGaussian();
        y[i] = x[i] * random.nextDouble() + random.nextGaussian();
      }
      double[] rx = Correlation.ranks(x);
      double[] ry = Correlation.ranks(y);
      double d2 = 0;
      for (int i = 0; i < n; i++) {
        d2 += (rx[i] - ry[i]) * (rx[i] - ry[i]);
      }
      double textbook = 1 - 6 * d2 / (n * ((double) n * n - 1));
      double rho = Correlation.spearman(x, y);
      assertThat(rho).isCloseTo(textbook, within(1e-9));
      double[] expX = new double[n];
      for (int i = 0; i < n; i++) {
        expX[i] = Math.exp(x[i]);
      }
      assertThat(Correlation.spearman(expX, y)).isCloseTo(rho, within(1e-12));
      assertThat(Correlation.pearson(x, y)).isBetween(-1.0, 1.0);
    }
  }

  @Test
  void stsMetricsCountThePairsAndCarryBothCorrelations() {
    StsMetrics m = StsMetrics.of(new double[] {1, 2, 2, 3}, new double[] {1, 3, 2, 4});
    assertThat(m.pairs()).isEqualTo(4);
    assertThat(m.spearman()).isCloseTo(Math.sqrt(0.9), within(EPS));
    // raw values: means 2 and 2.5, deviations (−1, 0, 0, 1) and (−1.5, 0.5, −0.5, 1.5): Sxy = 3, Sxx = 2, Syy = 5
    assertThat(m.pearson()).isCloseTo(3 / Math.sqrt(10), within(EPS));
  }
}
