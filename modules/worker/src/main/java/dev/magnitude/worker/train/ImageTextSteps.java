package dev.magnitude.worker.train;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import dev.magnitude.core.run.TrainingSpec;
import dev.magnitude.worker.RunFailure;
import dev.magnitude.worker.loss.InfoNceLoss;
import dev.magnitude.worker.loss.LossScalars;
import dev.magnitude.worker.model.ImageEncoder;
import dev.magnitude.worker.model.TextEncoder;

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
  private final LossScalars scalars;
  private final ImageTextSampler sampler;
  private final LearningRateSchedule schedule;
  private final TrainingSpec settings;
  private final ParameterStore parameters;

  /**
   * @param trainer initialized, with {@code block} as its model's block
   * @param block both encoders, {@link LossScalars#wrap wrapped} with the loss scalars when there are any
   */
  public ImageTextSteps(
      Trainer trainer, Block block, TextEncoder text, ImageEncoder image, int imageSize, InfoNceLoss loss,
      LossScalars scalars, ImageTextSampler sampler, LearningRateSchedule schedule, TrainingSpec settings) {
    this.trainer = trainer;
    this.block = block;
    this.text = text;
    this.image = image;
    this.imageSize = imageSize;
    this.loss = loss;
    this.scalars = scalars;
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
    return ContrastiveTraining.update(trainer, block, loss, scalars, schedule, settings, step, b, start, scope -> new NDArray[] {
        text.embed(text.forward(parameters, true), scope, batch.captions()),
        image.embed(parameters, scope, batch.images(), imageSize, true),
        scope.create(batch.excluded())});
  }
}
