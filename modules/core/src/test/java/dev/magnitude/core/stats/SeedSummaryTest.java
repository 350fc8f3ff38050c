package dev.magnitude.core.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SeedSummaryTest {

  @Test
  void meanAndSampleSdOverSeeds() {
    // 0.40, 0.42, 0.44: mean 0.42; deviations −0.02, 0, 0.02 → Σ² = 0.0008, /(3 − 1) = 0.0004, sd = 0.02
    SeedSummary s = SeedSummary.of(new double[] {0.40, 0.42, 0.44});
    assertThat(s.mean()).isCloseTo(0.42, within(1e-12));
    assertThat(s.sd()).isCloseTo(0.02, within(1e-12));
    assertThat(s.seeds()).isEqualTo(3);
    assertThat(s.format()).isEqualTo("0.4200 ± 0.0200 (3 seeds)");
    SeedSummary one = SeedSummary.of(new double[] {0.5});
    assertThat(one.sd()).isNaN();
    assertThat(one.format()).isEqualTo("0.5000 (1 seed)");
  }

  @Test
  void perQueryMeansAverageEachQueryOverSeeds() {
    // q1: (1 + 0 + 1)/3 = 2/3; q2: (0 + 0 + 1)/3 = 1/3
    Map<String, Double> means = SeedSummary.perQueryMeans(List.of(
        Map.of("q1", 1.0, "q2", 0.0), Map.of("q2", 0.0, "q1", 0.0), Map.of("q1", 1.0, "q2", 1.0)));
    assertThat(means.keySet()).containsExactly("q1", "q2");
    assertThat(means.get("q1")).isCloseTo(2 / 3.0, within(1e-12));
    assertThat(means.get("q2")).isCloseTo(1 / 3.0, within(1e-12));
  }

  @Test
  void alignedPairsTwoVariantsInQueryIdOrder() {
    double[][] pair = SeedSummary.aligned(Map.of("q2", 0.2, "q1", 0.1), Map.of("q1", 0.5, "q2", 0.7));
    assertThat(pair[0]).containsExactly(0.1, 0.2);
    assertThat(pair[1]).containsExactly(0.5, 0.7);
  }

  @Test
  void refusesSeedsOrVariantsOnDifferentQueries() {
    assertThatThrownBy(() -> SeedSummary.perQueryMeans(List.of(Map.of("q1", 1.0, "q2", 0.0), Map.of("q1", 1.0))))
        .hasMessageContaining("seed 1 has no value for query 'q2'");
    assertThatThrownBy(() -> SeedSummary.aligned(Map.of("q1", 1.0), Map.of("q1", 1.0, "q9", 0.0)))
        .hasMessageContaining("'q9'");
    assertThatThrownBy(() -> SeedSummary.of(new double[] {Double.NaN})).hasMessageContaining("seed 0");
    assertThatThrownBy(() -> SeedSummary.perQueryMeans(List.of())).hasMessageContaining("no seed");
  }
}
