package dev.magnitude.core.run;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A normalization variant of the 2×2 ablation: which sides of the similarity are L2-normalized.
 *
 * <p>The query side is the input side (queries, first sentence, captions); the document side is the
 * output side (documents, second sentence, images). {@code cosine} normalizes both, {@code dot} neither.
 * The same four serve as the scoring at inference.
 */
public enum Variant {
  COSINE("cosine", true, true),
  QUERY_NORM("query-norm", true, false),
  DOC_NORM("doc-norm", false, true),
  DOT("dot", false, false);

  private final String id;
  private final boolean normalizeQuery;
  private final boolean normalizeDocument;

  Variant(String id, boolean normalizeQuery, boolean normalizeDocument) {
    this.id = id;
    this.normalizeQuery = normalizeQuery;
    this.normalizeDocument = normalizeDocument;
  }

  /** The name used in configuration, run ids and tables, e.g. {@code query-norm}. */
  @JsonValue
  public String id() {
    return id;
  }

  public boolean normalizesQuery() {
    return normalizeQuery;
  }

  public boolean normalizesDocument() {
    return normalizeDocument;
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
