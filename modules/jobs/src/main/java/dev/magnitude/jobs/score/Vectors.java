package dev.magnitude.jobs.score;

/** Vector arithmetic of the scorer, in double precision. */
public final class Vectors {
  private Vectors() {}

  public static double norm(float[] v) {
    double s = 0;
    for (float x : v) {
      s += (double) x * x;
    }
    return Math.sqrt(s);
  }

  /**
   * The factor {@link #toDouble} multiplies a vector by: 1 / ‖v‖^{@code exponent}; 1 for exponent 0, and
   * 0 for a zero vector under any exponent > 0.
   */
  public static double scale(float[] v, double exponent) {
    return scale(v, 0, v.length, exponent);
  }

  /** {@link #scale(float[], double)} of {@code v[offset .. offset + length)}. */
  public static double scale(float[] v, int offset, int length, double exponent) {
    if (exponent == 0) {
      return 1;
    }
    double s = 0;
    for (int i = offset; i < offset + length; i++) {
      s += (double) v[i] * v[i];
    }
    double n = Math.sqrt(s);
    return n > 0 ? 1 / (exponent == 1 ? n : Math.pow(n, exponent)) : 0;
  }

  /**
   * The vector in double precision divided by ‖v‖^{@code exponent}: exponent 1 L2-normalizes it, 0 leaves it
   * as it is, values in between shrink large norms partly (a learned normalization). A zero vector stays zero
   * for any exponent > 0 (its cosine with anything is taken as 0, not NaN).
   */
  public static double[] toDouble(float[] v, double exponent) {
    double scale = scale(v, exponent);
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i] * scale;
    }
    return out;
  }

  public static double dot(double[] a, double[] b) {
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

  /**
   * {@code dot(a, toDouble(v[offset .. offset + a.length), ·))} without materializing the document: the
   * same double operations in the same order ({@code a[i] * (v[i] * scale)}, summed by index), so the
   * result is bit-identical to the materialized route. Java does not contract these into fused
   * multiply-adds, so no JIT can change it.
   */
  public static double dot(double[] a, float[] v, int offset, double scale) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * (v[offset + i] * scale);
    }
    return s;
  }
}
