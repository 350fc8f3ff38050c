package dev.magnitude.core.metrics;

import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The result of {@link RetrievalMetrics#evaluate}: metrics of every query with at least one relevant
 * document, sorted by query id, and how many judged queries were excluded for having none.
 */
public record Evaluation(List<QueryMetrics> perQuery, int queriesWithoutRelevant) {

  /** The query id of {@link #mean()}. */
  public static final String ALL = "all";

  public Evaluation {
    perQuery = List.copyOf(perQuery);
    if (queriesWithoutRelevant < 0) {
      throw new IllegalArgumentException(
          "queriesWithoutRelevant must be >= 0, got " + queriesWithoutRelevant);
    }
  }

  /** Number of queries evaluated (those with at least one relevant document). */
  public int queries() {
    return perQuery.size();
  }

  /**
   * The arithmetic mean of each metric over {@link #perQuery()}, with query id {@value #ALL}; the mean
   * {@code mrrAt10} is MRR@10. Every mean is NaN when no query was evaluated.
   */
  public QueryMetrics mean() {
    return new QueryMetrics(
        ALL,
        mean(QueryMetrics::ndcgAt10),
        mean(QueryMetrics::mrrAt10),
        mean(QueryMetrics::rr),
        mean(QueryMetrics::recallAt10),
        mean(QueryMetrics::recallAt100),
        mean(QueryMetrics::pAt10),
        mean(QueryMetrics::mapAt100));
  }

  private double mean(ToDoubleFunction<QueryMetrics> metric) {
    if (perQuery.isEmpty()) {
      return Double.NaN;
    }
    double sum = 0;
    for (QueryMetrics query : perQuery) {
      sum += metric.applyAsDouble(query);
    }
    return sum / perQuery.size();
  }
}
