package dev.magnitude.core.metrics;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Per-query retrieval metrics with trec_eval semantics, and their evaluation over a query set.
 *
 * <p>Inputs of every metric: {@code ranking}, the document ids of one query best first (already ordered
 * by {@link ScoredDoc#RANKING_ORDER}; duplicate ids are rejected, as trec_eval does), and
 * {@code judgements}, docId → graded relevance. A document is <em>relevant</em> when its relevance is
 * ≥ 1; unjudged documents have relevance 0; negative relevance counts as 0 gain. R is the number of
 * judged documents with relevance ≥ 1. Cutoffs k must be > 0 and may exceed the ranking's length. A
 * query with R = 0 scores 0 on every metric here; {@link #evaluate} excludes such queries and counts
 * them instead.
 */
public final class RetrievalMetrics {

  /** The smallest relevance that counts as relevant (trec_eval's default relevance level). */
  public static final int RELEVANT_LEVEL = 1;

  private static final double LN_2 = Math.log(2);

  private RetrievalMetrics() {}

  /**
   * nDCG@k (trec_eval {@code ndcg_cut}): DCG = Σ_{i=1..k} gain_i / log2(i+1) with gain = max(0,
   * relevance); the ideal DCG ranks ALL judged documents with relevance > 0 by relevance descending
   * and is cut at k. 0 when the ideal DCG is 0.
   */
  public static double ndcgAt(List<String> ranking, Map<String, Integer> judgements, int k) {
    checkCutoff(k);
    return ndcgAt(gains(ranking, judgements), idealGains(judgements), k);
  }

  /** RR (trec_eval {@code recip_rank}): 1/rank of the first relevant document anywhere; 0 if none. */
  public static double rr(List<String> ranking, Map<String, Integer> judgements) {
    return rrAt(gains(ranking, judgements), Integer.MAX_VALUE);
  }

  /** RR@k (the per-query term of MS MARCO / BEIR MRR@10): 1/rank if the first relevant is at rank ≤ k, else 0. */
  public static double rrAt(List<String> ranking, Map<String, Integer> judgements, int k) {
    checkCutoff(k);
    return rrAt(gains(ranking, judgements), k);
  }

  /** Recall@k: relevant documents in the top k / R; 0 when R = 0. */
  public static double recallAt(List<String> ranking, Map<String, Integer> judgements, int k) {
    checkCutoff(k);
    return recallAt(gains(ranking, judgements), relevantCount(judgements), k);
  }

  /** P@k (trec_eval {@code P_k}): relevant documents in the top k / k, also when the ranking is shorter than k. */
  public static double precisionAt(List<String> ranking, Map<String, Integer> judgements, int k) {
    checkCutoff(k);
    return precisionAt(gains(ranking, judgements), k);
  }

  /**
   * MAP@k (trec_eval {@code map_cut_k}): Σ over relevant documents at rank i ≤ k of (relevant in the top
   * i) / i, divided by R (not by min(R, k)); 0 when R = 0.
   */
  public static double mapAt(List<String> ranking, Map<String, Integer> judgements, int k) {
    checkCutoff(k);
    return mapAt(gains(ranking, judgements), relevantCount(judgements), k);
  }

  /** R: the number of judged documents with relevance ≥ {@link #RELEVANT_LEVEL}. */
  public static int relevantCount(Map<String, Integer> judgements) {
    int count = 0;
    for (Map.Entry<String, Integer> judgement : judgements.entrySet()) {
      if (relevance(judgement) >= RELEVANT_LEVEL) {
        count++;
      }
    }
    return count;
  }

  /**
   * Metrics of every query in {@code qrels} with at least one relevant document, sorted by query id. A
   * query missing from {@code rankings} is scored on an empty ranking (all zeros); queries of
   * {@code rankings} absent from {@code qrels} are ignored, as trec_eval ignores them; queries whose
   * judgements hold no relevant document are excluded and counted in
   * {@link Evaluation#queriesWithoutRelevant()}.
   */
  public static Evaluation evaluate(
      Map<String, List<String>> rankings, Map<String, Map<String, Integer>> qrels) {
    Objects.requireNonNull(rankings, "rankings must not be null; pass an empty map when no query was run");
    Objects.requireNonNull(qrels, "qrels must not be null");
    List<QueryMetrics> perQuery = new ArrayList<>();
    int withoutRelevant = 0;
    for (Map.Entry<String, Map<String, Integer>> query : qrels.entrySet()) {
      if (relevantCount(query.getValue()) == 0) {
        withoutRelevant++;
        continue;
      }
      List<String> ranking = rankings.getOrDefault(query.getKey(), List.of());
      perQuery.add(QueryMetrics.compute(query.getKey(), ranking, query.getValue()));
    }
    perQuery.sort(Comparator.comparing(QueryMetrics::queryId));
    return new Evaluation(perQuery, withoutRelevant);
  }

  // ---- array versions: gains[i] is max(0, relevance) of the document at rank i + 1 ----

  /**
   * The gain of each rank: max(0, judged relevance), 0 when unjudged. Rejects null and duplicate ids,
   * naming the id.
   */
  static int[] gains(List<String> ranking, Map<String, Integer> judgements) {
    Objects.requireNonNull(ranking, "ranking must not be null; pass an empty list for a query with no results");
    Objects.requireNonNull(judgements, "judgements must not be null; pass an empty map for an unjudged query");
    int[] gains = new int[ranking.size()];
    Set<String> seen = new HashSet<>(ranking.size() * 2);
    for (int i = 0; i < gains.length; i++) {
      String docId = ranking.get(i);
      if (docId == null) {
        throw new IllegalArgumentException("ranking has a null doc id at rank " + (i + 1));
      }
      if (!seen.add(docId)) {
        throw new IllegalArgumentException(
            "ranking lists doc id '" + docId + "' twice (again at rank " + (i + 1)
                + "); trec_eval rejects duplicates too: keep each document once, at its best rank");
      }
      Integer relevance = judgements.get(docId);
      gains[i] = relevance == null ? 0 : Math.max(0, relevance);
    }
    return gains;
  }

  /** The gains of all judged documents with relevance > 0, descending: the ideal ranking. */
  static int[] idealGains(Map<String, Integer> judgements) {
    return judgements.entrySet().stream()
        .mapToInt(RetrievalMetrics::relevance)
        .filter(relevance -> relevance > 0)
        .map(relevance -> -relevance)
        .sorted()
        .map(relevance -> -relevance)
        .toArray();
  }

  static double ndcgAt(int[] gains, int[] idealGains, int k) {
    double ideal = dcgAt(idealGains, k);
    return ideal == 0 ? 0 : dcgAt(gains, k) / ideal;
  }

  static double rrAt(int[] gains, int k) {
    int depth = Math.min(k, gains.length);
    for (int i = 0; i < depth; i++) {
      if (gains[i] >= RELEVANT_LEVEL) {
        return 1.0 / (i + 1);
      }
    }
    return 0;
  }

  static double recallAt(int[] gains, int relevantCount, int k) {
    return relevantCount == 0 ? 0 : (double) hitsAt(gains, k) / relevantCount;
  }

  static double precisionAt(int[] gains, int k) {
    return (double) hitsAt(gains, k) / k;
  }

  static double mapAt(int[] gains, int relevantCount, int k) {
    if (relevantCount == 0) {
      return 0;
    }
    int depth = Math.min(k, gains.length);
    int hits = 0;
    double sum = 0;
    for (int i = 0; i < depth; i++) {
      if (gains[i] >= RELEVANT_LEVEL) {
        hits++;
        sum += (double) hits / (i + 1);
      }
    }
    return sum / relevantCount;
  }

  static void checkCutoff(int k) {
    if (k <= 0) {
      throw new IllegalArgumentException(
          "cutoff k must be > 0, got " + k + "; use e.g. 10 for @10 (k may exceed the ranking's length)");
    }
  }

  private static double dcgAt(int[] gains, int k) {
    int depth = Math.min(k, gains.length);
    double dcg = 0;
    for (int i = 0; i < depth; i++) {
      if (gains[i] > 0) {
        dcg += gains[i] * LN_2 / Math.log(i + 2);
      }
    }
    return dcg;
  }

  private static int hitsAt(int[] gains, int k) {
    int depth = Math.min(k, gains.length);
    int hits = 0;
    for (int i = 0; i < depth; i++) {
      if (gains[i] >= RELEVANT_LEVEL) {
        hits++;
      }
    }
    return hits;
  }

  private static int relevance(Map.Entry<String, Integer> judgement) {
    if (judgement.getValue() == null) {
      throw new IllegalArgumentException(
          "judgement of doc id '" + judgement.getKey() + "' is null; give it a relevance (0 = judged not relevant)");
    }
    return judgement.getValue();
  }
}
