package dev.magnitude.core.fewshot;

import dev.magnitude.core.run.Variant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How a query embedding q is scored against a class prototype c (the mean of the class's raw support
 * embeddings; the prototype plays the document side). Higher is better.
 *
 * <ul>
 *   <li>{@code cosine}: q̂ · ĉ; {@code query-norm}: q̂ · c; {@code doc-norm}: q · ĉ (the prototype normalized);
 *       {@code dot}: q · c. x̂ = x / max(‖x‖, 1e−12), so a zero vector scores 0.
 *   <li>{@code euclidean}: −‖q − c‖², the prototypical-network baseline (Snell et al., 2017).
 * </ul>
 *
 * <p>A query is compared with every prototype of its episode and goes to the best one, so dividing the score by
 * the query's own norm changes no decision: {@code query-norm} decides as {@code dot} does and {@code cosine} as
 * {@code doc-norm} (equal accuracy and macro-F1, ties included). Both are still reported, under the names every
 * other task uses.
 */
public enum PrototypeScoring {
  COSINE("cosine"),
  QUERY_NORM("query-norm"),
  DOC_NORM("doc-norm"),
  DOT("dot"),
  EUCLIDEAN("euclidean");

  /** Lower bound of a norm before dividing by it, as the trainer's loss floors it. */
  public static final double NORM_FLOOR = 1e-12;

  private final String id;

  PrototypeScoring(String id) {
    this.id = id;
  }

  /** All five, in table order. */
  public static List<PrototypeScoring> all() {
    return List.of(values());
  }

  /** The scoring of a fixed variant. */
  public static PrototypeScoring of(Variant variant) {
    return switch (variant) {
      case COSINE -> COSINE;
      case QUERY_NORM -> QUERY_NORM;
      case DOC_NORM -> DOC_NORM;
      case DOT -> DOT;
      case LEARNED -> throw new IllegalArgumentException(
          "variant learned has no fixed prototype scoring; score a learned run under " + Arrays.toString(values()));
    };
  }

  /** Parses a configuration name such as {@code doc-norm}; the error lists the allowed names. */
  public static PrototypeScoring of(String id) {
    for (PrototypeScoring s : values()) {
      if (s.id.equals(id == null ? null : id.trim().toLowerCase(Locale.ROOT))) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown prototype scoring '" + id + "'; allowed: "
        + Arrays.stream(values()).map(PrototypeScoring::id).collect(Collectors.joining(", ")));
  }

  public String id() {
    return id;
  }

  /**
   * The score of a query against a prototype.
   *
   * @param query (E)
   * @param queryNorm ‖query‖
   * @param prototype (E)
   * @param prototypeNorm ‖prototype‖
   */
  public double score(double[] query, double queryNorm, double[] prototype, double prototypeNorm) {
    if (this == EUCLIDEAN) {
      double s = 0;
      for (int k = 0; k < query.length; k++) {
        double diff = query[k] - prototype[k];
        s += diff * diff;
      }
      return -s;
    }
    double dot = 0;
    for (int k = 0; k < query.length; k++) {
      dot += query[k] * prototype[k];
    }
    boolean normalizeQuery = this == COSINE || this == QUERY_NORM;
    boolean normalizePrototype = this == COSINE || this == DOC_NORM;
    return dot / (normalizeQuery ? Math.max(queryNorm, NORM_FLOOR) : 1)
        / (normalizePrototype ? Math.max(prototypeNorm, NORM_FLOOR) : 1);
  }

  @Override
  public String toString() {
    return id;
  }
}
