package dev.magnitude.worker.train;

/**
 * One row of {@code curves.parquet} (data-schemas/curves.avsc): the state of one optimizer step.
 *
 * @param step 1-based optimizer step
 * @param loss InfoNCE loss of the batch, before the update
 * @param lr learning rate used by the update
 * @param gradNorm global L2 norm of all gradients, before clipping
 * @param queryNormMean mean L2 norm of the batch's raw query embeddings
 * @param queryNormStd their population standard deviation (divided by B)
 * @param docNormMean mean L2 norm of the batch's raw document embeddings
 * @param docNormStd their population standard deviation
 * @param pairsPerSecond B divided by the wall time of the step (batch assembly, forward, backward, update)
 * @param alphaQuery α of the query side the step's loss used (variant learned); null for the fixed variants
 * @param alphaDocument α of the document side the step's loss used (variant learned); null otherwise
 * @param logitScale the scale of the step's logits: 1/τ, or exp(t) when it is learned; null only for steps
 *     restored from a checkpoint of a version that did not record it
 */
public record CurvePoint(
    int step,
    double loss,
    double lr,
    double gradNorm,
    double queryNormMean,
    double queryNormStd,
    double docNormMean,
    double docNormStd,
    double pairsPerSecond,
    Double alphaQuery,
    Double alphaDocument,
    Double logitScale) {

  /** Mean and population standard deviation. */
  static double[] meanStd(float[] values) {
    double sum = 0;
    for (float v : values) {
      sum += v;
    }
    double mean = sum / values.length;
    double squares = 0;
    for (float v : values) {
      squares += (v - mean) * (v - mean);
    }
    return new double[] {mean, Math.sqrt(squares / values.length)};
  }
}
