package dev.magnitude.core.run;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.magnitude.core.json.Json;

/**
 * The loss scalars a run ended with: {@code <work>/runs/<run-id>/normalization.json}, written by the worker
 * before the run's {@code _SUCCESS} (runs finished by older code have no such file; they are fixed variants
 * with the spec's temperature).
 *
 * <p>For a {@code learned} run, α of each side: its embeddings are scored with its own learned normalization
 * by dividing each query by max(‖q‖, {@link #NORM_FLOOR})^alphaQuery and each document by
 * max(‖d‖, {@link #NORM_FLOOR})^alphaDocument before the dot product ({@link #scale}). The exported embeddings
 * themselves are raw, as for every variant.
 *
 * <p>Example: {@code {"alphaDocument":0.41,"alphaQuery":0.87,"logitScale":1.0,"step":500,"variant":"learned"}};
 * a fixed variant has no alpha keys.
 *
 * @param variant the run's variant
 * @param step the last optimizer step, whose update these values include
 * @param alphaQuery α of the query side after the last update; null unless learned
 * @param alphaDocument α of the document side; null unless learned
 * @param logitScale the logit scale after the last update: the learned exp(t), or 1/τ when it is fixed
 */
public record TrainedNormalization(
    Variant variant,
    int step,
    @JsonInclude(JsonInclude.Include.NON_NULL) Double alphaQuery,
    @JsonInclude(JsonInclude.Include.NON_NULL) Double alphaDocument,
    double logitScale) {

  /** Lower bound of a norm before it is raised to α, as the trainer's loss floors it. */
  public static final double NORM_FLOOR = 1e-12;

  public TrainedNormalization {
    if (variant == null) {
      throw new IllegalArgumentException("variant is missing");
    }
    if (variant.isLearned() != (alphaQuery != null) || (alphaQuery == null) != (alphaDocument == null)) {
      throw new IllegalArgumentException(
          "alphaQuery and alphaDocument are set exactly for variant learned; got variant " + variant + ", alphaQuery "
              + alphaQuery + ", alphaDocument " + alphaDocument);
    }
    for (Double a : new Double[] {alphaQuery, alphaDocument}) {
      if (a != null && !(a >= 0 && a <= 1)) {
        throw new IllegalArgumentException("α = " + a + ": must be in [0, 1]");
      }
    }
    if (!(logitScale > 0) || !Double.isFinite(logitScale)) {
      throw new IllegalArgumentException("logitScale = " + logitScale + ": must be a finite number > 0");
    }
  }

  /** {@code vector} divided by max(‖vector‖, {@link #NORM_FLOOR})^alpha: α = 1 normalizes, α = 0 keeps it raw. */
  public static double[] scale(double[] vector, double alpha) {
    double squares = 0;
    for (double x : vector) {
      squares += x * x;
    }
    double divisor = Math.pow(Math.max(Math.sqrt(squares), NORM_FLOOR), alpha);
    double[] out = new double[vector.length];
    for (int i = 0; i < vector.length; i++) {
      out[i] = vector[i] / divisor;
    }
    return out;
  }

  public String toJson() {
    return Json.write(this);
  }

  public static TrainedNormalization fromJson(String json) {
    return Json.read(json, TrainedNormalization.class);
  }
}
