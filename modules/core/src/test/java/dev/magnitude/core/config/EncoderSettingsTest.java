package dev.magnitude.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.magnitude.core.manifest.Manifest;
import dev.magnitude.core.manifest.TokenizerInfo;
import dev.magnitude.core.run.EncoderSpec;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.run.Variant;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** magnitude.train.encoder.kind (transformer, bag, torchscript), .path and .towers: bound, validated, in the run spec. */
class EncoderSettingsTest {
  static final Config REFERENCE =
      ConfigFactory.parseString("magnitude.train.encoder { path = \"\", towers = shared, dropout = 0 }")
          .withFallback(SettingsTest.REFERENCE);

  @TempDir Path dir;

  private TrainSettings train(String conf) throws IOException {
    Path file = dir.resolve("user.conf");
    Files.writeString(file, conf);
    return new Settings(new ConfigLoader(REFERENCE).load(List.of(file), Map.of())).train();
  }

  private static Manifest manifest(String format) {
    TokenizerInfo tokenizer = new TokenizerInfo("builtin", "builtin-0123456789ab", 50, 8, 0);
    return new Manifest("toy", format, 1, tokenizer, List.of("train", "test"), Map.of(), Map.of(), "h");
  }

  @Test
  void defaultsKeepTheSpecJsonAndIdOfRunsBeforeTheOptions() throws IOException {
    TrainSettings defaults = train("");
    assertThat(defaults.encoderPath()).isEmpty();
    assertThat(defaults.towers()).isEqualTo("shared");
    RunSpec spec = defaults.runSpec(manifest("synthetic"), Variant.DOT, 1, "test");
    assertThat(spec.canonicalJson()).doesNotContain("towers").doesNotContain("path").doesNotContain("separate");
    // the same spec built without the new components, as before they existed
    EncoderSpec old = new EncoderSpec("transformer", 16, 1, 2, 8, 50, "builtin-0123456789ab");
    assertThat(spec.encoder()).isEqualTo(old);
    assertThat(RunSpec.fromJson(spec.canonicalJson())).isEqualTo(spec);
  }

  @Test
  void towersAndKindGoIntoTheSpecAndTheId() throws IOException {
    RunSpec shared = train("").runSpec(manifest("synthetic"), Variant.DOT, 1, "test");
    RunSpec separate = train("magnitude.train.encoder.towers = separate").runSpec(manifest("synthetic"), Variant.DOT, 1, "test");
    RunSpec bag = train("magnitude.train.encoder.kind = bag").runSpec(manifest("synthetic"), Variant.DOT, 1, "test");
    assertThat(separate.encoder().separateTowers()).isTrue();
    assertThat(separate.canonicalJson()).contains("\"towers\":\"separate\"");
    assertThat(RunSpec.fromJson(separate.canonicalJson())).isEqualTo(separate);
    assertThat(bag.encoder().kind()).isEqualTo("bag");
    assertThat(List.of(shared.id(), separate.id(), bag.id())).doesNotHaveDuplicates();
  }

  @Test
  void aTorchScriptEncoderNamesItsModuleAndTokenizer() throws IOException {
    TrainSettings ts = train("""
        magnitude.train.encoder { kind = torchscript, path = "hdfs://nn/models/enc.pt", tokenizer = "builtin-0123456789ab" }
        """);
    RunSpec spec = ts.runSpec(manifest("synthetic"), Variant.COSINE, 1, "test");
    assertThat(spec.encoder().path()).isEqualTo("hdfs://nn/models/enc.pt");
    assertThat(spec.canonicalJson()).contains("\"path\":\"hdfs://nn/models/enc.pt\"");
    RunSpec other = train("""
        magnitude.train.encoder { kind = torchscript, path = "/models/other.pt", tokenizer = "builtin-0123456789ab" }
        """).runSpec(manifest("synthetic"), Variant.COSINE, 1, "test");
    assertThat(other.id()).isNotEqualTo(spec.id());
  }

