package dev.magnitude.core.diagnostic;

import java.util.Locale;

/**
 * The spectrum of a positive semi-definite matrix (a Fisher information) and what the diagnostic reads off it.
 *
 * <p>Floor: eigenvalues at or below {@code floor = λ_max · }{@link #RELATIVE_FLOOR} count as the floor, so the
 * condition number is κ = λ_max / λ_min ∈ [1, 1e9), or exactly {@link #MAX_CONDITION_NUMBER} = 1e9 when
 * λ_min ≤ floor. Why 1e−9: (1) numerical noise. The eigenvalues of an E × E double matrix are resolved to
 * about E·ε·λ_max ≈ 1e−13·λ_max (E ≤ 1024, ε = 2.2e−16),
 * and the embeddings are float32 (relative 6e−8), which moves the singular values of the gradient matrix by
 * about 6e−8·σ_max, i.e. the eigenvalues by about 4e−15·λ_max. A floor four orders of magnitude above that
 * noise makes a rank-deficient Fisher give exactly κ = 1e9 on every machine instead of a noise figure between
 * 1e13 and 1e17. (2) meaning. An eigenvalue of 1e−9·λ_max is a gradient standard deviation 3e−5 of the largest
 * one in that direction: the objective gives the direction no signal worth comparing, so every κ above 1e9 is
 * "rank-deficient" and all of them are equal. Negative eigenvalues (rounding of a semi-definite matrix) are
 * below the floor like zeros.
 *
 * <p>An all-zero matrix (no gradient at all, e.g. batches of one pair without negatives) has κ = NaN, rank 0.
 *
 * @param eigenvalues descending, as computed (not clamped); a copy
 * @param floor λ_max · {@link #RELATIVE_FLOOR} (0 when λ_max ≤ 0)
 * @param conditionNumber κ = λ_max / λ_min, or {@link #MAX_CONDITION_NUMBER} when λ_min ≤ floor; NaN when λ_max ≤ 0
 * @param rank the eigenvalues above the floor
 * @param effectiveRank exp of the entropy of the eigenvalues (negatives as 0) normalized to sum 1 (Roy and
 *     Vetterli, 2007): E for an isotropic matrix, 1 for a rank-one matrix, 0 for the zero matrix. Unlike κ it
 *     does not hang on the smallest eigenvalue alone
 */
public record Spectrum(double[] eigenvalues, double floor, double conditionNumber, int rank, double effectiveRank) {
  /** Eigenvalues at or below λ_max times this count as the floor. */
  public static final double RELATIVE_FLOOR = 1e-9;
  /** κ of a spectrum whose smallest eigenvalue is at or below the floor: exactly 1 / {@link #RELATIVE_FLOOR}. */
  public static final double MAX_CONDITION_NUMBER = 1e9;

  public Spectrum {
    eigenvalues = eigenvalues.clone();
  }

  /** The spectrum of a symmetric positive semi-definite matrix. */
  public static Spectrum of(double[][] matrix) {
    return ofEigenvalues(SymmetricEigenvalues.of(matrix));
  }

  /**
   * The spectrum of given eigenvalues.
   *
   * @param descending sorted descending, finite
   */
  public static Spectrum ofEigenvalues(double[] descending) {
    if (descending.length == 0) {
      throw new IllegalArgumentException("no eigenvalues: a spectrum needs n >= 1");
    }
    for (int i = 0; i < descending.length; i++) {
      if (!Double.isFinite(descending[i]) || i > 0 && descending[i] > descending[i - 1]) {
        throw new IllegalArgumentException("eigenvalue " + i + " = " + descending[i] + ": eigenvalues must be finite and sorted "
            + "descending");
      }
    }
    double largest = descending[0];
    if (!(largest > 0)) {
      return new Spectrum(descending, 0, Double.NaN, 0, 0);
    }
    double floor = largest * RELATIVE_FLOOR;
    int rank = 0;
    double sum = 0;
    for (double lambda : descending) {
      rank += lambda > floor ? 1 : 0;
      sum += Math.max(lambda, 0);
    }
    double entropy = 0;
    for (double lambda : descending) {
      double p = Math.max(lambda, 0) / sum;
      entropy -= p > 0 ? p * Math.log(p) : 0;
    }
    double smallest = descending[descending.length - 1];
    double kappa = smallest <= floor ? MAX_CONDITION_NUMBER : largest / smallest;
    return new Spectrum(descending, floor, kappa, rank, Math.exp(entropy));
  }

  @Override
  public double[] eigenvalues() {
    return eigenvalues.clone();
  }

  public double largest() {
    return eigenvalues[0];
  }

  /** The smallest eigenvalue as computed (it may be below the floor, or a tiny negative number). */
  public double smallest() {
    return eigenvalues[eigenvalues.length - 1];
  }

  /** E, the matrix dimension. */
  public int dimension() {
    return eigenvalues.length;
  }

  /** Whether the smallest eigenvalue is at or below the floor: κ is then exactly {@link #MAX_CONDITION_NUMBER}. */
  public boolean rankDeficient() {
    return rank < eigenvalues.length;
  }

  /** E.g. {@code κ=3.2e+04 rank 384/384 effective rank 97.1}, or {@code κ≥1e+09 rank 300/384 ...}. */
  public String describe() {
    if (Double.isNaN(conditionNumber)) {
      return "no gradient (all-zero Fisher)";
    }
    return String.format(Locale.ROOT, "κ%s rank %d/%d effective rank %.1f", formatKappa(), rank, eigenvalues.length,
        effectiveRank);
  }

  /** κ to three significant digits, {@code ≥} at the floor: {@code =42.5}, {@code =1.2e+04}, {@code ≥1e+09}; n/a for NaN. */
  public String formatKappa() {
    if (Double.isNaN(conditionNumber)) {
      return " n/a";
    }
    String digits = String.format(Locale.ROOT, "%.3g", conditionNumber);
    int e = digits.indexOf('e');
    String mantissa = e < 0 ? digits : digits.substring(0, e);
    if (mantissa.contains(".")) {
      mantissa = mantissa.replaceAll("\\.?0+$", "");
    }
    return (rankDeficient() ? "≥" : "=") + mantissa + (e < 0 ? "" : digits.substring(e));
  }
}
