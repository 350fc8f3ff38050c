package dev.magnitude.core.diagnostic;

/**
 * The InfoNCE loss of a batch and its gradient with respect to every raw embedding row, in closed form (no
 * autograd), in double precision.
 *
 * <p>With x̃ = x / max(‖x‖, floor)^α per side (α of {@link InfoNceObjective}), L_ij = q̃_i · d̃_j / τ over the
 * columns j that are not excluded for row i, P = row softmax of L and ℓ_i = −log P_ii:
 *
 * <pre>
 *   A_ij          = P_ij − δ_ij                                    (B, B + X); 0 at excluded cells
 *   ∂ℓ/∂q̃_i       = (1/τ) Σ_j A_ij d̃_j        i.e. G̃_q = A D̃ / τ    (B, E)
 *   ∂ℓ/∂d̃_j       = (1/τ) Σ_i A_ij q̃_i        i.e. G̃_d = Aᵀ Q̃ / τ   (B + X, E)
 *   ∂ℓ/∂x         = ‖x‖^−α (I − α x̂x̂ᵀ) ∂ℓ/∂x̃                       (the normalization's Jacobian; x̂ = x/‖x‖)
 * </pre>
 *
 * where ℓ = Σ_i ℓ_i is the <em>summed</em> loss: B times the worker's mean loss. Only ℓ_i depends on q_i, so the
 * query row i of the result is the per-example gradient ∂ℓ_i/∂q_i; a document row j is ∂ℓ/∂d_j, its gradient
 * over every anchor of the batch (as its positive and as a negative of the others). A row of norm below the
 * floor is divided by floor^α, a constant: its Jacobian is floor^−α·I. For α = 1 the Jacobian is
 * (I − x̂x̂ᵀ)/‖x‖, so a normalized side's row gradient is orthogonal to its own row.
 *
 * <p>Symmetric objective (X = 0): ℓ = ½ (Σ_i ℓ→_i + Σ_j ℓ←_j), ℓ← the same loss of Lᵀ (document j as anchor,
 * query j its target, exclusions transposed); then A becomes ½ (A→ + A←ᵀ) in the two products above.
 */
public final class InfoNceGradients {
  private InfoNceGradients() {}

  /**
   * @param meanLoss the worker's loss value: mean over the anchors (symmetric: the mean of the two directions'
   *     means)
   * @param query (B, E): ∂ℓ/∂q_i of the summed loss ℓ
   * @param document (B + X, E): ∂ℓ/∂d_j of the summed loss ℓ
   */
  public record Result(double meanLoss, double[][] query, double[][] document) {}

