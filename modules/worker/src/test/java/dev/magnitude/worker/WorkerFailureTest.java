package dev.magnitude.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnitude.core.config.TrainSettings;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.manifest.Manifest;
import dev.magnitude.core.manifest.TokenizerInfo;
import dev.magnitude.core.run.EvalSet;
import dev.magnitude.core.run.LearnedNormalization;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.run.Variant;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs that cannot succeed stop with a reason a user can act on, and leave nothing finished. */
class WorkerFailureTest {
  @TempDir Path tmp;

  @Test
  void missingPreparedDataNamesThePath() {
    String work = tmp.resolve("empty-work").toString();
    RunSpec spec = TinyRuns.spec(Variant.COSINE, 3, 10);

    Outcome o = run(spec, work);

    assertThat(o.reason())
        .isEqualTo("prepared data missing: " + work + "/prepared/tiny/train/qrels does not exist; run the prepare job first");
    assertThat(o.events()).as("fails before the engine or training starts").hasSize(1);
    assertNothingFinished(work, spec);
  }

  @Test
  void missingEvalSplitFailsBeforeTraining() throws IOException {
    String work = tmp.resolve("work").toString();
    TinyRuns.prepare(work);
    RunSpec base = TinyRuns.spec(Variant.COSINE, 3, 10);
    RunSpec spec = new RunSpec(base.dataset(), base.dataHash(), base.variant(), base.seed(), base.encoder(),
        base.training(), List.of(new EvalSet(TinyRuns.DATASET, "dev")));

    Outcome o = run(spec, work);

    assertThat(o.reason()).contains("prepared data missing: " + work + "/prepared/tiny/dev/queries");
    assertThat(o.events()).hasSize(1);
  }

  @Test
  void tokenIdBeyondTheVocabularyIsRefused() throws IOException {
    String work = tmp.resolve("work").toString();
    TinyRuns.prepare(work); // ids up to 39
    RunSpec base = TinyRuns.spec(Variant.DOT, 3, 10);
    RunSpec spec = new RunSpec(base.dataset(), base.dataHash(), base.variant(), base.seed(),
        TinyRuns.encoder(20), base.training(), base.eval());

    Outcome o = run(spec, work);

    assertThat(o.reason()).startsWith("token id ").contains("lies outside [0, 20)").contains("vocabulary-size = 20");
    assertNothingFinished(work, spec);
  }

  @Test
  void datasetOfAnotherTokenizerIsRefused() throws IOException {
    String work = tmp.resolve("work").toString();
    TinyRuns.prepare(work);
    Manifest manifest = new Manifest(TinyRuns.DATASET, "synthetic", 1,
        new TokenizerInfo("builtin", "builtin-other", TinyRuns.VOCABULARY, 8), List.of("train", "test"),
        Map.of(), Map.of(), "h");
    Files.writeString(Path.of(new WorkDir(work).manifest(TinyRuns.DATASET)), manifest.toJson());

    Outcome o = run(TinyRuns.spec(Variant.DOT, 3, 10), work);

    assertThat(o.reason()).startsWith(
        "dataset tiny was prepared with tokenizer builtin-other but the encoder expects builtin-test");
  }

