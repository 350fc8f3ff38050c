package dev.magnitude.core.diagnostic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Householder + QL eigenvalues against closed forms, matrices built from a chosen spectrum, and a second
 * route (cyclic Jacobi rotations, written here from its definition).
 */
class SymmetricEigenvaluesTest {

  @Test
  void twoByTwoClosedForm() {
    // [[a, b], [b, c]]: (a + c)/2 ± √(((a − c)/2)² + b²) = (5 ± √5)/2 for a = 2, b = 1, c = 3
    double[] l = SymmetricEigenvalues.of(new double[][] {{2, 1}, {1, 3}});
    assertThat(l).containsExactly(new double[] {(5 + Math.sqrt(5)) / 2, (5 - Math.sqrt(5)) / 2}, within(1e-14));
  }

  @Test
  void smallCasesDiagonalRepeatedAndOneByOne() {
    assertThat(SymmetricEigenvalues.of(new double[][] {{-4}})).containsExactly(-4);
    assertThat(SymmetricEigenvalues.of(new double[][] {{1, 0, 0}, {0, 5, 0}, {0, 0, 3}}))
        .containsExactly(new double[] {5, 3, 1}, within(1e-15));
    // I + 1·1ᵀ (n = 4): eigenvalue 1 + 4 along 1, and 1 three times on its complement
    double[][] a = new double[4][4];
    for (int i = 0; i < 4; i++) {
      for (int j = 0; j < 4; j++) {
        a[i][j] = (i == j ? 1 : 0) + 1;
      }
    }
    assertThat(SymmetricEigenvalues.of(a)).containsExactly(new double[] {5, 1, 1, 1}, within(1e-14));
  }

  @Test
  void recoversAChosenSpectrumSpanningNineDecades() {
    Random random = new Random(1);
    int n = 120;
    double[] chosen = new double[n];
    for (int i = 0; i < n; i++) {
      chosen[i] = Math.pow(10, 3 - 9.0 * i / (n - 1)); // 1e3 .. 1e-6, descending
    }
    double[] l = SymmetricEigenvalues.of(withSpectrum(chosen, random));
    assertThat(l).containsExactly(chosen, within(1e-10 * chosen[0]));
    // a rank-deficient one: the zeros come back as |λ| ≲ ε·n·λ_max
    double[] deficient = chosen.clone();
    Arrays.fill(deficient, 100, n, 0);
    double[] d = SymmetricEigenvalues.of(withSpectrum(deficient, random));
    for (int i = 100; i < n; i++) {
      assertThat(Math.abs(d[i])).isLessThan(1e-12 * chosen[0]);
    }
  }

  @Test
  void agreesWithJacobiRotationsOnRandomMatrices() {
    Random random = new Random(2);
    for (int n : new int[] {2, 3, 17, 64}) {
      double[][] a = new double[n][n];
      for (int i = 0; i < n; i++) {
        for (int j = 0; j <= i; j++) {
          a[i][j] = a[j][i] = random.nextGaussian();
        }
      }
      assertThat(SymmetricEigenvalues.of(a)).as("n = %d", n).containsExactly(jacobi(a), within(1e-11));
    }
  }

  @Test
  void refusesMatricesThatAreNotSquareFiniteAndSymmetric() {
    assertThatThrownBy(() -> SymmetricEigenvalues.of(new double[][] {{1, 2}})).hasMessageContaining("must be square");
    assertThatThrownBy(() -> SymmetricEigenvalues.of(new double[][] {{1, 2}, {3, 4}})).hasMessageContaining("must be symmetric");
    assertThatThrownBy(() -> SymmetricEigenvalues.of(new double[][] {{Double.NaN}})).hasMessageContaining("must be finite");
    assertThatThrownBy(() -> SymmetricEigenvalues.of(new double[0][])).hasMessageContaining("empty");
  }

  /** Q diag(λ) Qᵀ with Q a product of n random Householder reflections (orthogonal). */
  static double[][] withSpectrum(double[] lambda, Random random) {
    int n = lambda.length;
    double[][] a = new double[n][n];
    for (int i = 0; i < n; i++) {
      a[i][i] = lambda[i];
    }
    for (int r = 0; r < n; r++) {
      double[] v = new double[n];
      double vv = 0;
      for (int i = 0; i < n; i++) {
        v[i] = random.nextGaussian();
        vv += v[i] * v[i];
      }
      // A ← H A H with H = I − 2vvᵀ/vᵀv: (HA)_ij = A_ij − 2 v_i (vᵀA)_j / vᵀv, then the same on the right
      reflectRows(a, v, vv);
      transposeInPlace(a);
      reflectRows(a, v, vv);
    }
    for (int i = 0; i < n; i++) { // symmetrize the rounding
      for (int j = 0; j < i; j++) {
        a[i][j] = a[j][i] = (a[i][j] + a[j][i]) / 2;
      }
    }
    return a;
  }

  private static void reflectRows(double[][] a, double[] v, double vv) {
    int n = v.length;
    double[] vta = new double[n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        vta[j] += v[i] * a[i][j];
      }
    }
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        a[i][j] -= 2 * v[i] * vta[j] / vv;
      }
    }
  }

  private static void transposeInPlace(double[][] a) {
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < i; j++) {
        double t = a[i][j];
        a[i][j] = a[j][i];
        a[j][i] = t;
      }
    }
  }

  /** Cyclic Jacobi: rotate away each off-diagonal (p, q) in turn until the off-diagonal mass is negligible. */
  static double[] jacobi(double[][] matrix) {
    int n = matrix.length;
    double[][] a = new double[n][];
    for (int i = 0; i < n; i++) {
      a[i] = matrix[i].clone();
    }
    for (int sweep = 0; sweep < 100; sweep++) {
      double off = 0;
      for (int p = 0; p < n; p++) {
        for (int q = p + 1; q < n; q++) {
          off += a[p][q] * a[p][q];
        }
      }
      if (off < 1e-30) {
        break;
      }
      for (int p = 0; p < n; p++) {
        for (int q = p + 1; q < n; q++) {
          if (a[p][q] == 0) {
            continue;
          }
          // the angle that zeroes a_pq: tan(2θ) = 2a_pq / (a_qq − a_pp)
          double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
          double t = Math.signum(theta == 0 ? 1 : theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
          double c = 1 / Math.sqrt(t * t + 1);
          double s = t * c;
          for (int k = 0; k < n; k++) { // columns p, q
            double akp = a[k][p];
            double akq = a[k][q];
            a[k][p] = c * akp - s * akq;
            a[k][q] = s * akp + c * akq;
          }
          for (int k = 0; k < n; k++) { // rows p, q
            double apk = a[p][k];
            double aqk = a[q][k];
            a[p][k] = c * apk - s * aqk;
            a[q][k] = s * apk + c * aqk;
          }
        }
      }
    }
    return java.util.stream.IntStream.range(0, n).mapToObj(i -> a[i][i]).sorted(java.util.Comparator.reverseOrder())
        .mapToDouble(Double::doubleValue).toArray();
  }
}
