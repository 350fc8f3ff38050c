package dev.magnitude.worker.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Parameter;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * AdamW with parameter groups, as PyTorch's {@code torch.optim.AdamW} computes it, whose whole state can be read out
 * and restored like {@link ResumableAdam}'s (same {@link ResumableAdam.State}, same checkpoint format). For a
 * parameter of group g at 1-based training step s, with its own update count t (1 at its first update) and
 * gradient g:
 *
 * <pre>
 *   lr = g.learningRate · schedule.factor(s)
 *   w ← w − lr · λ_g · w                                    decoupled weight decay (not added to the gradient)
 *   m ← β1·m + (1 − β1)·g,   v ← β2·v + (1 − β2)·g²
 *   w ← w − lr / (1 − β1^t) · m / (√v / √(1 − β2^t) + ε)
 * </pre>
 *
 * then the gradient is zeroed. Defaults β1 = 0.9, β2 = 0.999, ε = 1e-8 (PyTorch's). Unlike {@link ResumableAdam}
 * (DJL's Adam: ε added to √v before the bias correction), ε is added after it, as in PyTorch; the update is DJL's
 * fused Adam kernel in its AdamW mode, given ε·√(1 − β2^t) so that both are the same formula. That kernel computes
 * 1 − β in float32 (1 − 0.999f = 0.99998713e-3 where PyTorch weighs g² by 0.001): v is 1.3e-5 smaller relatively
 * than PyTorch's, a step 6e-6 larger; tested against PyTorch's trajectory to 1e-6.
 *
 * <p>Every parameter must belong to a group: {@link #assign} maps the model's parameters to the first group that
 * matches each, and an update of a parameter it did not map fails. The learning rate follows the step the
 * training loop sets ({@link #setStep}), not the update count, so a resumed run continues on its schedule. One
 * device; not thread-safe.
 */
public final class ResumableAdamW extends Optimizer implements ResumableOptimizer {
  private final WarmupLinearDecay schedule;
  private final List<ParameterGroup> groups;
  private final float beta1;
  private final float beta2;
  private final float epsilon;
  private final Map<String, ParameterGroup> groupById = new HashMap<>();
  private final AdamStates states = new AdamStates();
  private volatile int step = 1;

  private ResumableAdamW(Builder builder) {
    super(builder);
    this.schedule = builder.schedule;
    this.groups = List.copyOf(builder.groups);
    this.beta1 = builder.beta1;
    this.beta2 = builder.beta2;
    this.epsilon = builder.epsilon;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Puts each parameter into the first group that matches it (replacing an earlier assignment).
   *
   * @param parameters the trained block's {@code getParameters()}: path and parameter
   * @return the parameter paths of each group, groups in order (an unmatched group has none)
   * @throws IllegalArgumentException naming a parameter no group matches
   */
  public Map<String, List<String>> assign(PairList<String, Parameter> parameters) {
    Map<String, List<String>> members = new LinkedHashMap<>();
    groups.forEach(g -> members.put(g.name(), new ArrayList<>()));
    groupById.clear();
    for (Pair<String, Parameter> p : parameters) {
      ParameterGroup group = groups.stream().filter(g -> g.matcher().matches(p.getKey(), p.getValue())).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("parameter " + p.getKey() + " (type "
              + p.getValue().getType() + ") matches no parameter group of " + members.keySet()
              + "; end the groups with one that matches every parameter (ParameterGroup.ALL)"));
      groupById.put(p.getValue().getId(), group);
      members.get(group.name()).add(p.getKey());
    }
    return members;
  }

  /** The 1-based training step whose learning rate the next updates use; the loop sets it before each step. */
  public void setStep(int step) {
    if (step < 1) {
      throw new IllegalArgumentException("step = " + step + ": steps are 1-based");
    }
    this.step = step;
  }

  /** The learning rate of a group at a step: its peak times the schedule's factor. */
  public double learningRate(String group, int step) {
    for (ParameterGroup g : groups) {
      if (g.name().equals(group)) {
        return g.learningRate() * schedule.factor(step);
      }
    }
    throw new IllegalArgumentException("no parameter group " + group + " (groups: "
        + groups.stream().map(ParameterGroup::name).toList() + ")");
  }

  @Override
  public void update(String parameterId, NDArray weight, NDArray grad) {
    ParameterGroup group = groupById.get(parameterId);
    if (group == null) {
      throw new IllegalStateException("parameter " + parameterId + " has no parameter group: call assign with the "
          + "trained block's parameters before the first step");
    }
    ResumableAdam.State state = states.current(parameterId, weight);
    int t = state.updates() + 1;
    double correction1 = 1.0 - Math.pow(beta1, t);
    double correction2 = Math.sqrt(1.0 - Math.pow(beta2, t));
    double lr = group.learningRate() * schedule.factor(step);
    weight.getNDArrayInternal().adamUpdate(
        new NDList(weight, grad, state.mean(), state.variance()),
        new NDList(weight),
        (float) lr,
        (float) (lr * correction2 / correction1),
        (float) group.weightDecay(),
        rescaleGrad,
        clipGrad,
        beta1,
        beta2,
        (float) (epsilon * correction2),
        true,
        true);
    states.updated(parameterId, t, state);
  }

  @Override
  public Map<String, ResumableAdam.State> state(PairList<String, Parameter> parameters) {
    return states.byName(parameters);
  }

  @Override
  public void restore(Map<String, ResumableAdam.State> byName, PairList<String, Parameter> parameters) {
    states.restore(byName, parameters);
  }

  /** The schedule and at least one group are required; β1, β2 and ε default to PyTorch's. */
  public static final class Builder extends OptimizerBuilder<Builder> {
    private WarmupLinearDecay schedule;
    private final List<ParameterGroup> groups = new ArrayList<>();
    private float beta1 = 0.9f;
    private float beta2 = 0.999f;
    private float epsilon = 1e-8f;

    private Builder() {}

    public Builder setSchedule(WarmupLinearDecay schedule) {
      this.schedule = schedule;
      return this;
    }

    /** Adds a group after the ones added so far (a parameter joins the first group that matches it). */
    public Builder addGroup(ParameterGroup group) {
      groups.add(group);
      return this;
    }

    public Builder addGroups(List<ParameterGroup> groups) {
      groups.forEach(this::addGroup);
      return this;
    }

    public Builder optBetas(float beta1, float beta2) {
      this.beta1 = beta1;
      this.beta2 = beta2;
      return this;
    }

    public Builder optEpsilon(float epsilon) {
      this.epsilon = epsilon;
      return this;
    }

    /** Refused: AdamW's decay is per group ({@link ParameterGroup.Builder#optWeightDecay}). */
    @Override
    public Builder optWeightDecays(float weightDecays) {
      throw new IllegalArgumentException("AdamW's weight decay is set per parameter group "
          + "(ParameterGroup.Builder.optWeightDecay), not on the optimizer");
    }

    /** Refused: the training loop clips the global gradient norm (DJL's per-element clip is one-sided). */
    @Override
    public Builder optClipGrad(float clipGrad) {
      throw new IllegalArgumentException("AdamW does not clip gradients element by element; the training loop clips "
          + "their global norm (gradient-clip)");
    }

    @Override
    protected Builder self() {
      return this;
    }

    /** @throws IllegalArgumentException naming what is missing or out of range */
    public ResumableAdamW build() {
      if (schedule == null) {
        throw new IllegalArgumentException("AdamW needs a schedule (setSchedule)");
      }
      if (groups.isEmpty()) {
        throw new IllegalArgumentException("AdamW needs at least one parameter group (addGroup)");
      }
      Set<String> names = new HashSet<>();
      for (ParameterGroup g : groups) {
        if (!names.add(g.name())) {
          throw new IllegalArgumentException("two parameter groups are named " + g.name());
        }
      }
      if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) {
        throw new IllegalArgumentException("AdamW betas = (" + beta1 + ", " + beta2 + "): each must be in [0, 1)");
      }
      if (!(epsilon > 0)) {
        throw new IllegalArgumentException("AdamW epsilon = " + epsilon + ": must be > 0");
      }
      return new ResumableAdamW(this);
    }
  }
}
