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
 * @param learned the initial α of a {@code learned} run; null for every other variant ({@link RunSpec} checks
 *     this), and left out of the JSON when null so the specs and ids of the fixed variants are unchanged
 * @param logitScale set when the logit scale is learned (starting at 1/τ); null = the fixed τ. Left out of the
 *     JSON when null
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
    @JsonInclude(JsonInclude.Include.NON_NULL) LearnedNormalization learned,
    @JsonInclude(JsonInclude.Include.NON_NULL) LogitScale logitScale) {

  /** Settings of a fixed variant with the fixed temperature. */
  public TrainingSpec(
      int steps,
      int batchSize,
      double learningRate,
      int warmupSteps,
      double temperature,
      int checkpointEvery,
      double gradientClip,
      int threads) {
    this(steps, batchSize, learningRate, warmupSteps, temperature, checkpointEvery, gradientClip, threads, null, null);
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
    if (logitScale != null && 1 / temperature > logitScale.max()) {
      throw new IllegalArgumentException(
          "logit-scale max = " + logitScale.max() + " is below the initial scale 1/τ = " + (1 / temperature)
              + " (temperature = " + temperature + "); raise logit-scale.max or the temperature");
    }
  }

  /** The same settings with the initial α of a learned run (null = none). */
  public TrainingSpec withLearned(LearnedNormalization learned) {
    return new TrainingSpec(steps, batchSize, learningRate, warmupSteps, temperature, checkpointEvery, gradientClip,
        threads, learned, logitScale);
  }

  /** The same settings with a learnable logit scale (null = the fixed temperature). */
  public TrainingSpec withLogitScale(LogitScale logitScale) {
    return new TrainingSpec(steps, batchSize, learningRate, warmupSteps, temperature, checkpointEvery, gradientClip,
        threads, learned, logitScale);
  }
}
