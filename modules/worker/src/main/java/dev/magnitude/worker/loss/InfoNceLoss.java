package dev.magnitude.worker.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.loss.Loss;
import dev.magnitude.core.run.Variant;
import java.util.Objects;

/**
 * InfoNCE over in-batch negatives: query i's positive is document i; every other document of the batch
 * (the other positives and any extra hard negatives after them) is a negative unless it is excluded.
 *
 * <p>A pure function of the two embedding batches and the trainable loss scalars ({@link Scalars}; no
 * model): with q̃ = q/‖q‖ if the variant normalizes the query side and q̃ = q otherwise (the same for d on
 * the document side),
 *
 * <pre>
 *   logits[i][j] = q̃_i · d̃_j / τ          (excluded[i][j] adds {@link #EXCLUDED_LOGIT})
 *   loss         = mean_i ( −log softmax(logits[i])[i] )
 * </pre>
 *
 * <p>Variant {@code learned}: q̃ = q / max(‖q‖, {@link #NORM_FLOOR})^α_q with α_q = sigmoid(θ_q), and d̃ the
 * same with α_d = sigmoid(θ_d); θ_q and θ_d are inputs (trainable scalars, see {@link LossScalars}), so α stays
 * in (0, 1) and the loss is differentiable in both. α = 1 is the L2 normalization of cosine (up to the float
 * rounding of the power), α = 0 the raw vector of dot. A learnable logit scale replaces 1/τ by exp(t), t an
 * input as well.
 *
 * <p>Symmetric InfoNCE (STS, where the two sides are interchangeable) averages this loss with the same
 * loss of the transposed logits, the document side as the anchors: {@code (loss(L) + loss(Lᵀ)) / 2}. The
 * variant's normalization still applies per side, so both directions share one similarity matrix; an
 * excluded cell (i, j) is excluded as (j, i) in the transposed direction.
 *
 * <p>Exclusion is how a batch avoids false negatives: a column that holds the same document as row i's
 * positive, or any document judged relevant to query i, must not push query i away. The diagonal is
 * the target and must never be excluded. Temperature τ = 0.05 is a logit scale of 20.
 *
 * <p>As a DJL {@link Loss} (so a Trainer can be configured with it), {@link #evaluate} takes the
 * predictions (queries, documents) and the labels (excluded); the accumulator methods inherited from
 * DJL's evaluator are unused. {@link #loss} itself holds no state.
 *
 * <p>The constants of the differentiable path (τ, the norm floor) are tensors PyTorch allocates and
 * owns ({@code full}), never Java numbers: DJL's {@code div(Number)}, {@code maximum(Number)} etc.
 * wrap the number in a tensor over Java memory and close it on return, and autograd, which keeps
 * that tensor for backward, then reads freed memory if a garbage collection runs between forward and
 * backward (see {@code TextEncoder}). The arrays created here belong to the manager of the inputs.
 */
public final class InfoNceLoss extends Loss {
  /** Added to the logit of an excluded column: exp of it underflows to 0, so its softmax weight is 0. */
  public static final float EXCLUDED_LOGIT = -1e9f;
  /** Lower bound of a row norm when normalizing, so a zero row gives a zero row and not NaN. */
  public static final float NORM_FLOOR = 1e-12f;

  private final Variant variant;
  private final double temperature;
  private final boolean symmetric;

  /** The one-directional loss (query side as anchors), as retrieval trains. */
  public InfoNceLoss(Variant variant, double temperature) {
    this(variant, temperature, false);
  }

  /**
   * @param variant which sides are L2-normalized before the dot product
   * @param temperature τ &gt; 0; logits are divided by it
   * @param symmetric average the query→document and document→query losses (STS)
   */
  public InfoNceLoss(Variant variant, double temperature, boolean symmetric) {
    super((symmetric ? "infonce-symmetric-" : "infonce-") + Objects.requireNonNull(variant, "variant").id());
    this.symmetric = symmetric;
    this.variant = Objects.requireNonNull(variant, "variant");
    if (!(temperature > 0)) {
      throw new IllegalArgumentException("temperature = " + temperature + ": must be > 0");
    }
    this.temperature = temperature;
  }

  public Variant variant() {
    return variant;
  }

  public double temperature() {
    return temperature;
  }

  public boolean symmetric() {
    return symmetric;
  }

  /**
   * The trainable scalars the loss reads, each a float32 array of one element, or null when the run does not
   * train it.
   *
   * @param thetaQuery θ_q, α_q = sigmoid(θ_q): set exactly for variant {@code learned}
   * @param thetaDocument θ_d, α_d = sigmoid(θ_d): set exactly for variant {@code learned}
   * @param logLogitScale t, logits = s(q, d) · exp(t); null = s(q, d) / τ
   */
  public record Scalars(NDArray thetaQuery, NDArray thetaDocument, NDArray logLogitScale) {
    /** No scalar: a fixed variant with the fixed temperature. */
    public static final Scalars NONE = new Scalars(null, null, null);
  }

  /**
   * The mean InfoNCE loss of a batch.
   *
   * @param queries raw query embeddings (B, E), float32
   * @param documents raw document embeddings (B + X, E), X ≥ 0: row i &lt; B is the positive of query i,
   *     rows B.. are extra negatives (hard negatives; not for the symmetric loss)
   * @param excluded (B, B + X) boolean; true where column j is not a negative of row i. The diagonal must
   *     be false. May be null: nothing excluded
   * @return scalar float32 loss, differentiable with respect to both inputs
   */
  public NDArray loss(NDArray queries, NDArray documents, NDArray excluded) {
    return loss(queries, documents, excluded, Scalars.NONE);
  }

