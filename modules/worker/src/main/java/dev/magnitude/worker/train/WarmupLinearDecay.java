package dev.magnitude.worker.train;

/**
 * The fine-tuning schedule of transformers' {@code get_linear_schedule_with_warmup}: a factor of every parameter
 * group's learning rate that rises linearly from 0 over the warm-up steps, then falls linearly to 0 at the last
 * step. For the 1-based optimizer step s, with c = s − 1 (the scheduler's counter when that step runs: transformers
 * steps the scheduler after each optimizer step), W warm-up and T total steps:
 *
 * <pre>
 *   factor(s) = c / max(1, W)                       when c &lt; W
 *             = max(0, (T − c) / max(1, T − W))      otherwise
 * </pre>
 *
 * So with warm-up the first step runs at factor 0 (it moves Adam's moments, not the weights), step W + 1 reaches
 * 1, and step T runs at 1 / (T − W); without warm-up the first step runs at 1. Steps after T run at 0.
 *
 * <p>The factor is a pure function of the step the training loop passes, not of the optimizer's per-parameter
 * update count, so a run resumed from a checkpoint continues on the same schedule.
 *
 * @param totalSteps T ≥ 1, the run's optimizer steps
 * @param warmupSteps W in [0, T]
 */
public record WarmupLinearDecay(int totalSteps, int warmupSteps) {
  public WarmupLinearDecay {
    if (totalSteps < 1) {
      throw new IllegalArgumentException("the schedule's total steps = " + totalSteps + ": must be at least 1");
    }
    if (warmupSteps < 0 || warmupSteps > totalSteps) {
      throw new IllegalArgumentException(
          "warm-up steps = " + warmupSteps + ": must be in [0, " + totalSteps + "] (the total steps)");
    }
  }

  /**
   * The schedule whose warm-up is a ratio of the steps: W = ⌈T · ratio⌉ in double precision, as transformers'
   * {@code TrainingArguments.get_warmup_steps} computes it (so T = 100, ratio 0.07 gives 8, since 100 · 0.07 is
   * 7.000000000000001).
   *
   * @param warmupRatio in [0, 1]
   */
  public static WarmupLinearDecay ofRatio(int totalSteps, double warmupRatio) {
    if (!(warmupRatio >= 0 && warmupRatio <= 1)) {
      throw new IllegalArgumentException("warm-up ratio = " + warmupRatio + ": must be in [0, 1]");
    }
    return new WarmupLinearDecay(totalSteps, (int) Math.ceil(Math.max(totalSteps, 1) * warmupRatio));
  }

  /** The learning-rate factor of 1-based step {@code step}, in [0, 1]. */
  public double factor(int step) {
    if (step < 1) {
      throw new IllegalArgumentException("step = " + step + ": steps are 1-based");
    }
    int c = step - 1;
    if (c < warmupSteps) {
      return (double) c / Math.max(1, warmupSteps);
    }
    return Math.max(0.0, (double) (totalSteps - c) / Math.max(1, totalSteps - warmupSteps));
  }
}
