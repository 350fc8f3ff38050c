package dev.magnitude.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class RetrievalMetricsTest {

  private static final Offset<Double> EPS = within(1e-9);

  @Test
  void gradedNdcgUsesLinearGainAndIdealOverAllJudgedDocuments() {
    // d1 rel 1, d2 rel 0, d3 rel 2, d4 unjudged; d5 (rel 3) is judged but not retrieved.
    List<String> ranking = List.of("d1", "d2", "d3", "d4");
    Map<String, Integer> judgements = Map.of("d1", 1, "d2", 0, "d3", 2, "d5", 3);
    // DCG@3 = 1/log2(2) + 0/log2(3) + 2/log2(4) = 1 + 0 + 1 = 2.
    // Ideal: gains 3, 2, 1 = 3/1 + 2/log2(3) + 1/2 = 3 + 1.2618595 + 0.5 = 4.7618595.
    // nDCG@3 = 2 / 4.7618595 = 0.4200040.
    assertThat(RetrievalMetrics.ndcgAt(ranking, judgements, 3)).isCloseTo(0.42000399150792816, EPS);
    // k = 10 > 4 ranked: d4 is unjudged (gain 0), so DCG stays 2; the ideal has only 3 gains.
    assertThat(RetrievalMetrics.ndcgAt(ranking, judgements, 10)).isCloseTo(0.42000399150792816, EPS);
    // k = 1: DCG = 1, ideal = 3, so 1/3.
    assertThat(RetrievalMetrics.ndcgAt(ranking, judgements, 1)).isCloseTo(1.0 / 3, EPS);
  }

  @Test
  void ndcgTreatsNegativeRelevanceAsZeroGain() {
    // d1 has rel -1 (gain 0), d2 rel 1 at rank 2: DCG = 1/log2(3) = 0.6309298; ideal = 1/log2(2) = 1.
    Map<String, Integer> judgements = Map.of("d1", -1, "d2", 1);
    assertThat(RetrievalMetrics.ndcgAt(List.of("d1", "d2"), judgements, 10))
        .isCloseTo(0.6309297535714575, EPS);
  }

  @Test
  void ndcgIsZeroWhenNoJudgedDocumentHasPositiveRelevance() {
    // Ideal DCG is 0 (only rel 0 and -1), so nDCG is 0 by contract, not NaN.
    assertThat(RetrievalMetrics.ndcgAt(List.of("a", "b"), Map.of("a", 0, "b", -1), 10)).isZero();
  }

  @Test
  void reciprocalRankWithAndWithoutCutoff() {
    // First relevant (c) at rank 3: RR = 1/3, RR@3 = 1/3, RR@2 = 0.
    List<String> ranking = List.of("a", "b", "c", "d");
    Map<String, Integer> judgements = Map.of("c", 1, "d", 2);
    assertThat(RetrievalMetrics.rr(ranking, judgements)).isCloseTo(1.0 / 3, EPS);
    assertThat(RetrievalMetrics.rrAt(ranking, judgements, 3)).isCloseTo(1.0 / 3, EPS);
    assertThat(RetrievalMetrics.rrAt(ranking, judgements, 2)).isZero();
    // Nothing relevant retrieved: 0 either way.
    assertThat(RetrievalMetrics.rr(List.of("a", "b"), judgements)).isZero();
  }

  @Test
  void mrrAt10IsZeroButRrCountsWhenFirstRelevantIsAtRank11() {
    List<String> ranking = docs(12);
    Map<String, Integer> judgements = Map.of("doc11", 1);
    // First relevant at rank 11: RR = 1/11 = 0.0909; RR@10 = 0 (beyond the cutoff).
    QueryMetrics metrics = QueryMetrics.compute("q", ranking, judgements);
    assertThat(metrics.rr()).isCloseTo(1.0 / 11, EPS);
    assertThat(metrics.mrrAt10()).isZero();
  }

  @Test
  void recallDividesByAllRelevantJudgedDocuments() {
    // R = 3 (a, c, x; b has rel 0); a and c in the top 5: recall@5 = 2/3. Top 1: 1/3.
    List<String> ranking = List.of("a", "b", "c", "d", "e");
    Map<String, Integer> judgements = Map.of("a", 1, "b", 0, "c", 2, "x", 1);
    assertThat(RetrievalMetrics.recallAt(ranking, judgements, 5)).isCloseTo(2.0 / 3, EPS);
    assertThat(RetrievalMetrics.recallAt(ranking, judgements, 1)).isCloseTo(1.0 / 3, EPS);
    assertThat(RetrievalMetrics.relevantCount(judgements)).isEqualTo(3);
  }

  @Test
  void precisionDividesByKEvenWhenTheRankingIsShorter() {
    // Both of the 2 ranked documents are relevant, but P@10 = 2/10 = 0.2 (trec_eval P_10).
    Map<String, Integer> judgements = Map.of("a", 1, "b", 1);
    assertThat(RetrievalMetrics.precisionAt(List.of("a", "b"), judgements, 10)).isCloseTo(0.2, EPS);
    assertThat(RetrievalMetrics.precisionAt(List.of("a", "b"), judgements, 2)).isCloseTo(1.0, EPS);
  }

  @Test
  void averagePrecisionDividesByRAndCutsAtK() {
    List<String> ranking = List.of("a", "b", "c", "d");
    // Relevant at ranks 1 and 3, R = 2, so AP = (1/1 + 2/3)/2 = 0.8333.
    Map<String, Integer> twoRelevant = Map.of("a", 1, "c", 1);
    assertThat(RetrievalMetrics.mapAt(ranking, twoRelevant, 100)).isCloseTo((1 + 2.0 / 3) / 2, EPS);
    // A third relevant document x is never retrieved: R = 3, AP = (1/1 + 2/3)/3 = 0.5556.
    Map<String, Integer> threeRelevant = Map.of("a", 1, "c", 1, "x", 1);
    assertThat(RetrievalMetrics.mapAt(ranking, threeRelevant, 100)).isCloseTo((1 + 2.0 / 3) / 3, EPS);
    // Cut at 2: only rank 1 counts, still divided by R = 3: (1/1)/3.
    assertThat(RetrievalMetrics.mapAt(ranking, threeRelevant, 2)).isCloseTo(1.0 / 3, EPS);
  }

  @Test
  void unjudgedDocumentsAreNotRelevantAndDoNotEnterR() {
    // u1, u2 unjudged; r is relevant at rank 3; R = 1.
    List<String> ranking = List.of("u1", "u2", "r");
    Map<String, Integer> judgements = Map.of("r", 1);
    QueryMetrics metrics = QueryMetrics.compute("q", ranking, judgements);
    assertThat(metrics.rr()).isCloseTo(1.0 / 3, EPS); // first relevant at rank 3
    assertThat(metrics.recallAt10()).isCloseTo(1.0, EPS); // 1 of R = 1
    assertThat(metrics.pAt10()).isCloseTo(0.1, EPS); // 1 relevant / 10
    assertThat(metrics.mapAt100()).isCloseTo(1.0 / 3, EPS); // (1/3) / R
    assertThat(metrics.ndcgAt10()).isCloseTo(0.5, EPS); // (1/log2(4)) / (1/log2(2)) = 0.5 / 1
  }

  @Test
  void computeGivesEveryMetricOfOneQuery() {
    // 12 ranked docs; relevant at ranks 2 and 11; a third relevant doc is never retrieved: R = 3.
    List<String> ranking = docs(12);
    Map<String, Integer> judgements = Map.of("doc2", 1, "doc11", 1, "missing", 1, "doc1", 0);
    QueryMetrics metrics = QueryMetrics.compute("q7", ranking, judgements);
    assertThat(metrics.queryId()).isEqualTo("q7");
    // DCG@10 = 1/log2(3) = 0.6309; ideal = 1 + 1/log2(3) + 1/log2(4) = 2.1309; nDCG = 0.29608.
    assertThat(metrics.ndcgAt10()).isCloseTo(0.2960819109658652, EPS);
    assertThat(metrics.mrrAt10()).isCloseTo(0.5, EPS); // first relevant at rank 2
    assertThat(metrics.rr()).isCloseTo(0.5, EPS);
    assertThat(metrics.recallAt10()).isCloseTo(1.0 / 3, EPS); // doc2 only
    assertThat(metrics.recallAt100()).isCloseTo(2.0 / 3, EPS); // doc2 and doc11
    assertThat(metrics.pAt10()).isCloseTo(0.1, EPS); // 1 of 10
    // AP@100 = (1/2 + 2/11) / 3 = 0.22727.
    assertThat(metrics.mapAt100()).isCloseTo(0.2272727272727273, EPS);
  }

  @Test
  void tiesInTheRunAreBrokenByDocIdDescendingBeforeScoring() {
    // a and b tie at 1.0; trec_eval puts "b" first (doc id descending), so relevant a is at rank 2.
    TopK top = new TopK(10);
    top.offer("a", 1.0);
    top.offer("c", 0.5);
    top.offer("b", 1.0);
    List<String> ranking = top.result().stream().map(ScoredDoc::docId).toList();
    assertThat(ranking).containsExactly("b", "a", "c");
    assertThat(RetrievalMetrics.rr(ranking, Map.of("a", 1))).isCloseTo(0.5, EPS);
  }

  @Test
  void evaluateExcludesAndCountsQueriesWithoutRelevantDocuments() {
    Map<String, Map<String, Integer>> qrels = Map.of(
        "q2", Map.of("a", 1, "b", 0),
        "q1", Map.of("c", 2),
        "q3", Map.of("d", 0), // judged, none relevant: excluded
        "q4", Map.of()); // no judgement at all: excluded
    Map<String, List<String>> rankings = Map.of(
        "q2", List.of("b", "a"), // relevant at rank 2: RR = 1/2
        "q3", List.of("d"),
        "q9", List.of("c")); // not in qrels: ignored; q1 has no ranking: all zeros
    Evaluation evaluation = RetrievalMetrics.evaluate(rankings, qrels);
    assertThat(evaluation.queriesWithoutRelevant()).isEqualTo(2);
    assertThat(evaluation.perQuery()).extracting(QueryMetrics::queryId).containsExactly("q1", "q2");
    assertThat(evaluation.perQuery().get(0)).isEqualTo(new QueryMetrics("q1", 0, 0, 0, 0, 0, 0, 0));
    QueryMetrics mean = evaluation.mean();
    assertThat(mean.queryId()).isEqualTo("all");
    // Means over q1 (all 0) and q2: RR (0 + 1/2)/2 = 0.25; recall@10 (0 + 1)/2 = 0.5;
    // P@10 (0 + 1/10)/2 = 0.05; nDCG@10 q2 = (1/log2(3)) / 1 = 0.6309, mean 0.31546.
    assertThat(mean.rr()).isCloseTo(0.25, EPS);
    assertThat(mean.mrrAt10()).isCloseTo(0.25, EPS);
    assertThat(mean.recallAt10()).isCloseTo(0.5, EPS);
    assertThat(mean.pAt10()).isCloseTo(0.05, EPS);
    assertThat(mean.ndcgAt10()).isCloseTo(0.6309297535714575 / 2, EPS);
  }

  @Test
  void meanOfNoQueryIsNaN() {
    Evaluation evaluation = RetrievalMetrics.evaluate(Map.of(), Map.of("q", Map.of("a", 0)));
    assertThat(evaluation.queries()).isZero();
    assertThat(evaluation.queriesWithoutRelevant()).isEqualTo(1);
    assertThat(evaluation.mean().ndcgAt10()).isNaN();
    assertThat(evaluation.mean().mapAt100()).isNaN();
  }

  @Test
  void rejectsBadCutoffsDuplicatesAndNullJudgements() {
    assertThatThrownBy(() -> RetrievalMetrics.ndcgAt(List.of("a"), Map.of(), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("k must be > 0, got 0");
    assertThatThrownBy(() -> RetrievalMetrics.rr(List.of("a", "b", "a"), Map.of("a", 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'a' twice")
        .hasMessageContaining("rank 3");
    Map<String, Integer> withNull = new java.util.HashMap<>();
    withNull.put("a", null);
    assertThatThrownBy(() -> RetrievalMetrics.relevantCount(withNull))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'a' is null");
  }

  private static List<String> docs(int count) {
    List<String> ids = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      ids.add("doc" + i);
    }
    return ids;
  }
}
