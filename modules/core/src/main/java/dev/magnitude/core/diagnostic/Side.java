package dev.magnitude.core.diagnostic;

/** The two sides of a contrastive pair: query (input: queries, first sentences, captions) and document (output). */
public enum Side {
  QUERY("query"),
  DOCUMENT("document");

  private final String id;

  Side(String id) {
    this.id = id;
  }

  /** The name used in reports: {@code query} or {@code document}. */
  public String id() {
    return id;
  }

  @Override
  public String toString() {
    return id;
  }
}
