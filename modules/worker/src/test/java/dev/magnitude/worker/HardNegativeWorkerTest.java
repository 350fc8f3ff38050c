package dev.magnitude.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.run.TrainingSpec;
import dev.magnitude.core.run.Variant;
import dev.magnitude.worker.data.PreparedTables;
import dev.magnitude.worker.data.TrainingPairs;
import dev.magnitude.worker.train.BatchSampler;
import dev.magnitude.worker.train.CurvePoint;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny run with hard negatives (magnitude.train.hard-negatives = 2) on the fixture, whose training
 * qrels judge a document non-relevant for about a third of the queries, trains to the end with finite
 * losses and gradients, and its batches do hold extra columns. (Its losses are not compared with a run
 * without them: the forward of more texts draws other dropout masks, so no inequality holds exactly.)
 */
class HardNegativeWorkerTest {
  @TempDir java.nio.file.Path tmp;

  @Test
  void aRunWithHardNegativesFinishesAndItsBatchesHoldThem() throws IOException {
    String work = tmp.resolve("work").toString();
    TinyRuns.prepare(work);
    TrainingPairs pairs = TrainingPairs.load(
        new PreparedTables(PreparedFixture.conf()), new WorkDir(work), TinyRuns.DATASET, "train", TinyRuns.VOCABULARY);
    RunSpec plain = TinyRuns.spec(Variant.DOT, 4, 4);
    TrainingSpec t = plain.training();
    RunSpec withHard = new RunSpec(plain.dataset(), plain.dataHash(), plain.variant(), plain.seed(), plain.encoder(),
        new TrainingSpec(t.steps(), t.batchSize(), t.learningRate(), t.warmupSteps(), t.temperature(),
            t.checkpointEvery(), t.gradientClip(), t.threads(), 2),
        plain.eval());
    assertThat(withHard.id()).isNotEqualTo(plain.id());
    BatchSampler sampler = new BatchSampler(pairs, t.batchSize(), withHard.seed(), 2);
    int extras = 0;
    for (int step = 1; step <= t.steps(); step++) {
      extras += sampler.batch(step).extraDocuments();
    }
    assertThat(extras).as("the run's batches hold hard negatives").isPositive();

    RunResult hard = Worker.run(withHard, work, PreparedFixture.conf(), new TinyRuns.EventLog());
    assertThat(hard.failureReason()).isNull();
    assertThat(hard.succeeded()).isTrue();
    assertThat(hard.curve()).extracting(CurvePoint::step).containsExactly(1, 2, 3, 4);
    assertThat(hard.curve()).allSatisfy(p -> {
      assertThat(p.loss()).isFinite().isPositive();
      assertThat(p.gradNorm()).isFinite().isPositive();
    });
  }
}
