package dev.magnitude.worker.train;

import ai.djl.nn.Parameter;
import dev.magnitude.worker.loss.LossScalars;
import java.util.List;
import java.util.Set;

/**
 * A parameter group of {@link ResumableAdamW}, as in PyTorch's optimizers: the parameters it matches train with its
 * own peak learning rate (times the schedule's factor) and its own decoupled weight decay. A parameter belongs to
 * the first group of the optimizer that matches it.
 *
 * @param name for logs and errors ("encoder", "no-decay", "loss-scalars")
 * @param learningRate the peak learning rate, ≥ 0
 * @param weightDecay λ of AdamW's decoupled decay w ← w − lr·λ·w, ≥ 0
 * @param matcher which parameters belong here
 */
public record ParameterGroup(String name, double learningRate, double weightDecay, Matcher matcher) {
  /** Decides by a parameter's path in the block ({@code Block.getParameters()} key) and the parameter itself. */
  @FunctionalInterface
  public interface Matcher {
    boolean matches(String path, Parameter parameter);
  }

  /** Every parameter: for the last group. */
  public static final Matcher ALL = (path, p) -> true;
  /** Biases and LayerNorm gains and shifts (DJL's types BIAS, GAMMA, BETA): conventionally not decayed. */
  public static final Matcher BIASES_AND_NORMS = (path, p) -> p.getType() == Parameter.Type.BIAS
      || p.getType() == Parameter.Type.GAMMA || p.getType() == Parameter.Type.BETA;
  /** The loss's trainable scalars ({@link LossScalars}: θ of the learned α, the learnable logit scale's log). */
  public static final Matcher LOSS_SCALARS = (path, p) -> LossScalarNames.ALL.contains(p.getName());

  /** The parameter names of {@link LossScalars}. */
  private static final class LossScalarNames {
    static final Set<String> ALL = Set.of(LossScalars.THETA_QUERY, LossScalars.THETA_DOCUMENT,
        LossScalars.LOG_LOGIT_SCALE);
  }

  public ParameterGroup {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("a parameter group needs a name (setName)");
    }
    if (!(learningRate >= 0 && Double.isFinite(learningRate))) {
      throw new IllegalArgumentException(
          "parameter group " + name + ": learning rate = " + learningRate + ", must be finite and ≥ 0");
    }
    if (!(weightDecay >= 0 && Double.isFinite(weightDecay))) {
      throw new IllegalArgumentException(
          "parameter group " + name + ": weight decay = " + weightDecay + ", must be finite and ≥ 0");
    }
    if (matcher == null) {
      throw new IllegalArgumentException("parameter group " + name + " needs a matcher (setMatcher)");
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * The usual fine-tuning groups of a pretrained encoder (transformers' Trainer and sentence-transformers decay
   * everything but biases and LayerNorm weights), with the loss's scalars apart:
   *
   * <ol>
   *   <li>{@code loss-scalars}: the learned α's θ and the learnable logit scale, at {@code scalarLearningRate}, no
   *       decay (decay would pull θ to 0, α to 0.5, and the logit scale to 1, whatever the data says);
   *   <li>{@code no-decay}: biases and LayerNorm gains and shifts, at {@code learningRate}, no decay;
   *   <li>{@code encoder}: every other weight (embedding tables included), at {@code learningRate} with
   *       {@code weightDecay}.
   * </ol>
   */
  public static List<ParameterGroup> fineTuning(double learningRate, double weightDecay, double scalarLearningRate) {
    return List.of(
        builder().setName("loss-scalars").setLearningRate(scalarLearningRate).setMatcher(LOSS_SCALARS).build(),
        builder().setName("no-decay").setLearningRate(learningRate).setMatcher(BIASES_AND_NORMS).build(),
        builder().setName("encoder").setLearningRate(learningRate).optWeightDecay(weightDecay).setMatcher(ALL).build());
  }

  /** Name, learning rate and matcher are required; the weight decay is 0 unless set. */
  public static final class Builder {
    private String name;
    private Double learningRate;
    private double weightDecay;
    private Matcher matcher;

    private Builder() {}

    public Builder setName(String name) {
      this.name = name;
      return this;
    }

    public Builder setLearningRate(double learningRate) {
      this.learningRate = learningRate;
      return this;
    }

    public Builder optWeightDecay(double weightDecay) {
      this.weightDecay = weightDecay;
      return this;
    }

    public Builder setMatcher(Matcher matcher) {
      this.matcher = matcher;
      return this;
    }

    /** @throws IllegalArgumentException naming what is missing or out of range */
    public ParameterGroup build() {
      if (learningRate == null) {
        throw new IllegalArgumentException("parameter group " + name + " needs a learning rate (setLearningRate)");
      }
      return new ParameterGroup(name, learningRate, weightDecay, matcher);
    }
  }
}
