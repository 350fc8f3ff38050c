package dev.magnitude.jobs.score;

import dev.magnitude.core.run.Variant;
import java.io.Serializable;
import java.util.List;

/**
 * A similarity used at inference: s(q, d) = (q / ‖q‖^a) · (d / ‖d‖^b), with a per-side exponent (1 =
 * L2-normalize the side, 0 = leave it raw). Every run is scored under all of {@link #FIXED}, whatever it was
 * trained with, so "train dot, score cosine" and the reverse are both reported.
 *
 * <p>The list is spelled out here rather than taken from {@link Variant#values()}: training variants may
 * grow (a learned normalization with exponents α ∈ [0, 1] per side) without changing what every run is
 * scored under; such a scoring is one more instance with the run's α as its exponents.
 *
 * @param id the name in tables, e.g. {@code query-norm}
 * @param queryExponent a: the query side is divided by ‖q‖^a
 * @param documentExponent b: the document side is divided by ‖d‖^b
 */
public record Scoring(String id, double queryExponent, double documentExponent) implements Serializable {
  public static final Scoring COSINE = new Scoring("cosine", 1, 1);
  public static final Scoring QUERY_NORM = new Scoring("query-norm", 1, 0);
  public static final Scoring DOC_NORM = new Scoring("doc-norm", 0, 1);
  public static final Scoring DOT = new Scoring("dot", 0, 0);

  /** The four fixed normalizations every run is scored under, in table order. */
  public static final List<Scoring> FIXED = List.of(COSINE, QUERY_NORM, DOC_NORM, DOT);

  /** The id of a learned run's own scoring. */
  public static final String LEARNED = "learned";

  /** A learned run's own scoring: each side divided by its norm to the power of the α the run learned. */
  public static Scoring learned(double alphaQuery, double alphaDocument) {
    return new Scoring(LEARNED, alphaQuery, alphaDocument);
  }

  public Scoring {
    if (!(queryExponent >= 0 && queryExponent <= 1) || !(documentExponent >= 0 && documentExponent <= 1)) {
      throw new IllegalArgumentException("scoring " + id + ": exponents must be in [0, 1], got "
          + queryExponent + " and " + documentExponent);
    }
  }

  /**
   * The fixed scoring a training variant trains with (its "own" scoring, the diagonal of the train × scoring
   * matrix).
   *
   * @throws IllegalArgumentException for a variant without a fixed scoring of the same name
   */
  public static Scoring of(Variant variant) {
    for (Scoring s : FIXED) {
      if (s.id.equals(variant.id())) {
        return s;
      }
    }
    throw new IllegalArgumentException("variant " + variant.id() + " has no fixed scoring; fixed scorings: "
        + FIXED.stream().map(Scoring::id).toList());
  }

  @Override
  public String toString() {
    return id;
  }
}
