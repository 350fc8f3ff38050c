package dev.magnitude.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.run.EvalSet;
import dev.magnitude.core.run.ImageTextTraining;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.run.Variant;
import dev.magnitude.core.schema.Tables;
import dev.magnitude.worker.train.CurvePoint;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tiny image-text run in-process: both encoders trained, captions and images of the eval split exported. */
class ImageTextWorkerTest {
  static final String DATASET = "tiny-images";
  static final int SIZE = 8;
  @TempDir static Path tmp;

  static String work;
  static WorkDir dir;
  static RunResult result;
  static RunSpec spec;

  @BeforeAll
  static void runOnce() throws IOException {
    work = tmp.resolve("work").toString();
    dir = new WorkDir(work);
    write(dir, DATASET, "train", 12);
    write(dir, DATASET, "test", 5);
    spec = spec(Variant.DOC_NORM, 6);
    result = Worker.run(spec, work, PreparedFixture.conf(), new TinyRuns.EventLog());
  }

  /**
   * Image i is a flat colour from a palette of 6; its two captions are the colour's token (4 + colour)
   * followed by a second token, so a caption names its image's colour. Image "x-last" of the split has no
   * caption (exported, not trained on).
   */
  public static void write(WorkDir dir, String dataset, String split, int images) throws IOException {
    int[] palette = {0xFF0000, 0x00FF00, 0x0000FF, 0xFFFF00, 0x00FFFF, 0xFF00FF};
    List<String> ids = new ArrayList<>();
    List<byte[]> pngs = new ArrayList<>();
    List<String[]> captionIds = new ArrayList<>();
    List<int[]> tokens = new ArrayList<>();
    for (int i = 0; i <= images; i++) {
      String id = i == images ? split + "-last" : split + "-img" + i;
      int colour = i % palette.length;
      ids.add(id);
      pngs.add(flat(palette[colour]));
      if (i < images) {
        for (int c = 0; c < 2; c++) {
          captionIds.add(new String[] {id + "-c" + c, id});
          tokens.add(new int[] {4 + colour, 12 + c + (i % 3)});
        }
      }
    }
    PreparedFixture.writeImages(dir.table(dataset, split, Tables.IMAGES), ids, pngs, SIZE, 5);
    PreparedFixture.writeCaptions(dir.table(dataset, split, Tables.CAPTIONS), captionIds, tokens, 7);
  }

  static byte[] flat(int rgb) throws IOException {
    BufferedImage image = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < SIZE; y++) {
      for (int x = 0; x < SIZE; x++) {
        image.setRGB(x, y, rgb);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "png", out);
    return out.toByteArray();
  }

  static RunSpec spec(Variant variant, int steps) {
    return new RunSpec(DATASET, "hash-of-tiny-images", variant, 5, TinyRuns.encoder(TinyRuns.VOCABULARY),
        TinyRuns.training(steps, 3, 1.0), List.of(new EvalSet(DATASET, "test")), null, ImageTextTraining.SMALL_CNN);
  }

  @Test
  void trainsBothEncodersWithFiniteLossesAndCheckpoints() {
    assertThat(result.succeeded()).as(result.failureReason()).isTrue();
    assertThat(result.curve()).hasSize(6).allSatisfy(p -> {
      assertThat(p.loss()).isFinite();
      assertThat(p.gradNorm()).isFinite().isPositive();
    });
    assertThat(result.checkpoints()).hasSize(2);
  }

  @Test
  void exportsEveryCaptionAsAQueryAndEveryImageAsADocument() throws IOException {
    List<GenericRecordView> queries = rows(dir.embeddings(result.runId(), DATASET, "test", Tables.QUERIES));
    List<GenericRecordView> documents = rows(dir.embeddings(result.runId(), DATASET, "test", Tables.DOCUMENTS));
    assertThat(queries).hasSize(10).allSatisfy(r -> assertThat(r.id()).matches("test-img\\d-c\\d"));
    assertThat(documents).hasSize(6).extracting(GenericRecordView::id).contains("test-img0", "test-last");
    assertThat(documents).allSatisfy(r -> assertThat(r.norm()).isFinite().isPositive());
  }

  @Test
  void aSecondRunOfTheSameSpecGivesTheSameCurve() throws IOException {
    String other = tmp.resolve("again").toString();
    WorkDir again = new WorkDir(other);
    write(again, DATASET, "train", 12);
    write(again, DATASET, "test", 5);
    RunResult second = Worker.run(spec, other, PreparedFixture.conf(), new TinyRuns.EventLog());
    assertThat(second.curve().stream().map(CurvePoint::loss).toList())
        .isEqualTo(result.curve().stream().map(CurvePoint::loss).toList());
  }

  @Test
  void anInterruptedRunResumesBothEncodersFromItsLastCheckpoint() throws IOException {
    String other = tmp.resolve("resume").toString();
    WorkDir layout = new WorkDir(other);
    write(layout, DATASET, "train", 12);
    write(layout, DATASET, "test", 5);
    RunResult full = Worker.run(spec, other, PreparedFixture.conf(), new TinyRuns.EventLog());
    assertThat(full.succeeded()).isTrue();
    List<GenericRecordView> fullImages = rows(layout.embeddings(spec.id(), DATASET, "test", Tables.DOCUMENTS));
    List<GenericRecordView> fullCaptions = rows(layout.embeddings(spec.id(), DATASET, "test", Tables.QUERIES));
    // a worker killed between the checkpoints of steps 3 and 6
    java.nio.file.Files.delete(Path.of(layout.checkpoints(spec.id()), "step-6.ckpt"));
    java.nio.file.Files.delete(Path.of(layout.runSuccess(spec.id())));
    try (var files = java.nio.file.Files.walk(Path.of(layout.run(spec.id()), "embeddings"))) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }

    RunResult resumed = Worker.run(spec, other, PreparedFixture.conf(), new TinyRuns.EventLog());

    assertThat(resumed.succeeded()).as(resumed.failureReason()).isTrue();
    assertThat(resumed.firstStep()).isEqualTo(4);
    assertThat(resumed.curve()).extracting(CurvePoint::step).containsExactly(1, 2, 3, 4, 5, 6);
    assertThat(resumed.curve().subList(0, 3)).containsExactlyElementsOf(full.curve().subList(0, 3));
    // Adam state and per-step seeds are restored: the resumed steps and embeddings are those of the full run
    assertThat(resumed.curve().stream().map(CurvePoint::loss).toList())
        .isEqualTo(full.curve().stream().map(CurvePoint::loss).toList());
    assertThat(rows(layout.embeddings(spec.id(), DATASET, "test", Tables.DOCUMENTS))).hasSize(6)
        .isEqualTo(fullImages);
    assertThat(rows(layout.embeddings(spec.id(), DATASET, "test", Tables.QUERIES))).isEqualTo(fullCaptions);
  }

  record GenericRecordView(String id, double norm) {}

  static List<GenericRecordView> rows(String path) throws IOException {
    List<GenericRecordView> out = new ArrayList<>();
    for (var r : OutputFiles.rows(path)) {
      out.add(new GenericRecordView(r.get(Tables.ID).toString(), ((Number) r.get(Tables.NORM)).doubleValue()));
    }
    return out;
  }
}
