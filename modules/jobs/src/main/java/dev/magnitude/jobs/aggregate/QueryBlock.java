package dev.magnitude.jobs.aggregate;

import java.io.Serializable;
import java.util.List;

/**
 * The queries of one evaluation set, broadcast to every document shard: ids and vectors (Q, E), the
 * vectors already normalized when the scoring normalizes the query side.
 */
public record QueryBlock(String[] ids, double[][] vectors) implements Serializable {
  public static QueryBlock of(List<String> ids, List<float[]> vectors, boolean normalize) {
    double[][] v = new double[vectors.size()][];
    for (int i = 0; i < v.length; i++) {
      v[i] = Vectors.toDouble(vectors.get(i), normalize);
    }
    return new QueryBlock(ids.toArray(String[]::new), v);
  }

  public int size() {
    return ids.length;
  }
}
