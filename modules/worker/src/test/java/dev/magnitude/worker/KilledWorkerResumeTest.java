package dev.magnitude.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.run.Variant;
import dev.magnitude.core.schema.Tables;
import dev.magnitude.worker.WorkerMainProcessTest.Child;
import dev.magnitude.worker.output.CurvesFile;
import dev.magnitude.worker.train.Checkpoints;
import dev.magnitude.worker.train.CurvePoint;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test: a worker process killed with SIGKILL at a random step after its first checkpoint,
 * then launched again with the same arguments (what a Spark task retry does), ends with the embeddings
 * and curve of a run that was never interrupted, on CPU.
 */
class KilledWorkerResumeTest {
  private static final int STEPS = 60;
  private static final int EVERY = 5;

  @TempDir Path tmp;

  @Test
  void aWorkerKilledMidRunResumesToTheSameEmbeddingsAsAnUninterruptedRun() throws Exception {
    // Seeded, so a failure repeats; the step actually reached when the kill lands varies a little.
    int killAfter = EVERY + 1 + new Random(4242).nextInt(STEPS - 2 * EVERY - 5);
    RunSpec spec = TinyRuns.spec(Variant.DOC_NORM, STEPS, EVERY);

    String reference = tmp.resolve("reference").toString();
    TinyRuns.prepare(reference);
    Child uninterrupted = Child.start(tmp, "--spec", WorkerMainProcessTest.writeSpec(reference, spec).toString());
    assertThat(uninterrupted.waitFor(120)).as("stderr:\n%s", uninterrupted.stderr()).isZero();

    String work = tmp.resolve("work").toString();
    TinyRuns.prepare(work);
    String specFile = WorkerMainProcessTest.writeSpec(work, spec).toString();
    Child first = Child.start(tmp, "--spec", specFile);
    boolean checkpointed = false;
    int seen = 0;
    while (!(checkpointed && seen >= killAfter)) {
      JsonNode e = first.nextEvent(120);
      assertThat(e).as("the worker ended before step %d; stderr:\n%s", killAfter, first.stderr()).isNotNull();
      checkpointed |= e.path("event").asText().equals("checkpoint");
      seen = Math.max(seen, e.path("step").asInt());
    }
    first.process.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no finally block runs
    assertThat(first.waitFor(30)).as("killed by SIGKILL").isEqualTo(128 + 9);

    WorkDir dir = new WorkDir(work);
    assertThat(Path.of(dir.runSuccess(spec.id()))).doesNotExist();
    int latest = new Checkpoints(dir.checkpoints(spec.id()), PreparedFixture.conf()).latest().orElseThrow();
    assertThat(latest).as("killed after step %d", seen).isBetween(EVERY, STEPS - 1);

    Child retry = Child.start(tmp, "--spec", specFile);
    assertThat(retry.waitFor(120)).as("stderr:\n%s", retry.stderr()).isZero();

    assertThat(retry.events().get(0).path("firstStep").asInt()).isEqualTo(latest + 1);
    assertThat(retry.stderr()).contains("resuming from step " + latest);
    WorkDir ref = new WorkDir(reference);
    for (String[] table : List.of(
        new String[] {"test", Tables.QUERIES}, new String[] {"train", Tables.QUERIES},
        new String[] {WorkDir.CORPUS, Tables.DOCUMENTS})) {
      String resumed = dir.embeddings(spec.id(), TinyRuns.DATASET, table[0], table[1]);
      String expected = ref.embeddings(spec.id(), TinyRuns.DATASET, table[0], table[1]);
      // Identical values, not identical files: parquet-mr orders a column's encodings in its footer by
      // a HashSet of enum constants, so even two uninterrupted runs' files may differ in two bytes.
      assertThat(vectors(resumed)).as(resumed).containsExactlyElementsOf(vectors(expected));
    }
    assertThat(withoutSpeed(CurvesFile.read(dir.curves(spec.id()), PreparedFixture.conf())))
        .containsExactlyElementsOf(withoutSpeed(CurvesFile.read(ref.curves(spec.id()), PreparedFixture.conf())))
        .hasSize(STEPS);
  }

  /** "id=[v1, v2, ...] norm" per row: the exact values, in order. */
  static List<String> vectors(String path) throws java.io.IOException {
    return OutputFiles.rows(path).stream()
        .map(r -> r.get(Tables.ID) + "=" + r.get(Tables.VECTOR) + " " + r.get(Tables.NORM))
        .toList();
  }

  /** A curve without the wall-clock column. */
  static List<List<Double>> withoutSpeed(List<CurvePoint> curve) {
    return curve.stream()
        .map(p -> List.of((double) p.step(), p.loss(), p.lr(), p.gradNorm(), p.queryNormMean(), p.queryNormStd(),
            p.docNormMean(), p.docNormStd()))
        .toList();
  }
}
