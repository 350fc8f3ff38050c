package dev.magnitude.core.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class EffectSizeTest {

  private static final Offset<Double> EPS = within(1e-9);

  @Test
  void cohensDAndHedgesGByHand() {
    // a = {2,4,6}, b = {1,2,3}: means 4 and 2, variances 4 and 1.
    // pooled sd = sqrt((2·4 + 2·1) / (3 + 3 − 2)) = sqrt(2.5) = 1.5811; d = 2 / 1.5811 = 1.2649.
    double d = EffectSize.cohensD(new double[] {2, 4, 6}, new double[] {1, 2, 3});
    assertThat(d).isCloseTo(1.2649110640673518, EPS);
    // J = 1 − 3 / (4·6 − 9) = 1 − 3/15 = 0.8; g = 0.8 · 1.2649 = 1.0119.
    assertThat(EffectSize.hedgesG(d, 3, 3)).isCloseTo(1.0119288512538813, EPS);
  }

  @Test
  void unequalGroupSizesWeightTheVariancesByDegreesOfFreedom() {
    // a = {1,3}: mean 2, var 2. b = {0,0,3}: mean 1, var 3.
    // pooled var = (1·2 + 2·3) / (2 + 3 − 2) = 8/3; d = 1 / sqrt(8/3) = 0.61237.
    double d = EffectSize.cohensD(new double[] {1, 3}, new double[] {0, 0, 3});
    assertThat(d).isCloseTo(0.6123724356957945, EPS);
    // J = 1 − 3 / (4·5 − 9) = 8/11; g = 0.44536.
    assertThat(EffectSize.hedgesG(d, 2, 3)).isCloseTo(0.4453617714151233, EPS);
    // Swapping the groups flips the sign.
    assertThat(EffectSize.cohensD(new double[] {0, 0, 3}, new double[] {1, 3})).isCloseTo(-d, EPS);
  }

  @Test
  void identicalGroupsGiveZero() {
    assertThat(EffectSize.cohensD(new double[] {1, 2, 3}, new double[] {3, 2, 1})).isZero();
  }

  @Test
  void undefinedCasesAreNaN() {
    // A group with fewer than 2 values.
    assertThat(EffectSize.cohensD(new double[] {1}, new double[] {1, 2, 3})).isNaN();
    assertThat(EffectSize.cohensD(new double[0], new double[] {1, 2})).isNaN();
    // Both groups constant: pooled sd 0, even though the means differ.
    assertThat(EffectSize.cohensD(new double[] {5, 5}, new double[] {1, 1, 1})).isNaN();
    assertThat(EffectSize.hedgesG(1.0, 1, 10)).isNaN();
    assertThat(EffectSize.hedgesG(Double.NaN, 5, 5)).isNaN();
  }
}
