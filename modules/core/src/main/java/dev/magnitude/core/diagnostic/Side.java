package dev.magnitude.core.diagnostic;

import java.util.Locale;

/** The two sides of a contrastive pair: query (input: queries, first sentences, captions) and document (output). */
public enum Side {
  QUERY,
  DOCUMENT;

  /** The name used in reports: {@code query} or {@code document}. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  @Override
  public String toString() {
    return id();
  }
}
