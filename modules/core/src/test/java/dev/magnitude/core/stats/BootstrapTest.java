package dev.magnitude.core.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class BootstrapTest {

  @Test
  void percentileInterpolatesBetweenOrderStatistics() {
    double[] values = {1, 2, 3, 4, 10};
    // h = (n − 1)·q = 4q, 0-based.
    assertThat(Bootstrap.percentile(values, 0.5)).isEqualTo(3.0); // h = 2 → x[2] = 3
    assertThat(Bootstrap.percentile(values, 0.25)).isEqualTo(2.0); // h = 1 → x[1] = 2
    // h = 3.6 → x[3] + 0.6·(x[4] − x[3]) = 4 + 0.6·6 = 7.6
    assertThat(Bootstrap.percentile(values, 0.9)).isCloseTo(7.6, within(1e-12));
    assertThat(Bootstrap.percentile(values, 0.0)).isEqualTo(1.0);
    assertThat(Bootstrap.percentile(values, 1.0)).isEqualTo(10.0);
    // {1, 2} at q = 0.3: h = 0.3 → 1 + 0.3·1 = 1.3
    assertThat(Bootstrap.percentile(new double[] {1, 2}, 0.3)).isCloseTo(1.3, within(1e-12));
    assertThat(Bootstrap.percentile(new double[] {7}, 0.8)).isEqualTo(7.0);
    assertThat(Bootstrap.percentile(new double[0], 0.5)).isNaN();
  }

  @Test
  void intervalTakesTheCentralPercentiles() {
    // 0..100: the 2.5th and 97.5th percentiles are h = 2.5 and 97.5 → 2.5 and 97.5.
    double[] values = new double[101];
    for (int i = 0; i <= 100; i++) {
      values[i] = i;
    }
    Bootstrap.Interval interval = Bootstrap.interval(values, 0.95);
    assertThat(interval.low()).isCloseTo(2.5, within(1e-9));
    assertThat(interval.high()).isCloseTo(97.5, within(1e-9));
    assertThat(interval.level()).isEqualTo(0.95);
  }

  @Test
  void rejectsUnsortedNanAndOutOfRangeInputs() {
    assertThatThrownBy(() -> Bootstrap.percentile(new double[] {2, 1}, 0.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sorted ascending");
    assertThatThrownBy(() -> Bootstrap.percentile(new double[] {1, Double.NaN}, 0.5))
        .hasMessageContaining("NaN at index 1");
    assertThatThrownBy(() -> Bootstrap.percentile(new double[] {1}, 1.5)).hasMessageContaining("got 1.5");
    assertThatThrownBy(() -> Bootstrap.interval(new double[] {1}, 95)).hasMessageContaining("got 95.0");
    assertThatThrownBy(() -> Bootstrap.percentileInterval(3, drawn -> 0, 0, 1, 0.95))
        .hasMessageContaining("samples must be > 0, got 0");
  }

  @Test
  void resamplesAreReproducibleAndNanStatisticsAreSkippedAndCounted() {
    double[] values = {3, 1, 4, 1, 5, 9, 2, 6};
    Bootstrap.Statistic mean = drawn -> {
      double sum = 0;
      for (int index : drawn) {
        sum += values[index];
      }
      return sum / drawn.length;
    };
    Bootstrap.Result first = Bootstrap.percentileInterval(values.length, mean, 500, 11L, 0.9);
    Bootstrap.Result again = Bootstrap.percentileInterval(values.length, mean, 500, 11L, 0.9);
    assertThat(again).isEqualTo(first);
    assertThat(first.usedSamples()).isEqualTo(500);
    // A resample mean lies between the smallest and largest value; the sample mean 3.875 is inside.
    assertThat(first.interval().low()).isBetween(1.0, 3.875);
    assertThat(first.interval().high()).isBetween(3.875, 9.0);

    int[] calls = {0};
    Bootstrap.Statistic everyOtherNan = drawn -> calls[0]++ % 2 == 0 ? Double.NaN : 5.0;
    Bootstrap.Result skipping = Bootstrap.percentileInterval(4, everyOtherNan, 10, 3L, 0.95);
    assertThat(skipping.skippedSamples()).isEqualTo(5);
    assertThat(skipping.usedSamples()).isEqualTo(5);
    assertThat(skipping.interval()).isEqualTo(new Bootstrap.Interval(5.0, 5.0, 0.95));
  }
}
