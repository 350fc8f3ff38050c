package dev.magnitude.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import org.junit.jupiter.api.Test;

class GradientNormsTest {
  @Test
  void globalNormAndClipping() {
    try (NDManager manager = NDManager.newBaseManager()) {
      // ‖(3, 4)‖² + ‖(12)‖² = 25 + 144 = 169, so the global norm is 13.
      List<NDArray> gradients = List.of(manager.create(new float[] {3, 4}), manager.create(new float[] {12}));
      double norm = GradientNorms.globalNorm(gradients);
      assertThat(norm).isEqualTo(13.0);

      assertThat(GradientNorms.clip(gradients, norm, 20)).as("under the bound: untouched").isEqualTo(1.0);
      assertThat(gradients.get(1).getFloat()).isEqualTo(12f);

      assertThat(GradientNorms.clip(gradients, norm, 6.5)).isEqualTo(0.5);
      assertThat(gradients.get(0).toFloatArray()).containsExactly(1.5f, 2f);
      assertThat(gradients.get(1).getFloat()).isEqualTo(6f);
      assertThat(GradientNorms.globalNorm(gradients)).isCloseTo(6.5, within(1e-6));
    }
  }

  @Test
  void nonFiniteGradientGivesNonFiniteNorm() {
    try (NDManager manager = NDManager.newBaseManager()) {
      assertThat(GradientNorms.globalNorm(List.of(manager.create(new float[] {1, Float.NaN})))).isNaN();
      assertThat(GradientNorms.globalNorm(List.of(manager.create(new float[] {Float.POSITIVE_INFINITY})))).isInfinite();
    }
  }

  @Test
  void curveStatisticsArePopulationMeanAndStd() {
    // (3, 5): mean 4, deviations ±1, population std √((1 + 1) / 2) = 1.
    assertThat(CurvePoint.meanStd(new float[] {3, 5})).containsExactly(4.0, 1.0);
  }

  @Test
  void warmUpIsLinearFromTheFirstStep() {
    LearningRateSchedule schedule = new LearningRateSchedule(0.01, 4);
    assertThat(schedule.at(1)).isEqualTo(0.0025);
    assertThat(schedule.at(2)).isEqualTo(0.005);
    assertThat(schedule.at(4)).isEqualTo(0.01);
    assertThat(schedule.at(100)).isEqualTo(0.01);
    assertThat(new LearningRateSchedule(0.01, 0).at(1)).isEqualTo(0.01);
    schedule.setStep(3);
    assertThat(schedule.getNewValue("any", 1)).isEqualTo(0.0075f);
  }
}
