package dev.magnitude.worker.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnitude.core.run.EncoderSpec;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TextTowersTest {
  private static final List<int[]> TEXTS = List.of(new int[] {5, 7, 9}, new int[] {20, 21}, new int[] {});

  @Test
  void sharedTowersEmbedATextAlikeOnBothSidesBeforeAndAfterTraining() throws IOException {
    for (String kind : List.of("bag", "transformer")) {
      try (EncoderRig rig = new EncoderRig(new EncoderSpec(kind, 8, 1, 2, 6, 40, "t"), 1e-2, 4)) {
        assertThat(rig.towers.separate()).isFalse();
        assertThat(rig.embed(rig.towers.document(), TEXTS)).as(kind).containsExactly(rig.embed(rig.towers.query(), TEXTS));
        rig.train(1, 2);
        assertThat(rig.embed(rig.towers.document(), TEXTS)).as(kind).containsExactly(rig.embed(rig.towers.query(), TEXTS));
      }
    }
  }

  @Test
  void separateTorchScriptTowersStartAlikeAndDivergeAfterATrainingStep() throws IOException {
    EncoderSpec spec = TorchScriptEncoderTest.spec(TorchScriptEncoderTest.E, 40, "separate");
    try (EncoderRig rig = new EncoderRig(spec, 1e-2, 4)) {
      assertThat(rig.towers.separate()).isTrue();
      Map<String, float[]> before = rig.parameters();
      // Both towers load the same file: two copies of each parameter, one per tower.
      assertThat(before.keySet()).hasSize(6)
          .allMatch(k -> k.startsWith("01query") || k.startsWith("02document"), "named by tower");
      float[] query = rig.embed(rig.towers.query(), TEXTS);
      assertThat(rig.embed(rig.towers.document(), TEXTS)).containsExactly(query);

      rig.train(1, 1);

      Map<String, float[]> after = rig.parameters();
      for (String name : before.keySet()) {
        assertThat(after.get(name)).as("%s is trained", name).isNotEqualTo(before.get(name));
      }
      float[] queryAfter = rig.embed(rig.towers.query(), TEXTS);
      float[] documentAfter = rig.embed(rig.towers.document(), TEXTS);
      assertThat(queryAfter).isNotEqualTo(query);
      assertThat(documentAfter).isNotEqualTo(queryAfter);
    }
  }

  @Test
  void separateBagTowersAreInitializedApartAndBothTrained() throws IOException {
    try (EncoderRig rig = new EncoderRig(new EncoderSpec("bag", 8, 1, 1, 6, 40, "t", null, "separate"), 1e-2, 4)) {
      Map<String, float[]> before = rig.parameters();
      assertThat(before).hasSize(2);
      assertThat(rig.embed(rig.towers.document(), TEXTS)).isNotEqualTo(rig.embed(rig.towers.query(), TEXTS));
      List<Double> losses = rig.train(1, 10);
      assertThat(losses.get(9)).isLessThan(losses.get(0));
      rig.parameters().forEach((name, values) -> assertThat(values).as(name).isNotEqualTo(before.get(name)));
    }
  }
}
