package dev.magnitude.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.run.Variant;
import dev.magnitude.core.schema.Tables;
import dev.magnitude.trainer.train.CurvePoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Seeded runs repeat exactly on CPU; an interrupted run resumes from its last checkpoint. */
class ReproducibilityTest {
  @TempDir Path tmp;

  @Test
  void sameSpecGivesIdenticalEmbeddingsAndCurves() throws IOException {
    RunSpec spec = TinyRuns.spec(Variant.QUERY_NORM, 4, 10);
    String a = tmp.resolve("a").toString();
    String b = tmp.resolve("b").toString();
    TinyRuns.prepare(a);
    TinyRuns.prepare(b);

    RunResult first = Worker.run(spec, a, PreparedFixture.conf(), line -> {});
    RunResult second = Worker.run(spec, b, PreparedFixture.conf(), line -> {});

    assertThat(first.succeeded()).isTrue();
    assertThat(second.succeeded()).isTrue();
    assertThat(losses(second.curve())).containsExactlyElementsOf(losses(first.curve()));
    for (String side : List.of("test/queries", "corpus/documents")) {
      String[] parts = side.split("/");
      assertThat(vectors(b, spec, parts[0], parts[1]))
          .as(side)
          .containsExactlyElementsOf(vectors(a, spec, parts[0], parts[1]));
    }

    // The seed matters: another seed trains another model.
    RunSpec other = new RunSpec(spec.dataset(), spec.dataHash(), spec.variant(), spec.seed() + 1, spec.encoder(),
        spec.training(), spec.eval());
    assertThat(Worker.run(other, a, PreparedFixture.conf(), line -> {}).succeeded()).isTrue();
    assertThat(vectors(a, other, "test", "queries")).isNotEqualTo(vectors(a, spec, "test", "queries"));
  }

  @Test
  void resumesAfterTheLastCheckpoint() throws IOException {
    String work = tmp.resolve("work").toString();
    TinyRuns.prepare(work);
    RunSpec spec = TinyRuns.spec(Variant.DOT, 4, 2);
    RunResult full = Worker.run(spec, work, PreparedFixture.conf(), line -> {});
    assertThat(full.succeeded()).isTrue();

    // Simulate a worker killed between the checkpoints of steps 2 and 4.
    WorkDir dir = new WorkDir(work);
    Files.delete(Path.of(dir.checkpoints(spec.id()), "step-4.params"));
    Files.delete(Path.of(dir.runSuccess(spec.id())));
    deleteTree(Path.of(dir.run(spec.id()), "embeddings"));

    TinyRuns.EventLog log = new TinyRuns.EventLog();
    RunResult resumed = Worker.run(spec, work, PreparedFixture.conf(), log);

    assertThat(resumed.succeeded()).isTrue();
    assertThat(resumed.firstStep()).isEqualTo(3);
    JsonNode start = log.of("start").get(0);
    assertThat(start.path("firstStep").asInt()).isEqualTo(3);
    assertThat(log.of("progress")).extracting(n -> n.path("step").asInt()).containsExactly(3, 4);
    // Steps 1 and 2 come from the curves file written with the checkpoint of step 2.
    assertThat(resumed.curve()).extracting(CurvePoint::step).containsExactly(1, 2, 3, 4);
    assertThat(resumed.curve().subList(0, 2)).containsExactlyElementsOf(full.curve().subList(0, 2));
    assertThat(Path.of(dir.runSuccess(spec.id()))).exists();
    assertThat(OutputFiles.rows(dir.embeddings(spec.id(), TinyRuns.DATASET, "test", Tables.QUERIES)))
        .hasSize(TinyRuns.TEST_QUERIES);
  }

  @Test
  void aRunKilledDuringExportReexportsTheCheckpointWithoutTraining() throws IOException {
    String work = tmp.resolve("work").toString();
    TinyRuns.prepare(work);
    RunSpec spec = TinyRuns.spec(Variant.COSINE, 3, 3);
    assertThat(Worker.run(spec, work, PreparedFixture.conf(), line -> {}).succeeded()).isTrue();
    List<String> before = vectors(work, spec, "corpus", "documents");

    WorkDir dir = new WorkDir(work);
    Files.delete(Path.of(dir.runSuccess(spec.id())));
    deleteTree(Path.of(dir.run(spec.id()), "embeddings"));
    TinyRuns.EventLog log = new TinyRuns.EventLog();
    RunResult again = Worker.run(spec, work, PreparedFixture.conf(), log);

    // The checkpoint of the last step is loaded and nothing is trained: eval-mode embeddings of the
    // loaded parameters equal the first export exactly.
    assertThat(again.succeeded()).isTrue();
    assertThat(again.firstStep()).isEqualTo(4);
    assertThat(log.of("progress")).isEmpty();
    assertThat(vectors(work, spec, "corpus", "documents")).containsExactlyElementsOf(before);
  }

  private static List<Double> losses(List<CurvePoint> curve) {
    return curve.stream().map(CurvePoint::loss).toList();
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
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
