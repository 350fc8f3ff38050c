package dev.magnitude.jobs.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.magnitude.core.config.ConfigLoader;
import dev.magnitude.core.config.Settings;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.manifest.Manifest;
import dev.magnitude.core.manifest.TokenizerInfo;
import dev.magnitude.core.run.ImageTextTraining;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.jobs.support.JobError;
import dev.magnitude.prepare.io.HadoopFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** magnitude.train.encoder.tokenizer in the planned run specs. */
class RunPlannerTest {
  static final byte[] PREPARED_WITH = "{\"model\": {\"vocab\": {\"[PAD]\": 0, \"a\": 1}}}".getBytes(StandardCharsets.UTF_8);

  @TempDir Path dir;

  final HadoopFiles fs = new HadoopFiles(new Configuration());

  @Test
  void withoutTheSettingRunsExpectTheDatasetsTokenizer() throws IOException {
    WorkDir work = prepare();
    for (RunSpec spec : RunPlanner.plan(settings(work, ""), work, fs)) {
      assertThat(spec.encoder().tokenizerId()).isEqualTo(TokenizerInfo.huggingFaceId(PREPARED_WITH, 16, true));
    }
  }

  @Test
  void aTokenizerJsonStandsForItsIdWithTheDatasetsMaxLengthAndPadding() throws IOException {
    WorkDir work = prepare();
    Path same = Files.write(dir.resolve("same/tokenizer.json"), PREPARED_WITH);
    Path other = Files.writeString(dir.resolve("other/tokenizer.json"), "{\"model\": {\"vocab\": {\"b\": 0}}}");

    List<RunSpec> runs = RunPlanner.plan(settings(work, same.toUri().toString()), work, fs);
    assertThat(runs).hasSize(2).allSatisfy(s -> assertThat(s.encoder().tokenizerId())
        .isEqualTo(TokenizerInfo.huggingFaceId(PREPARED_WITH, 16, true)));
    assertThat(RunPlanner.plan(settings(work, other.toString()), work, fs))
        .allSatisfy(s -> assertThat(s.encoder().tokenizerId())
            .isEqualTo(TokenizerInfo.huggingFaceId(Files.readAllBytes(other), 16, true)));
  }

  @Test
  void aMissingTokenizerJsonStopsThePlanNamingTheSetting() throws IOException {
    WorkDir work = prepare();
    Path missing = dir.resolve("nowhere/tokenizer.json");
    assertThatThrownBy(() -> RunPlanner.plan(settings(work, missing.toString()), work, fs))
        .isInstanceOf(JobError.class)
        .hasMessage("magnitude.train.encoder.tokenizer: tokenizer.json " + missing
            + " does not exist; check the tokenizer path");
  }

  @Test
  void anImageTextDatasetIsPlannedWithTheImageEncoderInItsSpec() throws IOException {
    Path conf = dir.resolve("images.conf");
    Files.writeString(conf, String.join("\n",
        "magnitude.datasets.pictures { format = captions-jsonl, path = /nowhere, splits = [train, test] }",
        "magnitude.sweep { id = toy, datasets = [pictures], variants = [dot, doc-norm], seeds = [1], eval-split = test }",
        ""));
    Settings settings = new Settings(ConfigLoader.fromClasspath().load(List.of(conf),
        Map.of("magnitude.work-dir", dir.toString()))).validate();
    WorkDir work = new WorkDir(dir.resolve("work").toUri().toString());
    TokenizerInfo tokenizer = new TokenizerInfo("builtin", "builtin-0123456789ab", 30, 8, 0);
    Manifest manifest =
        new Manifest("pictures", "captions-jsonl", 1, tokenizer, List.of("train", "test"), Map.of(), Map.of(), "h");
    fs.writeAtomically(work.manifest("pictures"), manifest.toJson());
    fs.writeString(work.dataset("pictures") + "/" + WorkDir.SUCCESS, "");

    List<RunSpec> runs = RunPlanner.plan(settings, work, fs);
    assertThat(runs).hasSize(2).allSatisfy(run -> {
      assertThat(run.trainsOnImageText()).isTrue();
      assertThat(run.trainsOnSts()).isFalse();
      assertThat(run.imageText()).isEqualTo(ImageTextTraining.SMALL_CNN);
      assertThat(run.scoresImageText(run.eval().get(0))).isTrue();
    });
  }

  @Test
  void anStsDatasetIsPlannedWithThePositiveThresholdInItsSpec() throws IOException {
    Path conf = dir.resolve("sts.conf");
    Files.writeString(conf, String.join("\n",
        "magnitude.datasets.pairs { format = sts, path = /nowhere, splits = [train, test] }",
        "magnitude.sweep { id = toy, datasets = [pairs], variants = [dot, cosine], seeds = [1], eval-split = test }",
        "magnitude.train.sts.positive-threshold = 3.5",
        ""));
    Settings settings = new Settings(ConfigLoader.fromClasspath().load(List.of(conf),
        Map.of("magnitude.work-dir", dir.toString()))).validate();
    WorkDir work = new WorkDir(dir.resolve("work").toUri().toString());
    TokenizerInfo tokenizer = new TokenizerInfo("builtin", "builtin-0123456789ab", 30, 8, 0);
    Manifest manifest = new Manifest("pairs", "sts", 1, tokenizer, List.of("train", "test"), Map.of(), Map.of(), "h");
    fs.writeAtomically(work.manifest("pairs"), manifest.toJson());
    fs.writeString(work.dataset("pairs") + "/" + WorkDir.SUCCESS, "");

    List<RunSpec> runs = RunPlanner.plan(settings, work, fs);
    assertThat(runs).hasSize(2).allSatisfy(run -> {
      assertThat(run.trainsOnSts()).isTrue();
      assertThat(run.sts().positiveThreshold()).isEqualTo(3.5);
      assertThat(run.scoresSts(run.eval().get(0))).isTrue();
    });
  }

