package dev.magnitude.core.stats;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The task-symmetry verdict of one task: which normalization variant wins, whether its lead is
 * significant, and whether the result agrees with the paper's principle "magnitude helps asymmetric
 * tasks and hurts symmetric ones".
 *
 * <p>Definitions (variants are id strings, so this works for variants {@code Variant} may not know):
 *
 * <ul>
 *   <li>Task kind: {@code retrieval} and {@code qa} are asymmetric (distinct roles); {@code sts} and
 *       {@code image-text} are symmetric (interchangeable inputs).
 *   <li>Winner and runner-up: the two variants with the highest headline metric (larger is better; pass
 *       e.g. nDCG@10, answer recall@k, Spearman or R@1, never a mean rank). Equal headlines are
 *       ordered cosine, query-norm, doc-norm, dot, learned.
 *   <li>C is {@code cosine}; M is the variant with the highest headline among those that keep some
 *       magnitude ({@code query-norm}, {@code doc-norm}, {@code dot}, {@code learned}), same tie order.
 *   <li>X beats Y significantly when headline(X) &gt; headline(Y), the mean of the per-query
 *       differences X − Y is &gt; 0, and the two-sided {@link PairedRandomizationTest} of the
 *       per-query values gives p &lt; α. Raw p-values: the verdict makes one pre-registered comparison
 *       (M vs C), so no multiplicity correction; the winner's lead is reported beside it.
 *   <li>Outcome, asymmetric task: AGREES if M beats C significantly, CONTRADICTS if C beats M
 *       significantly, else INCONCLUSIVE. Symmetric task: AGREES if C beats M significantly,
 *       CONTRADICTS if M beats C significantly, else INCONCLUSIVE. Without cosine or without a
 *       magnitude variant among the inputs the outcome is INCONCLUSIVE and the explanation says why.
 * </ul>
 */
public final class TaskSymmetry {

  /** The variant ids in tie order; the first is C, the others keep magnitude. */
  public static final List<String> VARIANT_ORDER = List.of("cosine", "query-norm", "doc-norm", "dot", "learned");

  /** Default significance level. */
  public static final double DEFAULT_ALPHA = 0.05;

  private static final String COSINE = "cosine";

  /** Whether the task's two inputs play distinct roles. */
  public enum Kind {
    ASYMMETRIC,
    SYMMETRIC;

    /**
     * The kind of a task id.
     *
     * @throws IllegalArgumentException for an id other than retrieval, qa, sts, image-text
     */
    public static Kind ofTask(String task) {
      String t = task == null ? "" : task.trim().toLowerCase(Locale.ROOT);
      switch (t) {
        case "retrieval":
        case "qa":
          return ASYMMETRIC;
        case "sts":
        case "image-text":
          return SYMMETRIC;
        default:
          throw new IllegalArgumentException(
              "unknown task '" + task + "'; allowed: retrieval, qa (asymmetric), sts, image-text (symmetric)");
      }
    }
  }

  /** Agreement of a task's result with the principle. */
  public enum Outcome {
    AGREES("agrees"),
    CONTRADICTS("contradicts"),
    INCONCLUSIVE("inconclusive");

    private final String id;

    Outcome(String id) {
      this.id = id;
    }

    /** The lower-case word used in tables and the report. */
    public String id() {
      return id;
    }

    @Override
    public String toString() {
      return id;
    }
  }

  /**
   * The verdict of one task.
   *
   * @param task the task id as given
   * @param winner the variant with the highest headline
   * @param runnerUp the variant with the second highest headline
   * @param winnerLead headline(winner) − headline(runnerUp), ≥ 0
   * @param winnerLeadP p of the paired test winner vs runner-up
   * @param winnerLeadSignificant whether the winner beats the runner-up significantly
   * @param magnitude M, the best magnitude-keeping variant; null when none was given
   * @param magnitudeMinusCosine headline(M) − headline(C); NaN when M or C is missing
   * @param magnitudeVsCosineP p of the paired test M vs C; NaN when M or C is missing
   * @param outcome agreement with the principle
   * @param explanation one sentence with the numbers
   */
  public record Verdict(
      String task,
      Kind kind,
      String winner,
      String runnerUp,
      double winnerLead,
      double winnerLeadP,
      boolean winnerLeadSignificant,
      String magnitude,
      double magnitudeMinusCosine,
      double magnitudeVsCosineP,
      Outcome outcome,
      double alpha,
      String explanation) {}

  private TaskSymmetry() {}

