package dev.magnitude.core.run;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/**
 * A (dataset, split) whose queries and documents a run embeds after training.
 *
 * @param dataHash the content hash of an out-of-domain dataset (another dataset than the run's own), so that
 *     re-preparing it gives the run a new id and fresh embeddings; null for the run's own dataset, whose hash
 *     is the spec's {@code dataHash} (and left out of the JSON, so in-domain specs keep their ids)
 */
public record EvalSet(String dataset, String split, @JsonInclude(JsonInclude.Include.NON_NULL) String dataHash) {
  /** An evaluation set of the run's own dataset. */
  public EvalSet(String dataset, String split) {
    this(dataset, split, null);
  }

  public EvalSet {
    Objects.requireNonNull(dataset, "eval dataset");
    Objects.requireNonNull(split, "eval split");
  }
}
