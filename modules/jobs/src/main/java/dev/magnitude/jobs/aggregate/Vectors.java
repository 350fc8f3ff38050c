package dev.magnitude.jobs.aggregate;

/** Vector arithmetic of the scorer, in double precision. */
final class Vectors {
  private Vectors() {}

  static double norm(float[] v) {
    double s = 0;
    for (float x : v) {
      s += (double) x * x;
    }
    return Math.sqrt(s);
  }

  /**
   * The vector in double precision divided by ‖v‖^{@code exponent}: exponent 1 L2-normalizes it, 0 leaves it
   * as it is, values in between shrink large norms partly (a learned normalization). A zero vector stays zero
   * for any exponent > 0 (its cosine with anything is taken as 0, not NaN).
   */
  static double[] toDouble(float[] v, double exponent) {
    double scale = 1;
    if (exponent != 0) {
      double n = norm(v);
      scale = n > 0 ? 1 / (exponent == 1 ? n : Math.pow(n, exponent)) : 0;
    }
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i] * scale;
    }
    return out;
  }

  static double dot(double[] a, double[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException(
          "query and document dimensions differ: " + a.length + " vs " + b.length + "; were they embedded by the same run?");
    }
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
