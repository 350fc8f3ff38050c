package dev.magnitude.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import dev.magnitude.core.run.TrainingSpec;
import dev.magnitude.trainer.RunFailure;
import dev.magnitude.trainer.loss.InfoNceLoss;
import dev.magnitude.trainer.model.ImageEncoder;
import dev.magnitude.trainer.model.TextEncoder;

/**
 * The optimizer steps of an image-text run, as {@link ContrastiveTraining} does them for text pairs: per
 * step one {@link ImageTextBatch}, the captions through the text encoder (query side) and the images
 * through the image encoder (document side), symmetric InfoNCE, backward, guards, optional clipping,
 * one Adam update of both encoders. Every array of a step lives in a sub-manager closed at its end. Not
 * thread-safe; one per process.
 */
public final class ImageTextSteps {
  private final Trainer trainer;
  private final Block block;
  private final TextEncoder text;
  private final ImageEncoder image;
  private final int imageSize;
  private final InfoNceLoss loss;
  private final ImageTextSampler sampler;
  private final LearningRateSchedule schedule;
  private final TrainingSpec settings;
  private final ParameterStore parameters;

  /** @param trainer initialized, with {@code block} (holding both encoders) as its model's block */
  public ImageTextSteps(
      Trainer trainer, Block block, TextEncoder text, ImageEncoder image, int imageSize, InfoNceLoss loss,
      ImageTextSampler sampler, LearningRateSchedule schedule, TrainingSpec settings) {
    this.trainer = trainer;
    this.block = block;
    this.text = text;
    this.image = image;
    this.imageSize = imageSize;
    this.loss = loss;
    this.sampler = sampler;
    this.schedule = schedule;
    this.settings = settings;
    this.parameters = new ParameterStore(trainer.getManager(), false);
  }

  /**
   * @param step 1-based step; selects the batch and the learning rate
   * @throws RunFailure on a non-finite loss or gradient norm
   */
  public CurvePoint step(int step) {
    long start = System.nanoTime();
    schedule.setStep(step);
    ImageTextBatch batch = sampler.batch(step);
    int b = batch.size();
    try (NDManager scope = trainer.getManager().newSubManager()) {
      float lossValue;
      float[] queryNorms;
      float[] documentNorms;
      try (GradientCollector collector = trainer.newGradientCollector()) {
        NDArray queries = text.embed(text.forward(parameters, true), scope, batch.captions());
        NDArray documents = image.embed(parameters, scope, batch.images(), imageSize, true);
        NDArray value = loss.loss(queries, documents, scope.create(batch.excluded()));
        lossValue = value.getFloat();
        if (!Float.isFinite(lossValue)) {
          throw new RunFailure(
              "non-finite loss at step " + step + " (variant " + loss.variant() + "): " + lossValue
                  + "; lower learning-rate, raise temperature or set gradient-clip");
        }
        collector.backward(value);
        queryNorms = queries.norm(new int[] {1}).toFloatArray();
        documentNorms = documents.norm(new int[] {1}).toFloatArray();
      }
      var gradients = GradientNorms.gradients(block.getParameters(), scope);
      double gradNorm = GradientNorms.globalNorm(gradients);
      if (!Double.isFinite(gradNorm)) {
        throw new RunFailure(
            "non-finite gradient norm at step " + step + " (variant " + loss.variant() + "): "
                + GradientNorms.describeNonFinite(block.getParameters()) + "; lower learning-rate or set gradient-clip");
      }
      if (settings.gradientClip() > 0) {
        GradientNorms.clip(gradients, gradNorm, settings.gradientClip());
      }
      trainer.step();
      double seconds = (System.nanoTime() - start) / 1e9;
      double[] q = CurvePoint.meanStd(queryNorms);
      double[] d = CurvePoint.meanStd(documentNorms);
      return new CurvePoint(step, lossValue, schedule.at(step), gradNorm, q[0], q[1], d[0], d[1], b / seconds);
    }
  }
}
