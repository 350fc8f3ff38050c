package dev.magnitude.worker.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** transformers' linear warm-up and decay, worked by hand from its definition (c = step − 1). */
class WarmupLinearDecayTest {
  @Test
  void risesOverTheWarmupThenFallsToZeroAtTheLastStep() {
    WarmupLinearDecay s = new WarmupLinearDecay(10, 4);
    // warm-up, c = 0..3: c / 4
    assertThat(s.factor(1)).isEqualTo(0.0);
    assertThat(s.factor(2)).isEqualTo(0.25);
    assertThat(s.factor(4)).isEqualTo(0.75);
    // decay, c = 4..9: (10 − c) / 6
    assertThat(s.factor(5)).isEqualTo(1.0);
    assertThat(s.factor(6)).isCloseTo(5 / 6.0, within(1e-15));
    assertThat(s.factor(10)).isCloseTo(1 / 6.0, within(1e-15));
    // past the end: (10 − 10) / 6 = 0, then clamped at 0
    assertThat(s.factor(11)).isEqualTo(0.0);
    assertThat(s.factor(50)).isEqualTo(0.0);
  }

  @Test
  void withoutWarmupTheFirstStepRunsAtThePeak() {
    WarmupLinearDecay s = new WarmupLinearDecay(4, 0);
    // (4 − c) / 4 for c = 0..3
    assertThat(new double[] {s.factor(1), s.factor(2), s.factor(3), s.factor(4)})
        .containsExactly(1.0, 0.75, 0.5, 0.25);
  }

  @Test
  void theWarmupRatioIsRoundedUpAsTransformersRoundsIt() {
    assertThat(WarmupLinearDecay.ofRatio(1000, 0.1).warmupSteps()).isEqualTo(100);
    assertThat(WarmupLinearDecay.ofRatio(150, 0.1).warmupSteps()).isEqualTo(15);
    // 100 · 0.07 = 7.000000000000001 in double: math.ceil gives 8 in Python, and here
    assertThat(WarmupLinearDecay.ofRatio(100, 0.07).warmupSteps()).isEqualTo(8);
    assertThat(WarmupLinearDecay.ofRatio(7, 0.1).warmupSteps()).isEqualTo(1);
    assertThat(WarmupLinearDecay.ofRatio(7, 0).warmupSteps()).isZero();
    // all warm-up: c / T up to the last step
    WarmupLinearDecay all = WarmupLinearDecay.ofRatio(5, 1);
    assertThat(all.factor(5)).isEqualTo(0.8);
  }

  @Test
  void outOfRangeSettingsAreNamed() {
    assertThatThrownBy(() -> WarmupLinearDecay.ofRatio(10, 1.5)).hasMessage("warm-up ratio = 1.5: must be in [0, 1]");
    assertThatThrownBy(() -> new WarmupLinearDecay(10, 11))
        .hasMessage("warm-up steps = 11: must be in [0, 10] (the total steps)");
    assertThatThrownBy(() -> new WarmupLinearDecay(0, 0)).hasMessageContaining("total steps = 0");
    assertThatThrownBy(() -> new WarmupLinearDecay(3, 1).factor(0)).hasMessageContaining("1-based");
  }
}
