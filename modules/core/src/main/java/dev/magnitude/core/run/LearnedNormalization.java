package dev.magnitude.core.run;

/**
 * How a {@code learned} run starts its normalization exponents ({@code magnitude.train.learned}).
 *
 * <p>Each side is divided by max(‖x‖, floor)^α with α = sigmoid(θ), θ a trainable scalar per side, so α stays
 * in (0, 1) whatever the optimizer does. Both sides start at {@code alphaInit}, which must therefore be
 * strictly between 0 and 1 (θ = log(α / (1 − α)) is finite only there). Part of the spec (and id) of learned
 * runs only.
 *
 * @param alphaInit α of both sides before the first step ({@code learned.alpha-init})
 */
public record LearnedNormalization(double alphaInit) {
  public LearnedNormalization {
    if (!(alphaInit > 0 && alphaInit < 1)) {
      throw new IllegalArgumentException(
          "learned alpha-init = " + alphaInit + ": must be strictly between 0 and 1 (α = sigmoid(θ) never reaches "
              + "0 or 1)");
    }
  }

  /** θ of {@link #alphaInit}: the inverse of the sigmoid. */
  public double thetaInit() {
    return Math.log(alphaInit / (1 - alphaInit));
  }
}
