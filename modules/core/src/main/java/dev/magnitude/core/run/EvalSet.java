package dev.magnitude.core.run;

import java.util.Objects;

/** A (dataset, split) whose queries and documents a run embeds after training. */
public record EvalSet(String dataset, String split) {
  public EvalSet {
    Objects.requireNonNull(dataset, "eval dataset");
    Objects.requireNonNull(split, "eval split");
  }
}