  /**
   * Judges one task.
   *
   * @param task retrieval, qa, sts or image-text
   * @param headline variant id → headline metric (larger is better), at least two variants
   * @param perQuery variant id → per-query values (or per-query means over seeds), the same queries in
   *     the same order for every variant; must cover every variant of {@code headline}
   * @param alpha significance level in (0, 1), e.g. {@link #DEFAULT_ALPHA}
   * @param test how to run the paired tests
   * @throws IllegalArgumentException naming the bad variant, task, value or length
   */
  public static Verdict judge(
      String task,
      Map<String, Double> headline,
      Map<String, double[]> perQuery,
      double alpha,
      PairedRandomizationTest.Settings test) {
    Kind kind = Kind.ofTask(task);
    Objects.requireNonNull(headline, "headline must not be null");
    Objects.requireNonNull(perQuery, "perQuery must not be null");
    Objects.requireNonNull(test, "test settings must not be null");
    if (!(alpha > 0 && alpha < 1)) {
      throw new IllegalArgumentException("alpha must be in (0, 1), got " + alpha + "; 0.05 is usual");
    }
    if (headline.size() < 2) {
      throw new IllegalArgumentException(
          "task " + task + " has " + headline.size() + " variant(s) " + headline.keySet()
              + "; a verdict compares at least two");
    }
    int queries = -1;
    for (Map.Entry<String, Double> entry : headline.entrySet()) {
      String variant = entry.getKey();
      if (!VARIANT_ORDER.contains(variant)) {
        throw new IllegalArgumentException("unknown variant '" + variant + "'; allowed: " + String.join(", ", VARIANT_ORDER));
      }
      if (entry.getValue() == null || !Double.isFinite(entry.getValue())) {
        throw new IllegalArgumentException(
            "headline of variant " + variant + " on task " + task + " is " + entry.getValue() + "; it must be finite");
      }
      double[] values = perQuery.get(variant);
      if (values == null) {
        throw new IllegalArgumentException(
            "variant " + variant + " has a headline but no per-query values on task " + task);
      }
      if (queries >= 0 && values.length != queries) {
        throw new IllegalArgumentException(
            "variant " + variant + " has " + values.length + " per-query values, another variant " + queries
                + "; every variant must be scored on the same queries");
      }
      queries = values.length;
    }
    List<String> ranked = new ArrayList<>(headline.keySet());
    ranked.sort(Comparator.<String>comparingDouble(v -> -headline.get(v)).thenComparingInt(VARIANT_ORDER::indexOf));
    String winner = ranked.get(0);
    String runnerUp = ranked.get(1);
    Comparison lead = compare(winner, runnerUp, headline, perQuery, alpha, test);
    String magnitude = ranked.stream().filter(v -> !v.equals(COSINE)).findFirst().orElse(null);
    boolean hasCosine = headline.containsKey(COSINE);

    Outcome outcome = Outcome.INCONCLUSIVE;
    double diff = Double.NaN;
    double p = Double.NaN;
    String principle;
    if (!hasCosine || magnitude == null) {
      principle = "no " + (hasCosine ? "magnitude-keeping variant" : "cosine run")
          + " to compare, so the principle is not tested (inconclusive)";
    } else {
      // one test: the two-sided p of M vs C is the p of C vs M; only the direction differs
      PairedRandomizationTest.Result mc = PairedRandomizationTest.run(perQuery.get(magnitude), perQuery.get(COSINE), test);
      diff = headline.get(magnitude) - headline.get(COSINE);
      p = mc.pValue();
      boolean magnitudeWins = diff > 0 && mc.meanDifference() > 0 && p < alpha;
      boolean cosineWins = diff < 0 && mc.meanDifference() < 0 && p < alpha;
      if (kind == Kind.ASYMMETRIC) {
        outcome = magnitudeWins ? Outcome.AGREES : cosineWins ? Outcome.CONTRADICTS : Outcome.INCONCLUSIVE;
      } else {
        outcome = cosineWins ? Outcome.AGREES : magnitudeWins ? Outcome.CONTRADICTS : Outcome.INCONCLUSIVE;
      }
      principle = String.format(Locale.ROOT,
          "best magnitude variant %s minus cosine = %+.4f (p = %.4g, %s), so the result %s the principle "
              + "that magnitude %s %s tasks",
          magnitude, diff, p,
          magnitudeWins || cosineWins ? "significant" : "not significant",
          outcome == Outcome.AGREES ? "agrees with" : outcome == Outcome.CONTRADICTS ? "contradicts" : "is inconclusive on",
          kind == Kind.ASYMMETRIC ? "helps" : "hurts",
          kind == Kind.ASYMMETRIC ? "asymmetric" : "symmetric");
    }
    String explanation = String.format(Locale.ROOT,
        "On %s (%s) %s wins with %.4f ahead of %s at %.4f (lead %+.4f, p = %.4g, %s at alpha = %s); %s.",
        task, kind == Kind.ASYMMETRIC ? "asymmetric" : "symmetric",
        winner, headline.get(winner), runnerUp, headline.get(runnerUp),
        headline.get(winner) - headline.get(runnerUp), lead.p,
        lead.significant ? "significant" : "not significant", alpha, principle);
    return new Verdict(
        task, kind, winner, runnerUp, headline.get(winner) - headline.get(runnerUp), lead.p, lead.significant,
        magnitude, diff, p, outcome, alpha, explanation);
  }

  /** {@link #judge} with α = {@link #DEFAULT_ALPHA}. */
  public static Verdict judge(
      String task, Map<String, Double> headline, Map<String, double[]> perQuery, PairedRandomizationTest.Settings test) {
    return judge(task, headline, perQuery, DEFAULT_ALPHA, test);
  }

  private record Comparison(double p, boolean significant) {}

  /** Whether x beats y significantly (see the class javadoc), with the test's p. */
  private static Comparison compare(
      String x, String y, Map<String, Double> headline, Map<String, double[]> perQuery, double alpha,
      PairedRandomizationTest.Settings test) {
    PairedRandomizationTest.Result r = PairedRandomizationTest.run(perQuery.get(x), perQuery.get(y), test);
    boolean significant = headline.get(x) > headline.get(y) && r.meanDifference() > 0 && r.pValue() < alpha;
    return new Comparison(r.pValue(), significant);
  }
}