  /**
   * The mean InfoNCE loss of a batch under the given loss scalars.
   *
   * @param scalars θ_q and θ_d (variant learned), t (learnable logit scale); differentiable in each
   * @see #loss(NDArray, NDArray, NDArray)
   */
  public NDArray loss(NDArray queries, NDArray documents, NDArray excluded, Scalars scalars) {
    NDArray logits = logits(queries, documents, excluded, scalars);
    NDArray forward = rowLoss(logits);
    if (!symmetric) {
      return forward;
    }
    return forward.add(rowLoss(logits.transpose())).mul(constant(logits, 0.5f));
  }

  /** Mean over rows of −log softmax(row)[diagonal]: row i's target is column i. */
  private static NDArray rowLoss(NDArray logits) {
    int b = (int) logits.getShape().get(0);
    int columns = (int) logits.getShape().get(1);
    NDArray logProbabilities = logits.logSoftmax(1);
    // Pick the diagonal by a mask instead of a gather: finite log-probabilities times 0 are 0.
    NDArray diagonal =
        logProbabilities.mul(logits.getManager().eye(b, columns, 0, DataType.FLOAT32)).sum(new int[] {1});
    return diagonal.neg().mean();
  }

  /**
   * DJL's loss signature for {@link #loss}.
   *
   * @param labels (excluded (B, B)), or empty for no exclusions
   * @param predictions (queries (B, E), documents (B, E))
   */
  @Override
  public NDArray evaluate(NDList labels, NDList predictions) {
    return loss(predictions.get(0), predictions.get(1), labels.isEmpty() ? null : labels.get(0));
  }

  /**
   * The scaled similarity matrix with exclusions applied.
   *
   * @param queries (B, E)
   * @param documents (B + X, E), X ≥ 0 (X = 0 for the symmetric loss)
   * @param excluded (B, B + X) boolean or null
   * @return (B, B + X) float32
   */
  public NDArray logits(NDArray queries, NDArray documents, NDArray excluded) {
    return logits(queries, documents, excluded, Scalars.NONE);
  }

  /** The scaled similarity matrix with exclusions applied, under the given loss scalars. */
  public NDArray logits(NDArray queries, NDArray documents, NDArray excluded, Scalars scalars) {
    Shape qs = queries.getShape();
    Shape ds = documents.getShape();
    if (qs.dimension() != 2 || ds.dimension() != 2 || qs.get(1) != ds.get(1) || ds.get(0) < qs.get(0)
        || (symmetric && ds.get(0) != qs.get(0))) {
      throw new IllegalArgumentException(
          "queries " + qs + " and documents " + ds + " must be (B, E) and (B + X, E) with X >= 0"
              + (symmetric ? " and X = 0 for the symmetric loss" : ""));
    }
    if (variant.isLearned() != (scalars.thetaQuery() != null) || (scalars.thetaQuery() == null) != (scalars.thetaDocument() == null)) {
      throw new IllegalArgumentException(variant.isLearned()
          ? "variant learned needs θ_query and θ_document (its α = sigmoid(θ) per side)"
          : "variant " + variant + " has fixed normalization; θ_query and θ_document are for variant learned");
    }
    NDArray q;
    NDArray d;
    if (variant.isLearned()) {
      q = scaleRows(queries, Activation.sigmoid(scalars.thetaQuery()));
      d = scaleRows(documents, Activation.sigmoid(scalars.thetaDocument()));
    } else {
      q = variant.normalizesQuery() ? normalizeRows(queries) : queries;
      d = variant.normalizesDocument() ? normalizeRows(documents) : documents;
    }
    NDArray similarities = q.matMul(d.transpose());
    NDArray logits = scalars.logLogitScale() == null
        ? similarities.div(constant(queries, (float) temperature))
        : similarities.mul(scalars.logLogitScale().exp());
    if (excluded == null) {
      return logits;
    }
    if (!excluded.getShape().equals(new Shape(qs.get(0), ds.get(0)))) {
      throw new IllegalArgumentException(
          "excluded mask " + excluded.getShape() + " must be (B, B + X) = (" + qs.get(0) + ", " + ds.get(0) + ")");
    }
    return logits.add(excluded.toType(DataType.FLOAT32, false).mul(EXCLUDED_LOGIT));
  }

  /**
   * Divides each row by its L2 norm (floored at {@link #NORM_FLOOR}).
   *
   * @param x (B, E)
   * @return (B, E), rows of norm 1 (or 0 for a zero row)
   */
  public static NDArray normalizeRows(NDArray x) {
    return x.div(x.norm(new int[] {1}, true).maximum(constant(x, NORM_FLOOR)));
  }

  /**
   * Divides each row by its L2 norm (floored at {@link #NORM_FLOOR}) raised to α.
   *
   * @param x (B, E)
   * @param alpha a one-element float32 array in [0, 1]: 1 normalizes, 0 keeps the rows
   * @return (B, E)
   */
  public static NDArray scaleRows(NDArray x, NDArray alpha) {
    return x.div(x.norm(new int[] {1}, true).maximum(constant(x, NORM_FLOOR)).pow(alpha));
  }

  /** A float32 scalar tensor allocated by the engine itself, on the manager and device of {@code like}. */
  private static NDArray constant(NDArray like, float value) {
    return like.getManager().full(new Shape(), value, DataType.FLOAT32).toDevice(like.getDevice(), false);
  }
}
