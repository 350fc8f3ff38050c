package dev.magnitude.worker.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.magnitude.core.run.EncoderSpec;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class BagEncoderTest {
  private static final int E = 4;
  private static final int S = 5;

  @Test
  void embeddingIsTheMeanOfTheTableRowsOfTheNonPaddingIds() throws IOException {
    EncoderSpec spec = new EncoderSpec("bag", E, 1, 1, S, 40, "t");
    try (EncoderRig rig = new EncoderRig(spec, 1e-2, 3)) {
      BagEncoder bag = (BagEncoder) rig.towers.query();
      float[] table = bag.table().getArray().toFloatArray();
      assertThat(table).hasSize(40 * E);
      List<int[]> texts = List.of(
          new int[] {3, 5, 7},
          new int[] {2, 0, 9},               // the [PAD] in the middle is not averaged
          new int[] {},                      // no tokens: [UNK] = 1
          new int[] {4, 4, 6, 6, 8, 30, 31}); // truncated to S = 5 ids: 4, 4, 6, 6, 8
      int[][] kept = {{3, 5, 7}, {2, 9}, {1}, {4, 4, 6, 6, 8}};
      float[] embedded = rig.embed(bag, texts);
      assertThat(embedded).hasSize(texts.size() * E);
      for (int i = 0; i < kept.length; i++) {
        for (int k = 0; k < E; k++) {
          double sum = 0;
          for (int id : kept[i]) {
            sum += table[id * E + k];
          }
          assertThat(embedded[i * E + k]).as("text %d, dim %d", i, k).isCloseTo((float) (sum / kept[i].length), within(1e-7f));
        }
      }
      // initialized by the run's truncated normal, not left at zero
      double squares = 0;
      for (float v : table) {
        squares += v * v;
      }
      assertThat(Math.sqrt(squares / table.length)).isBetween(0.005, 0.03);
    }
  }

  @Test
  void trainingLowersTheLoss() throws IOException {
    try (EncoderRig rig = new EncoderRig(new EncoderSpec("bag", 16, 1, 1, 8, 40, "t"), 1e-2, 5)) {
      List<Double> losses = rig.train(1, 15);
      assertThat(losses).allSatisfy(l -> assertThat(l).isFinite());
      assertThat(losses.get(14)).isLessThan(losses.get(0) * 0.8);
    }
  }
}
