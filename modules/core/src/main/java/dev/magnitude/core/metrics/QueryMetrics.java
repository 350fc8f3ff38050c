package dev.magnitude.core.metrics;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The metrics of one query (or, with query id {@code "all"}, their means; see {@link Evaluation#mean()}),
 * as stored in the {@code query_metrics} table. Semantics of each metric: {@link RetrievalMetrics}.
 *
 * @param ndcgAt10 nDCG@10 (trec_eval ndcg_cut_10)
 * @param mrrAt10 RR@10, the per-query term of MS MARCO / BEIR MRR@10
 * @param rr reciprocal rank without cutoff (trec_eval recip_rank)
 * @param recallAt10 Recall@10
 * @param recallAt100 Recall@100
 * @param pAt10 P@10 (trec_eval P_10)
 * @param mapAt100 MAP@100 (trec_eval map_cut_100)
 */
public record QueryMetrics(
    String queryId,
    double ndcgAt10,
    double mrrAt10,
    double rr,
    double recallAt10,
    double recallAt100,
    double pAt10,
    double mapAt100) {

  public QueryMetrics {
    Objects.requireNonNull(queryId, "queryId must not be null");
  }

  /**
   * Computes every metric of one query. {@code ranking}: doc ids best first (no duplicates);
   * {@code judgements}: docId → relevance. A query with no relevant document scores 0 everywhere.
   */
  public static QueryMetrics compute(String queryId, List<String> ranking, Map<String, Integer> judgements) {
    int[] gains = RetrievalMetrics.gains(ranking, judgements);
    int relevantCount = RetrievalMetrics.relevantCount(judgements);
    return new QueryMetrics(
        queryId,
        RetrievalMetrics.ndcgAt(gains, RetrievalMetrics.idealGains(judgements), 10),
        RetrievalMetrics.rrAt(gains, 10),
        RetrievalMetrics.rrAt(gains, Integer.MAX_VALUE),
        RetrievalMetrics.recallAt(gains, relevantCount, 10),
        RetrievalMetrics.recallAt(gains, relevantCount, 100),
        RetrievalMetrics.precisionAt(gains, 10),
        RetrievalMetrics.mapAt(gains, relevantCount, 100));
  }
}
