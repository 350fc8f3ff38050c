package dev.magnitude.worker;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.run.TrainedNormalization;
import dev.magnitude.core.run.Variant;
import dev.magnitude.core.schema.Tables;
import dev.magnitude.worker.data.DataSchemas;
import dev.magnitude.worker.data.TokenizedText;
import dev.magnitude.worker.model.TextEncoder;
import dev.magnitude.worker.output.CurvesFile;
import dev.magnitude.worker.train.Checkpoints;
import dev.magnitude.worker.train.CurvePoint;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A full tiny run in-process: 6 steps, checkpoints at 4 and 6, three embedding files. */
class WorkerTest {
  @TempDir static java.nio.file.Path tmp;

  static String work;
  static PreparedFixture.Dataset data;
  static RunSpec spec;
  static TinyRuns.EventLog events = new TinyRuns.EventLog();
  static RunResult result;
  static WorkDir dir;

  @BeforeAll
  static void runOnce() throws IOException {
    work = tmp.resolve("work").toString();
    dir = new WorkDir(work);
    data = TinyRuns.prepare(work);
    spec = TinyRuns.spec(Variant.DOC_NORM, 6, 4);
    result = Worker.run(spec, work, PreparedFixture.conf(), events);
  }

  @Test
  void succeedsAndReportsEveryStep() {
    assertThat(result.failureReason()).isNull();
    assertThat(result.succeeded()).isTrue();
    assertThat(result.firstStep()).isEqualTo(1);
    assertThat(result.lastStep()).isEqualTo(6);
    assertThat(result.curve()).extracting(CurvePoint::step).containsExactly(1, 2, 3, 4, 5, 6);
    assertThat(result.curve()).allSatisfy(p -> {
      assertThat(p.loss()).isFinite().isPositive();
      assertThat(p.gradNorm()).isFinite().isPositive();
      assertThat(p.queryNormMean()).isFinite().isPositive();
      assertThat(p.docNormStd()).isFinite().isNotNegative();
    });
    // Warm-up over 2 steps to lr = 1e-3: step 1 runs at half of it.
    assertThat(result.curve()).extracting(CurvePoint::lr).containsExactly(5e-4, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3);
  }

  @Test
  void eventsFollowTheContract() {
    List<JsonNode> all = events.parsed();
    assertThat(all.get(0).path("event").asText()).isEqualTo("start");
    assertThat(all.get(0).path("run").asText()).isEqualTo(spec.id());
    assertThat(all.get(0).path("device").asText()).isEqualTo("cpu()");
    assertThat(all.get(0).path("threads").asInt()).isEqualTo(1);
    assertThat(all.get(0).path("steps").asInt()).isEqualTo(6);
    assertThat(all.get(0).path("pairs").asInt()).isEqualTo(
        (int) data.trainQrels().stream().filter(q -> q.relevant()).count());
    assertThat(events.lines.get(0)).startsWith("{\"event\":\"start\",\"run\":\"" + spec.id() + "\"");
    // 6 steps: a progress line every max(1, round(6 / 20)) = 1 step.
    assertThat(events.of("progress")).extracting(n -> n.path("step").asInt()).containsExactly(1, 2, 3, 4, 5, 6);
    assertThat(events.of("progress")).allSatisfy(n -> {
      assertThat(n.path("steps").asInt()).isEqualTo(6);
      assertThat(n.path("loss").asDouble()).isFinite();
      assertThat(n.path("pairsPerSecond").asDouble()).isPositive();
    });
    assertThat(events.of("checkpoint")).extracting(n -> n.path("step").asInt()).containsExactly(4, 6);
    assertThat(events.of("checkpoint").get(1).path("path").asText()).endsWith("/checkpoints/step-6.ckpt");
    JsonNode last = all.get(all.size() - 1);
    assertThat(last.path("event").asText()).isEqualTo("done");
    assertThat(last.path("seconds").asDouble()).isPositive();
  }

