package dev.magnitude.worker.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static dev.magnitude.worker.train.TestParameters.names;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.tracker.Tracker;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class ResumableAdamTest {
  private static final Offset<Float> CLOSE = Offset.offset(1e-6f);

  /** Two Adam steps at lr = 0.1 on w = (1, 0) with gradients (0.5, −2) then (−0.25, −2). */
  @Test
  void twoStepsMatchTheHandComputedValues() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Parameter w = parameter(manager, "w", new float[] {1f, 0f});
      ResumableAdam adam = new ResumableAdam(Tracker.fixed(0.1f));

      adam.update(w.getId(), w.getArray(), manager.create(new float[] {0.5f, -2f}));
      // t = 1: m = 0.1·g = (0.05, −0.2), v = 0.001·g² = (0.00025, 0.004); the bias-corrected step
      // m̂/√v̂ is g/|g| = ±1, so the first step moves each weight by lr against its gradient sign.
      assertThat(w.getArray().toFloatArray()).containsExactly(new float[] {0.9f, 0.1f}, CLOSE);
      ResumableAdam.State s = adam.state(names(w)).get("w");
      assertThat(s.updates()).isEqualTo(1);
      assertThat(s.mean().toFloatArray()).containsExactly(new float[] {0.05f, -0.2f}, CLOSE);
      assertThat(s.variance().toFloatArray()).containsExactly(new float[] {0.00025f, 0.004f}, CLOSE);

      adam.update(w.getId(), w.getArray(), manager.create(new float[] {-0.25f, -2f}));
      // t = 2, weight 0: m = 0.9·0.05 + 0.1·(−0.25) = 0.02, v = 0.999·0.00025 + 0.001·0.0625 = 0.00031225,
      // step = 0.1·√(1 − 0.999²)/(1 − 0.9²) · 0.02/√0.00031225 = 0.0235317 · 1.131824 = 0.0266336.
      // Weight 1, constant gradient: m̂ = −2 and v̂ = 4 again, so it moves by lr once more.
      assertThat(w.getArray().toFloatArray()).containsExactly(new float[] {0.8733664f, 0.2f}, CLOSE);
      s = adam.state(names(w)).get("w");
      assertThat(s.updates()).isEqualTo(2);
      assertThat(s.mean().toFloatArray()).containsExactly(new float[] {0.02f, -0.38f}, CLOSE);
      assertThat(s.variance().toFloatArray()).containsExactly(new float[] {0.00031225f, 0.007996f}, CLOSE);
    }
  }

  @Test
  void aRestoredStateContinuesBitForBit() {
    try (NDManager manager = NDManager.newBaseManager()) {
      float[] g1 = {0.3f, -1.7f, 0.02f};
      float[] g2 = {-0.9f, 0.4f, 0.02f};
      float[] g3 = {0.1f, 0.1f, -5f};

      Parameter straight = parameter(manager, "layer.weight", new float[] {0.5f, -0.5f, 2f});
      ResumableAdam one = new ResumableAdam(Tracker.fixed(0.01f));
      for (float[] g : new float[][] {g1, g2, g3}) {
        one.update(straight.getId(), straight.getArray(), manager.create(g));
      }

      Parameter before = parameter(manager, "layer.weight", new float[] {0.5f, -0.5f, 2f});
      ResumableAdam first = new ResumableAdam(Tracker.fixed(0.01f));
      first.update(before.getId(), before.getArray(), manager.create(g1));
      first.update(before.getId(), before.getArray(), manager.create(g2));
      Map<String, ResumableAdam.State> saved = first.state(names(before));
      // A new process: another Parameter object (another id), the same name; copies of the arrays.
      Parameter after = parameter(manager, "layer.weight", before.getArray().toFloatArray());
      ResumableAdam second = new ResumableAdam(Tracker.fixed(0.01f));
      ResumableAdam.State s = saved.get("layer.weight");
      second.restore(
          Map.of("layer.weight", new ResumableAdam.State(s.updates(), s.mean().duplicate(), s.variance().duplicate())),
          names(after));
      second.update(after.getId(), after.getArray(), manager.create(g3));

      assertThat(after.getArray().toFloatArray()).containsExactly(straight.getArray().toFloatArray());
    }
  }

  @Test
  void restoringAStateOfAnUnknownParameterNamesIt() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Parameter w = parameter(manager, "w", new float[] {1f});
      NDArray zero = manager.zeros(w.getArray().getShape());
      ResumableAdam adam = new ResumableAdam(Tracker.fixed(0.1f));
      assertThatThrownBy(() -> adam.restore(Map.of("other", new ResumableAdam.State(1, zero, zero)), names(w)))
          .hasMessageContaining("parameter other, which the encoder does not have");
    }
  }

  private static Parameter parameter(NDManager manager, String name, float[] values) {
    return TestParameters.parameter(manager, name, Parameter.Type.WEIGHT, values);
  }
}
