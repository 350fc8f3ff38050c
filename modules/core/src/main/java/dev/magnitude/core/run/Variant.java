package dev.magnitude.core.run;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A normalization variant: which sides of the similarity are L2-normalized when a run trains.
 *
 * <p>The query side is the input side (queries, first sentence, captions); the document side is the
 * output side (documents, second sentence, images). The four fixed variants are the 2×2 ablation:
 * {@code cosine} normalizes both, {@code dot} neither. The same four, {@link #scorings()}, serve as the
 * scorings at inference.
 *
 * <p>{@code learned} is the continuous generalization: each side is divided by ‖x‖^α with α ∈ [0, 1]
 * learned per side during training (α = 1 is L2 normalization, α = 0 the raw vector), so cosine is
 * α = (1, 1) and dot α = (0, 0). It has no fixed normalization: {@link #normalizesQuery()} and
 * {@link #normalizesDocument()} refuse it, and a learned run is scored with the fixed scorings or with its
 * own trained α (see {@link TrainedNormalization}).
 */
public enum Variant {
  COSINE("cosine", true, true),
  QUERY_NORM("query-norm", true, false),
  DOC_NORM("doc-norm", false, true),
  DOT("dot", false, false),
  LEARNED("learned", false, false);

  private static final List<Variant> SCORINGS = List.of(COSINE, QUERY_NORM, DOC_NORM, DOT);

  private final String id;
  private final boolean normalizeQuery;
  private final boolean normalizeDocument;

  Variant(String id, boolean normalizeQuery, boolean normalizeDocument) {
    this.id = id;
    this.normalizeQuery = normalizeQuery;
    this.normalizeDocument = normalizeDocument;
  }

  /** The four fixed variants, in table order: the scorings every trained model can be scored under. */
  public static List<Variant> scorings() {
    return SCORINGS;
  }

  /** Whether this is {@code learned}: its normalization exponents are trained, not fixed. */
  public boolean isLearned() {
    return this == LEARNED;
  }

  /** The name used in configuration, run ids and tables, e.g. {@code query-norm}. */
  @JsonValue
  public String id() {
    return id;
  }

  /**
   * Whether the query side is L2-normalized.
   *
   * @throws IllegalStateException for {@code learned}, which has no fixed normalization: scoring a learned run
   *     as if it were one of the fixed variants would silently report the wrong similarity
   */
  public boolean normalizesQuery() {
    requireFixed();
    return normalizeQuery;
  }

  /** Whether the document side is L2-normalized; refuses {@code learned} as {@link #normalizesQuery()} does. */
  public boolean normalizesDocument() {
    requireFixed();
    return normalizeDocument;
  }

  private void requireFixed() {
    if (isLearned()) {
      throw new IllegalStateException(
          "variant learned has no fixed normalization (each side is divided by ‖x‖^α with α learned); score it "
              + "under one of " + SCORINGS + " or with the run's trained α");
    }
  }

  /**
   * Parses a configuration name.
   *
   * @throws IllegalArgumentException naming the bad value and the allowed ones
   */
  @JsonCreator
  public static Variant of(String id) {
    for (Variant v : values()) {
      if (v.id.equals(id == null ? null : id.trim().toLowerCase(Locale.ROOT))) {
        return v;
      }
    }
    throw new IllegalArgumentException(
        "unknown variant '" + id + "'; allowed: " + allowed());
  }

  public static String allowed() {
    return Arrays.stream(values()).map(Variant::id).collect(Collectors.joining(", "));
  }

  @Override
  public String toString() {
    return id;
  }
}
