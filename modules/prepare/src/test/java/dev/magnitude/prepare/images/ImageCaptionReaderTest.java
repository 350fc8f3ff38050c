package dev.magnitude.prepare.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.magnitude.core.config.ImageSpec;
import dev.magnitude.prepare.SharedSpark;
import dev.magnitude.prepare.TestRows;
import dev.magnitude.prepare.io.PreparedSchemas;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(SharedSpark.class)
class ImageCaptionReaderTest {
  private static final ImageSpec SPEC =
      new ImageSpec(8, "annotations/captions_{split}.json", "images/{split}", "{split}.jsonl");

  @TempDir Path tmp;

  @Test
  void cocoQuarantinesEveryBadEntryWithItsReasonAndKeepsTheRest(SparkSession spark) {
    Path folder = BrokenImages.writeCoco(tmp.resolve("coco"));
    try (ImageCaptionInput input =
        new ImageCaptionReader(spark).read("coco", folder.toUri().toString(), List.of("train"), SPEC)) {
      String file = BrokenImages.COCO_TRAIN;
      assertThat(input.file("train")).isEqualTo(file);
      assertThat(input.rowsIn()).isEqualTo(Map.of(file, BrokenImages.COCO_ROWS));
      assertThat(locations(input.quarantine())).containsExactlyInAnyOrderElementsOf(
          BrokenImages.COCO_QUARANTINE.stream().map(l -> file + ":" + l).toList());
      assertThat(input.rejectedIn()).isEqualTo(Map.of(file, (long) BrokenImages.COCO_QUARANTINE.size()));

      Row raw = input.quarantine().filter("line = 7 and reason = 'duplicate image id'").first();
      assertThat(raw.getString(3)).isEqualTo("images[6] {\"id\":1,\"file_name\":\"blocks.png\"}");
      Row caption = input.quarantine().filter("line = 7 and reason = 'caption names an unknown image'").first();
      assertThat(caption.getString(3)).isEqualTo("annotations[6] {\"id\":106,\"image_id\":77,\"caption\":\"nobody\"}");

      assertThat(imageRows(input.images("train"))).containsExactlyElementsOf(BrokenImages.COCO_IMAGES);
      assertThat(TestRows.joined(input.captions("train"))).containsExactlyElementsOf(BrokenImages.COCO_CAPTIONS);
      assertThat(input.images("train").schema()).isEqualTo(PreparedSchemas.IMAGES);
      assertWrittenPlusQuarantinedIsRead(input, List.of("train"));
      assertCentrePixel(input.images("train"), "1", Color.BLUE);
    }
  }

  @Test
  void manifestQuarantinesEveryBadRowWithItsReasonAndKeepsTheRest(SparkSession spark) {
    Path folder = BrokenImages.writeManifest(tmp.resolve("jsonl"));
    try (ImageCaptionInput input =
        new ImageCaptionReader(spark).read("captions-jsonl", folder.toString(), List.of("train", "test"), SPEC)) {
      assertThat(input.rowsIn()).isEqualTo(BrokenImages.MANIFEST_ROWS_BY_FILE);
      assertThat(locations(input.quarantine())).containsExactlyInAnyOrderElementsOf(
          BrokenImages.MANIFEST_QUARANTINE.stream().map(l -> "train.jsonl:" + l).toList());
      assertThat(input.rejectedIn())
          .isEqualTo(Map.of("train.jsonl", (long) BrokenImages.MANIFEST_QUARANTINE.size(), "test.jsonl", 0L));
      Row line5 = input.quarantine().filter("line = 5 and reason = 'caption of a quarantined image'").first();
      assertThat(line5.getString(3)).isEqualTo("captions[0] \"escape\"");

      assertThat(input.file("test")).isEqualTo("test.jsonl");
      assertThat(imageRows(input.images("train"))).containsExactlyElementsOf(BrokenImages.MANIFEST_IMAGES);
      assertThat(TestRows.joined(input.captions("train"))).containsExactlyElementsOf(BrokenImages.MANIFEST_CAPTIONS);
      assertThat(imageRows(input.images("test"))).containsExactly("pics/blocks.png|pics/blocks.png|8|8");
      assertThat(TestRows.joined(input.captions("test"))).containsExactly("pics/blocks.png#0|pics/blocks.png|Blocks");
      assertWrittenPlusQuarantinedIsRead(input, List.of("train", "test"));
      assertCentrePixel(input.images("train"), "pics/blocks.png", Color.BLUE);
      assertCentrePixel(input.images("train"), "pics/tile.bmp", Color.YELLOW);
    }
  }

