package dev.magnitude.core.diagnostic;

import dev.magnitude.core.run.Variant;

/**
 * Which side to normalize, predicted from the Fisher information of the two one-sided variants before any
 * training. Fixed in advance (the aggregate counts its hits against the sweep's measured winner):
 *
 * <ol>
 *   <li>For {@code query-norm} and {@code doc-norm}, each under its own objective (normalization, τ), take the
 *       condition numbers κ_q and κ_d of its query-side and document-side Fisher ({@link Spectrum}).
 *   <li>A variant's conditioning is the pair (max(κ_q, κ_d), min(κ_q, κ_d)): the worse-conditioned block first,
 *       since the encoder receives the gradients of both sides and a step size has to suit the worse one.
 *   <li>The prediction is the variant whose pair is smaller, compared lexicographically (the worse κ, then on an
 *       exact tie the better κ); its normalized side is the side to normalize.
 *   <li>No prediction when both pairs are equal (e.g. every Fisher rank-deficient, all κ at the floor 1e9), or
 *       when a κ is undefined (no gradient).
 * </ol>
 *
 * Why this rule: near the optimum the Fisher of the objective is its Gauss–Newton curvature, and gradient
 * descent on a quadratic converges at a rate set by the curvature's condition number; of two one-sided
 * objectives, the one whose embedding-space curvature is better conditioned is the one a fixed learning rate
 * can optimize better. The rule does not use cosine or dot: it answers the question "which one-sided variant",
 * the one the study finds beats both.
 *
 * @param variant {@code query-norm} or {@code doc-norm}; null when no prediction is made
 * @param side the side {@code variant} normalizes; null when no prediction is made
 * @param reason the evidence, or why no prediction is made, in one line
 */
public record SidePrediction(Variant variant, Side side, String reason) {

  /** Whether a side is predicted. */
  public boolean isMade() {
    return variant != null;
  }

  /** No prediction, for the given reason. */
  public static SidePrediction none(String reason) {
    return new SidePrediction(null, null, reason);
  }

  /**
   * The rule above.
   *
   * @param queryNorm the Fisher of {@code query-norm}
   * @param docNorm the Fisher of {@code doc-norm}
   */
  public static SidePrediction of(FisherInformation.Result queryNorm, FisherInformation.Result docNorm) {
    require(queryNorm, Variant.QUERY_NORM);
    require(docNorm, Variant.DOC_NORM);
    double[] q = pair(queryNorm);
    double[] d = pair(docNorm);
    String evidence = "query-norm " + describe(queryNorm) + "; doc-norm " + describe(docNorm);
    if (Double.isNaN(q[0]) || Double.isNaN(d[0])) {
      return none("a Fisher has no gradient (κ undefined): " + evidence);
    }
    int order = q[0] != d[0] ? Double.compare(q[0], d[0]) : Double.compare(q[1], d[1]);
    if (order == 0) {
      return none("both one-sided variants are conditioned alike" + (q[1] == Spectrum.MAX_CONDITION_NUMBER
          ? " (every κ at the floor: too few rows for E, or embeddings in a subspace)" : "") + ": " + evidence);
    }
    Variant winner = order < 0 ? Variant.QUERY_NORM : Variant.DOC_NORM;
    Side side = winner == Variant.QUERY_NORM ? Side.QUERY : Side.DOCUMENT;
    return new SidePrediction(winner, side, "normalize the " + side + " side (" + winner + "): its worse-conditioned Fisher "
        + (q[0] != d[0] ? "is" : "ties, its better one is") + " better conditioned; " + evidence);
  }

  private static void require(FisherInformation.Result result, Variant expected) {
    if (result.objective().variant() != expected) {
      throw new IllegalArgumentException("expected the Fisher of " + expected + ", got " + result.objective().describe());
    }
  }

  /** (worse κ, better κ); NaN when either is undefined. */
  private static double[] pair(FisherInformation.Result r) {
    double kq = r.query().conditionNumber();
    double kd = r.document().conditionNumber();
    if (Double.isNaN(kq) || Double.isNaN(kd)) {
      return new double[] {Double.NaN, Double.NaN};
    }
    return new double[] {Math.max(kq, kd), Math.min(kq, kd)};
  }

  private static String describe(FisherInformation.Result r) {
    return "κ_q" + r.query().formatKappa() + ", κ_d" + r.document().formatKappa();
  }
}
