package dev.magnitude.jobs.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.manifest.Manifest;
import dev.magnitude.core.manifest.TokenizerInfo;
import dev.magnitude.core.schema.Tables;
import dev.magnitude.jobs.cli.Cli;
import dev.magnitude.prepare.io.AvroSparkSchemas;
import dev.magnitude.prepare.io.HadoopFiles;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An image-text sweep through the CLI's train and aggregate commands on a prepared dataset written here
 * (the prepare job's image-text path has its own tests; running it would triple this test's time): 48
 * train and 16 test images of 16×16 px, each a coloured square in a corner, with two captions ("a red
 * square", "a red square top left") → a cosine and a dot worker (15 steps: the CNN and the text encoder)
 * → aggregate, then the image-text columns of run_metrics and the image-text table of summary.md. Fifteen
 * steps teach little; the test checks that every stage runs and the numbers are well-formed, not that
 * the model is good.
 */
class ImageTextSweepEndToEndTest {
  @TempDir static Path dir;

  static final int SIZE = 16;
  static final int[] RGB = {0xE02020, 0x20C020, 0x2040E0, 0xE0E020, 0x9020C0, 0x20C0C0};
  /** token ids: "a" 4, "square" 5, colours 6–11, corners 12–15 (ids below 4 are the builtin specials) */
  static final int A = 4;
  static final int SQUARE = 5;

  @Test
  void trainsCosineAndDotOnImagesAndCaptionsAndReportsRecallBothWays() throws IOException {
    Path work = dir.resolve("work");
    SparkSession spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false").getOrCreate();
    WorkDir layout = new WorkDir(work.toUri().toString());
    HadoopFiles fs = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
    write(spark, layout, "train", 1, 48);
    write(spark, layout, "test", 1001, 16);
    Manifest manifest = new Manifest("shapes", "coco", Tables.SCHEMA_VERSION,
        new TokenizerInfo("builtin", "builtin-shapes", 16, 8), List.of("train", "test"), Map.of(), Map.of(), "shapes-hash");
    fs.writeAtomically(layout.manifest("shapes"), manifest.toJson());
    fs.writeAtomically(layout.dataset("shapes") + "/" + WorkDir.SUCCESS, "");

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    for (String command : List.of("train", "aggregate")) {
      int code = Cli.run(new String[] {
          command,
          "--work-dir", work.toString(),
          "-Dmagnitude.datasets.shapes.format=coco",
          "-Dmagnitude.datasets.shapes.path=/not-read",
          "-Dmagnitude.datasets.shapes.splits=[train,test]",
          "-Dmagnitude.sweep.id=images-e2e",
          "-Dmagnitude.sweep.datasets=[shapes]",
          "-Dmagnitude.sweep.variants=[cosine,dot]",
          "-Dmagnitude.sweep.eval-split=test",
          "-Dmagnitude.train.encoder.embedding-dim=16",
          "-Dmagnitude.train.encoder.layers=1",
          "-Dmagnitude.train.encoder.heads=2",
          "-Dmagnitude.train.encoder.max-length=8",
          "-Dmagnitude.train.steps=15",
          "-Dmagnitude.train.warmup-steps=3",
          "-Dmagnitude.train.batch-size=16",
          "-Dmagnitude.train.checkpoint-every=15",
          "-Dmagnitude.train.worker.java-options=[\"-Xmx512m\",\"-XX:+UseSerialGC\"]"},
          new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
      String e = err.toString(StandardCharsets.UTF_8);
      assertThat(code).as(command + ": " + e).isZero();
    }

    List<Row> all = spark.read().parquet(work.resolve("results/images-e2e/run_metrics").toString()).collectAsList();
    assertThat(all).hasSize(8); // two runs under four scorings
    List<Row> metrics = all.stream().filter(r -> r.getAs("variant").equals(r.getAs("scoring"))).toList();
    Map<String, Row> byVariant = metrics.stream().collect(Collectors.toMap(r -> r.<String>getAs("variant"), r -> r));
    assertThat(byVariant).containsOnlyKeys("cosine", "dot");
    for (Row r : metrics) {
      String variant = r.getAs("variant");
      assertThat(r.<Long>getAs("images")).as("images of %s", variant).isEqualTo(16L);
      assertThat(r.<Long>getAs("captions")).isEqualTo(32L);
      for (String column : List.of("t2i_r_at_1", "t2i_r_at_5", "t2i_r_at_10", "i2t_r_at_1", "i2t_r_at_5", "i2t_r_at_10")) {
        assertThat(r.<Double>getAs(column)).as("%s of %s", column, variant).isBetween(0.0, 1.0);
      }
      assertThat(r.<Double>getAs("t2i_r_at_1")).isLessThanOrEqualTo(r.<Double>getAs("t2i_r_at_10"));
      assertThat(r.<Double>getAs("t2i_mean_rank")).isBetween(1.0, 16.0);
      assertThat(r.<Double>getAs("i2t_median_rank")).isBetween(1.0, 32.0);
      assertThat(r.isNullAt(r.fieldIndex("ndcg_at_10"))).isTrue();
      assertThat(r.isNullAt(r.fieldIndex("doc_norm_d"))).isTrue();
      System.err.printf("image-text e2e: %s T→I R@10 %.3f I→T R@10 %.3f%n",
          variant, r.<Double>getAs("t2i_r_at_10"), r.<Double>getAs("i2t_r_at_10"));
      String run = r.getAs("run_id");
      assertThat(spark.read().parquet(layout.embeddings(run, "shapes", "test", "queries")).count()).isEqualTo(32);
      assertThat(spark.read().parquet(layout.embeddings(run, "shapes", "test", "documents")).count()).isEqualTo(16);
    }
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("| variant | seed | eval set | captions | images | T→I R@1 |")
        .contains("| cosine | 13 | shapes/test | 32 | 16 | ")
        .contains("| dot | 13 | shapes/test | 32 | 16 | ");
  }

  /** Image i: white with a square of colour i mod 6 in corner (i / 6) mod 4; captions without and with the corner. */
  static void write(SparkSession spark, WorkDir work, String split, int firstId, int images) throws IOException {
    List<Row> imageRows = new ArrayList<>();
    List<Row> captionRows = new ArrayList<>();
    for (int i = 0; i < images; i++) {
      String id = Integer.toString(firstId + i);
      int colour = i % RGB.length;
      int corner = (i / RGB.length) % 4;
      BufferedImage image = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
      for (int y = 0; y < SIZE; y++) {
        for (int x = 0; x < SIZE; x++) {
          boolean inside = (x < SIZE / 2) == (corner % 2 == 0) && (y < SIZE / 2) == (corner < 2);
          image.setRGB(x, y, inside ? RGB[colour] : 0xFFFFFF);
        }
      }
      ByteArrayOutputStream png = new ByteArrayOutputStream();
      ImageIO.write(image, "png", png);
      imageRows.add(RowFactory.create(id, id + ".png", SIZE, SIZE, png.toByteArray()));
      captionRows.add(RowFactory.create(id + "-0", id, "a square", List.of(A, 6 + colour, SQUARE)));
      captionRows.add(RowFactory.create(id + "-1", id, "a square in a corner", List.of(A, 6 + colour, SQUARE, 12 + corner)));
    }
    spark.createDataFrame(imageRows, AvroSparkSchemas.of(Tables.IMAGES)).coalesce(1)
        .write().parquet(work.table("shapes", split, Tables.IMAGES));
    spark.createDataFrame(captionRows, AvroSparkSchemas.of(Tables.CAPTIONS)).coalesce(1)
        .write().parquet(work.table("shapes", split, Tables.CAPTIONS));
  }
}
