package dev.magnitude.worker.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.schema.Tables;
import dev.magnitude.worker.PreparedFixture;
import dev.magnitude.worker.RunFailure;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** STS positives: pairs at or above the threshold, first sentence on the query side. */
class StsTrainingPairsTest {
  @TempDir Path tmp;

  private static SentencePair pair(String id, int[] a, int[] b, double score) {
    return new SentencePair(id, a, b, score);
  }

  @Test
  void keepsPairsAtOrAboveTheThresholdInIdOrder() {
    List<SentencePair> all = List.of(
        pair("p3", new int[] {5, 6}, new int[] {5, 7}, 4.0), // exactly the threshold: a positive
        pair("p1", new int[] {8}, new int[] {9}, 5.0),
        pair("p2", new int[] {10}, new int[] {11}, 3.99),   // just below: not a positive
        pair("p4", new int[] {12}, new int[] {13}, 0.0));
    TrainingPairs pairs = TrainingPairs.fromSts(all, 4.0, "toy/train/pairs");
    assertThat(pairs.size()).isEqualTo(2);
    // sorted by pair id: p1 first, then p3; the query side is text_a, the document side text_b
    assertThat(pairs.queryId(pairs.pair(0).query())).isEqualTo("p1");
    assertThat(pairs.queryTokens(pairs.pair(0).query())).containsExactly(8);
    assertThat(pairs.documentTokens(pairs.pair(0).document())).containsExactly(9);
    assertThat(pairs.queryTokens(pairs.pair(1).query())).containsExactly(5, 6);
    assertThat(pairs.documentTokens(pairs.pair(1).document())).containsExactly(5, 7);
    assertThat(pairs.isRelevant(pairs.pair(1).query(), pairs.pair(0).document())).isFalse();
  }

  @Test
  void equalSentencesAreOneQueryOrDocumentSoTheyAreNeverNegativesOfEachOther() {
    // p1 and p2 share their first sentence; p2 and p3 their second
    List<SentencePair> all = List.of(
        pair("p1", new int[] {4, 5}, new int[] {6}, 5),
        pair("p2", new int[] {4, 5}, new int[] {7}, 5),
        pair("p3", new int[] {8}, new int[] {7}, 5));
    TrainingPairs pairs = TrainingPairs.fromSts(all, 4.0, "toy");
    assertThat(pairs.pair(0).query()).isEqualTo(pairs.pair(1).query());
    assertThat(pairs.pair(1).document()).isEqualTo(pairs.pair(2).document());
    // query of p1 has both p1's and p2's documents as positives
    assertThat(pairs.isRelevant(pairs.pair(0).query(), pairs.pair(1).document())).isTrue();
    assertThat(pairs.isRelevant(pairs.pair(2).query(), pairs.pair(0).document())).isFalse();
  }

  @Test
  void noPairAtTheThresholdNamesTheThresholdAndTheScoreRange() {
    List<SentencePair> all = List.of(pair("p1", new int[] {4}, new int[] {5}, 0.2), pair("p2", new int[] {4}, new int[] {5}, 0.9));
    assertThatThrownBy(() -> TrainingPairs.fromSts(all, 4.0, "toy/train/pairs"))
        .isInstanceOf(RunFailure.class)
        .hasMessage("toy/train/pairs holds no pair with score >= 4.0 (of 2 pairs, scores 0.2 to 0.9); "
            + "lower magnitude.train.sts.positive-threshold to the dataset's score scale");
  }

  @Test
  void loadsFromParquetAndRefusesFewerPositivesThanABatchNamingTheDataset() throws IOException {
    String work = tmp.resolve("work").toString();
    WorkDir dir = new WorkDir(work);
    List<SentencePair> rows = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      rows.add(pair("p" + i, new int[] {4 + i}, new int[] {5 + i, 6}, i / 2.0)); // scores 0, 0.5, …, 4.5
    }
    PreparedFixture.writePairs(dir.table("sts", "train", Tables.PAIRS), rows, 3);
    PreparedTables tables = new PreparedTables(PreparedFixture.conf());

    List<SentencePair> read = new ArrayList<>();
    assertThat(tables.readPairs(dir.table("sts", "train", Tables.PAIRS), 20, read::add)).isEqualTo(10);
    assertThat(read).extracting(SentencePair::id).containsExactly("p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9");
    assertThat(read.get(9).score()).isEqualTo(4.5);
    assertThat(read.get(9).tokensB()).containsExactly(14, 6);

    // scores 3.0, 3.5, 4.0, 4.5 reach 3.0: four positives, enough for a batch of 4
    assertThat(TrainingPairs.loadSts(tables, dir, "sts", "train", 20, 3.0, 4).size()).isEqualTo(4);
    assertThatThrownBy(() -> TrainingPairs.loadSts(tables, dir, "sts", "train", 20, 4.0, 4))
        .isInstanceOf(RunFailure.class)
        .hasMessageStartingWith("dataset sts: " + dir.table("sts", "train", Tables.PAIRS) + " has 2 of 10 pairs "
            + "with score >= 4.0 (magnitude.train.sts.positive-threshold), fewer than batch-size = 4");
  }
}
