package dev.magnitude.worker.data;

/** A graded judgement of a document for a query; relevant means {@code relevance >= 1}. */
public record Qrel(String queryId, String docId, int relevance) {
  public boolean relevant() {
    return relevance >= 1;
  }
}
