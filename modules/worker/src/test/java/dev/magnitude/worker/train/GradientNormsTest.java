package dev.magnitude.worker.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.PairList;
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
  void hugeButFiniteGradientsHaveAFiniteNorm() {
    // Squares of |g| > 1.8e19 overflow float32: the norm must be computed wider, so only a NaN or
    // infinite gradient makes it non-finite (that is what stops a run), and clipping can still scale.
    try (NDManager manager = NDManager.newBaseManager()) {
      List<NDArray> gradients =
          List.of(manager.create(new float[] {3e20f, -4e20f}), manager.create(new float[] {Float.MAX_VALUE}));
      double norm = GradientNorms.globalNorm(gradients);
      assertThat(norm).isFinite().isCloseTo(Math.hypot(5e20, Float.MAX_VALUE), within(1e25));

      List<NDArray> large = List.of(manager.create(new float[] {3e20f, -4e20f}));
      double largeNorm = GradientNorms.globalNorm(large);
      assertThat(largeNorm).isCloseTo(5e20, within(5e20 * 1e-6));
      GradientNorms.clip(large, largeNorm, 1.0);
      assertThat(large.get(0).toFloatArray()).containsExactly(new float[] {0.6f, -0.8f}, within(1e-6f));
    }
  }

  @Test
  void theGuardsMessageNamesTheParametersWithNonFiniteGradients() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Parameter fine = Parameter.builder().setName("fine").setType(Parameter.Type.WEIGHT).build();
      Parameter broken = Parameter.builder().setName("broken").setType(Parameter.Type.WEIGHT).build();
      fine.setArray(manager.create(new float[] {1, 2}));
      broken.setArray(manager.create(new float[] {1, 2, 3}));
      PairList<String, Parameter> parameters = new PairList<>();
      parameters.add("fine", fine);
      parameters.add("broken", broken);
      for (Parameter p : List.of(fine, broken)) {
        p.getArray().setRequiresGradient(true);
      }
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        // ∂/∂broken of Σ broken · (NaN, 1, ∞) = (NaN, 1, ∞).
        NDArray weights = manager.create(new float[] {Float.NaN, 1, Float.POSITIVE_INFINITY});
        collector.backward(fine.getArray().sum().add(broken.getArray().mul(weights).sum()));
      }
      assertThat(GradientNorms.globalNorm(GradientNorms.gradients(parameters, manager))).isNaN();
      assertThat(GradientNorms.describeNonFinite(parameters))
          .isEqualTo("non-finite gradient in broken (1 NaN, 1 infinite of 3)");
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