  /**
   * The loss and the row gradients of one batch under one objective.
   *
   * @throws IllegalArgumentException for a symmetric objective on a batch with extra negatives
   */
  public static Result of(InfoNceObjective objective, EmbeddingBatch batch) {
    int b = batch.size();
    int columns = batch.documents().length;
    if (objective.symmetric() && columns != b) {
      throw new IllegalArgumentException("the symmetric loss has no extra negatives; the batch has " + batch.extraNegatives()
          + " after its " + b + " positives");
    }
    double inverseTau = 1 / objective.temperature();
    Normalized q = new Normalized(batch.queries(), objective.alphaQuery());
    Normalized d = new Normalized(batch.documents(), objective.alphaDocument());
    double[][] logits = new double[b][columns];
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < columns; j++) {
        logits[i][j] = dot(q.scaled[i], d.scaled[j]) * inverseTau;
      }
    }
    double[][] a = new double[b][columns];
    double weight = objective.symmetric() ? 0.5 : 1;
    double loss = weight * rowTerms(logits, batch, a, weight, false);
    if (objective.symmetric()) {
      loss += weight * rowTerms(logits, batch, a, weight, true);
    }
    double[][] queryGradient = new double[b][q.dimension()];
    double[][] documentGradient = new double[columns][q.dimension()];
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < columns; j++) {
        double c = a[i][j] * inverseTau;
        if (c != 0) {
          axpy(c, d.scaled[j], queryGradient[i]);
          axpy(c, q.scaled[i], documentGradient[j]);
        }
      }
    }
    q.backward(queryGradient);
    d.backward(documentGradient);
    return new Result(loss / b, queryGradient, documentGradient);
  }

  /**
   * Adds weight·(softmax − target) of every anchor's row to {@code a} and returns Σ ℓ over the anchors. Anchors
   * are the queries (row softmax of L), or with {@code transposed} the documents (row softmax of Lᵀ: column j of
   * L over i, target i = j, cell (i, j) excluded as in L).
   */
  private static double rowTerms(double[][] logits, EmbeddingBatch batch, double[][] a, double weight, boolean transposed) {
    int anchors = transposed ? logits[0].length : logits.length;
    int others = transposed ? logits.length : logits[0].length;
    double total = 0;
    double[] p = new double[others];
    for (int r = 0; r < anchors; r++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < others; c++) {
        if (!excluded(batch, r, c, transposed)) {
          max = Math.max(max, cell(logits, r, c, transposed));
        }
      }
      double sum = 0;
      for (int c = 0; c < others; c++) {
        p[c] = excluded(batch, r, c, transposed) ? 0 : Math.exp(cell(logits, r, c, transposed) - max);
        sum += p[c];
      }
      total += Math.log(sum) + max - cell(logits, r, r, transposed);
      for (int c = 0; c < others; c++) {
        double g = weight * (p[c] / sum - (c == r ? 1 : 0));
        if (transposed) {
          a[c][r] += g;
        } else {
          a[r][c] += g;
        }
      }
    }
    return total;
  }

  private static boolean excluded(EmbeddingBatch batch, int r, int c, boolean transposed) {
    return transposed ? batch.isExcluded(c, r) : batch.isExcluded(r, c);
  }

  private static double cell(double[][] logits, int r, int c, boolean transposed) {
    return transposed ? logits[c][r] : logits[r][c];
  }

  static double dot(double[] x, double[] y) {
    double s = 0;
    for (int k = 0; k < x.length; k++) {
      s += x[k] * y[k];
    }
    return s;
  }

  private static void axpy(double c, double[] x, double[] y) {
    for (int k = 0; k < x.length; k++) {
      y[k] += c * x[k];
    }
  }

  /** One side's rows divided by max(‖x‖, floor)^α, with what the Jacobian needs. */
  private static final class Normalized {
    final double[][] scaled;
    private final double[] divisorInverse;
    private final double[][] unit;
    private final double alpha;

    Normalized(float[][] rows, double alpha) {
      this.alpha = alpha;
      int e = rows[0].length;
      scaled = new double[rows.length][e];
      divisorInverse = new double[rows.length];
      unit = new double[rows.length][];
      for (int r = 0; r < rows.length; r++) {
        double squares = 0;
        for (float x : rows[r]) {
          squares += (double) x * x;
        }
        double norm = Math.sqrt(squares);
        double floored = Math.max(norm, InfoNceObjective.NORM_FLOOR);
        divisorInverse[r] = alpha == 0 ? 1 : Math.pow(floored, -alpha);
        if (alpha != 0 && norm >= InfoNceObjective.NORM_FLOOR) {
          unit[r] = new double[e];
        }
        for (int k = 0; k < e; k++) {
          scaled[r][k] = rows[r][k] * divisorInverse[r];
          if (unit[r] != null) {
            unit[r][k] = rows[r][k] / norm;
          }
        }
      }
    }

    int dimension() {
      return scaled[0].length;
    }

    /** Replaces each ∂ℓ/∂x̃ row by ∂ℓ/∂x = ‖x‖^−α (g̃ − α x̂ (x̂ · g̃)). */
    void backward(double[][] gradients) {
      for (int r = 0; r < gradients.length; r++) {
        double[] g = gradients[r];
        double radial = unit[r] == null ? 0 : alpha * dot(unit[r], g);
        for (int k = 0; k < g.length; k++) {
          g[k] = divisorInverse[r] * (g[k] - (unit[r] == null ? 0 : radial * unit[r][k]));
        }
      }
    }
  }
}
