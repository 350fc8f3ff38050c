package dev.magnitude.core.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class HolmTest {

  @Test
  void stepsDownAndStaysMonotone() {
    // m = 4, sorted: 0.01 (index 0), 0.03 (index 2), 0.04 (index 1), 0.20 (index 3).
    // scaled: 4·0.01 = 0.04, 3·0.03 = 0.09, 2·0.04 = 0.08 → running max 0.09, 1·0.20 = 0.20.
    // Back in input order: 0.04, 0.09, 0.09, 0.20 (R: p.adjust(c(.01,.04,.03,.2), "holm")).
    double[] adjusted = Holm.adjust(new double[] {0.01, 0.04, 0.03, 0.20});
    assertThat(adjusted[0]).isCloseTo(0.04, within(1e-12));
    assertThat(adjusted[1]).isCloseTo(0.09, within(1e-12));
    assertThat(adjusted[2]).isCloseTo(0.09, within(1e-12));
    assertThat(adjusted[3]).isCloseTo(0.20, within(1e-12));
  }

  @Test
  void capsAtOne() {
    // 0.3, 0.5: 2·0.3 = 0.6, 1·0.5 = 0.5 → max 0.6: both 0.6.
    assertThat(Holm.adjust(new double[] {0.5, 0.3})).containsExactly(0.6, 0.6);
    // 0.6, 0.7: 2·0.6 = 1.2 → 1; 0.7 → running max 1: both 1.
    assertThat(Holm.adjust(new double[] {0.6, 0.7})).containsExactly(1.0, 1.0);
  }

  @Test
  void equalPValuesGetEqualAdjustedValues() {
    // 0.02, 0.02, 0.5: 3·0.02 = 0.06, 2·0.02 = 0.04 → 0.06, 1·0.5 = 0.5.
    double[] adjusted = Holm.adjust(new double[] {0.5, 0.02, 0.02});
    assertThat(adjusted[0]).isEqualTo(0.5);
    assertThat(adjusted[1]).isCloseTo(0.06, within(1e-12));
    assertThat(adjusted[2]).isCloseTo(0.06, within(1e-12));
  }

  @Test
  void singleComparisonIsUnchangedAndEmptyIsEmpty() {
    assertThat(Holm.adjust(new double[] {0.03})).containsExactly(0.03);
    assertThat(Holm.adjust(new double[0])).isEmpty();
  }

  @Test
  void refusesValuesOutsideTheUnitInterval() {
    assertThatThrownBy(() -> Holm.adjust(new double[] {0.1, Double.NaN})).hasMessageContaining("p-value 1 is NaN");
    assertThatThrownBy(() -> Holm.adjust(new double[] {1.5})).hasMessageContaining("[0, 1]");
  }
}
