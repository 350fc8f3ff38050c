package dev.magnitude.core.diagnostic;

import java.util.Objects;

/**
 * One training batch as the loss sees it: the raw (not normalized) embeddings of B queries and of their B
 * positive documents, optionally followed by X extra negatives (hard negatives), and the exclusion mask.
 *
 * <p>Row i &lt; B of {@code documents} is the positive of query i; every other row is a negative of query i unless
 * {@code excluded[i][j]} (a column holding the same document as row i's positive, or one judged relevant to
 * query i, as the worker's batch sampler marks them). The arrays are used as given, not copied: do not change
 * them while a diagnostic reads them.
 *
 * @param queries (B, E), B ≥ 1, finite
 * @param documents (B + X, E), X ≥ 0, finite
 * @param excluded (B, B + X) with a false diagonal, or null: nothing excluded
 */
public record EmbeddingBatch(float[][] queries, float[][] documents, boolean[][] excluded) {

  public EmbeddingBatch {
    Objects.requireNonNull(queries, "queries");
    Objects.requireNonNull(documents, "documents");
    int b = queries.length;
    if (b == 0) {
      throw new IllegalArgumentException("a batch needs at least one query; got (0, E) queries");
    }
    if (documents.length < b) {
      throw new IllegalArgumentException("documents (" + documents.length + ", E) must be (B + X, E) with X >= 0 for B = "
          + b + " queries: row i < B is the positive of query i");
    }
    int e = queries[0].length;
    if (e == 0) {
      throw new IllegalArgumentException("embeddings must have E >= 1 dimensions; got (" + b + ", 0) queries");
    }
    checkRows("queries", queries, e);
    checkRows("documents", documents, e);
    if (excluded != null) {
      if (excluded.length != b) {
        throw new IllegalArgumentException("excluded has " + excluded.length + " rows; must be (B, B + X) = (" + b + ", "
            + documents.length + ")");
      }
      for (int i = 0; i < b; i++) {
        if (excluded[i].length != documents.length) {
          throw new IllegalArgumentException("excluded row " + i + " has " + excluded[i].length + " columns; must be (B, B + X) = ("
              + b + ", " + documents.length + ")");
        }
        if (excluded[i][i]) {
          throw new IllegalArgumentException("excluded[" + i + "][" + i + "] is true: the diagonal is query " + i
              + "'s positive, the target of its softmax, and is never excluded");
        }
      }
    }
  }

  private static void checkRows(String name, float[][] rows, int e) {
    for (int r = 0; r < rows.length; r++) {
      if (rows[r].length != e) {
        throw new IllegalArgumentException(name + " row " + r + " has " + rows[r].length + " dimensions; row 0 of queries has "
            + e + " (all rows of a batch share E)");
      }
      for (int k = 0; k < e; k++) {
        if (!Float.isFinite(rows[r][k])) {
          throw new IllegalArgumentException(name + " row " + r + " holds " + rows[r][k] + " at dimension " + k
              + "; embeddings must be finite");
        }
      }
    }
  }

  /** B, the number of queries (and positives). */
  public int size() {
    return queries.length;
  }

  /** E, the embedding dimension. */
  public int dimension() {
    return queries[0].length;
  }

  /** X, the extra negatives after the B positives. */
  public int extraNegatives() {
    return documents.length - queries.length;
  }

  /** Whether column j is not a negative of query i. */
  public boolean isExcluded(int i, int j) {
    return excluded != null && excluded[i][j];
  }
}
