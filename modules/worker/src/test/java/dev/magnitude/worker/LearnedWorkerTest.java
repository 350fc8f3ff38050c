package dev.magnitude.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.run.ImageTextTraining;
import dev.magnitude.core.run.LearnedNormalization;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.run.TrainedNormalization;
import dev.magnitude.core.run.Variant;
import dev.magnitude.worker.train.CurvePoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Short runs of variant learned: the α of both sides train from their initial value, every step logs them in
 * curves.parquet, and the run records the α it ended with in normalization.json. Text pairs and image-text go
 * through the same optimizer step.
 */
class LearnedWorkerTest {
  @TempDir Path tmp;

  @Test
  void aTextRunTrainsItsAlphasAndLogsThemEveryStep() throws IOException {
    String work = tmp.resolve("work").toString();
    TinyRuns.prepare(work);
    RunSpec spec = TinyRuns.spec(Variant.LEARNED, 8, 4);
    assertThat(spec.id()).startsWith("tiny-learned-s17-");

    RunResult result = Worker.run(spec, work, PreparedFixture.conf(), new TinyRuns.EventLog());

    assertThat(result.succeeded()).as(result.failureReason()).isTrue();
    assertLearned(result, new WorkDir(work), spec, 8);
  }

  @Test
  void anImageTextRunTrainsItsAlphasThroughTheSameStep() throws IOException {
    String work = tmp.resolve("work").toString();
    WorkDir dir = new WorkDir(work);
    ImageTextWorkerTest.write(dir, ImageTextWorkerTest.DATASET, "train", 12);
    ImageTextWorkerTest.write(dir, ImageTextWorkerTest.DATASET, "test", 5);
    RunSpec fixed = ImageTextWorkerTest.spec(Variant.DOT, 4);
    RunSpec spec = new RunSpec(fixed.dataset(), fixed.dataHash(), Variant.LEARNED, fixed.seed(), fixed.encoder(),
        fixed.training().withLearned(new LearnedNormalization(0.5)), fixed.eval(), null, ImageTextTraining.SMALL_CNN);

    RunResult result = Worker.run(spec, work, PreparedFixture.conf(), new TinyRuns.EventLog());

    assertThat(result.succeeded()).as(result.failureReason()).isTrue();
    assertLearned(result, dir, spec, 4);
  }

  private static void assertLearned(RunResult result, WorkDir dir, RunSpec spec, int steps) throws IOException {
    List<CurvePoint> curve = result.curve();
    assertThat(curve).hasSize(steps);
    // Step 1's loss uses the initial α; every update moves them.
    assertThat(curve.get(0).alphaQuery()).isCloseTo(0.5, within(1e-7));
    assertThat(curve.get(0).alphaDocument()).isCloseTo(0.5, within(1e-7));
    for (int i = 1; i < steps; i++) {
      assertThat(curve.get(i).alphaQuery()).as("step %d", i + 1).isNotEqualTo(curve.get(i - 1).alphaQuery());
      assertThat(curve.get(i).alphaDocument()).as("step %d", i + 1).isNotEqualTo(curve.get(i - 1).alphaDocument());
    }
    assertThat(curve).allSatisfy(p -> {
      assertThat(p.loss()).isFinite();
      assertThat(p.logitScale()).as("fixed τ = 1").isEqualTo(1.0);
      assertThat(p.alphaQuery()).isStrictlyBetween(0.0, 1.0);
    });

    List<GenericRecord> rows = OutputFiles.rows(dir.curves(spec.id()));
    assertThat(rows).hasSize(steps);
    for (int i = 0; i < steps; i++) {
      assertThat((Double) rows.get(i).get("alpha_query")).isEqualTo(curve.get(i).alphaQuery());
      assertThat((Double) rows.get(i).get("alpha_document")).isEqualTo(curve.get(i).alphaDocument());
      assertThat((Double) rows.get(i).get("logit_scale")).isEqualTo(1.0);
    }

    // The run's record holds the α after the last update: not the initial value, nor the last step's input.
    TrainedNormalization trained = result.normalization();
    assertThat(trained.variant()).isEqualTo(Variant.LEARNED);
    assertThat(trained.step()).isEqualTo(steps);
    assertThat(Math.abs(trained.alphaQuery() - 0.5)).isGreaterThan(1e-5);
    assertThat(Math.abs(trained.alphaDocument() - 0.5)).isGreaterThan(1e-5);
    assertThat(trained.alphaQuery()).isNotEqualTo(curve.get(steps - 1).alphaQuery());
    assertThat(trained.logitScale()).isEqualTo(1.0);
    String json = Files.readString(Path.of(dir.normalization(spec.id())));
    assertThat(TrainedNormalization.fromJson(json)).isEqualTo(trained);
    // a finished run reports the same record without training
    RunResult again = Worker.run(spec, dir.root(), PreparedFixture.conf(), line -> {});
    assertThat(again.alreadyDone()).isTrue();
    assertThat(again.normalization()).isEqualTo(trained);
  }
}
