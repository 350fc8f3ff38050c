package dev.magnitude.worker.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.magnitude.worker.data.Qrel;
import dev.magnitude.worker.data.TrainingPairs.Pair;
import dev.magnitude.worker.data.TrainingPairs;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BatchSamplerTest {
  // Token lists encode the id so a batch can be traced back: query qN → {N}, document dX → {100 + X}.
  private static final Map<String, int[]> QUERIES =
      Map.of("q1", new int[] {1}, "q2", new int[] {2}, "q3", new int[] {3}, "q4", new int[] {4}, "q5", new int[] {5});
  private static final Map<String, int[]> DOCUMENTS =
      Map.of("dA", new int[] {100}, "dB", new int[] {101}, "dC", new int[] {102}, "dD", new int[] {103});

  // dA is popular: relevant to q1, q2 and q4. q1 also has dB. q5's only judgement is not relevant.
  private static final List<Qrel> QRELS =
      List.of(
          new Qrel("q4", "dA", 1),
          new Qrel("q1", "dB", 2),
          new Qrel("q1", "dA", 1),
          new Qrel("q3", "dC", 1),
          new Qrel("q2", "dA", 1),
          new Qrel("q5", "dD", 0),
          new Qrel("q9", "dA", 1)); // unknown query: dropped

  private final TrainingPairs pairs = TrainingPairs.build(QRELS, QUERIES, DOCUMENTS, "test qrels");

  @Test
  void pairsAreTheRelevantJudgementsSortedById() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < pairs.size(); i++) {
      Pair p = pairs.pair(i);
      ids.add(pairs.queryId(p.query()) + "-" + pairs.documentId(p.document()));
    }
    assertThat(ids).containsExactly("q1-dA", "q1-dB", "q2-dA", "q3-dC", "q4-dA");
  }

  @Test
  void excludesDuplicateDocumentsAndOtherRelevantDocuments() {
    List<Pair> all = new ArrayList<>();
    for (int i = 0; i < pairs.size(); i++) {
      all.add(pairs.pair(i));
    }
    Batch batch = Batch.of(pairs, all);
    // Rows/columns: 0 (q1,dA) 1 (q1,dB) 2 (q2,dA) 3 (q3,dC) 4 (q4,dA).
    // Row 0: dB is relevant to q1; columns 2 and 4 hold dA, the same document as its positive.
    // Row 1: dA (columns 0, 2, 4) is relevant to q1. Rows 2 and 4: the other dA columns.
    // Row 3: dC appears once and q3 has no other relevant document, so every column is a negative.
    boolean t = true;
    boolean f = false;
    assertThat(batch.excluded())
        .isDeepEqualTo(
            new boolean[][] {
              {f, t, t, f, t},
              {t, f, t, f, t},
              {t, f, f, f, t},
              {f, f, f, f, f},
              {t, f, t, f, f}
            });
    assertThat(batch.queries().get(1)).containsExactly(1);
    assertThat(batch.documents().get(1)).containsExactly(101);
  }

  @Test
  void epochsArePermutationsCutIntoWholeBatches() {
    BatchSampler sampler = new BatchSampler(pairs, 2, 42);
    assertThat(sampler.batchesPerEpoch()).isEqualTo(2); // ⌊5 / 2⌋, one pair left out per epoch
    for (int epoch = 0; epoch < 3; epoch++) {
      Set<String> seen = new HashSet<>();
      for (int k = 1; k <= 2; k++) {
        Batch b = sampler.batch(epoch * 2 + k);
        assertThat(b.size()).isEqualTo(2);
        for (int i = 0; i < 2; i++) {
          assertThat(seen.add(b.queries().get(i)[0] + "-" + b.documents().get(i)[0])).isTrue();
        }
      }
      assertThat(seen).hasSize(4);
    }
  }

  @Test
  void batchOfAStepDependsOnlyOnSeedAndStep() {
    BatchSampler a = new BatchSampler(pairs, 2, 7);
    BatchSampler b = new BatchSampler(pairs, 2, 7);
    // b starts late, as a resumed run does.
    assertThat(describe(b.batch(5))).isEqualTo(describe(a.batch(5)));
    for (int step = 1; step <= 6; step++) {
      assertThat(describe(b.batch(step))).isEqualTo(describe(a.batch(step)));
    }
    Set<String> orders = new HashSet<>();
    for (long seed = 0; seed < 10; seed++) {
      BatchSampler s = new BatchSampler(pairs, 2, seed);
      orders.add(describe(s.batch(1)) + describe(s.batch(2)));
    }
    assertThat(orders).as("different seeds shuffle differently").hasSizeGreaterThan(1);
  }

  @Test
  void refusesFewerPairsThanOneBatch() {
    assertThatThrownBy(() -> new BatchSampler(pairs, 6, 1))
        .hasMessage("the training split has 5 relevant pairs, fewer than batch-size = 6; lower batch-size or train on a larger split");
  }

  // Hard negatives: the judgements above plus relevance-0 rows. q1: dC, dD, dE; q2: dB (relevant to q1);
  // q3: dC is judged both ways, so it is not a hard negative; q5 has no training pair, so its dD is unused.
  private static final Map<String, int[]> MORE_DOCUMENTS =
      Map.of("dA", new int[] {100}, "dB", new int[] {101}, "dC", new int[] {102}, "dD", new int[] {103},
          "dE", new int[] {104}, "dF", new int[] {105});
  private static final List<Qrel> WITH_NON_RELEVANT = new ArrayList<>(QRELS);

  static {
    WITH_NON_RELEVANT.addAll(List.of(
        new Qrel("q1", "dE", 0),
        new Qrel("q1", "dC", 0),
        new Qrel("q2", "dB", 0),
        new Qrel("q1", "dD", 0),
        new Qrel("q3", "dC", 0),
        new Qrel("q4", "dZ", 0), // unknown document: dropped
        new Qrel("q9", "dF", 0))); // unknown query: dropped
  }

  private final TrainingPairs hard = TrainingPairs.build(WITH_NON_RELEVANT, QUERIES, MORE_DOCUMENTS, "test qrels");

  @Test
  void hardNegativesAreTheNonRelevantJudgementsOfTrainingQueries() {
    assertThat(hardNegativeIds("q1")).containsExactly("dC", "dD", "dE");
    assertThat(hardNegativeIds("q2")).containsExactly("dB");
    assertThat(hardNegativeIds("q3")).as("dC is also judged relevant to q3").isEmpty();
    assertThat(hardNegativeIds("q4")).isEmpty();
    assertThat(hard.size()).as("relevance-0 rows add no pairs").isEqualTo(5);
    for (int q = 0; q < 4; q++) { // q1..q4 in the data without relevance-0 rows (q5's only judgement is 0)
      assertThat(pairs.hardNegatives(q)).isEmpty();
    }
  }

  @Test
  void extraColumnsAreTheHardNegativesOfTheBatchQueriesOnly() {
    // With N large every candidate is taken: the extras are exactly the union of the batch queries'
    // hard negatives less the batch's positives, each once.
    for (int step = 1; step <= 12; step++) {
      Batch batch = new BatchSampler(hard, 2, 5, 10).batch(step);
      Set<Integer> positives = new HashSet<>();
      Set<Integer> expected = new HashSet<>();
      for (int i = 0; i < 2; i++) {
        positives.add(batch.documents().get(i)[0]);
      }
      for (int i = 0; i < 2; i++) {
        for (String d : hardNegativeIds("q" + batch.queries().get(i)[0])) {
          if (!positives.contains(MORE_DOCUMENTS.get(d)[0])) {
            expected.add(MORE_DOCUMENTS.get(d)[0]);
          }
        }
      }
      assertThat(extraTokens(batch)).as("step %d: %s", step, describe(batch)).hasSameElementsAs(expected)
          .doesNotHaveDuplicates();
      for (boolean[] row : batch.excluded()) {
        assertThat(row).hasSize(2 + expected.size());
      }
    }
    // N = 1: each row of q1 adds one of dC, dD, dE (its three candidates are never positives); a row of
    // q2 adds dB unless dB is a positive of the batch (q1's); q3 and q4 add nothing.
    Set<Integer> seenForQ1 = new HashSet<>();
    for (int step = 1; step <= 40; step++) {
      Batch batch = new BatchSampler(hard, 2, 9, 1).batch(step);
      List<Integer> extras = extraTokens(batch);
      List<Integer> queries = List.of(batch.queries().get(0)[0], batch.queries().get(1)[0]);
      Set<Integer> positives = new HashSet<>(List.of(batch.documents().get(0)[0], batch.documents().get(1)[0]));
      long rowsOfQ1 = queries.stream().filter(q -> q == 1).count();
      List<Integer> ofQ1 = extras.stream().filter(d -> d >= 102 && d <= 104).toList();
      assertThat(ofQ1).as(describe(batch)).hasSize((int) rowsOfQ1);
      seenForQ1.addAll(ofQ1);
      boolean dB = queries.contains(2) && !positives.contains(101);
      assertThat(extras).as(describe(batch)).hasSize(ofQ1.size() + (dB ? 1 : 0));
      if (dB) {
        assertThat(extras).contains(101);
      }
    }
    assertThat(seenForQ1).as("draws vary across steps").hasSizeGreaterThan(1);
  }

  @Test
  void hardNegativesOfAStepDependOnlyOnSeedAndStep() {
    BatchSampler a = new BatchSampler(hard, 3, 7, 2);
    BatchSampler b = new BatchSampler(hard, 3, 7, 2);
    assertThat(describe(b.batch(9))).isEqualTo(describe(a.batch(9)));
    for (int step = 1; step <= 10; step++) {
      assertThat(describe(b.batch(step))).isEqualTo(describe(a.batch(step)));
    }
    BatchSampler none = new BatchSampler(hard, 3, 7, 0);
    for (int step = 1; step <= 10; step++) {
      Batch with = a.batch(step);
      Batch without = none.batch(step);
      assertThat(without.extraDocuments()).isZero();
      assertThat(describe(with)).as("the positives do not depend on N").startsWith(describe(without));
    }
    assertThatThrownBy(() -> new BatchSampler(hard, 3, 7, -1)).hasMessage("hard-negatives = -1: must be >= 0 (0 = off)");
  }

  @Test
  void maskExcludesExtraColumnsRelevantToTheRowOrEqualToItsPositive() {
    // Rows 0 (q1, dA), 1 (q2, dA), 2 (q3, dC); extra columns 3 dB, 4 dC, 5 dE.
    List<Pair> chosen = List.of(pair(hard, "q1", "dA"), pair(hard, "q2", "dA"), pair(hard, "q3", "dC"));
    List<Integer> extras = List.of(document(hard, "dB"), document(hard, "dC"), document(hard, "dE"));
    Batch batch = Batch.of(hard, chosen, extras);
    boolean t = true;
    boolean f = false;
    // Row 0: column 1 is dA, its positive; column 3 dB is relevant to q1. dC and dE are judged 0: negatives.
    // Row 1: column 0 is dA, its positive; dB is only judged non-relevant to q2: a negative.
    // Row 2: column 4 is dC, its positive.
    assertThat(batch.excluded())
        .isDeepEqualTo(
            new boolean[][] {
              {f, t, f, t, f, f},
              {t, f, f, f, f, f},
              {f, f, f, f, t, f}
            });
    assertThat(batch.extraDocuments()).isEqualTo(3);
    assertThat(extraTokens(batch)).containsExactly(101, 102, 104);
  }

  private List<String> hardNegativeIds(String queryId) {
    for (int q = 0; ; q++) {
      if (hard.queryId(q).equals(queryId)) {
        List<String> ids = new ArrayList<>();
        for (int d : hard.hardNegatives(q)) {
          ids.add(hard.documentId(d));
        }
        return ids;
      }
    }
  }

  private static Pair pair(TrainingPairs pairs, String queryId, String documentId) {
    for (int i = 0; i < pairs.size(); i++) {
      Pair p = pairs.pair(i);
      if (pairs.queryId(p.query()).equals(queryId) && pairs.documentId(p.document()).equals(documentId)) {
        return p;
      }
    }
    throw new AssertionError("no pair " + queryId + "-" + documentId);
  }

  private static int document(TrainingPairs pairs, String documentId) {
    for (int d = 0; ; d++) {
      if (pairs.documentId(d).equals(documentId)) {
        return d;
      }
    }
  }

  private static List<Integer> extraTokens(Batch batch) {
    List<Integer> tokens = new ArrayList<>();
    for (int j = batch.size(); j < batch.documents().size(); j++) {
      tokens.add(batch.documents().get(j)[0]);
    }
    return tokens;
  }

  private static String describe(Batch batch) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < batch.size(); i++) {
      sb.append(batch.queries().get(i)[0]).append('-').append(batch.documents().get(i)[0]).append(' ');
    }
    for (int token : extraTokens(batch)) {
      sb.append('+').append(token).append(' ');
    }
    return sb.toString();
  }
}
