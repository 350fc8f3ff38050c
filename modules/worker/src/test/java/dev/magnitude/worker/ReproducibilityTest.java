package dev.magnitude.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.run.EncoderSpec;
import dev.magnitude.core.run.LogitScale;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.run.Variant;
import dev.magnitude.core.schema.Tables;
import dev.magnitude.worker.output.CurvesFile;
import dev.magnitude.worker.train.Checkpoints;
import dev.magnitude.worker.train.CurvePoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

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

  /**
   * A fixed variant; learned with a learnable logit scale, whose three scalars and their Adam state resume too;
   * and a transformer with hidden dropout (encoder.dropout, default 0), whose masks a resumed run must draw as
   * the uninterrupted one does.
   */
  static Stream<RunSpec> resumable() {
    RunSpec learned = TinyRuns.spec(Variant.LEARNED, 6, 2);
    RunSpec dot = TinyRuns.spec(Variant.DOT, 6, 2);
    EncoderSpec e = dot.encoder();
    EncoderSpec withDropout = new EncoderSpec(e.kind(), e.embeddingDim(), e.layers(), e.heads(), e.maxLength(),
        e.vocabularySize(), e.tokenizerId(), e.path(), e.towers(), 0.1);
    return Stream.of(
        dot,
        TinyRuns.withTraining(Variant.LEARNED, learned.training().withLogitScale(new LogitScale(100))),
        new RunSpec(dot.dataset(), dot.dataHash(), dot.variant(), dot.seed(), withDropout, dot.training(), dot.eval()));
  }

  @ParameterizedTest
  @MethodSource("resumable")
  void aResumedRunEndsExactlyAsAnUninterruptedOne(RunSpec spec) throws IOException {
    String work = tmp.resolve("work").toString();
    TinyRuns.prepare(work);
    RunResult full = Worker.run(spec, work, PreparedFixture.conf(), line -> {});
    assertThat(full.succeeded()).isTrue();
    List<String> queries = vectors(work, spec, "test", "queries");
    List<String> documents = vectors(work, spec, "corpus", "documents");
    WorkDir dir = new WorkDir(work);
    assertThat(new Checkpoints(dir.checkpoints(spec.id()), PreparedFixture.conf()).steps())
        .as("the newest two are kept").containsExactly(6, 4);

    // A worker killed between the checkpoints of steps 4 and 6.
    Files.delete(Path.of(dir.checkpoints(spec.id()), "step-6.ckpt"));
    forgetOutputs(dir, spec);
    TinyRuns.EventLog log = new TinyRuns.EventLog();
    RunResult resumed = Worker.run(spec, work, PreparedFixture.conf(), log);

    assertThat(resumed.succeeded()).isTrue();
    assertThat(resumed.firstStep()).isEqualTo(5);
    assertThat(log.of("start").get(0).path("firstStep").asInt()).isEqualTo(5);
    assertThat(log.of("progress")).extracting(n -> n.path("step").asInt()).containsExactly(5, 6);
    // Steps 1-4 come from the checkpoint as they were; steps 5 and 6 are trained again to the same values
    // (all but the wall-clock pairs/s).
    assertThat(resumed.curve().subList(0, 4)).containsExactlyElementsOf(full.curve().subList(0, 4));
    assertThat(withoutSpeed(resumed.curve())).containsExactlyElementsOf(withoutSpeed(full.curve()));
    assertThat(withoutSpeed(CurvesFile.read(dir.curves(spec.id()), PreparedFixture.conf())))
        .containsExactlyElementsOf(withoutSpeed(full.curve()));
    assertThat(vectors(work, spec, "test", "queries")).containsExactlyElementsOf(queries);
    assertThat(vectors(work, spec, "corpus", "documents")).containsExactlyElementsOf(documents);
    assertThat(resumed.normalization()).isEqualTo(full.normalization());
    if (spec.variant().isLearned()) {
      // the scalars did train: the resumed run's equality above is not that of constants
      assertThat(full.normalization().alphaQuery()).isNotEqualTo(0.5);
      assertThat(full.normalization().logitScale()).isNotEqualTo(1.0);
    }
  }

  /** A finished 6-step run with checkpoints at steps 3 and 6: its work directory and document embeddings. */
  private record Finished(String work, WorkDir dir, RunSpec spec, List<String> documents, Path newest) {}

  private Finished finishedSixStepRun() throws IOException {
    String work = tmp.resolve("work").toString();
    TinyRuns.prepare(work);
    RunSpec spec = TinyRuns.spec(Variant.QUERY_NORM, 6, 3);
    assertThat(Worker.run(spec, work, PreparedFixture.conf(), line -> {}).succeeded()).isTrue();
    WorkDir dir = new WorkDir(work);
    return new Finished(work, dir, spec, vectors(work, spec, "corpus", "documents"),
        Path.of(dir.checkpoints(spec.id()), "step-6.ckpt"));
  }

  @Test
  void aDamagedNewestCheckpointFallsBackToTheOneBefore() throws IOException {
    Finished run = finishedSixStepRun();
    // Half of the newest checkpoint, as a file system without atomic rename might leave it.
    byte[] bytes = Files.readAllBytes(run.newest());
    resumeFrom(run.newest(), java.util.Arrays.copyOf(bytes, bytes.length / 2), run.dir(), run.spec());
    RunResult resumed = Worker.run(run.spec(), run.work(), PreparedFixture.conf(), line -> {});

    assertThat(resumed.succeeded()).isTrue();
    assertThat(resumed.firstStep()).isEqualTo(4);
    assertThat(vectors(run.work(), run.spec(), "corpus", "documents")).containsExactlyElementsOf(run.documents());
  }

  /**
   * A checkpoint changed in place on a file system that keeps no checksums of its own (no {@code .crc} side
   * files, as on s3a or after a copy that drops hidden files). Before format version 3 such a file loaded
   * silently and the run finished with other embeddings: the version-2 file below, damaged the same way,
   * still shows that (version 2 is read unchecked). A version-3 file carries its CRC32C, so the damaged newest
   * checkpoint is refused and the run resumes from the one before it, to the embeddings of the run itself.
   */
  @Test
  void aCheckpointDamagedInPlaceWithoutCrcFilesIsRefusedAndAnOlderOneUsed() throws IOException {
    Finished run = finishedSixStepRun();
    byte[] v3 = Files.readAllBytes(run.newest());
    byte[] damaged = withArrayDataOverwritten(v3);

    // Version 2: the same bytes without the trailing checksum, version field 2 (after the 2 + 20 bytes of the
    // magic string). Undamaged, it still loads: the run re-exports from step 6 without training.
    resumeFrom(run.newest(), asVersion2(v3), run.dir(), run.spec());
    RunResult old = Worker.run(run.spec(), run.work(), PreparedFixture.conf(), line -> {});
    assertThat(old.firstStep()).isEqualTo(7);
    assertThat(vectors(run.work(), run.spec(), "corpus", "documents")).containsExactlyElementsOf(run.documents());
    // Damaged, it loads too, unnoticed: what every checkpoint did before version 3.
    resumeFrom(run.newest(), asVersion2(damaged), run.dir(), run.spec());
    RunResult silently = Worker.run(run.spec(), run.work(), PreparedFixture.conf(), line -> {});
    assertThat(silently.succeeded()).isTrue();
    assertThat(silently.firstStep()).isEqualTo(7);
    assertThat(vectors(run.work(), run.spec(), "corpus", "documents")).isNotEqualTo(run.documents());

    resumeFrom(run.newest(), damaged, run.dir(), run.spec());
    TinyRuns.EventLog log = new TinyRuns.EventLog();
    RunResult resumed = Worker.run(run.spec(), run.work(), PreparedFixture.conf(), log);
    assertThat(resumed.succeeded()).isTrue();
    assertThat(resumed.firstStep()).isEqualTo(4);
    assertThat(log.of("progress")).extracting(n -> n.path("step").asInt()).containsExactly(4, 5, 6);
    assertThat(vectors(run.work(), run.spec(), "corpus", "documents")).containsExactlyElementsOf(run.documents());
  }

  /** Puts {@code bytes} at {@code checkpoint} without a .crc side file and makes the run unfinished. */
  private static void resumeFrom(Path checkpoint, byte[] bytes, WorkDir dir, RunSpec spec) throws IOException {
    Files.write(checkpoint, bytes);
    try (Stream<Path> files = Files.list(checkpoint.getParent())) {
      for (Path crc : files.filter(f -> f.getFileName().toString().endsWith(".crc")).toList()) {
        Files.delete(crc);
      }
    }
    forgetOutputs(dir, spec);
  }

  /**
   * The file with the middle half of the values of every array over 1 KB (a stretch between two of the "NDAR"
   * headers that DJL writes before every array, of which the header takes well under a tenth) overwritten with
   * bytes 0x3F: floats of about 0.75 where trained values were, every length and header as it was, so that only a
   * checksum can tell.
   */
  private static byte[] withArrayDataOverwritten(byte[] file) {
    byte[] magic = "NDAR".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    List<Integer> headers = new ArrayList<>();
    for (int i = 0; i + magic.length <= file.length; i++) {
      if (java.util.Arrays.equals(file, i, i + magic.length, magic, 0, magic.length)) {
        headers.add(i);
      }
    }
    byte[] damaged = file.clone();
    int overwritten = 0;
    for (int i = 1; i < headers.size(); i++) {
      int start = headers.get(i - 1);
      int gap = headers.get(i) - start;
      if (gap > 1024) {
        java.util.Arrays.fill(damaged, start + gap / 4, start + 3 * gap / 4, (byte) 0x3F);
        overwritten += gap / 2;
      }
    }
    assertThat(overwritten).as("bytes overwritten").isGreaterThan(file.length / 10);
    return damaged;
  }

  private static byte[] asVersion2(byte[] version3) {
    byte[] v2 = java.util.Arrays.copyOf(version3, version3.length - Long.BYTES);
    java.nio.ByteBuffer.wrap(v2).putInt(22, 2);
    return v2;
  }

  @Test
  void noReadableCheckpointFailsTheRunInsteadOfTrainingFromAPartialLoad() throws IOException {
    String work = tmp.resolve("work").toString();
    TinyRuns.prepare(work);
    RunSpec spec = TinyRuns.spec(Variant.DOT, 2, 2);
    WorkDir dir = new WorkDir(work);
    Path junk = Path.of(dir.checkpoints(spec.id()), "step-2.ckpt");
    Files.createDirectories(junk.getParent());
    Files.writeString(junk, "not a checkpoint");

    RunResult result = Worker.run(spec, work, PreparedFixture.conf(), line -> {});

    assertThat(result.succeeded()).isFalse();
    assertThat(result.failureReason())
        .startsWith("no checkpoint of the run can be read: ")
        .endsWith("delete " + dir.checkpoints(spec.id()) + " to train the run from the start");
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

  /** A curve without the wall-clock column. */
  private static List<List<Double>> withoutSpeed(List<CurvePoint> curve) {
    return curve.stream()
        .map(p -> java.util.Arrays.asList((double) p.step(), p.loss(), p.lr(), p.gradNorm(), p.queryNormMean(),
            p.queryNormStd(), p.docNormMean(), p.docNormStd(), p.alphaQuery(), p.alphaDocument(), p.logitScale()))
        .toList();
  }

  private static void forgetOutputs(WorkDir dir, RunSpec spec) throws IOException {
    Files.delete(Path.of(dir.runSuccess(spec.id())));
    deleteTree(Path.of(dir.run(spec.id()), "embeddings"));
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
