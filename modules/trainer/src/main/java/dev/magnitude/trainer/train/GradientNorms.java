package dev.magnitude.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;

/**
 * Global gradient norm and clipping over the trainable parameters of a block, after backward and
 * before the optimizer step.
 */
public final class GradientNorms {
  private GradientNorms() {}

  /**
   * The gradients of every parameter that requires one. The returned handles share storage with the
   * parameters' gradients (scaling them scales the real gradients) and are attached to {@code scope},
   * which must be closed after the optimizer step.
   */
  public static List<NDArray> gradients(PairList<String, Parameter> parameters, NDManager scope) {
    List<NDArray> gradients = new ArrayList<>();
    for (Pair<String, Parameter> p : parameters) {
      Parameter parameter = p.getValue();
      if (parameter.requiresGradient()) {
        NDArray gradient = parameter.getArray().getGradient();
        gradient.attach(scope);
        gradients.add(gradient);
      }
    }
    return gradients;
  }

  /** √(Σ over all gradients of Σ g²), accumulated in double; NaN or ∞ if any gradient is. */
  public static double globalNorm(List<NDArray> gradients) {
    double squares = 0;
    for (NDArray g : gradients) {
      squares += g.square().sum().getFloat();
    }
    return Math.sqrt(squares);
  }

  /**
   * Scales all gradients in place so their global norm is at most {@code maxNorm}.
   *
   * @param norm their current global norm
   * @return the factor applied (1 if none)
   */
  public static double clip(List<NDArray> gradients, double norm, double maxNorm) {
    if (!(norm > maxNorm)) {
      return 1;
    }
    double factor = maxNorm / norm;
    for (NDArray g : gradients) {
      g.muli((float) factor);
    }
    return factor;
  }
}
