package dev.magnitude.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.TruncatedNormalInitializer;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.run.EncoderSpec;
import dev.magnitude.core.run.EvalSet;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.run.TrainingSpec;
import dev.magnitude.core.run.Variant;
import dev.magnitude.core.schema.Tables;
import dev.magnitude.worker.data.TokenizedText;
import dev.magnitude.worker.model.TextTower;
import dev.magnitude.worker.model.TextTowers;
import dev.magnitude.worker.train.Checkpoints;
import dev.magnitude.worker.train.CurvePoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole worker runs with the bag and torchscript encoders and with separate towers, on the tiny dataset. */
class EncoderKindsWorkerTest {
  @TempDir Path tmp;

  static String module() {
    try {
      return Path.of(EncoderKindsWorkerTest.class.getResource("/torchscript/tiny_encoder.pt").toURI()).toString();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static RunSpec spec(EncoderSpec encoder, int steps, int checkpointEvery, double learningRate) {
    return new RunSpec(TinyRuns.DATASET, "hash-of-tiny", Variant.COSINE, 17, encoder,
        new TrainingSpec(steps, 4, learningRate, 0, 0.1, checkpointEvery, 1.0, 1),
        List.of(new EvalSet(TinyRuns.DATASET, "test")));
  }

  static EncoderSpec encoder(String kind, String towers) {
    return new EncoderSpec(kind, 16, 1, 2, 8, TinyRuns.VOCABULARY, "builtin-test",
        kind.equals("torchscript") ? module() : null, towers);
  }

  @Test
  void aBagRunLowersTheLossAndExportsBothSides() throws IOException {
    String work = tmp.resolve("work").toString();
    TinyRuns.prepare(work);
    RunSpec spec = spec(encoder("bag", "shared"), 40, 20, 1e-2);
    RunResult result = Worker.run(spec, work, PreparedFixture.conf(), line -> {});
    assertThat(result.succeeded()).as(result.failureReason()).isTrue();
    List<Double> losses = result.curve().stream().map(CurvePoint::loss).toList();
    assertThat(mean(losses.subList(30, 40))).isLessThan(mean(losses.subList(0, 10)) * 0.9);
    assertThat(vectors(work, spec, "test", "queries")).hasSize(TinyRuns.TEST_QUERIES);
    assertThat(vectors(work, spec, "corpus", "documents")).hasSize(TinyRuns.DOCUMENTS);
  }

  @Test
  void aTorchScriptRunFineTunesTheModuleAndResumesExactly() throws IOException {
    resumesExactly(encoder("torchscript", "shared"), "ts");
  }

  @Test
  void aSeparateTowerRunResumesExactly() throws IOException {
    resumesExactly(encoder("bag", "separate"), "bag");
    resumesExactly(encoder("torchscript", "separate"), "ts");
  }

  @Test
  void separateTowersExportQueriesWithTheQueryTowerAndDocumentsWithTheDocumentTower() throws Exception {
    String work = tmp.resolve("export").toString();
    PreparedFixture.Dataset data = TinyRuns.prepare(work);
    RunSpec spec = spec(encoder("bag", "separate"), 4, 4, 1e-2);
    assertThat(Worker.run(spec, work, PreparedFixture.conf(), line -> {}).succeeded()).isTrue();
    WorkDir dir = new WorkDir(work);
    List<float[]> queries = floats(dir.embeddings(spec.id(), TinyRuns.DATASET, "test", "queries"));
    List<float[]> documents = floats(dir.embeddings(spec.id(), TinyRuns.DATASET, "corpus", "documents"));

    // The final parameters, read back from the last checkpoint into fresh towers.
    try (TextTowers towers = TextTowers.create(spec.encoder(), Device.cpu(), PreparedFixture.conf(), "check");
        Model model = Model.newInstance("check", Device.cpu())) {
      model.setBlock(towers.block());
      towers.block().setInitializer(new TruncatedNormalInitializer(Worker.INIT_STD), Parameter.Type.WEIGHT);
      towers.block().initialize(model.getNDManager(), DataType.FLOAT32, towers.inputShapes(4));
      new Checkpoints(dir.checkpoints(spec.id()), PreparedFixture.conf()).load(towers.block(), model.getNDManager(), 4);
      List<int[]> queryTexts = data.testQueries().stream().map(TokenizedText::tokenIds).toList();
      List<int[]> documentTexts = data.documents().stream().map(TokenizedText::tokenIds).toList();
      float[] byQueryTower = embed(towers.query(), model, queryTexts);
      float[] byDocumentTower = embed(towers.document(), model, queryTexts);
      assertThat(flatten(queries)).containsExactly(byQueryTower, within(1e-6f));
      assertThat(byDocumentTower).isNotEqualTo(byQueryTower);
      assertThat(flatten(documents)).containsExactly(embed(towers.document(), model, documentTexts), within(1e-6f));
    }
  }

  private static float[] embed(TextTower tower, Model model, List<int[]> texts) {
    try (NDManager scope = model.getNDManager().newSubManager()) {
      return tower.embed(new ParameterStore(scope, false), scope, texts, false).toFloatArray();
    }
  }

  private static List<float[]> floats(String path) throws IOException {
    List<float[]> out = new ArrayList<>();
    for (GenericRecord r : OutputFiles.rows(path)) {
      List<?> vector = (List<?>) r.get(Tables.VECTOR);
      float[] v = new float[vector.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = ((Number) vector.get(i)).floatValue();
      }
      out.add(v);
    }
    return out;
  }

  private static float[] flatten(List<float[]> rows) {
    float[] all = new float[rows.stream().mapToInt(r -> r.length).sum()];
    int at = 0;
    for (float[] r : rows) {
      System.arraycopy(r, 0, all, at, r.length);
      at += r.length;
    }
    return all;
  }

  @Test
  void separateTowersAreAnotherRun() {
    assertThat(spec(encoder("bag", "separate"), 4, 2, 1e-2).id()).isNotEqualTo(spec(encoder("bag", "shared"), 4, 2, 1e-2).id());
  }

  @Test
  void aTorchScriptModuleOfAnotherSizeFailsTheRunWithTheFix() throws IOException {
    String work = tmp.resolve("wrong-size").toString();
    TinyRuns.prepare(work);
    EncoderSpec wrong = new EncoderSpec("torchscript", 32, 1, 1, 8, TinyRuns.VOCABULARY, "builtin-test", module(), null);
    RunResult result = Worker.run(spec(wrong, 2, 2, 1e-2), work, PreparedFixture.conf(), line -> {});
    assertThat(result.succeeded()).isFalse();
    assertThat(result.failureReason())
        .startsWith("building the torchscript encoder: ")
        .endsWith("returns embeddings of 16 dimensions but encoder.embedding-dim = 32; set "
            + "magnitude.train.encoder.embedding-dim = 16");
  }

  /** A run of 6 steps (checkpoints at 4 and 6), then the same run resumed from step 4: identical results. */
  private void resumesExactly(EncoderSpec encoder, String name) throws IOException {
    String work = tmp.resolve(name + "-" + encoder.towers()).toString();
    TinyRuns.prepare(work);
    RunSpec spec = spec(encoder, 6, 2, 1e-2);
    RunResult full = Worker.run(spec, work, PreparedFixture.conf(), line -> {});
    assertThat(full.succeeded()).as(full.failureReason()).isTrue();
    List<Double> losses = full.curve().stream().map(CurvePoint::loss).toList();
    assertThat(losses).hasSize(6).allSatisfy(l -> assertThat(l).isFinite());
    List<String> queries = vectors(work, spec, "test", "queries");
    List<String> documents = vectors(work, spec, "corpus", "documents");

    WorkDir dir = new WorkDir(work);
    Files.delete(Path.of(dir.checkpoints(spec.id()), "step-6.ckpt"));
    Files.delete(Path.of(dir.runSuccess(spec.id())));
    deleteTree(Path.of(dir.run(spec.id()), "embeddings"));
    RunResult resumed = Worker.run(spec, work, PreparedFixture.conf(), line -> {});

    assertThat(resumed.succeeded()).as(resumed.failureReason()).isTrue();
    assertThat(resumed.firstStep()).isEqualTo(5);
    assertThat(resumed.curve().stream().map(CurvePoint::loss).toList()).containsExactlyElementsOf(losses);
    assertThat(vectors(work, spec, "test", "queries")).containsExactlyElementsOf(queries);
    assertThat(vectors(work, spec, "corpus", "documents")).containsExactlyElementsOf(documents);
  }

  private static double mean(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
  }

  private static List<String> vectors(String work, RunSpec spec, String split, String side) throws IOException {
    List<String> out = new ArrayList<>();
    for (GenericRecord r : OutputFiles.rows(new WorkDir(work).embeddings(spec.id(), TinyRuns.DATASET, split, side))) {
      out.add(r.get(Tables.ID) + "=" + r.get(Tables.VECTOR));
    }
    return out;
  }

  private static void deleteTree(Path root) throws IOException {
    try (var files = Files.walk(root)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
