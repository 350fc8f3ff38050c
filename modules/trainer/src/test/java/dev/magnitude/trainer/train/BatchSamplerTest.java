package dev.magnitude.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.magnitude.trainer.data.Qrel;
import dev.magnitude.trainer.data.TrainingPairs;
import dev.magnitude.trainer.data.TrainingPairs.Pair;
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

  private static String describe(Batch batch) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < batch.size(); i++) {
      sb.append(batch.queries().get(i)[0]).append('-').append(batch.documents().get(i)[0]).append(' ');
    }
    return sb.toString();
  }
}
