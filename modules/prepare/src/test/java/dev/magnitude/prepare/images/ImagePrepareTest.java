package dev.magnitude.prepare.images;

import static dev.magnitude.prepare.PreparedTables.box;
import static dev.magnitude.prepare.PreparedTables.local;
import static org.assertj.core.api.Assertions.assertThat;

import dev.magnitude.core.config.DatasetSpec;
import dev.magnitude.core.config.ImageSpec;
import dev.magnitude.core.config.TokenizerSpec;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.manifest.FileCounts;
import dev.magnitude.core.manifest.Manifest;
import dev.magnitude.prepare.PrepareJob;
import dev.magnitude.prepare.PreparedTables;
import dev.magnitude.prepare.SharedSpark;
import dev.magnitude.prepare.io.PreparedSchemas;
import dev.magnitude.prepare.io.ShardedTable;
import dev.magnitude.prepare.tokenize.BuiltinTokenizer;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Formats coco and captions-jsonl through the prepare job, on the {@link BrokenImages} fixtures. */
@ExtendWith(SharedSpark.class)
class ImagePrepareTest {
  private static final int SIZE = 8;
  private static final ImageSpec IMAGES =
      new ImageSpec(SIZE, "annotations/captions_{split}.json", "images/{split}", "{split}.jsonl");
  private static final TokenizerSpec TOKENIZER = new TokenizerSpec(1, 100, 0, 8);

  @TempDir Path tmp;

  private static DatasetSpec dataset(String name, String format, Path folder, List<String> splits) {
    // Both fixtures quarantine over half of their training file.
    return new DatasetSpec(name, format, folder.toUri().toString(), splits, null, TOKENIZER, 3, 1.0,
        DatasetSpec.DEFAULT_STS, IMAGES);
  }

  @Test
  void preparesACocoFolder(SparkSession spark) throws IOException {
    Path folder = BrokenImages.writeCoco(tmp.resolve("coco/data"));
    WorkDir work = new WorkDir(tmp.resolve("w").toUri().toString());
    DatasetSpec dataset = dataset("coco", "coco", folder, List.of("train"));
    Manifest manifest = PrepareJob.prepare(spark, work, dataset, false);

    assertThat(manifest.task()).isEqualTo("image-text");
    assertThat(manifest.format()).isEqualTo("coco");
    long quarantined = BrokenImages.COCO_QUARANTINE.size();
    assertThat(manifest.tables()).isEqualTo(new TreeMap<>(Map.of(
        "train/images", 3L, "train/captions", 4L, PrepareJob.QUARANTINE_TABLE, quarantined)));
    // in = images written + captions written + quarantined
    assertThat(manifest.files()).isEqualTo(Map.of(
        BrokenImages.COCO_TRAIN, new FileCounts(BrokenImages.COCO_ROWS, 3 + 4, quarantined)));

    assertTables(spark, work, "coco", "train", BrokenImages.COCO_IMAGES, BrokenImages.COCO_CAPTIONS);
    assertThat(PreparedTables.rows(spark, work.quarantine("coco"), PreparedSchemas.QUARANTINE, "line", "reason"))
        .containsExactlyInAnyOrderElementsOf(BrokenImages.COCO_QUARANTINE.stream()
            .map(l -> l.replaceFirst(" ", "|")).toList());

    // Forced again: the same content, so the same hash.
    Manifest again = PrepareJob.prepare(spark, work, dataset, true);
    assertThat(again.contentHash()).isEqualTo(manifest.contentHash());
    assertThat(again).isEqualTo(manifest);
  }

  @Test
  void preparesACaptionsJsonlFolder(SparkSession spark) throws IOException {
    Path folder = BrokenImages.writeManifest(tmp.resolve("jsonl/data"));
    WorkDir work = new WorkDir(tmp.resolve("w").toUri().toString());
    DatasetSpec dataset = dataset("jsonl", "captions-jsonl", folder, List.of("train", "test"));
    Manifest manifest = PrepareJob.prepare(spark, work, dataset, false);

    assertThat(manifest.task()).isEqualTo("image-text");
    assertThat(manifest.format()).isEqualTo("captions-jsonl");
    long quarantined = BrokenImages.MANIFEST_QUARANTINE.size();
    assertThat(manifest.tables()).isEqualTo(new TreeMap<>(Map.of(
        "train/images", 4L, "train/captions", 5L, "test/images", 1L, "test/captions", 1L,
        PrepareJob.QUARANTINE_TABLE, quarantined)));
    assertThat(manifest.files()).isEqualTo(new TreeMap<>(Map.of(
        BrokenImages.MANIFEST_TRAIN, new FileCounts(BrokenImages.MANIFEST_ROWS, 4 + 5, quarantined),
        BrokenImages.MANIFEST_TEST, new FileCounts(2, 1 + 1, 0))));

    assertTables(spark, work, "jsonl", "train", BrokenImages.MANIFEST_IMAGES, BrokenImages.MANIFEST_CAPTIONS);
    assertTables(spark, work, "jsonl", "test", List.of("pics/blocks.png|pics/blocks.png|8|8"),
        List.of("pics/blocks.png#0|pics/blocks.png|Blocks"));
    // (A forced second prepare is checked for coco only, to keep the test short.)
  }

  /** Rows, avsc shapes, SIZE×SIZE PNGs and caption token ids of one split. */
  private static void assertTables(SparkSession spark, WorkDir work, String name, String split, List<String> images,
      List<String> captions) throws IOException {
    String imageTable = work.table(name, split, "images");
    String captionTable = work.table(name, split, "captions");
    PreparedTables.assertShape(imageTable, "images");
    PreparedTables.assertShape(captionTable, "captions");
    assertThat(PreparedTables.rows(spark, imageTable, PreparedSchemas.IMAGES, "id", "file", "width", "height"))
        .containsExactlyElementsOf(images);
    assertThat(PreparedTables.rows(spark, captionTable, PreparedSchemas.CAPTIONS, "id", "image_id", "text"))
        .containsExactlyElementsOf(captions);

    for (Row r : ShardedTable.read(spark, imageTable, PreparedSchemas.IMAGES).collectAsList()) {
      BufferedImage png = ImageIO.read(new ByteArrayInputStream(r.getAs("png")));
      assertThat(png).as(r.getString(0)).isNotNull();
      assertThat(png.getWidth()).as(r.getString(0)).isEqualTo(SIZE);
      assertThat(png.getHeight()).as(r.getString(0)).isEqualTo(SIZE);
    }

    BuiltinTokenizer tokenizer = BuiltinTokenizer.of(TOKENIZER, Files.readAllLines(local(work.vocabulary(name))));
    for (Row r : ShardedTable.read(spark, captionTable, PreparedSchemas.CAPTIONS).collectAsList()) {
      assertThat(r.<Integer>getList(3)).as(r.getString(0)).isNotEmpty()
          .containsExactly(box(tokenizer.encode(r.getString(2))));
    }
  }
}