  /**
   * Image paths that pass the path-string check but whose real path is not a regular file inside the folder
   * ({@link dev.magnitude.prepare.io.LinkedFolder}). Before, the files were opened through their links: the PNG
   * elsewhere and /etc/hostname were read (the PNG was stored as an image of the set), the link to /dev/zero
   * passed the size check (it reports 0 bytes) and readAllBytes() ran the task out of memory, and the FIFO blocked
   * the read for ever; the folder was "image file not found". Now each is quarantined with its reason, the links
   * that stay inside are read, and rows in = written + quarantined.
   */
  @Test
  void linksOutOfTheFolderFifosAndFoldersAreQuarantinedAndLinksInsideAreRead(SparkSession spark) throws Exception {
    Path folder = dev.magnitude.prepare.io.LinkedFolder.write(tmp, BrokenImages.blocksPng());
    List<String> paths = new ArrayList<>();
    paths.addAll(dev.magnitude.prepare.io.LinkedFolder.INSIDE);
    paths.addAll(dev.magnitude.prepare.io.LinkedFolder.OUTSIDE);
    paths.addAll(dev.magnitude.prepare.io.LinkedFolder.NOT_REGULAR);
    paths.addAll(dev.magnitude.prepare.io.LinkedFolder.MISSING);
    StringBuilder manifest = new StringBuilder();
    paths.forEach(p -> manifest.append("{\"image\": \"").append(p).append("\", \"captions\": [\"a shape\"]}\n"));
    Files.writeString(folder.resolve("train.jsonl"), manifest);

    try (ImageCaptionInput input =
        new ImageCaptionReader(spark).read("captions-jsonl", folder.toString(), List.of("train"), SPEC)) {
      assertThat(imageRows(input.images("train"))).containsExactly(
          "linked/ok.png|linked/ok.png|8|8", "pics/inside.png|pics/inside.png|8|8", "pics/ok.png|pics/ok.png|8|8");
      Map<String, String> reasons = input.quarantine().collectAsList().stream()
          .filter(r -> !r.getString(3).startsWith("captions["))
          .collect(Collectors.toMap(r -> r.getString(3).replaceAll(".*\"image\": \"([^\"]*)\".*", "$1"),
              r -> r.getString(2)));
      Map<String, String> expected = new HashMap<>();
      dev.magnitude.prepare.io.LinkedFolder.OUTSIDE.forEach(p -> expected.put(p, ImageReasons.PATH_OUTSIDE_FOLDER));
      dev.magnitude.prepare.io.LinkedFolder.NOT_REGULAR.forEach(p -> expected.put(p, ImageReasons.NOT_A_REGULAR_FILE));
      dev.magnitude.prepare.io.LinkedFolder.MISSING.forEach(p -> expected.put(p, ImageReasons.IMAGE_NOT_FOUND));
      assertThat(reasons).isEqualTo(expected);
      // each quarantined image's caption goes with it
      assertThat(input.quarantine().filter("reason = 'caption of a quarantined image'").count())
          .isEqualTo(expected.size());
      // 12 lines (3 + 4 + 2 + 3), an image and a caption each
      assertThat(input.rowsIn()).isEqualTo(Map.of("train.jsonl", 24L));
      assertWrittenPlusQuarantinedIsRead(input, List.of("train"));
    }
  }

  @Test
  void theBrokenFixturesHoldEveryReason() {
    Set<String> reasons = new TreeSet<>();
    for (String location : concat(BrokenImages.COCO_QUARANTINE, BrokenImages.MANIFEST_QUARANTINE)) {
      reasons.add(location.substring(location.indexOf(' ') + 1));
    }
    assertThat(reasons).isEqualTo(new TreeSet<>(ImageReasons.ALL));
  }

  @Test
  void sameInputGivesByteIdenticalImages(SparkSession spark) {
    Path folder = BrokenImages.writeManifest(tmp.resolve("jsonl"));
    Map<String, byte[]> first = pngs(spark, folder);
    Map<String, byte[]> second = pngs(spark, folder);
    assertThat(first).hasSize(BrokenImages.MANIFEST_IMAGES.size());
    first.forEach((id, png) -> assertThat(second.get(id)).as(id).isEqualTo(png));
  }

