package dev.magnitude.worker;

import dev.magnitude.core.run.TrainedNormalization;
import dev.magnitude.worker.train.CurvePoint;
import java.util.List;
import java.util.Map;

/**
 * What a worker run did.
 *
 * @param runId the run's id
 * @param succeeded every output is committed and {@code _SUCCESS} written
 * @param failureReason the reason of the {@code failed} event; null on success
 * @param alreadyDone the run's {@code _SUCCESS} existed, so nothing was done
 * @param firstStep the first step trained by this process (&gt; 1 after resuming from a checkpoint)
 * @param lastStep the last step completed (0 if none)
 * @param curve the curve of the run so far, one point per step (including steps before a resume)
 * @param embeddings rows written per embeddings file path
 * @param checkpoints checkpoint paths written by this process
 * @param seconds wall time of the run
 * @param normalization the loss scalars the run ended with (learned α, logit scale), as written to
 *     {@code normalization.json}; for an already finished run, that file's content (null if it has none); null
 *     when the run failed before its last step
 */
public record RunResult(
    String runId,
    boolean succeeded,
    String failureReason,
    boolean alreadyDone,
    int firstStep,
    int lastStep,
    List<CurvePoint> curve,
    Map<String, Long> embeddings,
    List<String> checkpoints,
    double seconds,
    TrainedNormalization normalization) {

  public RunResult {
    curve = List.copyOf(curve);
    embeddings = Map.copyOf(embeddings);
    checkpoints = List.copyOf(checkpoints);
  }
}
