package dev.magnitude.core.run;

/**
 * A learnable logit scale, CLIP style ({@code magnitude.train.logit-scale} with {@code learnable = true}):
 * logits are s(q, d) · exp(t) with t a trainable scalar, started at log(1/τ) of the run's variant, and
 * clamped after every update so that exp(t) never exceeds {@code max}. Part of the spec (and id) only of runs
 * that learn it; without it the logits are s(q, d) / τ with the variant's fixed τ.
 *
 * @param max upper bound of the scale ({@code logit-scale.max}; CLIP uses 100)
 */
public record LogitScale(double max) {
  public LogitScale {
    if (!(max > 0) || !Double.isFinite(max)) {
      throw new IllegalArgumentException("logit-scale max = " + max + ": must be a finite number > 0");
    }
  }
}