  @Test
  void aTorchScriptEncodersRunsNameTheModulesContentNotOnlyItsPath() throws Exception {
    WorkDir work = prepare();
    Path module = Files.writeString(dir.resolve("module.pt"), "the bytes of one module");
    // a TorchScript encoder names its tokenizer.json: the one the data was prepared with
    String tokenizer = Files.write(dir.resolve("same/tokenizer.json"), PREPARED_WITH).toString();
    Map<String, String> torchscript = Map.of("magnitude.train.encoder.kind", "torchscript",
        "magnitude.train.encoder.path", module.toString());
    List<RunSpec> first = RunPlanner.plan(settings(work, tokenizer, torchscript), work, fs);
    String expected = java.util.HexFormat.of().formatHex(
        java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(module)));
    assertThat(first).hasSize(2).allSatisfy(s -> assertThat(s.encoder().moduleSha256()).isEqualTo(expected));

    // other bytes at the same path: other runs, none of them taken for the first module's
    Files.writeString(module, "the bytes of another module");
    List<RunSpec> second = RunPlanner.plan(settings(work, tokenizer, torchscript), work, fs);
    assertThat(second).extracting(RunSpec::id).doesNotContainAnyElementsOf(first.stream().map(RunSpec::id).toList());
    assertThat(second).allSatisfy(s -> assertThat(s.encoder().moduleSha256()).isNotEqualTo(expected));

    // the transformer's specs carry no module hash
    assertThat(RunPlanner.plan(settings(work, ""), work, fs))
        .allSatisfy(s -> assertThat(s.encoder().moduleSha256()).isNull());

    Path missing = dir.resolve("gone.pt");
    assertThatThrownBy(() -> RunPlanner.plan(settings(work, tokenizer, Map.of("magnitude.train.encoder.kind", "torchscript",
        "magnitude.train.encoder.path", missing.toString())), work, fs))
        .isInstanceOf(JobError.class)
        .hasMessageStartingWith("magnitude.train.encoder.path = " + missing + ": cannot read the TorchScript module: ");
  }

  /**
   * Before, a manifest changed in place (here its content hash, without the .crc side file) was planned from:
   * the runs got ids of data that was never prepared. Now the plan stops, naming the file and what to do.
   */
  @Test
  void aDamagedManifestStopsThePlanNamingTheFile() throws IOException {
    WorkDir work = prepare();
    Path manifest = Path.of(java.net.URI.create(work.manifest("toy")));
    String sealed = dev.magnitude.core.json.ChecksummedJson.seal(Files.readString(manifest));
    Files.writeString(manifest, sealed.replace("\"contentHash\" : \"h\"", "\"contentHash\" : \"x\""));
    Files.deleteIfExists(manifest.resolveSibling(".manifest.json.crc"));
    assertThatThrownBy(() -> RunPlanner.plan(settings(work, ""), work, fs))
        .isInstanceOf(JobError.class)
        .hasMessageStartingWith(work.manifest("toy") + " is damaged: its content has SHA-256 ")
        .hasMessageEndingWith("; prepare dataset 'toy' again: jobs/magnitude prepare --force");
  }

  private WorkDir prepare() throws IOException {
    Files.createDirectories(dir.resolve("same"));
    Files.createDirectories(dir.resolve("other"));
    WorkDir work = new WorkDir(dir.resolve("work").toUri().toString());
    TokenizerInfo tokenizer =
        new TokenizerInfo("huggingface", TokenizerInfo.huggingFaceId(PREPARED_WITH, 16, true), 2, 16, 0);
    Manifest manifest = new Manifest("toy", "synthetic", 1, tokenizer, List.of("train", "test"), Map.of(), Map.of(), "h");
    fs.writeAtomically(work.manifest("toy"), manifest.toJson());
    fs.writeString(work.dataset("toy") + "/" + WorkDir.SUCCESS, "");
    return work;
  }

  private Settings settings(WorkDir work, String tokenizer) throws IOException {
    return settings(work, tokenizer, Map.of());
  }

  private Settings settings(WorkDir work, String tokenizer, Map<String, String> more) throws IOException {
    Path conf = dir.resolve("toy.conf");
    Files.writeString(conf, String.join("\n",
        "magnitude.datasets.toy {",
        "  format = synthetic",
        "  splits = [train, test]",
        "  synthetic { documents = 10, topics = 2, train-queries = 1, dev-queries = 1, test-queries = 1, seed = 5 }",
        "}",
        "magnitude.sweep { id = toy, datasets = [toy], variants = [dot, cosine], seeds = [1], eval-split = test }",
        ""));
    Map<String, String> overrides = new java.util.HashMap<>(more);
    overrides.put("magnitude.work-dir", work.root());
    overrides.put("magnitude.train.encoder.tokenizer", tokenizer);
    return new Settings(ConfigLoader.fromClasspath().load(List.of(conf), overrides)).validate();
  }
}
