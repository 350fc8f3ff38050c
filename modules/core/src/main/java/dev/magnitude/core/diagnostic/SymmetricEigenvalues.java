package dev.magnitude.core.diagnostic;

import java.util.Arrays;

/**
 * Eigenvalues of a real symmetric matrix, in plain Java: Householder reduction to tridiagonal form, then the
 * implicit QL algorithm with Wilkinson-type shifts on the tridiagonal matrix (eigenvalues only, no vectors).
 *
 * <p>Cost about (4/3)·n³ multiply-adds for the reduction and O(n²) for QL: a fraction of a second for n = 384,
 * about a second for n = 1024. Accuracy: each eigenvalue within a small multiple of ε·‖A‖ (ε = 2^−52), which is
 * what a relative floor such as {@link Spectrum#RELATIVE_FLOOR} needs; eigenvalues far below ε·‖A‖ are not
 * resolved (a positive semi-definite matrix may show them as tiny negative numbers).
 */
public final class SymmetricEigenvalues {
  /** QL iterations allowed per eigenvalue before giving up; a few suffice in practice. */
  static final int MAX_ITERATIONS = 60;

  private SymmetricEigenvalues() {}

  /**
   * The eigenvalues of {@code matrix}, sorted descending. The matrix is not changed; it must be symmetric
   * (checked: entries (i, j) and (j, i) may differ by at most 1e-12 times the largest entry's magnitude).
   *
   * @param matrix (n, n), n ≥ 1, finite, symmetric
   * @throws IllegalArgumentException when it is not square, not finite or not symmetric
   * @throws ArithmeticException when QL does not converge (not seen on finite input)
   */
  public static double[] of(double[][] matrix) {
    double[][] a = checkedCopy(matrix);
    int n = a.length;
    double[] diagonal = new double[n];
    double[] offDiagonal = new double[n]; // offDiagonal[k] couples k and k + 1; the last one is 0
    tridiagonalize(a, diagonal, offDiagonal);
    ql(diagonal, offDiagonal);
    Arrays.sort(diagonal);
    for (int i = 0, j = n - 1; i < j; i++, j--) {
      double t = diagonal[i];
      diagonal[i] = diagonal[j];
      diagonal[j] = t;
    }
    return diagonal;
  }

  private static double[][] checkedCopy(double[][] matrix) {
    int n = matrix.length;
    if (n == 0) {
      throw new IllegalArgumentException("the matrix is empty; an eigen-decomposition needs n >= 1");
    }
    double[][] a = new double[n][];
    double largest = 0;
    for (int i = 0; i < n; i++) {
      if (matrix[i].length != n) {
        throw new IllegalArgumentException("row " + i + " has " + matrix[i].length + " entries; the matrix must be square ("
            + n + " × " + n + ")");
      }
      a[i] = matrix[i].clone();
      for (int j = 0; j < n; j++) {
        if (!Double.isFinite(a[i][j])) {
          throw new IllegalArgumentException("entry (" + i + ", " + j + ") is " + a[i][j] + "; the matrix must be finite");
        }
        largest = Math.max(largest, Math.abs(a[i][j]));
      }
    }
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < i; j++) {
        if (Math.abs(a[i][j] - a[j][i]) > 1e-12 * largest) {
          throw new IllegalArgumentException("entries (" + i + ", " + j + ") = " + a[i][j] + " and (" + j + ", " + i + ") = "
              + a[j][i] + " differ; the matrix must be symmetric");
        }
      }
    }
    return a;
  }

  /**
   * Reduces {@code a} in place by n − 2 Householder similarity transforms H = I − β v vᵀ, each zeroing one
   * column below its subdiagonal, and stores the tridiagonal result's diagonal and subdiagonal.
   */
  private static void tridiagonalize(double[][] a, double[] diagonal, double[] offDiagonal) {
    int n = a.length;
    double[] v = new double[n];
    double[] w = new double[n];
    for (int k = 0; k < n - 1; k++) {
      diagonal[k] = a[k][k];
      int from = k + 1;
      double norm = 0;
      for (int i = from; i < n; i++) {
        norm += a[i][k] * a[i][k];
      }
      norm = Math.sqrt(norm);
      if (k == n - 2 || norm == 0) {
        offDiagonal[k] = a[from][k];
        continue;
      }
      // v = x − α e1 with α = −sign(x0)·‖x‖ (no cancellation); H x = α e1.
      double alpha = a[from][k] >= 0 ? -norm : norm;
      double vv = 0;
      for (int i = from; i < n; i++) {
        v[i] = a[i][k] - (i == from ? alpha : 0);
        vv += v[i] * v[i];
      }
      double beta = 2 / vv;
      // p = β A' v, K = β vᵀp / 2, w = p − K v; then A' ← A' − v wᵀ − w vᵀ (= H A' H).
      double vp = 0;
      for (int i = from; i < n; i++) {
        double s = 0;
        double[] row = a[i];
        for (int j = from; j < n; j++) {
          s += row[j] * v[j];
        }
        w[i] = beta * s;
        vp += v[i] * w[i];
      }
      double half = beta * vp / 2;
      for (int i = from; i < n; i++) {
        w[i] -= half * v[i];
      }
      for (int i = from; i < n; i++) {
        double vi = v[i];
        double wi = w[i];
        double[] row = a[i];
        for (int j = from; j < n; j++) {
          row[j] -= vi * w[j] + wi * v[j];
        }
      }
      offDiagonal[k] = alpha;
    }
    diagonal[n - 1] = a[n - 1][n - 1];
    offDiagonal[n - 1] = 0;
  }

  /**
   * The implicit QL algorithm on a symmetric tridiagonal matrix: on return {@code d} holds its eigenvalues
   * (unsorted) and {@code e} is destroyed. A subdiagonal element counts as zero when it is at most ε times the
   * sum of the magnitudes of its two diagonal neighbours.
   */
  private static void ql(double[] d, double[] e) {
    int n = d.length;
    double eps = Math.ulp(1.0);
    for (int l = 0; l < n; l++) {
      int iterations = 0;
      int m;
      do {
        for (m = l; m < n - 1; m++) {
          if (Math.abs(e[m]) <= eps * (Math.abs(d[m]) + Math.abs(d[m + 1]))) {
            break;
          }
        }
        if (m == l) {
          break;
        }
        if (iterations++ == MAX_ITERATIONS) {
          throw new ArithmeticException("QL did not converge for eigenvalue " + l + " in " + MAX_ITERATIONS + " iterations");
        }
        double g = (d[l + 1] - d[l]) / (2 * e[l]);
        double r = Math.hypot(g, 1);
        g = d[m] - d[l] + e[l] / (g + Math.copySign(r, g)); // the shift from the trailing 2 × 2 block
        double s = 1;
        double c = 1;
        double p = 0;
        boolean deflated = false;
        for (int i = m - 1; i >= l; i--) {
          double f = s * e[i];
          double b = c * e[i];
          r = Math.hypot(f, g);
          e[i + 1] = r;
          if (r == 0) { // underflow: the element is zero already, split the matrix here
            d[i + 1] -= p;
            e[m] = 0;
            deflated = true;
            break;
          }
          s = f / r;
          c = g / r;
          g = d[i + 1] - p;
          r = (d[i] - g) * s + 2 * c * b;
          p = s * r;
          d[i + 1] = g + p;
          g = c * r - b;
        }
        if (!deflated) {
          d[l] -= p;
          e[l] = g;
          e[m] = 0;
        }
      } while (true);
    }
  }
}