  @Test
  void datasetOfAnotherTokenizerJsonThanTheSettingsIsRefusedNamingBothIds() throws IOException {
    String work = tmp.resolve("work").toString();
    TinyRuns.prepare(work);
    byte[] preparedWith = "{\"model\": {\"vocab\": {\"[PAD]\": 0, \"a\": 1}}}".getBytes(StandardCharsets.UTF_8);
    TokenizerInfo dataset =
        new TokenizerInfo("huggingface", TokenizerInfo.huggingFaceId(preparedWith, 8, true), TinyRuns.VOCABULARY, 8, 0);
    Manifest manifest = new Manifest(TinyRuns.DATASET, "synthetic", 1, dataset, List.of("train", "test"), Map.of(),
        Map.of(), "h");
    Files.writeString(Path.of(new WorkDir(work).manifest(TinyRuns.DATASET)), manifest.toJson());
    Path encoderTokenizer = tmp.resolve("encoder/tokenizer.json");
    Files.createDirectories(encoderTokenizer.getParent());
    Files.writeString(encoderTokenizer, "{\"model\": {\"vocab\": {\"[PAD]\": 0, \"b\": 1}}}");
    TrainSettings train = new TrainSettings("transformer", 16, 1, 2, 8, encoderTokenizer.toString(), 3, 4, 1e-3, 2,
        Map.of(Variant.DOT, 1.0), 10, 1.0, 1, List.of(), 0);

    RunSpec spec = train.runSpec(manifest, Variant.DOT, 17, "test", path -> {
      try {
        return Files.readAllBytes(Path.of(path));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    Outcome o = run(spec, work);

    String expected = TokenizerInfo.huggingFaceId(Files.readAllBytes(encoderTokenizer), 8, true);
    assertThat(spec.encoder().tokenizerId()).isEqualTo(expected);
    assertThat(o.reason())
        .startsWith("dataset tiny was prepared with tokenizer " + dataset.id() + " but the encoder expects " + expected)
        .endsWith("prepare it with that tokenizer or change magnitude.train.encoder.tokenizer");
    assertNothingFinished(work, spec);
  }

  @Test
  void nonFiniteLossStopsTheRunNamingStepAndVariant() throws IOException {
    String work = tmp.resolve("work").toString();
    TinyRuns.prepare(work);
    RunSpec base = TinyRuns.spec(Variant.DOT, 5, 2);
    // τ = 1e-300 is 0 in float32: every logit is ±∞ or NaN, so the loss is not finite.
    RunSpec spec = new RunSpec(base.dataset(), base.dataHash(), base.variant(), base.seed(), base.encoder(),
        TinyRuns.training(5, 2, 1e-300), base.eval());

    Outcome o = run(spec, work);

    assertThat(o.reason()).startsWith("non-finite loss at step 1 (variant dot)");
    assertThat(o.events().get(0).path("event").asText()).isEqualTo("start");
    assertThat(o.result().lastStep()).isZero();
    assertThat(Path.of(new WorkDir(work).checkpoints(spec.id()))).doesNotExist();
    assertNothingFinished(work, spec);
  }

  @Test
  void nonFiniteLossOfALearnedRunNamesStepVariantAndItsScalars() throws IOException {
    String work = tmp.resolve("work").toString();
    TinyRuns.prepare(work);
    RunSpec spec = TinyRuns.withTraining(Variant.LEARNED,
        TinyRuns.training(5, 2, 1e-300).withLearned(new LearnedNormalization(0.5)));

    Outcome o = run(spec, work);

    assertThat(o.reason()).startsWith("non-finite loss at step 1 (variant learned, α_q 0.5000, α_d 0.5000, logit scale ");
    assertThat(o.result().lastStep()).isZero();
    assertNothingFinished(work, spec);
  }

  @Test
  void tooFewPairsForOneBatchIsRefused() throws IOException {
    String work = tmp.resolve("work").toString();
    PreparedFixture.synthetic(work, TinyRuns.DATASET, TinyRuns.VOCABULARY, TinyRuns.DOCUMENTS, 3, 2, 3);

    Outcome o = run(TinyRuns.spec(Variant.DOT, 3, 10), work);

    assertThat(o.reason()).startsWith("dataset tiny: the training split has 3 relevant pairs, fewer than batch-size = 4");
  }

  private record Outcome(RunResult result, List<JsonNode> events, String reason) {}

  private static Outcome run(RunSpec spec, String work) {
    TinyRuns.EventLog log = new TinyRuns.EventLog();
    RunResult result = Worker.run(spec, work, PreparedFixture.conf(), log);
    List<JsonNode> events = log.parsed();
    assertThat(result.succeeded()).isFalse();
    JsonNode last = events.get(events.size() - 1);
    assertThat(last.path("event").asText()).isEqualTo("failed");
    assertThat(last.path("run").asText()).isEqualTo(spec.id());
    assertThat(last.path("reason").asText()).isEqualTo(result.failureReason());
    return new Outcome(result, events, result.failureReason());
  }

  private static void assertNothingFinished(String work, RunSpec spec) {
    WorkDir dir = new WorkDir(work);
    assertThat(Path.of(dir.runSuccess(spec.id()))).doesNotExist();
    assertThat(Path.of(dir.run(spec.id()), "embeddings")).doesNotExist();
  }
}