  @Test
  void unparseableCocoFileIsAnErrorNamingIt(SparkSession spark) throws IOException {
    Path folder = BrokenImages.writeCoco(tmp.resolve("coco"));
    Files.writeString(folder.resolve(BrokenImages.COCO_TRAIN), "{\"images\": [{\"id\": 1,");
    assertThatThrownBy(() -> new ImageCaptionReader(spark).read("coco", folder.toString(), List.of("train"), SPEC))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("annotations/captions_train.json at " + folder + "/annotations/captions_train.json")
        .hasMessageContaining("is not a COCO captions JSON");

    Files.writeString(folder.resolve(BrokenImages.COCO_TRAIN), "[1, 2]");
    assertThatThrownBy(() -> new ImageCaptionReader(spark).read("coco", folder.toString(), List.of("train"), SPEC))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the top level is not a JSON object");
  }

  @Test
  void emptyOrMissingFilesAreErrorsNamingThem(SparkSession spark) throws IOException {
    Path folder = BrokenImages.writeManifest(tmp.resolve("jsonl"));
    assertThatThrownBy(() -> new ImageCaptionReader(spark).read("captions-jsonl", folder.toString(), List.of("dev"), SPEC))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("dev.jsonl not found at " + folder + "/dev.jsonl")
        .hasMessageContaining("drop the split");

    Files.writeString(folder.resolve("test.jsonl"), "\n \n");
    assertThatThrownBy(() -> new ImageCaptionReader(spark).read("captions-jsonl", folder.toString(), List.of("test"), SPEC))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("test.jsonl at " + folder + "/test.jsonl is empty (no rows)");

    Path coco = BrokenImages.writeCoco(tmp.resolve("coco"));
    Files.writeString(coco.resolve(BrokenImages.COCO_TRAIN), "{\"info\": {}, \"images\": [], \"annotations\": []}");
    assertThatThrownBy(() -> new ImageCaptionReader(spark).read("coco", coco.toString(), List.of("train"), SPEC))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is empty (no rows)");
  }

  @Test
  void filesAreTheAnnotationsOrManifestOfEachSplit() {
    assertThat(ImageCaptionReader.files("coco", List.of("train", "val"), SPEC))
        .containsExactly("annotations/captions_train.json", "annotations/captions_val.json");
    assertThat(ImageCaptionReader.files("captions-jsonl", List.of("train", "val"), SPEC))
        .containsExactly("train.jsonl", "val.jsonl");
    assertThatThrownBy(() -> ImageCaptionReader.files("png", List.of("train"), SPEC))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("use coco or captions-jsonl");
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  /** Quarantined rows as "file:line reason". */
  private static List<String> locations(Dataset<Row> quarantine) {
    return quarantine.collectAsList().stream()
        .map(r -> r.getString(0) + ":" + r.getLong(1) + " " + r.getString(2))
        .toList();
  }

  /** Images as "id|file|width|height", sorted. */
  private static List<String> imageRows(Dataset<Row> images) {
    return TestRows.joined(images.select("id", "file", "width", "height"));
  }

  /** in = images written + captions written + quarantined, for every file. */
  private static void assertWrittenPlusQuarantinedIsRead(ImageCaptionInput input, List<String> splits) {
    Map<String, Long> quarantined = input.quarantine().groupBy("file").count().collectAsList().stream()
        .collect(Collectors.toMap(r -> r.getString(0), r -> r.getLong(1)));
    Map<String, Long> accounted = new HashMap<>();
    for (String split : splits) {
      long written = input.images(split).count() + input.captions(split).count();
      accounted.put(input.file(split), written + quarantined.getOrDefault(input.file(split), 0L));
    }
    assertThat(accounted).isEqualTo(input.rowsIn());
  }

  private static void assertCentrePixel(Dataset<Row> images, String id, Color expected) {
    byte[] png = images.filter(images.col("id").equalTo(id)).first().getAs("png");
    try {
      BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
      assertThat(image.getWidth()).isEqualTo(8);
      assertThat(image.getHeight()).isEqualTo(8);
      assertThat(new Color(image.getRGB(4, 4))).as(id).isEqualTo(expected);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static Map<String, byte[]> pngs(SparkSession spark, Path folder) {
    try (ImageCaptionInput input =
        new ImageCaptionReader(spark).read("captions-jsonl", folder.toString(), List.of("train"), SPEC)) {
      return input.images("train").collectAsList().stream()
          .collect(Collectors.toMap(r -> r.getString(0), r -> (byte[]) r.getAs("png")));
    }
  }
}
