package dev.magnitude.core.diagnostic;

/**
 * The running uncentered second moment (1/N) Σ_n g_n g_nᵀ of vectors g_n ∈ R^E: an E × E symmetric matrix,
 * accumulated in double precision, the upper triangle only, four rows at a time (so that one pass over the
 * matrix serves four vectors; the inner loop is an axpy over a contiguous row, which the JIT vectorizes).
 *
 * <p>The sum is taken in the order the rows are added, four at a time; equal inputs in equal order give
 * bit-identical results. Not thread-safe.
 */
public final class SecondMoment {
  private final int dimension;
  private final double[][] sum;
  private long count;

  /** @param dimension E ≥ 1 */
  public SecondMoment(int dimension) {
    if (dimension < 1) {
      throw new IllegalArgumentException("dimension = " + dimension + ": must be >= 1");
    }
    this.dimension = dimension;
    this.sum = new double[dimension][dimension];
  }

  public int dimension() {
    return dimension;
  }

  /** N, the vectors added so far. */
  public long count() {
    return count;
  }

  /**
   * Adds every row of {@code rows}.
   *
   * @param rows (n, E)
   */
  public void add(double[][] rows) {
    int n = rows.length;
    for (double[] row : rows) {
      if (row.length != dimension) {
        throw new IllegalArgumentException("a row of " + row.length + " dimensions added to a " + dimension + " × "
            + dimension + " second moment");
      }
    }
    int r = 0;
    for (; r + 4 <= n; r += 4) {
      addFour(rows[r], rows[r + 1], rows[r + 2], rows[r + 3]);
    }
    for (; r < n; r++) {
      addOne(rows[r]);
    }
    count += n;
  }

  private void addFour(double[] g0, double[] g1, double[] g2, double[] g3) {
    for (int a = 0; a < dimension; a++) {
      double c0 = g0[a];
      double c1 = g1[a];
      double c2 = g2[a];
      double c3 = g3[a];
      double[] row = sum[a];
      for (int b = a; b < dimension; b++) {
        row[b] += c0 * g0[b] + c1 * g1[b] + c2 * g2[b] + c3 * g3[b];
      }
    }
  }

  private void addOne(double[] g) {
    for (int a = 0; a < dimension; a++) {
      double c = g[a];
      double[] row = sum[a];
      for (int b = a; b < dimension; b++) {
        row[b] += c * g[b];
      }
    }
  }

  /**
   * (1/N) Σ g gᵀ as a full symmetric (E, E) matrix, a new array; all zeros when nothing was added.
   */
  public double[][] matrix() {
    double[][] m = new double[dimension][dimension];
    double scale = count == 0 ? 0 : 1.0 / count;
    for (int a = 0; a < dimension; a++) {
      for (int b = a; b < dimension; b++) {
        m[a][b] = sum[a][b] * scale;
        m[b][a] = m[a][b];
      }
    }
    return m;
  }
}
