package dev.magnitude.worker.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
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

  /**
   * √(Σ over all gradients of Σ g²). Each gradient's norm is computed by libtorch in float32 (one op per
   * gradient, one transfer for all) and combined in double; a gradient whose float32 norm overflows although
   * its values are finite (|g| from about 1.8e19 on) is recomputed in double, so the result is finite whenever
   * every gradient is finite, NaN or ∞ if any gradient is. (Converting every gradient to float64 first cost a
   * few per cent of a small model's step.)
   */
  public static double globalNorm(List<NDArray> gradients) {
    if (gradients.isEmpty()) {
      return 0;
    }
    NDManager manager = gradients.get(0).getManager();
    float[] norms;
    try (NDManager scope = manager.newSubManager()) {
      NDList each = new NDList(gradients.size());
      for (NDArray g : gradients) {
        NDArray norm = g.norm();
        norm.attach(scope);
        each.add(norm.reshape(1));
      }
      norms = NDArrays.concat(each).toFloatArray();
    }
    double squares = 0;
    for (int i = 0; i < norms.length; i++) {
      double norm = norms[i];
      if (Float.isInfinite(norms[i])) {
        try (NDArray wide = gradients.get(i).toType(DataType.FLOAT64, true);
            NDArray square = wide.square();
            NDArray sum = square.sum()) {
          squares += sum.getDouble();
        }
      } else {
        squares += norm * norm;
      }
    }
    return Math.sqrt(squares);
  }

  /**
   * Which trainable parameters have a NaN or infinite gradient, for the failure message of the guard
   * (only called when the global norm is not finite).
   */
  public static String describeNonFinite(PairList<String, Parameter> parameters) {
    List<String> bad = new ArrayList<>();
    for (Pair<String, Parameter> p : parameters) {
      Parameter parameter = p.getValue();
      if (!parameter.requiresGradient()) {
        continue;
      }
      try (NDArray gradient = parameter.getArray().getGradient()) {
        long nan = 0;
        long infinite = 0;
        for (float v : gradient.toFloatArray()) {
          if (Float.isNaN(v)) {
            nan++;
          } else if (Float.isInfinite(v)) {
            infinite++;
          }
        }
        if (nan + infinite > 0) {
          bad.add(p.getKey() + " (" + nan + " NaN, " + infinite + " infinite of " + gradient.size() + ")");
        }
      }
    }
    if (bad.isEmpty()) {
      return "no gradient is NaN or infinite, their norm overflows double";
    }
    int shown = Math.min(bad.size(), 3);
    return "non-finite gradient in " + String.join(", ", bad.subList(0, shown))
        + (bad.size() > shown ? " and " + (bad.size() - shown) + " more parameters" : "");
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
