package dev.magnitude.worker.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static dev.magnitude.worker.train.TestParameters.names;
import static dev.magnitude.worker.train.TestParameters.parameter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.util.PairList;
import com.fasterxml.jackson.databind.JsonNode;
import dev.magnitude.core.json.Json;
import dev.magnitude.worker.loss.LossScalars;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AdamW with parameter groups: by hand on single steps, against PyTorch's torch.optim.AdamW trajectory of
 * {@code adamw/make_adamw_trajectories.py} (two groups, transformers' schedule), resumed from its state mid-way, and
 * through a checkpoint.
 */
class ResumableAdamWTest {
  @TempDir Path tmp;

  private static ResumableAdamW adamW(WarmupLinearDecay schedule, ParameterGroup... groups) {
    return ResumableAdamW.builder().setSchedule(schedule).addGroups(List.of(groups)).build();
  }

  private static ParameterGroup group(String name, double lr, double decay) {
    return ParameterGroup.builder().setName(name).setLearningRate(lr).optWeightDecay(decay)
        .setMatcher(ParameterGroup.ALL).build();
  }

  @Test
  void theWeightDecayIsDecoupledFromTheGradient() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Parameter w = parameter(manager, "w", Parameter.Type.WEIGHT, new float[] {2f, 1f});
      ResumableAdamW adam = adamW(new WarmupLinearDecay(1, 0), group("all", 0.1, 0.1));
      adam.assign(names(w));
      adam.update(w.getId(), w.getArray(), manager.create(new float[] {0f, 0.5f}));
      // Weight 0, gradient 0: m = v = 0, so only the decay moves it: 2 · (1 − 0.1 · 0.1) = 1.98. (L2 decay added to
      // the gradient, Adam's coupled form, would make the gradient 0.2 and move the weight by lr to 1.9.)
      // Weight 1: 1 · 0.99, then m̂ = 0.5, √v̂ = 0.5, so it moves by lr · 0.5 / (0.5 + 1e-8): 0.99 − 0.1 = 0.89.
      assertThat(w.getArray().toFloatArray()).containsExactly(new float[] {1.98f, 0.89f}, within(1e-6f));
    }
  }

  @Test
  void epsilonIsAddedAfterTheBiasCorrectionAsInPyTorch() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Parameter w = parameter(manager, "w", Parameter.Type.WEIGHT, new float[] {1f});
      ResumableAdamW adam = ResumableAdamW.builder().setSchedule(new WarmupLinearDecay(1, 0))
          .addGroup(group("all", 0.1, 0)).optEpsilon(0.1f).build();
      adam.assign(names(w));
      adam.update(w.getId(), w.getArray(), manager.create(new float[] {0.5f}));
      // PyTorch: m̂ = 0.5, √v̂ = 0.5, step = 0.1 · 0.5 / (0.5 + 0.1) = 0.0833333. (ε before the correction, as DJL's
      // Adam adds it, would give 0.1 · √0.001 / 0.1 · 0.05 / (√0.00025 + 0.1) = 0.0136521.)
      assertThat(w.getArray().getFloat()).isCloseTo(1f - 0.1f * 0.5f / 0.6f, within(1e-7f));
    }
  }

  @Test
  void twoGroupsFollowPyTorchsAdamWUnderTheSchedule() {
    JsonNode torch = trajectories();
    try (NDManager manager = NDManager.newBaseManager()) {
      Toy toy = new Toy(manager, torch);
      for (JsonNode step : torch.path("steps")) {
        toy.step(step);
        assertThat(toy.w.getArray().toFloatArray()).as("W after step %s", step.path("step"))
            .containsExactly(flat(step.path("after").path("W")), within(1e-6f));
        assertThat(toy.b.getArray().toFloatArray()).as("b after step %s", step.path("step"))
            .containsExactly(flat(step.path("after").path("b")), within(1e-6f));
        int s = step.path("step").asInt();
        assertThat(toy.adam.learningRate("decay", s)).isCloseTo(step.path("lr").get(0).asDouble(), within(1e-15));
        assertThat(toy.adam.learningRate("free", s)).isCloseTo(step.path("lr").get(1).asDouble(), within(1e-15));
      }
      Map<String, ResumableAdam.State> state = toy.adam.state(toy.parameters());
      for (String name : List.of("W", "b")) {
        JsonNode expected = torch.path("state").path(name);
        assertThat(state.get(name).updates()).isEqualTo(expected.path("step").asInt());
        // DJL's kernel computes 1 − β in float32: 1 − 0.9f and 1 − 0.999f = 0.99998713e-3 weigh the new gradient,
        // PyTorch's 0.1 and 0.001 (double, then float). So m agrees to 1e-6 of its largest entry (an entry that is a
        // near-cancelling sum differs more relatively), v to 2e-5 relatively (1.3e-5 from 1 − β2 alone).
        assertCloseToScale(state.get(name).mean().toFloatArray(), flat(expected.path("exp_avg")), name);
        float[] v = state.get(name).variance().toFloatArray();
        float[] expectedV = flat(expected.path("exp_avg_sq"));
        for (int k = 0; k < v.length; k++) {
          assertThat((double) v[k]).as("v of %s[%d]", name, k).isCloseTo(expectedV[k], within(2e-5 * expectedV[k]));
        }
      }
    }
  }

  @Test
  void aRunResumedFromItsStateEndsAsPyTorchsUninterruptedRun() {
    JsonNode torch = trajectories();
    JsonNode steps = torch.path("steps");
    try (NDManager manager = NDManager.newBaseManager()) {
      Toy straight = new Toy(manager, torch);
      Toy first = new Toy(manager, torch);
      for (int s = 0; s < steps.size(); s++) {
        straight.step(steps.get(s));
        if (s < 4) {
          first.step(steps.get(s));
        }
      }
      // A new process: new Parameter objects (other ids) with the same names, copies of the arrays and the state.
      Toy second = new Toy(manager, torch);
      second.w.getArray().set(first.w.getArray().toFloatArray());
      second.b.getArray().set(first.b.getArray().toFloatArray());
      Map<String, ResumableAdam.State> saved = first.adam.state(first.parameters());
      Map<String, ResumableAdam.State> copies = new java.util.LinkedHashMap<>();
      saved.forEach((k, v) -> copies.put(k, new ResumableAdam.State(v.updates(), v.mean().duplicate(),
          v.variance().duplicate())));
      second.adam.restore(copies, second.parameters());
      for (int s = 4; s < steps.size(); s++) {
        second.step(steps.get(s));
      }
      assertThat(second.w.getArray().toFloatArray()).containsExactly(straight.w.getArray().toFloatArray());
      assertThat(second.b.getArray().toFloatArray()).containsExactly(straight.b.getArray().toFloatArray());
      JsonNode last = steps.get(steps.size() - 1).path("after");
      assertThat(second.w.getArray().toFloatArray()).containsExactly(flat(last.path("W")), within(1e-6f));
    }
  }

  @Test
  void aCheckpointHoldsTheStateOfEveryGroup() throws IOException {
    float[][] gradients = {{0.3f, -1.2f, 0.8f, 0.1f, -0.4f, 2f}, {-0.5f, 0.2f, 0.2f, -0.9f, 1.1f, 0.3f},
        {0.7f, 0.7f, -0.1f, 0.05f, 0.6f, -1f}, {-0.2f, 0.4f, 0.9f, -0.3f, 0.2f, 0.5f}};
    WarmupLinearDecay schedule = new WarmupLinearDecay(4, 1);
    List<ParameterGroup> groups = ParameterGroup.fineTuning(0.1, 0.05, 0.5);
    try (NDManager manager = NDManager.newBaseManager()) {
      SequentialBlock straight = linear(manager);
      ResumableAdamW one = ResumableAdamW.builder().setSchedule(schedule).addGroups(groups).build();
      one.assign(straight.getParameters());
      for (int s = 1; s <= 4; s++) {
        apply(one, straight, gradients[s - 1], s, manager);
      }

      SequentialBlock before = linear(manager);
      ResumableAdamW first = ResumableAdamW.builder().setSchedule(schedule).addGroups(groups).build();
      first.assign(before.getParameters());
      for (int s = 1; s <= 2; s++) {
        apply(first, before, gradients[s - 1], s, manager);
      }
      Checkpoints checkpoints = new Checkpoints(tmp.resolve("checkpoints").toString(), new Configuration());
      checkpoints.save(2, before, first.state(before.getParameters()), List.of());

      SequentialBlock after = linear(manager);
      Checkpoints.Restored restored = checkpoints.load(after, manager, 2);
      ResumableAdamW second = ResumableAdamW.builder().setSchedule(schedule).addGroups(groups).build();
      second.assign(after.getParameters());
      second.restore(restored.optimizer(), after.getParameters());
      for (int s = 3; s <= 4; s++) {
        apply(second, after, gradients[s - 1], s, manager);
      }
      for (int k = 0; k < straight.getParameters().size(); k++) {
        assertThat(after.getParameters().valueAt(k).getArray().toFloatArray())
            .as(after.getParameters().keyAt(k))
            .containsExactly(straight.getParameters().valueAt(k).getArray().toFloatArray());
      }
    }
  }

  @Test
  void theFineTuningGroupsSeparateScalarsBiasesAndNormsFromTheRest() {
    try (NDManager manager = NDManager.newBaseManager()) {
      SequentialBlock block = linear(manager);
      PairList<String, Parameter> parameters = new PairList<>(block.getParameters().keys(),
          block.getParameters().values());
      Parameter theta = parameter(manager, LossScalars.THETA_QUERY, Parameter.Type.OTHER, new float[] {0f});
      Parameter scale = parameter(manager, LossScalars.LOG_LOGIT_SCALE, Parameter.Type.OTHER, new float[] {3f});
      parameters.add(theta.getName(), theta);
      parameters.add(scale.getName(), scale);
      ResumableAdamW adam = ResumableAdamW.builder().setSchedule(new WarmupLinearDecay(10, 1))
          .addGroups(ParameterGroup.fineTuning(2e-5, 0.01, 1e-2)).build();
      Map<String, List<String>> groups = adam.assign(parameters);
      assertThat(groups.keySet()).containsExactly("loss-scalars", "no-decay", "encoder");
      assertThat(groups.get("loss-scalars")).containsExactly(LossScalars.THETA_QUERY, LossScalars.LOG_LOGIT_SCALE);
      // Linear's bias (BIAS), LayerNorm's gamma (GAMMA) and beta (BETA); only the Linear's weight decays
      assertThat(groups.get("no-decay")).containsExactly("01Linear_bias", "02LayerNorm_gamma", "02LayerNorm_beta");
      assertThat(groups.get("encoder")).containsExactly("01Linear_weight");
      assertThat(adam.learningRate("loss-scalars", 2)).isEqualTo(1e-2);
      assertThat(adam.learningRate("encoder", 2)).isEqualTo(2e-5);
    }
  }

  @Test
  void aParameterWithoutAGroupAndABadBuilderAreNamed() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Parameter w = parameter(manager, "w", Parameter.Type.WEIGHT, new float[] {1f});
      ResumableAdamW biasesOnly = adamW(new WarmupLinearDecay(3, 0), ParameterGroup.builder().setName("no-decay")
          .setLearningRate(0.1).setMatcher(ParameterGroup.BIASES_AND_NORMS).build());
      assertThatThrownBy(() -> biasesOnly.assign(names(w)))
          .hasMessage("parameter w (type WEIGHT) matches no parameter group of [no-decay]; end the groups with one "
              + "that matches every parameter (ParameterGroup.ALL)");
      ResumableAdamW unassigned = adamW(new WarmupLinearDecay(3, 0), group("all", 0.1, 0));
      assertThatThrownBy(() -> unassigned.update(w.getId(), w.getArray(), manager.create(new float[] {1f})))
          .hasMessageContaining("has no parameter group: call assign");
    }
    assertThatThrownBy(() -> ResumableAdamW.builder().addGroup(group("a", 0.1, 0)).build())
        .hasMessage("AdamW needs a schedule (setSchedule)");
    assertThatThrownBy(() -> adamW(new WarmupLinearDecay(3, 0), group("a", 0.1, 0), group("a", 1, 0)))
        .hasMessage("two parameter groups are named a");
    assertThatThrownBy(() -> ParameterGroup.builder().setName("a").setMatcher(ParameterGroup.ALL).build())
        .hasMessage("parameter group a needs a learning rate (setLearningRate)");
    assertThatThrownBy(() -> group("a", 0.1, -1)).hasMessage("parameter group a: weight decay = -1.0, must be finite and ≥ 0");
    assertThatThrownBy(() -> ResumableAdamW.builder().optWeightDecays(0.01f))
        .hasMessageContaining("weight decay is set per parameter group");
  }

  /** The toy of the script: W (2, 3) in group decay, b (3) in group free, fed PyTorch's gradients. */
  private static final class Toy {
    final Parameter w;
    final Parameter b;
    final ResumableAdamW adam;
    private final NDManager manager;

    Toy(NDManager manager, JsonNode torch) {
      this.manager = manager;
      w = Parameter.builder().setName("W").setType(Parameter.Type.WEIGHT).build();
      w.setArray(manager.create(flat(torch.path("initial").path("W")), new Shape(2, 3)));
      b = parameter(manager, "b", Parameter.Type.BIAS, flat(torch.path("initial").path("b")));
      JsonNode groups = torch.path("groups");
      adam = ResumableAdamW.builder()
          .setSchedule(new WarmupLinearDecay(torch.path("total_steps").asInt(), torch.path("warmup_steps").asInt()))
          .addGroup(ParameterGroup.builder().setName("decay").setLearningRate(groups.get(0).path("lr").asDouble())
              .optWeightDecay(groups.get(0).path("weight_decay").asDouble())
              .setMatcher((path, p) -> path.equals("W")).build())
          .addGroup(ParameterGroup.builder().setName("free").setLearningRate(groups.get(1).path("lr").asDouble())
              .setMatcher(ParameterGroup.ALL).build())
          .build();
      assertThat(adam.assign(parameters())).containsExactly(Map.entry("decay", List.of("W")),
          Map.entry("free", List.of("b")));
    }

    PairList<String, Parameter> parameters() {
      PairList<String, Parameter> list = new PairList<>();
      list.add("W", w);
      list.add("b", b);
      return list;
    }

    void step(JsonNode step) {
      adam.setStep(step.path("step").asInt());
      adam.update(w.getId(), w.getArray(), manager.create(flat(step.path("grad").path("W")), new Shape(2, 3)));
      adam.update(b.getId(), b.getArray(), manager.create(flat(step.path("grad").path("b"))));
    }
  }

  /** Linear 3 → 2 then LayerNorm, initialized; parameters 01Linear_weight, 01Linear_bias, 02LayerNorm_gamma/beta. */
  private static SequentialBlock linear(NDManager manager) {
    SequentialBlock block = new SequentialBlock().add(Linear.builder().setUnits(2).build())
        .add(LayerNorm.builder().build());
    block.initialize(manager, DataType.FLOAT32, new Shape(1, 3));
    float[][] values = {{0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 0.6f}, {0.05f, -0.05f}, {1.1f, 0.9f}, {0.01f, -0.02f}};
    for (int k = 0; k < 4; k++) {
      block.getParameters().valueAt(k).getArray().set(values[k]);
    }
    return block;
  }

  /** One step of the four parameters of {@link #linear} with slices of a 6-value gradient. */
  private static void apply(ResumableAdamW adam, SequentialBlock block, float[] g, int step, NDManager manager) {
    adam.setStep(step);
    float[][] slices = {g, {g[0], g[1]}, {g[2], g[3]}, {g[4], g[5]}};
    for (int k = 0; k < 4; k++) {
      Parameter p = block.getParameters().get(k).getValue();
      NDArray grad = manager.create(slices[k], p.getArray().getShape());
      adam.update(p.getId(), p.getArray(), grad);
    }
  }

  private static void assertCloseToScale(float[] actual, float[] expected, String what) {
    assertThat(actual).as(what).hasSameSizeAs(expected);
    double scale = 0;
    for (float e : expected) {
      scale = Math.max(scale, Math.abs(e));
    }
    for (int k = 0; k < actual.length; k++) {
      assertThat((double) actual[k]).as("%s[%d]", what, k).isCloseTo(expected[k], within(1e-6 * scale));
    }
  }

  private static JsonNode trajectories() {
    try (InputStream in = ResumableAdamWTest.class.getResourceAsStream("/adamw/adamw_trajectories.json")) {
      return Json.MAPPER.readTree(in);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static float[] flat(JsonNode nested) {
    List<Float> values = new java.util.ArrayList<>();
    collect(nested, values);
    float[] out = new float[values.size()];
    for (int k = 0; k < out.length; k++) {
      out[k] = values.get(k);
    }
    return out;
  }

  private static void collect(JsonNode node, List<Float> into) {
    if (node.isArray()) {
      node.forEach(n -> collect(n, into));
    } else {
      into.add((float) node.asDouble());
    }
  }
}
