package dev.magnitude.worker.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;
import dev.magnitude.core.run.TrainedNormalization;
import dev.magnitude.core.run.TrainingSpec;
import dev.magnitude.core.run.Variant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The trainable scalars of the loss, as DJL parameters: θ_query and θ_document of a {@code learned} run (α =
 * sigmoid(θ)), and t of a learnable logit scale (scale = exp(t)). A run without any (a fixed variant with a
 * fixed temperature) has none, and its model block is the encoders' block as before.
 *
 * <p>Why parameters of the model's block ({@link #wrap}): the Trainer's optimizer then updates them with the
 * encoders' parameters in the same Adam step (ResumableAdam), the global gradient norm, its guard and the
 * clipping cover them, and a checkpoint holds them and their Adam state by name like any other parameter, so a
 * resumed run continues exactly. Each is a (1)-shaped float32 array started at a constant: θ = log(α₀/(1 − α₀))
 * and t = log(1/τ).
 *
 * <p>The clamp of the logit scale is CLIP's: after every update, t is set to min(t, log(max)) in place
 * ({@link #clamp}), so the scale never exceeds max and its gradient is still computed at the bound (a
 * clamp inside the loss would give t a zero gradient above the bound, where Adam's momentum could strand it).
 */
public final class LossScalars {
  public static final String THETA_QUERY = "theta_query";
  public static final String THETA_DOCUMENT = "theta_document";
  public static final String LOG_LOGIT_SCALE = "log_logit_scale";

  private final Variant variant;
  private final double temperature;
  private final Parameter thetaQuery;
  private final Parameter thetaDocument;
  private final Parameter logLogitScale;
  private final float logMax;

  private LossScalars(Variant variant, TrainingSpec training) {
    this.variant = Objects.requireNonNull(variant, "variant");
    this.temperature = training.temperature();
    if (variant.isLearned()) {
      if (training.learned() == null) {
        throw new IllegalArgumentException("variant learned needs training.learned (the initial α)");
      }
      float theta = (float) training.learned().thetaInit();
      thetaQuery = scalar(THETA_QUERY, theta);
      thetaDocument = scalar(THETA_DOCUMENT, theta);
    } else {
      thetaQuery = null;
      thetaDocument = null;
    }
    if (training.logitScale() != null) {
      logLogitScale = scalar(LOG_LOGIT_SCALE, (float) Math.log(1 / training.temperature()));
      logMax = (float) Math.log(training.logitScale().max());
    } else {
      logLogitScale = null;
      logMax = Float.NaN;
    }
  }

  /** The scalars a run of this variant and these settings trains (possibly none). */
  public static LossScalars of(Variant variant, TrainingSpec training) {
    return new LossScalars(variant, training);
  }

  private static Parameter scalar(String name, float initial) {
    return Parameter.builder()
        .setName(name)
        .setType(Parameter.Type.OTHER)
        .optShape(new Shape(1))
        .optInitializer(new ConstantInitializer(initial))
        .build();
  }

  /** Whether the run trains no loss scalar. */
  public boolean isEmpty() {
    return thetaQuery == null && logLogitScale == null;
  }

  private List<Parameter> parameters() {
    List<Parameter> all = new ArrayList<>();
    for (Parameter p : new Parameter[] {thetaQuery, thetaDocument, logLogitScale}) {
      if (p != null) {
        all.add(p);
      }
    }
    return all;
  }

  /**
   * The block a run's model and optimizer use: {@code encoders} itself when there is no scalar (so the blocks,
   * checkpoints and parameter names of fixed-variant runs are what they were), else a block with
   * {@code encoders} as its only child and the scalars as its parameters.
   */
  public Block wrap(Block encoders) {
    return isEmpty() ? encoders : new WithScalars(encoders, parameters());
  }

  /** After the parameter arrays were replaced (a checkpoint load): lets autograd track them again. */
  public void prepare() {
    for (Parameter p : parameters()) {
      if (p.getArray() != null) {
        p.getArray().setRequiresGradient(true);
      }
    }
  }

  /** The arrays the loss reads this step: the live parameter arrays (the ones the optimizer updates). */
  public InfoNceLoss.Scalars values() {
    return new InfoNceLoss.Scalars(array(thetaQuery), array(thetaDocument), array(logLogitScale));
  }

  private static NDArray array(Parameter p) {
    return p == null ? null : p.getArray();
  }

  /** Keeps the learned logit scale at most max: t ← min(t, log(max)), in place; nothing when it is fixed. */
  public void clamp() {
    if (logLogitScale != null && logLogitScale.getArray().getFloat() > logMax) {
      logLogitScale.getArray().set(new float[] {logMax});
    }
  }

  /** α of the query side now, or null when the variant is not learned. */
  public Double alphaQuery() {
    return alpha(thetaQuery);
  }

  /** α of the document side now, or null when the variant is not learned. */
  public Double alphaDocument() {
    return alpha(thetaDocument);
  }

  private static Double alpha(Parameter theta) {
    return theta == null ? null : sigmoid(theta.getArray().getFloat());
  }

  /** sigmoid(θ) in double precision, as the loss computes it in float32. */
  public static double sigmoid(double theta) {
    return 1 / (1 + Math.exp(-theta));
  }

  /** The logit scale now: exp(t) when learned, 1/τ otherwise. */
  public double logitScale() {
    return logLogitScale == null ? 1 / temperature : Math.exp(logLogitScale.getArray().getFloat());
  }

  /** The values now, as the run's {@code normalization.json} records them after its last step. */
  public TrainedNormalization trained(int step) {
    return new TrainedNormalization(variant, step, alphaQuery(), alphaDocument(), logitScale());
  }

  /** "α_q 0.52, α_d 0.47, logit scale 1.00" (only the scalars the run trains), for failure messages. */
  public String describe() {
    StringBuilder s = new StringBuilder();
    if (thetaQuery != null) {
      s.append(String.format(java.util.Locale.ROOT, "α_q %.4g, α_d %.4g, ", alphaQuery(), alphaDocument()));
    }
    return s.append(String.format(java.util.Locale.ROOT, "logit scale %.4g", logitScale())).toString();
  }

  /**
   * The encoders' block plus the scalars: one block for one Trainer, one optimizer and one checkpoint. It has no
   * forward of its own (training calls the encoders and {@link InfoNceLoss} directly).
   */
  static final class WithScalars extends AbstractBlock {
    private static final byte VERSION = 1;
    private final Block encoders;

    WithScalars(Block encoders, List<Parameter> scalars) {
      super(VERSION);
      this.encoders = addChildBlock("encoders", encoders);
      for (Parameter p : scalars) {
        addParameter(p);
      }
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
      encoders.initialize(manager, dataType, inputShapes);
    }

    @Override
    protected NDList forwardInternal(
        ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
      throw new UnsupportedOperationException("the loss scalars' block has no forward; embed with the encoders");
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      return encoders.getOutputShapes(inputShapes);
    }
  }
}