  @Test
  void embeddingsHaveOneRowPerTextAndTheirNorms() throws IOException {
    String testQueries = dir.embeddings(spec.id(), TinyRuns.DATASET, "test", Tables.QUERIES);
    String trainQueries = dir.embeddings(spec.id(), TinyRuns.DATASET, "train", Tables.QUERIES);
    String corpus = dir.embeddings(spec.id(), TinyRuns.DATASET, WorkDir.CORPUS, Tables.DOCUMENTS);
    assertThat(result.embeddings()).containsOnlyKeys(testQueries, trainQueries, corpus);

    assertThat(ids(OutputFiles.rows(testQueries))).containsExactlyElementsOf(ids(data.testQueries()));
    assertThat(ids(OutputFiles.rows(trainQueries))).containsExactlyElementsOf(ids(data.trainQueries()));
    List<GenericRecord> documents = OutputFiles.rows(corpus);
    assertThat(ids(documents)).containsExactlyElementsOf(ids(data.documents()));
    assertThat(result.embeddings().get(corpus)).isEqualTo(TinyRuns.DOCUMENTS);

    for (GenericRecord row : documents) {
      List<?> vector = (List<?>) row.get(Tables.VECTOR);
      assertThat(vector).hasSize(16);
      double squares = 0;
      for (Object v : vector) {
        squares += ((Float) v).doubleValue() * ((Float) v).doubleValue();
      }
      assertThat((Double) row.get(Tables.NORM)).isEqualTo(Math.sqrt(squares));
      assertThat((Double) row.get(Tables.NORM)).as("raw, not normalized").isNotCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-3));
    }
  }

  @Test
  void outputSchemasAreTheDataSchemas() throws IOException {
    assertSameFields(
        OutputFiles.parquetSchemaAsAvro(dir.embeddings(spec.id(), TinyRuns.DATASET, "test", Tables.QUERIES)),
        DataSchemas.load(Tables.EMBEDDINGS));
    assertSameFields(OutputFiles.parquetSchemaAsAvro(dir.curves(spec.id())), DataSchemas.load(Tables.CURVES));
  }

  @Test
  void curvesFileHoldsEveryStep() throws IOException {
    List<CurvePoint> curve = CurvesFile.read(dir.curves(spec.id()), PreparedFixture.conf());
    assertThat(curve).containsExactlyElementsOf(result.curve());
    assertThat(OutputFiles.rows(dir.curves(spec.id()))).hasSize(6);
  }

  @Test
  void runFolderHoldsCommittedFilesOnlyAndSuccessLast() throws IOException {
    java.nio.file.Path run = java.nio.file.Path.of(dir.run(spec.id()));
    assertThat(run.resolve(WorkDir.SUCCESS)).exists();
    assertThat(run.resolve("checkpoints/step-4.ckpt")).exists();
    assertThat(run.resolve("checkpoints/step-6.ckpt")).exists();
    try (Stream<java.nio.file.Path> files = Files.walk(run)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("_tmp"));
    }
    long success = Files.getLastModifiedTime(run.resolve(WorkDir.SUCCESS)).toMillis();
    try (Stream<java.nio.file.Path> files = Files.walk(run)) {
      // Local FS checksum sidecars (.name.crc) are written with their file; they are not outputs.
      assertThat(files.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith(".")))
          .allSatisfy(p -> assertThat(Files.getLastModifiedTime(p).toMillis()).isLessThanOrEqualTo(success));
    }
  }

  @Test
  void exportedEmbeddingsAreTheLastCheckpointInEvalMode() throws Exception {
    // Second route: load step-6.ckpt into a fresh encoder and embed the test queries directly.
    TextEncoder encoder = new TextEncoder(spec.encoder());
    List<int[]> tokens = data.testQueries().stream().map(TokenizedText::tokenIds).toList();
    float[] direct;
    try (Model model = Model.newInstance("check")) {
      model.setBlock(encoder.block());
      encoder.block().initialize(model.getNDManager(), DataType.FLOAT32, encoder.inputShapes(2));
      new Checkpoints(dir.checkpoints(spec.id()), PreparedFixture.conf()).load(encoder.block(), model.getNDManager(), 6);
      try (NDManager scope = model.getNDManager().newSubManager()) {
        ParameterStore ps = new ParameterStore(scope, false);
        direct = encoder.embed(in -> encoder.block().forward(ps, in, false), scope, tokens).toFloatArray();
      }
    }
    List<GenericRecord> rows = OutputFiles.rows(dir.embeddings(spec.id(), TinyRuns.DATASET, "test", Tables.QUERIES));
    for (int i = 0; i < rows.size(); i++) {
      List<?> vector = (List<?>) rows.get(i).get(Tables.VECTOR);
      for (int k = 0; k < vector.size(); k++) {
        assertThat((Float) vector.get(k)).isCloseTo(direct[i * 16 + k], org.assertj.core.data.Offset.offset(1e-5f));
      }
    }
  }

  @Test
  void aFixedVariantLogsItsFixedLogitScaleAndNoAlpha() throws IOException {
    // TinyRuns trains doc-norm at τ = 1
    assertThat(OutputFiles.rows(dir.curves(spec.id()))).allSatisfy(row -> {
      assertThat(row.get("alpha_query")).isNull();
      assertThat(row.get("alpha_document")).isNull();
      assertThat(row.get("logit_scale")).isEqualTo(1.0);
    });
    assertThat(result.normalization()).isEqualTo(new TrainedNormalization(Variant.DOC_NORM, 6, null, null, 1.0));
    // the sha256 member: printf '{"logitScale":1.0,"step":6,"variant":"doc-norm"}' | sha256sum
    assertThat(Files.readString(java.nio.file.Path.of(dir.normalization(spec.id()))))
        .isEqualTo("{\"logitScale\":1.0,\"step\":6,\"variant\":\"doc-norm\","
            + "\"sha256\":\"a00e9381e88dc34291994cf4db641003133a873e0d496f317e1c5fe39d363df7\"}");
  }

  @Test
  void aFinishedRunIsNotRedone() {
    TinyRuns.EventLog again = new TinyRuns.EventLog();
    RunResult second = Worker.run(spec, work, PreparedFixture.conf(), again);
    assertThat(second.succeeded()).isTrue();
    assertThat(second.alreadyDone()).isTrue();
    assertThat(again.parsed()).singleElement().satisfies(n -> assertThat(n.path("event").asText()).isEqualTo("done"));
  }

  static void assertSameFields(Schema actual, Schema expected) {
    assertThat(actual.getFields()).extracting(Schema.Field::name)
        .containsExactlyElementsOf(expected.getFields().stream().map(Schema.Field::name).toList());
    for (Schema.Field field : expected.getFields()) {
      assertThat(actual.getField(field.name()).schema()).as(field.name()).isEqualTo(field.schema());
    }
  }

  private static List<String> ids(List<?> rows) {
    return rows.stream()
        .map(r -> r instanceof TokenizedText t ? t.id() : ((GenericRecord) r).get(Tables.ID).toString())
        .toList();
  }
}
