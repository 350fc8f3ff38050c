package dev.magnitude.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnitude.core.manifest.Manifest;
import dev.magnitude.core.manifest.TokenizerInfo;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.run.Variant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** magnitude.train.sts.positive-threshold goes into the spec (and id) of STS runs, and of those only. */
class TrainSettingsStsTest {
  @Test
  void anStsDatasetGetsTheThresholdAndARetrievalDatasetDoesNot() {
    RunSpec sts = train(3.5).runSpec(manifest("sts"), Variant.COSINE, 1, "test");
    assertThat(sts.trainsOnSts()).isTrue();
    assertThat(sts.sts().positiveThreshold()).isEqualTo(3.5);
    assertThat(train(4.0).runSpec(manifest("sts"), Variant.COSINE, 1, "test").id()).isNotEqualTo(sts.id());

    RunSpec retrieval = train(3.5).runSpec(manifest("synthetic"), Variant.COSINE, 1, "test");
    assertThat(retrieval.trainsOnSts()).isFalse();
    assertThat(train(4.0).runSpec(manifest("synthetic"), Variant.COSINE, 1, "test").id())
        .as("the threshold does not touch retrieval run ids").isEqualTo(retrieval.id());
  }

  @Test
  void theDefaultIsFour() {
    TrainSettings defaults = new TrainSettings("transformer", 16, 1, 2, 8, "", 10, 4, 1e-3, 0,
        Map.of(Variant.COSINE, 0.05), 5, 0, 1, List.of(), 0);
    assertThat(defaults.stsPositiveThreshold()).isEqualTo(4.0);
  }

  private static Manifest manifest(String format) {
    TokenizerInfo tokenizer = new TokenizerInfo("builtin", "builtin-0123456789ab", 50, 8, 0);
    return new Manifest("toy", format, 1, tokenizer, List.of("train", "test"), Map.of(), Map.of(), "h");
  }

  private static TrainSettings train(double threshold) {
    return new TrainSettings("transformer", 16, 1, 2, 8, "", 10, 4, 1e-3, 0, Map.of(Variant.COSINE, 0.05), 5, 0, 1,
        List.of(), 0, threshold);
  }
}
