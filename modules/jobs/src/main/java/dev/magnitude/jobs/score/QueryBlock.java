package dev.magnitude.jobs.score;

import java.io.Serializable;
import java.util.List;

/**
 * The queries of one evaluation set under one scoring, broadcast to every document shard: ids and
 * vectors (Q, E), the vectors already divided by ‖q‖^a, a the scoring's query exponent.
 */
public record QueryBlock(String[] ids, double[][] vectors, Scoring scoring) implements Serializable {
  /** @param vectors the raw query embeddings, in the order of {@code ids} */
  public static QueryBlock of(List<String> ids, List<float[]> vectors, Scoring scoring) {
    double[][] v = new double[vectors.size()][];
    for (int i = 0; i < v.length; i++) {
      v[i] = Vectors.toDouble(vectors.get(i), scoring.queryExponent());
    }
    return new QueryBlock(ids.toArray(String[]::new), v, scoring);
  }

  /** Embedding size E; 0 without queries. */
  public int dimension() {
    return vectors.length == 0 ? 0 : vectors[0].length;
  }

  public int size() {
    return ids.length;
  }
}
