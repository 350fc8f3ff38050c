package dev.magnitude.jobs.aggregate;

import dev.magnitude.core.run.RunSpec;

/**
 * What the aggregate found of one planned run. Only {@link #COMPLETE} runs are scored; every other run is
 * listed (table {@code runs}, and the summary) with the reason, and left out of every comparison.
 *
 * @param status {@value #COMPLETE}, {@value #INCOMPLETE} (embeddings missing or not matching the eval sets),
 *     {@value #FAILED} (the worker wrote failure.json) or {@value #NOT_TRAINED} (no run folder)
 * @param reason why, for any status but complete ("" otherwise)
 */
public record RunStatus(RunSpec spec, String status, String reason) {
  public static final String COMPLETE = "complete";
  public static final String INCOMPLETE = "incomplete";
  public static final String FAILED = "failed";
  public static final String NOT_TRAINED = "not trained";

  public boolean complete() {
    return status.equals(COMPLETE);
  }

  /** The status with its reason, as the summary lists it, e.g. {@code incomplete (… is missing)}. */
  public String describe() {
    return reason.isEmpty() ? status : status + " (" + reason + ")";
  }
}
