package dev.magnitude.worker.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import dev.magnitude.core.run.TrainingSpec;
import dev.magnitude.worker.RunFailure;
import dev.magnitude.worker.loss.InfoNceLoss;
import dev.magnitude.worker.loss.LossScalars;
import dev.magnitude.worker.model.TextEncoder;
import dev.magnitude.worker.model.TextTowers;
import java.util.ArrayList;
import java.util.List;

/**
 * The optimizer steps of one run: per step, one batch of B pairs, one forward of the 2B texts
 * (queries then documents, see {@link TextEncoder} for why together; with separate towers, the B queries
 * through the query tower, then the B documents through the document tower), InfoNCE, backward, guards,
 * optional global-norm clipping, Adam update.
 *
 * <p>A step is a pure function of (parameters, optimizer state, seed, step): the batch comes from
 * {@link BatchSampler#batch(int)}, and the engine's random generator (dropout) is reseeded from (seed,
 * step) before the forward, so a run resumed from a checkpoint draws the dropout masks an
 * uninterrupted run draws.
 *
 * <p>The forward is {@link TextEncoder#forward}, not {@code trainer.forward} (every array of the forward must
 * live until backward, see {@link TextEncoder}); it reads the same parameter arrays
 * the trainer's optimizer updates in place. Every array of a step, the whole forward included, lives
 * in a sub-manager closed at the end of the step, after backward and the optimizer update. Not
 * thread-safe; one per process, since DJL's PyTorch gradient collector is process-global.
 */
public final class ContrastiveTraining {
  private final Trainer trainer;
  private final TextTowers encoders;
  private final InfoNceLoss loss;
  private final LossScalars scalars;
  private final BatchSampler sampler;
  private final LearningRateSchedule schedule;
  private final TrainingSpec settings;
  private final ParameterStore parameters;
  private final long seed;

  /**
   * @param trainer initialized, with the encoder's block, {@link LossScalars#wrap wrapped} with the loss
   *     scalars, as its model's block; the parameter arrays must not be replaced afterwards (load checkpoints
   *     before)
   * @param scalars the loss's trainable scalars (possibly none)
   * @param seed the run's seed
   */
  public ContrastiveTraining(
      Trainer trainer,
      TextTowers encoders,
      InfoNceLoss loss,
      LossScalars scalars,
      BatchSampler sampler,
      LearningRateSchedule schedule,
      TrainingSpec settings,
      long seed) {
    this.trainer = trainer;
    this.encoders = encoders;
    this.loss = loss;
    this.scalars = scalars;
    this.sampler = sampler;
    this.schedule = schedule;
    this.settings = settings;
    this.parameters = new ParameterStore(trainer.getManager(), false);
    this.seed = seed;
  }

  /** The engine seed of a step's random draws: the same for the same (seed, step), unrelated across steps. */
  public static int stepSeed(long seed, int step) {
    return Long.hashCode(BatchSampler.mix(seed * 0xD1B54A32D192ED03L + step));
  }

  /**
   * Runs one optimizer step.
   *
   * @param step 1-based step; selects the batch and the learning rate
   * @throws RunFailure on a non-finite loss or gradient norm (the parameters are left unchanged)
   */
  public CurvePoint step(int step) {
    long start = System.nanoTime();
    schedule.setStep(step);
    trainer.getManager().getEngine().setRandomSeed(stepSeed(seed, step));
    Batch batch = sampler.batch(step);
    int b = batch.size();
    if (encoders.separate()) {
      return update(trainer, trainer.getModel().getBlock(), loss, scalars, schedule, settings, step, b, start,
          scope -> new NDArray[] {
          encoders.query().embed(parameters, scope, batch.queries(), true),
          encoders.document().embed(parameters, scope, batch.documents(), true),
          scope.create(batch.excluded())});
    }
    List<int[]> texts = new ArrayList<>(2 * b);
    texts.addAll(batch.queries());
    texts.addAll(batch.documents());
    return update(trainer, trainer.getModel().getBlock(), loss, scalars, schedule, settings, step, b, start, scope -> {
      NDArray embeddings = encoders.query().embed(parameters, scope, texts, true);
      return new NDArray[] {embeddings.get("0:" + b), embeddings.get(b + ":"), scope.create(batch.excluded())};
    });
  }

