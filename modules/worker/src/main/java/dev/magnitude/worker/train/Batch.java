package dev.magnitude.worker.train;

import dev.magnitude.worker.data.TrainingPairs.Pair;
import dev.magnitude.worker.data.TrainingPairs;
import java.util.ArrayList;
import java.util.List;

/**
 * One training batch of B (query, positive document) pairs, X extra documents (hard negatives, X ≥ 0),
 * and which documents are not negatives of which query.
 *
 * @param queries B token-id lists
 * @param documents B + X token-id lists; document i &lt; B is the positive of query i, documents B.. are
 *     the hard negatives drawn for the batch's queries, columns like the others
 * @param excluded B × (B + X); excluded[i][j] is true when column j must not act as a negative of query
 *     i: j ≠ i and document j is the same document as i's positive, or is judged relevant to query i
 *     (popular documents are relevant to many queries, so both cases are common; a hard negative of one
 *     query may be relevant to another). Never true on the diagonal.
 */
public record Batch(List<int[]> queries, List<int[]> documents, boolean[][] excluded) {

  public int size() {
    return queries.size();
  }

  /** Number of extra document columns (hard negatives) after the B positives. */
  public int extraDocuments() {
    return documents.size() - queries.size();
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
    return of(pairs, chosen, List.of());
  }

  /**
   * @param chosen the B pairs
   * @param extra document indexes of the extra columns, in column order
   */
  static Batch of(TrainingPairs pairs, List<Pair> chosen, List<Integer> extra) {
    int b = chosen.size();
    int columns = b + extra.size();
    List<int[]> queries = new ArrayList<>(b);
    List<int[]> documents = new ArrayList<>(columns);
    boolean[][] excluded = new boolean[b][columns];
    for (int i = 0; i < b; i++) {
      Pair pi = chosen.get(i);
      queries.add(pairs.queryTokens(pi.query()));
      documents.add(pairs.documentTokens(pi.document()));
      for (int j = 0; j < columns; j++) {
        int dj = j < b ? chosen.get(j).document() : extra.get(j - b);
        excluded[i][j] = j != i && (dj == pi.document() || pairs.isRelevant(pi.query(), dj));
      }
    }
    extra.forEach(d -> documents.add(pairs.documentTokens(d)));
    return new Batch(queries, documents, excluded);
  }
}
