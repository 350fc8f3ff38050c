package dev.magnitude.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.magnitude.core.manifest.Manifest;
import dev.magnitude.core.manifest.TokenizerInfo;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.run.TrainingSpec;
import dev.magnitude.core.run.Variant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** magnitude.train.hard-negatives goes into the spec (and id) of retrieval runs, and of those only. */
class TrainSettingsHardNegativesTest {
  @Test
  void aRetrievalDatasetGetsTheCountAndItChangesTheId() {
    RunSpec two = train(2).runSpec(manifest("beir"), Variant.DOT, 1, "test");
    assertThat(two.training().hardNegatives()).isEqualTo(2);
    assertThat(two.canonicalJson()).contains("\"hardNegatives\":2");
    assertThat(train(1).runSpec(manifest("beir"), Variant.DOT, 1, "test").id()).isNotEqualTo(two.id());
    assertThat(train(2).runSpec(manifest("qa"), Variant.DOT, 1, "test").training().hardNegatives()).isEqualTo(2);
  }

  @Test
  void stsAndImageTextRunsGetNoneAndKeepTheirIds() {
    for (String format : List.of("sts", "coco")) {
      RunSpec spec = train(3).runSpec(manifest(format), Variant.COSINE, 1, "test");
      assertThat(spec.training().hardNegatives()).as(format).isZero();
      assertThat(spec.canonicalJson()).as(format).doesNotContain("hardNegatives");
      assertThat(train(0).runSpec(manifest(format), Variant.COSINE, 1, "test").id()).as(format).isEqualTo(spec.id());
    }
  }

  @Test
  void zeroIsLeftOutOfTheJsonSoOlderSpecsReadBackUnchanged() {
    TrainingSpec off = new TrainingSpec(10, 4, 1e-3, 0, 1.0, 5, 0, 1);
    RunSpec spec = new RunSpec("toy", "h", Variant.DOT, 1, encoder(), off, List.of());
    assertThat(spec.canonicalJson()).doesNotContain("hardNegatives");
    assertThat(RunSpec.fromJson(spec.canonicalJson())).isEqualTo(spec);
    RunSpec on = new RunSpec("toy", "h", Variant.DOT, 1, encoder(),
        new TrainingSpec(10, 4, 1e-3, 0, 1.0, 5, 0, 1, 3), List.of());
    assertThat(RunSpec.fromJson(on.canonicalJson()).training().hardNegatives()).isEqualTo(3);
  }

  @Test
  void theDefaultIsOneAndNegativeCountsAreRefused() {
    TrainSettings defaults = new TrainSettings("transformer", 16, 1, 2, 8, "", 10, 4, 1e-3, 0,
        Map.of(Variant.COSINE, 0.05), 5, 0, 1, List.of(), 0);
    assertThat(defaults.hardNegatives()).isEqualTo(1);
    assertThatThrownBy(() -> train(-1)).hasMessage("hard-negatives = -1: must be >= 0 (0 = off)");
    assertThatThrownBy(() -> new TrainingSpec(10, 4, 1e-3, 0, 1.0, 5, 0, 1, -2))
        .hasMessage("hard-negatives = -2: must be >= 0 (0 = off)");
  }

  private static dev.magnitude.core.run.EncoderSpec encoder() {
    return new dev.magnitude.core.run.EncoderSpec("transformer", 16, 1, 2, 8, 50, "builtin-0123456789ab");
  }

  private static Manifest manifest(String format) {
    TokenizerInfo tokenizer = new TokenizerInfo("builtin", "builtin-0123456789ab", 50, 8, 0);
    return new Manifest("toy", format, 1, tokenizer, List.of("train", "test"), Map.of(), Map.of(), "h");
  }

  private static TrainSettings train(int hardNegatives) {
    return new TrainSettings("transformer", 16, 1, 2, 8, "", 10, 4, 1e-3, 0, Map.of(Variant.COSINE, 0.05, Variant.DOT, 1.0),
        5, 0, 1, List.of(), 0, 4.0, 0, "", dev.magnitude.core.run.EncoderSpec.SHARED, TrainSettings.DEFAULT_ALPHA_INIT,
        false, TrainSettings.DEFAULT_LOGIT_SCALE_MAX, hardNegatives);
  }
}
