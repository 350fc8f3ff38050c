package dev.magnitude.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.magnitude.core.manifest.Manifest;
import dev.magnitude.core.manifest.TokenizerInfo;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.run.Variant;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {
  /** Core's own reference.conf plus the sections other modules own, as they would be on a job's classpath. */
  static final Config REFERENCE =
      ConfigFactory.parseString(
              """
              magnitude.prepare {
                shard-max-rows = 100, max-quarantined-fraction = 0.5
                tokenizer { kind = builtin, path = "", min-count = 2, max-vocabulary = 50, hash-buckets = 8, max-length = 16, padding = none }
                sts { file = "{split}.tsv", delimiter = "\\t", header = true, sentence1 = sentence1, sentence2 = sentence2, score = score, score-min = 0, score-max = 5 }
                images { size = 64, coco-annotations = "annotations/captions_{split}.json", coco-images = "images/{split}", manifest = "{split}.jsonl" }
              }
              magnitude.train {
                encoder { kind = transformer, embedding-dim = 16, layers = 1, heads = 2, max-length = 8, tokenizer = "" }
                steps = 10, batch-size = 4, learning-rate = 1e-3, warmup-steps = 0
                temperature { cosine = 0.05, query-norm = 1.0, doc-norm = 1.0, dot = 1.0, learned = 1.0 }
                learned { alpha-init = 0.5 }
                logit-scale { learnable = false, max = 100 }
                checkpoint-every = 5, gradient-clip = 0, parallelism = 0, gpus-per-run = 0
                worker { threads = 1, java-options = ["-Xmx256m"] }
                sts { positive-threshold = 4.0 }
              }
              magnitude.spark { master = "local[2]", app-name = test, conf { "spark.ui.enabled" = "false" } }
              """)
          .withFallback(ConfigFactory.parseResources("reference.conf"));

  @TempDir Path dir;

  private Settings load(String fileContent, Map<String, String> overrides) throws IOException {
    Path file = dir.resolve("user.conf");
    Files.writeString(file, fileContent);
    return new Settings(new ConfigLoader(REFERENCE).load(List.of(file), overrides));
  }

  @Test
  void defaultsBindToTypedObjects() throws IOException {
    Settings s = load("", Map.of()).validate();
    assertThat(s.sweep().variants()).containsExactly(Variant.COSINE, Variant.QUERY_NORM, Variant.DOC_NORM, Variant.DOT);
    assertThat(s.datasets()).containsOnlyKeys("synthetic");
    assertThat(s.datasets().get("synthetic").tokenizer().maxVocabulary()).isEqualTo(50);
    assertThat(s.train().temperature()).containsEntry(Variant.COSINE, 0.05);
    assertThat(s.spark().conf()).containsEntry("spark.ui.enabled", "false");
  }

  @Test
  void overridesWinOverFilesWhichWinOverReference() throws IOException {
    Settings s = load("magnitude.train.steps = 50\nmagnitude.train.batch-size = 8", Map.of("magnitude.train.steps", "70"));
    assertThat(s.train().steps()).isEqualTo(70);
    assertThat(s.train().batchSize()).isEqualTo(8);
    assertThat(s.train().learningRate()).isEqualTo(1e-3);
    assertThat(s.train().stsPositiveThreshold()).isEqualTo(4.0);
    assertThat(load("magnitude.train.sts.positive-threshold = 3.2", Map.of()).train().stsPositiveThreshold())
        .isEqualTo(3.2);
  }

  @Test
  void unknownKeyNamesTheKeyAndTheKnownOnes() {
    assertThatThrownBy(() -> load("magnitude.train.stepz = 5", Map.of()))
        .isInstanceOf(ConfigError.class)
        .hasMessageContaining("unknown key magnitude.train.stepz")
        .hasMessageContaining("known keys under magnitude.train: batch-size, checkpoint-every");
    assertThatThrownBy(() -> load("", Map.of("magnitude.sweeep.id", "x")))
        .hasMessageContaining("unknown key magnitude.sweeep.id");
    assertThatThrownBy(() -> load("magnitude.datasets.mine { format = beir, pth = /x }", Map.of()))
        .hasMessageStartingWith("unknown key magnitude.datasets.mine.pth; a dataset takes: format, path, splits");
  }

  @Test
  void aDatasetOverridesPrepareKeysAndInheritsTheRest() throws IOException {
    Settings s = load("""
        magnitude.prepare.tokenizer.max-length = 24
        magnitude.datasets.pairs {
          format = sts, path = /data/stsb, splits = [train, test]
          tokenizer { min-count = 1 }
          sts { delimiter = ",", score-max = 1 }
          shard-max-rows = 7
        }
        """, Map.of());
    DatasetSpec pairs = s.datasets().get("pairs");
    assertThat(pairs.task()).isEqualTo(DatasetSpec.Task.STS);
    assertThat(pairs.tokenizer()).isEqualTo(new TokenizerSpec("builtin", null, 1, 50, 8, 24, "none"));
    assertThat(pairs.sts()).isEqualTo(new StsSpec("{split}.tsv", ",", true, "sentence1", "sentence2", "score", 0, 1));
    assertThat(pairs.shardMaxRows()).isEqualTo(7);
    assertThat(pairs.maxQuarantinedFraction()).isEqualTo(0.5);
    // the other dataset keeps the shared values
    assertThat(s.datasets().get("synthetic").tokenizer().minCount()).isEqualTo(2);
    assertThat(s.datasets().get("synthetic").shardMaxRows()).isEqualTo(100);
    assertThat(s.datasets().get("synthetic").task()).isEqualTo(DatasetSpec.Task.RETRIEVAL);
  }

  @Test
  void tokenizerStsAndImageSettingsAreChecked() {
    assertThatThrownBy(() -> load("magnitude.prepare.tokenizer.kind = huggingface", Map.of()).datasets())
        .isInstanceOf(ConfigError.class)
        .hasMessage("magnitude.prepare.tokenizer.path is not set: kind = huggingface needs the tokenizer.json file "
            + "(a local path or Hadoop URI)");
    assertThatThrownBy(() -> load("magnitude.prepare.tokenizer.padding = left", Map.of()).prepare())
        .hasMessageStartingWith("magnitude.prepare.tokenizer.padding = \"left\"")
        .hasMessageEndingWith("expected one of none, max-length");
    assertThatThrownBy(() -> load("magnitude.datasets.s { format = sts, path = /x, splits = [train], sts.delimiter = \";;\" }",
            Map.of()).datasets())
        .hasMessageStartingWith("magnitude.datasets.s.sts.delimiter = \";;\"");
    assertThatThrownBy(() -> load("magnitude.datasets.s { format = sts, path = /x, splits = [train], sts { header = false } }",
            Map.of()).datasets())
        .hasMessage("magnitude.datasets.s.sts: sts column 'sentence1': without a header, columns are 0-based indices");
    assertThatThrownBy(() -> load("magnitude.prepare.images.size = 4", Map.of()).datasets())
        .hasMessageStartingWith("magnitude.prepare.images.size = 4");
    assertThatThrownBy(() -> load("magnitude.datasets.mine { format = coco, path = /x, splits = [train], images.sise = 3 }",
            Map.of()))
        .hasMessageContaining("unknown key magnitude.datasets.mine.images.sise")
        .hasMessageContaining("its own values of magnitude.prepare: images, max-quarantined-fraction, shard-max-rows");
  }

  @Test
  void learnedIsAVariantOfTheSweepWithItsOwnSettingsInItsSpecOnly() throws IOException {
    Settings s = load("magnitude.sweep.variants = [dot, learned]\nmagnitude.train.learned.alpha-init = 0.3", Map.of());
    assertThat(s.sweep().variants()).containsExactly(Variant.DOT, Variant.LEARNED);
    assertThat(s.train().temperature()).containsEntry(Variant.LEARNED, 1.0);
    TrainSettings train = s.train();
    assertThat(train.learnedAlphaInit()).isEqualTo(0.3);
    assertThat(train.logitScaleLearnable()).isFalse();
    Manifest manifest = manifest();
    RunSpec learned = train.runSpec(manifest, Variant.LEARNED, 1, "test");
    RunSpec dot = train.runSpec(manifest, Variant.DOT, 1, "test");
    assertThat(learned.training().learned().alphaInit()).isEqualTo(0.3);
    assertThat(learned.canonicalJson()).contains("\"learned\":{\"alphaInit\":0.3}").doesNotContain("logitScale");
    assertThat(dot.training().learned()).isNull();
    assertThat(dot.canonicalJson()).doesNotContain("learned").doesNotContain("logitScale");
    // the learned settings change learned runs only
    RunSpec otherDot = load("magnitude.train.learned.alpha-init = 0.7", Map.of()).train().runSpec(manifest, Variant.DOT, 1, "test");
    assertThat(otherDot.id()).isEqualTo(dot.id());

    TrainSettings learnable = load("magnitude.train.logit-scale { learnable = true, max = 50 }", Map.of()).train();
    RunSpec withScale = learnable.runSpec(manifest, Variant.DOT, 1, "test");
    assertThat(withScale.training().logitScale().max()).isEqualTo(50);
    assertThat(withScale.canonicalJson()).contains("\"logitScale\":{\"max\":50.0}");
    assertThat(withScale.id()).isNotEqualTo(dot.id());
    // max only matters when the scale is learned
    assertThat(load("magnitude.train.logit-scale.max = 30", Map.of()).train().runSpec(manifest, Variant.DOT, 1, "test").id())
        .isEqualTo(dot.id());
  }

  @Test
  void badLearnedAndLogitScaleSettingsNameTheKey() {
    assertThatThrownBy(() -> load("magnitude.train.learned.alpha-init = 1", Map.of()).train())
        .hasMessageContaining("magnitude.train.learned.alpha-init = 1")
        .hasMessageContaining("strictly between 0 and 1");
    assertThatThrownBy(() -> load("magnitude.train.learned.alpha-init = 0", Map.of()).train())
        .hasMessageContaining("magnitude.train.learned.alpha-init = 0");
    assertThatThrownBy(() -> load("magnitude.train.logit-scale.max = 0", Map.of()).train())
        .hasMessageContaining("magnitude.train.logit-scale.max = 0");
    // cosine starts at 1/0.05 = 20, above a max of 10
    assertThatThrownBy(() -> load("magnitude.train.logit-scale { learnable = true, max = 10 }", Map.of()).train())
        .hasMessageContaining("magnitude.train.logit-scale.max = 10")
        .hasMessageContaining("variant cosine");
    assertThatThrownBy(() -> load("magnitude.sweep.variants = [lerned]", Map.of()).sweep())
        .hasMessageContaining("lerned")
        .hasMessageContaining("learned");
  }

  private static Manifest manifest() {
    return new Manifest("synthetic", "synthetic", 1, new TokenizerInfo("builtin", "builtin-x", 50, 16),
        List.of("train", "test"), Map.of(), Map.of(), "content-hash");
  }

  @Test
  void freeFormSparkSettingsAreAllowed() throws IOException {
    Settings s = load("magnitude.spark.conf { \"spark.executor.memory\" = 2g }", Map.of());
    assertThat(s.spark().conf()).containsEntry("spark.executor.memory", "2g");
  }

  @Test
  void invalidValueNamesKeyValueOriginAndWhatIsAllowed() {
    assertThatThrownBy(() -> load("magnitude.train.steps = many", Map.of()).train())
        .isInstanceOf(ConfigError.class)
        .hasMessageContaining("magnitude.train.steps = \"many\"")
        .hasMessageContaining("user.conf line 1")
        .hasMessageContaining("expected an integer");
    assertThatThrownBy(() -> load("magnitude.train.steps = 0", Map.of()).train())
        .hasMessageContaining("magnitude.train.steps = 0")
        .hasMessageContaining("expected an integer >= 1");
    assertThatThrownBy(() -> load("magnitude.train.gpus-per-run = -1", Map.of()).train())
        .hasMessageContaining("magnitude.train.gpus-per-run = -1")
        .hasMessageContaining("expected an integer >= 0");
    assertThatThrownBy(() -> load("magnitude.train.temperature.dot = -1", Map.of()).train())
        .hasMessageContaining("magnitude.train.temperature.dot = -1.0")
        .hasMessageContaining("a number > 0");
    assertThatThrownBy(() -> load("magnitude.train.encoder.heads = 3", Map.of()).train())
        .hasMessageContaining("magnitude.train.encoder.heads = 3")
        .hasMessageContaining("a divisor of embedding-dim = 16");
  }

  @Test
  void encoderTokenizerIsEmptyAnIdOrATokenizerJson() throws IOException {
    assertThat(load("", Map.of()).train().tokenizer()).isEmpty();
    assertThat(load("magnitude.train.encoder.tokenizer = builtin-159e9c16e6ec", Map.of()).train().tokenizer())
        .isEqualTo("builtin-159e9c16e6ec");
    assertThat(load("", Map.of("magnitude.train.encoder.tokenizer", "hdfs:///models/bert/tokenizer.json")).train()
        .tokenizer()).isEqualTo("hdfs:///models/bert/tokenizer.json");
    assertThatThrownBy(() -> load("magnitude.train.encoder.tokenizer = bert", Map.of()).train())
        .isInstanceOf(ConfigError.class)
        .hasMessageContaining("magnitude.train.encoder.tokenizer = \"bert\"")
        .hasMessageContaining("a tokenizer id (builtin-…, huggingface-…) or the path of a tokenizer.json");
  }

  @Test
  void sweepNamingAnUnknownVariantOrDatasetIsAnError() {
    assertThatThrownBy(() -> load("magnitude.sweep.variants = [cosine, euclid]", Map.of()).validate())
        .isInstanceOf(ConfigError.class)
        .hasMessageContaining("magnitude.sweep.variants = \"euclid\"")
        .hasMessageContaining("cosine, query-norm, doc-norm, dot");
    assertThatThrownBy(() -> load("magnitude.sweep.datasets = [msmarco]", Map.of()).validate())
        .hasMessageContaining("magnitude.sweep.datasets names unknown dataset 'msmarco'; configured datasets: synthetic");
  }

  @Test
  void datasetRecordChecksSurfaceWithTheSection() {
    assertThatThrownBy(() -> load("magnitude.datasets.synthetic.synthetic.topics = 1000", Map.of()).datasets())
        .hasMessageStartingWith("magnitude.datasets.synthetic.synthetic: synthetic topics = 1000");
    assertThatThrownBy(() -> load("magnitude.datasets.mine { format = parquet, splits = [test] }", Map.of()).datasets())
        .hasMessageContaining("magnitude.datasets.mine.format = \"parquet\"")
        .hasMessageContaining("one of synthetic, beir, msmarco");
  }

  @Test
  void msmarcoWithoutPathIsAOneLineError() throws IOException {
    assertThatThrownBy(() -> load("magnitude.datasets.mine { format = msmarco, splits = [train, dev] }", Map.of()).datasets())
        .isInstanceOf(ConfigError.class)
        .hasMessage("magnitude.datasets.mine: dataset mine has format msmarco but no path (the folder holding its "
            + "input files)");
    assertThat(load("magnitude.datasets.mine { format = msmarco, path = /data/msmarco, splits = [train, dev] }", Map.of())
            .datasets().get("mine"))
        .satisfies(d -> {
          assertThat(d.format()).isEqualTo("msmarco");
          assertThat(d.path()).isEqualTo("/data/msmarco");
          assertThat(d.splits()).containsExactly("train", "dev");
        });
  }

  @Test
  void maxQuarantinedFractionIsANumberInZeroToOne() throws IOException {
    assertThat(load("", Map.of()).datasets().get("synthetic").maxQuarantinedFraction()).isEqualTo(0.5);
    assertThat(load("magnitude.prepare.max-quarantined-fraction = 1", Map.of()).prepare().maxQuarantinedFraction())
        .isEqualTo(1.0);
    for (String bad : List.of("1.5", "-0.1")) {
      assertThatThrownBy(() -> load("magnitude.prepare.max-quarantined-fraction = " + bad, Map.of()).prepare())
          .isInstanceOf(ConfigError.class)
          .hasMessageStartingWith("magnitude.prepare.max-quarantined-fraction = " + Double.parseDouble(bad))
          .hasMessageContaining("expected a number in [0.0, 1.0]")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
  }

  @Test
  void missingOrBrokenConfigFilesAreNamed() throws IOException {
    Path missing = dir.resolve("nope.conf");
    assertThatThrownBy(() -> new ConfigLoader(REFERENCE).load(List.of(missing), Map.of()))
        .isInstanceOf(ConfigError.class)
        .hasMessage("config file " + missing + " does not exist or is not a file");
    Path broken = dir.resolve("broken.conf");
    Files.writeString(broken, "magnitude { train { steps = ");
    assertThatThrownBy(() -> new ConfigLoader(REFERENCE).load(List.of(broken), Map.of()))
        .hasMessageStartingWith("config file " + broken + " cannot be parsed");
  }

  @Test
  void listOverridesAreParsedAndPlainOnesStayStrings() throws IOException {
    Settings s = load("", Map.of(
        "magnitude.sweep.seeds", "[1, 2]",
        "magnitude.sweep.variants", "[dot,cosine]",
        "magnitude.work-dir", "hdfs://nn:8020/user/me/work",
        "magnitude.train.worker.java-options", "[\"-Xmx2g\", \"-XX:+UseSerialGC\"]"));
    assertThat(s.sweep().seeds()).containsExactly(1L, 2L);
    assertThat(s.sweep().variants()).containsExactly(Variant.DOT, Variant.COSINE);
    assertThat(s.workDir()).isEqualTo("hdfs://nn:8020/user/me/work");
    assertThat(s.train().workerJavaOptions()).containsExactly("-Xmx2g", "-XX:+UseSerialGC");
    assertThatThrownBy(() -> load("", Map.of("magnitude.train.steps", "many")).train())
        .hasMessage("magnitude.train.steps = \"many\" (set by -Dmagnitude.train.steps): expected an integer");
    assertThatThrownBy(() -> load("", Map.of("magnitude.sweep.variants", "[cosine, l2]")).sweep())
        .hasMessage("magnitude.sweep.variants = \"l2\" (set by -Dmagnitude.sweep.variants): expected variants among"
            + " cosine, query-norm, doc-norm, dot, learned");
    assertThatThrownBy(() -> load("", Map.of("magnitude.sweep.seeds", "[1, 2")))
        .isInstanceOf(ConfigError.class)
        .hasMessageStartingWith("-Dmagnitude.sweep.seeds=[1, 2 cannot be parsed");
  }
}
