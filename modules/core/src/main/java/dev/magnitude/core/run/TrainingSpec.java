package dev.magnitude.core.run;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Optimization settings of a run.
 *
 * @param steps optimizer steps
 * @param batchSize query–document pairs per step; the other B−1 documents are the in-batch negatives
 * @param learningRate Adam learning rate after warm-up
 * @param warmupSteps linear warm-up from 0
 * @param temperature τ of InfoNCE: logits are s(q,d)/τ (τ = 0.05 is a logit scale of 20)
 * @param checkpointEvery steps between checkpoints; the last step is always checkpointed
 * @param gradientClip clip the global gradient norm to this value; 0 turns clipping off
 * @param threads intra-op CPU threads of the worker
 * @param hardNegatives judged non-relevant documents (relevance 0 in the training split's qrels) drawn per
 *     query of a batch as extra negatives; 0 = none. Set for retrieval runs only. Left out of the JSON
 *     when 0, so specs without hard negatives (STS, image-text, and every spec written before the option
 *     existed) keep their ids
 */
public record TrainingSpec(
    int steps,
    int batchSize,
    double learningRate,
    int warmupSteps,
    double temperature,
    int checkpointEvery,
    double gradientClip,
    int threads,
    @JsonInclude(JsonInclude.Include.NON_DEFAULT) int hardNegatives) {

  /** Settings without hard negatives. */
  public TrainingSpec(
      int steps,
      int batchSize,
      double learningRate,
      int warmupSteps,
      double temperature,
      int checkpointEvery,
      double gradientClip,
      int threads) {
    this(steps, batchSize, learningRate, warmupSteps, temperature, checkpointEvery, gradientClip, threads, 0);
  }

  public TrainingSpec {
    EncoderSpec.positive("steps", steps);
    if (batchSize < 2) {
      throw new IllegalArgumentException("batch-size = " + batchSize + ": must be >= 2 (in-batch negatives)");
    }
    if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
      throw new IllegalArgumentException("learning-rate = " + learningRate + ": must be a finite number > 0");
    }
    if (warmupSteps < 0) {
      throw new IllegalArgumentException("warmup-steps = " + warmupSteps + ": must be >= 0");
    }
    if (!(temperature > 0) || !Double.isFinite(temperature)) {
      throw new IllegalArgumentException("temperature = " + temperature + ": must be a finite number > 0");
    }
    EncoderSpec.positive("checkpoint-every", checkpointEvery);
    if (gradientClip < 0) {
      throw new IllegalArgumentException("gradient-clip = " + gradientClip + ": must be >= 0 (0 = off)");
    }
    EncoderSpec.positive("threads", threads);
    if (hardNegatives < 0) {
      throw new IllegalArgumentException("hard-negatives = " + hardNegatives + ": must be >= 0 (0 = off)");
    }
  }
}