  /** "variant dot", or with the loss scalars a run trains: "variant learned, α_q 0.5, α_d 0.5, logit scale 1". */
  private static String where(InfoNceLoss loss, LossScalars scalars) {
    return "variant " + loss.variant() + (scalars.isEmpty() ? "" : ", " + scalars.describe());
  }

  /** A batch's two sides embedded in a step's scope: {queries, documents, the loss's excluded mask}. */
  @FunctionalInterface
  public interface Sides {
    NDArray[] embed(NDManager scope);
  }

  /**
   * The part of a step every task shares, after its batch is chosen: the sides embedded under a gradient
   * collector, the loss (under the current loss scalars) and its guard, backward, the gradient norm and its
   * guard, optional clipping, one optimizer update of {@code block}'s parameters (the loss scalars among them),
   * the clamp of a learned logit scale, and the step's curve point, which records the α and logit scale the
   * step's loss used. Every array lives in a sub-manager closed at the end.
   *
   * @param block the model's block: the encoders, with the loss scalars when there are any
   * @param b pairs in the batch (for pairs/s)
   * @param start when the step started ({@link System#nanoTime()})
   * @throws RunFailure on a non-finite loss or gradient norm (the parameters are left unchanged)
   */
  static CurvePoint update(
      Trainer trainer, Block block, InfoNceLoss loss, LossScalars scalars, LearningRateSchedule schedule,
      TrainingSpec settings, int step, int b, long start, Sides sides) {
    Double alphaQuery = scalars.alphaQuery();
    Double alphaDocument = scalars.alphaDocument();
    double logitScale = scalars.logitScale();
    try (NDManager scope = trainer.getManager().newSubManager()) {
      float lossValue;
      float[] queryNorms;
      float[] documentNorms;
      try (GradientCollector collector = trainer.newGradientCollector()) {
        NDArray[] embedded = sides.embed(scope);
        NDArray queries = embedded[0];
        NDArray documents = embedded[1];
        NDArray value = loss.loss(queries, documents, embedded[2], scalars.values());
        lossValue = value.getFloat();
        if (!Float.isFinite(lossValue)) {
          throw new RunFailure(
              "non-finite loss at step " + step + " (" + where(loss, scalars) + "): "
                  + lossValue + "; lower learning-rate, raise temperature or set gradient-clip");
        }
        collector.backward(value);
        queryNorms = queries.norm(new int[] {1}).toFloatArray();
        documentNorms = documents.norm(new int[] {1}).toFloatArray();
      }
      List<NDArray> gradients = GradientNorms.gradients(block.getParameters(), scope);
      double gradNorm = GradientNorms.globalNorm(gradients);
      if (!Double.isFinite(gradNorm)) {
        throw new RunFailure(
            "non-finite gradient norm at step " + step + " (" + where(loss, scalars) + "): "
                + GradientNorms.describeNonFinite(block.getParameters())
                + "; lower learning-rate or set gradient-clip");
      }
      if (settings.gradientClip() > 0) {
        GradientNorms.clip(gradients, gradNorm, settings.gradientClip());
      }
      trainer.step();
      scalars.clamp();
      double seconds = (System.nanoTime() - start) / 1e9;
      double[] q = CurvePoint.meanStd(queryNorms);
      double[] d = CurvePoint.meanStd(documentNorms);
      return new CurvePoint(step, lossValue, schedule.at(step), gradNorm, q[0], q[1], d[0], d[1], b / seconds,
          alphaQuery, alphaDocument, logitScale);
    }
  }
}
