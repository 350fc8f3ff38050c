package dev.magnitude.core.metrics;

import java.io.Serializable;
import java.util.Comparator;
import java.util.Objects;

/**
 * One document and its score for one query.
 *
 * <p>{@link #RANKING_ORDER} is the order of every ranking in Magnitude, the one trec_eval applies to a
 * run file: score descending, ties broken by document id descending ({@link String#compareTo}; for
 * ASCII ids this is trec_eval's {@code strcmp}). Scores compare as numbers, so {@code -0.0} and
 * {@code 0.0} tie. A NaN score ranks after every number, including {@code -Infinity}; NaN scores tie
 * with each other and are ordered by document id descending like any other tie.
 */
public record ScoredDoc(String docId, double score) implements Serializable {

  private static final long serialVersionUID = 1L;

  /** Best first: score descending, then docId descending, NaN scores last. Serializable. */
  public static final Comparator<ScoredDoc> RANKING_ORDER = new RankingOrder();

  public ScoredDoc {
    Objects.requireNonNull(docId, "docId must not be null; every scored document needs an id");
  }

  /**
   * Compares two (score, id) pairs under {@link #RANKING_ORDER} without building records: negative when
   * the first ranks before (is better than) the second.
   */
  static int compareRanking(double scoreA, String idA, double scoreB, String idB) {
    if (scoreA > scoreB) {
      return -1;
    }
    if (scoreA < scoreB) {
      return 1;
    }
    boolean nanA = Double.isNaN(scoreA);
    boolean nanB = Double.isNaN(scoreB);
    if (nanA != nanB) {
      return nanA ? 1 : -1;
    }
    return idB.compareTo(idA);
  }

  private static final class RankingOrder implements Comparator<ScoredDoc>, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public int compare(ScoredDoc a, ScoredDoc b) {
      return compareRanking(a.score, a.docId, b.score, b.docId);
    }

    private Object readResolve() {
      return RANKING_ORDER;
    }
  }
}
