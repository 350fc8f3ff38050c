package dev.magnitude.core.diagnostic;

import java.util.Objects;

/**
 * The empirical Fisher information of one InfoNCE objective with respect to the raw query-side and,
 * separately, the raw document-side embedding, accumulated batch by batch.
 *
 * <pre>
 *   F_q = (1/N_q) Σ_batches Σ_i g_i g_iᵀ,   g_i = ∂ℓ/∂q_i   (query rows: N_q = Σ B)
 *   F_d = (1/N_d) Σ_batches Σ_j h_j h_jᵀ,   h_j = ∂ℓ/∂d_j   (document rows: N_d = Σ (B + X))
 * </pre>
 *
 * with ℓ the summed loss of the row's batch and the gradients of {@link InfoNceGradients} (through the
 * normalization's Jacobian). Uncentered: the mean gradient is part of it, as in the usual empirical Fisher.
 * The result depends on how pairs are grouped into batches (the negatives of a row are its batch), so feed
 * the batches the run trains on. Not thread-safe; one instance per objective.
 */
public final class FisherInformation {
  private final InfoNceObjective objective;
  private final SecondMoment query;
  private final SecondMoment document;
  private double lossSum;
  private int batches;

  /** @param dimension E of the embeddings that will be added */
  public FisherInformation(InfoNceObjective objective, int dimension) {
    this.objective = Objects.requireNonNull(objective, "objective");
    this.query = new SecondMoment(dimension);
    this.document = new SecondMoment(dimension);
  }

  /**
   * The Fisher of one objective over batches, with its spectra.
   *
   * @param queryRows N_q, query rows (examples) the query-side Fisher averages over
   * @param documentRows N_d, document rows (positives and extra negatives)
   * @param batches training batches read
   * @param meanLoss the mean over batches of the batch's mean loss
   */
  public record Result(InfoNceObjective objective, Spectrum query, Spectrum document, long queryRows, long documentRows,
      int batches, double meanLoss) {
    public Spectrum side(Side side) {
      return side == Side.QUERY ? query : document;
    }
  }

  public InfoNceObjective objective() {
    return objective;
  }

  /** Adds one batch's row gradients to both Fishers. */
  public void add(EmbeddingBatch batch) {
    if (batch.dimension() != query.dimension()) {
      throw new IllegalArgumentException("a batch of E = " + batch.dimension() + " added to a Fisher of E = " + query.dimension());
    }
    InfoNceGradients.Result g = InfoNceGradients.of(objective, batch);
    query.add(g.query());
    document.add(g.document());
    lossSum += g.meanLoss();
    batches++;
  }

  /** F of one side as a full symmetric (E, E) matrix (a new array); zeros before the first batch. */
  public double[][] matrix(Side side) {
    return (side == Side.QUERY ? query : document).matrix();
  }

  /**
   * Both spectra (two eigen-decompositions).
   *
   * @throws IllegalStateException before the first batch
   */
  public Result result() {
    if (batches == 0) {
      throw new IllegalStateException("no batch was added to the Fisher of " + objective.describe());
    }
    return new Result(objective, Spectrum.of(query.matrix()), Spectrum.of(document.matrix()), query.count(),
        document.count(), batches, lossSum / batches);
  }
}
