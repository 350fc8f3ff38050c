package dev.magnitude.core.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DescriptiveTest {

  @Test
  void meanVarianceAndSdByHand() {
    // {2, 4, 6}: mean 4; squared deviations 4 + 0 + 4 = 8; / (n - 1 = 2) = 4; sd 2.
    double[] values = {2, 4, 6};
    assertThat(Descriptive.mean(values)).isEqualTo(4.0);
    assertThat(Descriptive.sampleVariance(values)).isEqualTo(4.0);
    assertThat(Descriptive.sampleSd(values)).isEqualTo(2.0);
  }

  @Test
  void keepsPrecisionForLargeValuesWithASmallSpread() {
    // 1e9 + {1, 2, 3}: variance 1, as for {1, 2, 3}; a one-pass Σx² − n·mean² would lose it.
    double[] values = {1e9 + 1, 1e9 + 2, 1e9 + 3};
    assertThat(Descriptive.sampleVariance(values)).isEqualTo(1.0);
  }

  @Test
  void emptyAndSingleValueContracts() {
    assertThat(Descriptive.mean(new double[0])).isNaN();
    assertThat(Descriptive.sampleVariance(new double[] {3})).isNaN();
    assertThat(Descriptive.sampleSd(new double[0])).isNaN();
    assertThat(Descriptive.mean(new double[] {1, Double.NaN})).isNaN();
  }

  @Test
  void momentsCombineToTheMomentsOfTheUnion() {
    SplittableRandom random = new SplittableRandom(7);
    for (int trial = 0; trial < 20; trial++) {
      double[] a = random.doubles(1 + random.nextInt(30), 5, 9).toArray();
      double[] b = random.doubles(random.nextInt(30), -2, 3).toArray();
      double[] union = concat(a, b);
      Moments combined = Moments.of(a).combine(Moments.of(b));
      // Second route: the two-pass Descriptive over the concatenated values.
      assertThat(combined.count()).isEqualTo(union.length);
      assertThat(combined.mean()).isCloseTo(Descriptive.mean(union), within(1e-12));
      if (union.length >= 2) {
        assertThat(combined.sampleVariance()).isCloseTo(Descriptive.sampleVariance(union), within(1e-10));
      }
    }
    assertThat(Moments.EMPTY.combine(Moments.EMPTY).count()).isZero();
    assertThat(Moments.of(new double[] {5}).sampleVariance()).isNaN();
  }

  private static double[] concat(double[] a, double[] b) {
    double[] union = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, union, a.length, b.length);
    return union;
  }
}
