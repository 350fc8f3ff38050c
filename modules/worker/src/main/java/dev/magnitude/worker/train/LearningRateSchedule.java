package dev.magnitude.worker.train;

import ai.djl.training.tracker.ParameterTracker;

/**
 * Linear warm-up, then constant: lr(s) = peak · min(1, s / warmupSteps) for the 1-based step s (the
 * first step already moves, and step warmupSteps reaches the peak); warmupSteps = 0 means constant.
 *
 * <p>As a DJL tracker it answers for the step set by {@link #setStep} (the training loop sets it before
 * each optimizer step), not from the optimizer's own per-parameter update count, which restarts when a
 * run resumes from a checkpoint.
 */
public final class LearningRateSchedule implements ParameterTracker {
  private final double peak;
  private final int warmupSteps;
  private volatile int step = 1;

  public LearningRateSchedule(double peak, int warmupSteps) {
    this.peak = peak;
    this.warmupSteps = warmupSteps;
  }

  /** Learning rate of a 1-based step. */
  public double at(int step) {
    if (warmupSteps == 0 || step >= warmupSteps) {
      return peak;
    }
    return peak * step / warmupSteps;
  }

  public void setStep(int step) {
    this.step = step;
  }

  @Override
  public float getNewValue(String parameterId, int numUpdate) {
    return (float) at(step);
  }
}
