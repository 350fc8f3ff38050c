package dev.magnitude.worker.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Parameter;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;
import ai.djl.util.PairList;
import java.util.Map;
import java.util.Objects;

/**
 * Adam whose whole state can be read out and restored, so a run resumed from a checkpoint continues
 * the optimization exactly. DJL's own Adam keeps the same state (moments and update counts) in private
 * maps that cannot be saved.
 *
 * <p>Per parameter, with its own update count t (1 at its first update) and gradient g:
 *
 * <pre>
 *   m ← β1·m + (1 − β1)·g
 *   v ← β2·v + (1 − β2)·g²
 *   w ← w − lr · √(1 − β2^t) / (1 − β1^t) · m / (√v + ε)
 * </pre>
 *
 * then the gradient is zeroed. β1 = 0.9, β2 = 0.999, ε = 1e-8 (DJL's defaults); no weight decay, no
 * per-element gradient clip (the run clips the global norm before the step). The update is DJL's own
 * Adam kernel ({@code NDArrayEx.adamUpdate}) called with the arguments DJL's Adam passes it, so a run
 * trains bit for bit as it would with {@code Adam.builder()}.
 *
 * <p>One device: the state of a parameter lives on the device of its first update. Not thread-safe.
 */
public final class ResumableAdam extends Optimizer implements ResumableOptimizer {
  public static final float BETA1 = 0.9f;
  public static final float BETA2 = 0.999f;
  public static final float EPSILON = 1e-8f;

  /**
   * The state of one parameter.
   *
   * @param updates updates applied so far (t of the last update)
   * @param mean first moment m, shaped like the parameter
   * @param variance second moment v, shaped like the parameter
   */
  public record State(int updates, NDArray mean, NDArray variance) {}

  private final ParameterTracker learningRate;
  private final AdamStates states = new AdamStates();

  /** @param learningRate answers the learning rate of each update */
  public ResumableAdam(ParameterTracker learningRate) {
    super(new Builder());
    this.learningRate = Objects.requireNonNull(learningRate, "learningRate");
  }

  @Override
  public void update(String parameterId, NDArray weight, NDArray grad) {
    State state = states.current(parameterId, weight);
    int t = state.updates() + 1;
    double coef1 = 1.0 - Math.pow(BETA1, t);
    double coef2 = 1.0 - Math.pow(BETA2, t);
    float lr = learningRate.getNewValue(parameterId, t);
    float corrected = (float) (lr * Math.sqrt(coef2) / coef1);
    if (!Float.isFinite(lr) || !Float.isFinite(corrected)) {
      throw new IllegalArgumentException("learning rate " + lr + " of update " + t + " is not finite");
    }
    weight.getNDArrayInternal().adamUpdate(
        new NDList(weight, grad, state.mean(), state.variance()),
        new NDList(weight),
        lr,
        corrected,
        0f,
        rescaleGrad,
        clipGrad,
        BETA1,
        BETA2,
        EPSILON,
        true,
        false);
    states.updated(parameterId, t, state);
  }

  @Override
  public Map<String, State> state(PairList<String, Parameter> parameters) {
    return states.byName(parameters);
  }

  @Override
  public void restore(Map<String, State> byName, PairList<String, Parameter> parameters) {
    states.restore(byName, parameters);
  }

  private static final class Builder extends OptimizerBuilder<Builder> {
    @Override
    protected Builder self() {
      return this;
    }
  }
}