  @Test
  void badEncoderOptionsAreClearErrors() {
    assertThatThrownBy(() -> train("magnitude.train.encoder.kind = lstm"))
        .hasMessageContaining("magnitude.train.encoder.kind = \"lstm\"")
        .hasMessageContaining("expected one of transformer, bag, torchscript");
    assertThatThrownBy(() -> train("magnitude.train.encoder.towers = three"))
        .hasMessageContaining("magnitude.train.encoder.towers = \"three\"")
        .hasMessageContaining("expected one of shared, separate");
    assertThatThrownBy(() -> train("magnitude.train.encoder { kind = torchscript, tokenizer = \"builtin-x\" }"))
        .hasMessageStartingWith("magnitude.train.encoder.path = \"\"")
        .hasMessageEndingWith(": expected the path or URI of a TorchScript module (kind = torchscript needs one)");
    assertThatThrownBy(() -> train("magnitude.train.encoder { kind = torchscript, path = \"/m.pt\" }"))
        .hasMessageStartingWith("magnitude.train.encoder.tokenizer = \"\"")
        .hasMessageContaining("the tokenizer.json of the TorchScript module");
    assertThatThrownBy(() -> train("magnitude.train.encoder { kind = bag, path = \"/m.pt\" }"))
        .hasMessageStartingWith("magnitude.train.encoder.path = \"/m.pt\"")
        .hasMessageContaining("only kind = torchscript reads a module");
  }

  @Test
  void headsMustDivideTheEmbeddingOfTheTransformerOnly() throws IOException {
    assertThatThrownBy(() -> train("magnitude.train.encoder { embedding-dim = 10, heads = 4 }"))
        .hasMessageContaining("magnitude.train.encoder.heads = 4");
    assertThat(train("magnitude.train.encoder { kind = bag, embedding-dim = 10, heads = 4 }").embeddingDim())
        .isEqualTo(10);
  }

  @Test
  void imageTextRunsRefuseSeparateTowersAndOtherKinds() throws IOException {
    assertThatThrownBy(() -> train("magnitude.train.encoder.towers = separate")
            .runSpec(manifest("coco"), Variant.COSINE, 1, "test"))
        .hasMessageContaining("towers = separate: dataset toy is an image-text dataset");
    assertThatThrownBy(() -> train("magnitude.train.encoder.kind = bag")
            .runSpec(manifest("coco"), Variant.COSINE, 1, "test"))
        .hasMessageContaining("encoder kind = bag: image-text runs (dataset toy) train the transformer");
  }

  @Test
  void theSpecRecordValidatesOnItsOwn() {
    assertThatThrownBy(() -> new EncoderSpec("torchscript", 16, 1, 1, 8, 40, "t"))
        .hasMessage("encoder kind = torchscript needs encoder.path: the path or URI of the TorchScript module");
    assertThatThrownBy(() -> new EncoderSpec("bag", 16, 1, 1, 8, 40, "t", null, "both"))
        .hasMessage("encoder towers = 'both' is not supported; allowed: shared, separate");
    assertThatThrownBy(() -> new EncoderSpec("rnn", 16, 1, 1, 8, 40, "t"))
        .hasMessage("encoder kind 'rnn' is not supported; allowed: transformer, bag, torchscript");
  }

  @Test
  void dropoutIsBoundValidatedAndInTheSpecOnlyWhenSet() throws IOException {
    RunSpec none = train("").runSpec(manifest("synthetic"), Variant.DOT, 1, "test");
    assertThat(none.encoder().dropout()).isEqualTo(EncoderSpec.DEFAULT_DROPOUT);
    assertThat(none.canonicalJson()).doesNotContain("dropout");
    RunSpec some = train("magnitude.train.encoder.dropout = 0.1").runSpec(manifest("synthetic"), Variant.DOT, 1, "test");
    assertThat(some.encoder().dropout()).isEqualTo(0.1);
    assertThat(some.canonicalJson()).contains("\"dropout\":0.1");
    assertThat(some.id()).isNotEqualTo(none.id());
    assertThat(RunSpec.fromJson(some.canonicalJson())).isEqualTo(some);
    assertThatThrownBy(() -> train("magnitude.train.encoder.dropout = 1"))
        .hasMessageContaining("magnitude.train.encoder.dropout = 1.0").hasMessageContaining("[0, 1)");
    assertThatThrownBy(() -> train("magnitude.train.encoder.dropout = -0.1"))
        .hasMessageContaining("magnitude.train.encoder.dropout = -0.1");
    assertThatThrownBy(() -> train("magnitude.train.encoder { kind = bag, dropout = 0.1 }"))
        .hasMessageContaining("magnitude.train.encoder.dropout = 0.1").hasMessageContaining("only kind = transformer");
  }
}
