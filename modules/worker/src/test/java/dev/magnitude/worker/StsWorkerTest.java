package dev.magnitude.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.run.EvalSet;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.run.StsTraining;
import dev.magnitude.core.run.Variant;
import dev.magnitude.core.schema.Tables;
import dev.magnitude.worker.data.SentencePair;
import dev.magnitude.worker.train.CurvePoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tiny STS run in-process: positives by threshold, symmetric InfoNCE, both sentences of every eval pair exported. */
class StsWorkerTest {
  static final String DATASET = "tiny-sts";
  @TempDir static Path tmp;

  static String work;
  static WorkDir dir;
  static List<SentencePair> test;
  static RunSpec spec;
  static RunResult result;

  @BeforeAll
  static void runOnce() throws IOException {
    work = tmp.resolve("work").toString();
    dir = new WorkDir(work);
    Random random = new Random(5);
    PreparedFixture.writePairs(dir.table(DATASET, "train", Tables.PAIRS), pairs(random, "tr", 24), 7);
    test = pairs(random, "te", 9);
    PreparedFixture.writePairs(dir.table(DATASET, "test", Tables.PAIRS), test, 4);
    spec = spec(4.0);
    result = Worker.run(spec, work, PreparedFixture.conf(), new TinyRuns.EventLog());
  }

  /** Pairs whose second sentence repeats part of the first; score 0…5 cycling, so a third reach 4. */
  static List<SentencePair> pairs(Random random, String prefix, int n) {
    List<SentencePair> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int[] a = {4 + random.nextInt(30), 4 + random.nextInt(30), 4 + random.nextInt(30)};
      int[] b = {a[0], a[1], 4 + random.nextInt(30)};
      out.add(new SentencePair(prefix + i, a, b, i % 6));
    }
    return out;
  }

  static RunSpec spec(double threshold) {
    return new RunSpec(DATASET, "hash-of-tiny-sts", Variant.COSINE, 3, TinyRuns.encoder(TinyRuns.VOCABULARY),
        TinyRuns.training(3, 3, 0.1), List.of(new EvalSet(DATASET, "test")), new StsTraining(threshold));
  }

  @Test
  void trainsOnThePositivesWithAFiniteSymmetricLoss() {
    assertThat(result.failureReason()).isNull();
    assertThat(result.succeeded()).isTrue();
    assertThat(result.curve()).extracting(CurvePoint::step).containsExactly(1, 2, 3);
    assertThat(result.curve()).allSatisfy(p -> assertThat(p.loss()).isFinite().isPositive());
    assertThat(Files.exists(Path.of(dir.runSuccess(spec.id())))).isTrue();
  }

  @Test
  void exportsBothSentencesOfEveryEvalPairUnderThePairId() throws IOException {
    String queries = dir.embeddings(spec.id(), DATASET, "test", Tables.QUERIES);
    String documents = dir.embeddings(spec.id(), DATASET, "test", Tables.DOCUMENTS);
    assertThat(result.embeddings()).containsOnlyKeys(queries, documents);
    List<String> ids = test.stream().map(SentencePair::id).toList();
    for (String path : List.of(queries, documents)) {
      List<GenericRecord> rows = OutputFiles.rows(path);
      assertThat(rows).extracting(r -> r.get(Tables.ID).toString()).containsExactlyElementsOf(ids);
      assertThat(rows).allSatisfy(r -> assertThat((Double) r.get(Tables.NORM)).isFinite().isPositive());
    }
    // the two sides differ: the third token of each pair differs
    assertThat(OutputFiles.rows(queries).get(0).get(Tables.VECTOR))
        .isNotEqualTo(OutputFiles.rows(documents).get(0).get(Tables.VECTOR));
    // no corpus: STS has none
    assertThat(Files.exists(Path.of(dir.embeddings(spec.id(), DATASET, WorkDir.CORPUS, Tables.DOCUMENTS)))).isFalse();
  }

  @Test
  void tooFewPositivesFailTheRunNamingTheDatasetAndTheSetting() {
    // score 5 is every sixth of the 24 training pairs: 4 positives, fewer than a batch of 8
    RunSpec base = spec(5.0);
    RunSpec strict = new RunSpec(base.dataset(), base.dataHash(), base.variant(), base.seed(), base.encoder(),
        new dev.magnitude.core.run.TrainingSpec(3, 8, 1e-3, 2, 0.1, 3, 1.0, 1), base.eval(), base.sts());
    RunResult failed = Worker.run(strict, work, PreparedFixture.conf(), new TinyRuns.EventLog());
    assertThat(failed.succeeded()).isFalse();
    assertThat(failed.failureReason()).isEqualTo("dataset " + DATASET + ": " + dir.table(DATASET, "train", Tables.PAIRS)
        + " has 4 of 24 pairs with score >= 5.0 (magnitude.train.sts.positive-threshold), fewer than batch-size = 8;"
        + " lower the threshold or batch-size, or train on a larger split");
  }
}
