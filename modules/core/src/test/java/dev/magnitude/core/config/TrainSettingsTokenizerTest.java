package dev.magnitude.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.magnitude.core.manifest.Manifest;
import dev.magnitude.core.manifest.TokenizerInfo;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.run.Variant;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** magnitude.train.encoder.tokenizer decides the tokenizer id a run expects of its dataset. */
class TrainSettingsTokenizerTest {
  static final byte[] FILE = "{\"model\": {\"vocab\": {\"[PAD]\": 0, \"a\": 1}}}".getBytes(StandardCharsets.UTF_8);

  final List<String> read = new ArrayList<>();
  final Function<String, byte[]> files = path -> {
    read.add(path);
    return FILE;
  };

  @Test
  void emptyMeansTheDatasetsOwnTokenizer() {
    RunSpec spec = train("").runSpec(manifest("builtin-0123456789ab"), Variant.DOT, 1, "test", files);
    assertThat(spec.encoder().tokenizerId()).isEqualTo("builtin-0123456789ab");
    assertThat(train("").runSpec(manifest("builtin-0123456789ab"), Variant.DOT, 1, "test").id())
        .as("the run id of runs without the setting is unchanged").isEqualTo(spec.id());
    assertThat(read).isEmpty();
  }

  @Test
  void anIdIsExpectedAsItIs() {
    RunSpec spec = train("huggingface-0011223344556677-len8").runSpec(manifest("builtin-0123456789ab"), Variant.DOT,
        1, "test", files);
    assertThat(spec.encoder().tokenizerId()).isEqualTo("huggingface-0011223344556677-len8");
    assertThat(read).isEmpty();
  }

  @Test
  void aFileStandsForItsIdWithTheDatasetsMaxLengthAndPadding() {
    String path = "hdfs:///models/bert/tokenizer.json";
    String sha16 = TokenizerInfo.huggingFaceId(FILE).substring("huggingface-".length());
    assertThat(train(path).expectedTokenizerId(info("huggingface-ffffffffffffffff-len12", 12), files))
        .isEqualTo("huggingface-" + sha16 + "-len12");
    assertThat(train(path).expectedTokenizerId(info("huggingface-ffffffffffffffff-len12-padded", 12), files))
        .isEqualTo("huggingface-" + sha16 + "-len12-padded");
    // A builtin dataset is never what a tokenizer.json expects.
    assertThat(train(path).expectedTokenizerId(info("builtin-0123456789ab", 12), files))
        .isEqualTo("huggingface-" + sha16 + "-len12");
    assertThat(read).containsOnly(path);

    assertThatThrownBy(() -> train(path).runSpec(manifest("builtin-0123456789ab"), Variant.DOT, 1, "test"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(path);
  }

  @Test
  void filesAreValuesWithASlashOrEndingInJson() {
    assertThat(TrainSettings.isTokenizerFile("tokenizer.json")).isTrue();
    assertThat(TrainSettings.isTokenizerFile("models/bert")).isTrue();
    assertThat(TrainSettings.isTokenizerFile("s3a://bucket/tok.json")).isTrue();
    assertThat(TrainSettings.isTokenizerFile("huggingface-0011223344556677-len8-padded")).isFalse();
    assertThat(TrainSettings.isTokenizerFile("builtin-0123456789ab")).isFalse();
  }

  private static TokenizerInfo info(String id, int maxLength) {
    return new TokenizerInfo(id.substring(0, id.indexOf('-')), id, 50, maxLength, 0);
  }

  private static Manifest manifest(String tokenizerId) {
    return new Manifest("toy", "synthetic", 1, info(tokenizerId, 8), List.of("train", "test"), Map.of(), Map.of(), "h");
  }

  private static TrainSettings train(String tokenizer) {
    return new TrainSettings("transformer", 16, 1, 2, 8, tokenizer, 10, 4, 1e-3, 0, Map.of(Variant.DOT, 1.0), 5, 0,
        1, List.of(), 0);
  }
}
