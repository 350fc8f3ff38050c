package dev.magnitude.trainer.train;

import dev.magnitude.trainer.data.TrainingPairs;
import dev.magnitude.trainer.data.TrainingPairs.Pair;
import java.util.ArrayList;
import java.util.List;

/**
 * One training batch of B (query, positive document) pairs and which in-batch documents are not
 * negatives of which query.
 *
 * @param queries B token-id lists
 * @param documents B token-id lists; document i is the positive of query i
 * @param excluded B × B; excluded[i][j] is true when column j must not act as a negative of query i:
 *     j ≠ i and document j is the same document as i's positive, or is judged relevant to query i
 *     (popular documents are relevant to many queries, so both cases are common). Never true on the
 *     diagonal.
 */
public record Batch(List<int[]> queries, List<int[]> documents, boolean[][] excluded) {

  public int size() {
    return queries.size();
  }

  /** Number of excluded (i, j) cells: a diagnostic of how much duplication a batch had. */
  public int excludedCount() {
    int n = 0;
    for (boolean[] row : excluded) {
      for (boolean cell : row) {
        n += cell ? 1 : 0;
      }
    }
    return n;
  }

  static Batch of(TrainingPairs pairs, List<Pair> chosen) {
    int b = chosen.size();
    List<int[]> queries = new ArrayList<>(b);
    List<int[]> documents = new ArrayList<>(b);
    boolean[][] excluded = new boolean[b][b];
    for (int i = 0; i < b; i++) {
      Pair pi = chosen.get(i);
      queries.add(pairs.queryTokens(pi.query()));
      documents.add(pairs.documentTokens(pi.document()));
      for (int j = 0; j < b; j++) {
        int dj = chosen.get(j).document();
        excluded[i][j] = j != i && (dj == pi.document() || pairs.isRelevant(pi.query(), dj));
      }
    }
    return new Batch(queries, documents, excluded);
  }
}
