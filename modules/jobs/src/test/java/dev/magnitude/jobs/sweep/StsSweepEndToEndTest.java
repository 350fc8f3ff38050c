package dev.magnitude.jobs.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.metrics.Correlation;
import dev.magnitude.jobs.cli.Cli;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An STS sweep through the CLI as a user runs it: a generated STS-B folder (train.tsv, test.tsv with a
 * header) → prepare → a dot and a cosine worker → aggregate, then the Spearman and Pearson rows of
 * run_metrics and the STS table of summary.md.
 *
 * <p>The generated gold score is the share of the first sentence's words the second sentence repeats
 * (5 · k / 6 for k of 6 words), so a model that learns word identity ranks pairs by it. Even an
 * untrained mean-pooled encoder correlates positively with word overlap, so the test does not claim
 * that training beats the untrained encoder; it checks the weaker, robust property that every trained
 * variant is far above a random scoring (|ρ| of 80 random similarities stays below 0.3 in 99.99% of draws).
 */
class StsSweepEndToEndTest {
  @TempDir static Path dir;

  static final String[] WORDS = (
      "apple river stone cloud green quick house bread chair music light north table paper glass winter "
      + "garden silver market window orange forest coffee pencil bridge letter summer candle rocket mirror "
      + "planet thunder violin pepper island castle ladder jacket meadow harbor").split(" ");

  @Test
  void sweepTrainsDotAndCosineOnStsAndReportsCorrelations() throws IOException {
    Path raw = dir.resolve("raw/stsb");
    Files.createDirectories(raw);
    Random random = new Random(2602);
    Files.writeString(raw.resolve("train.tsv"), tsv(random, 200));
    Files.writeString(raw.resolve("test.tsv"), tsv(random, 80));
    Path work = dir.resolve("work");
    Files.createDirectories(work);

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Cli.run(new String[] {
        "sweep",
        "--work-dir", work.toString(),
        "-Dmagnitude.datasets.stsb.format=sts",
        "-Dmagnitude.datasets.stsb.path=" + raw,
        "-Dmagnitude.datasets.stsb.splits=[train,test]",
        "-Dmagnitude.sweep.id=sts-e2e",
        "-Dmagnitude.sweep.datasets=[stsb]",
        "-Dmagnitude.sweep.variants=[dot,cosine]",
        "-Dmagnitude.sweep.eval-split=test",
        "-Dmagnitude.train.encoder.embedding-dim=16",
        "-Dmagnitude.train.encoder.layers=1",
        "-Dmagnitude.train.encoder.heads=2",
        "-Dmagnitude.train.encoder.max-length=8",
        "-Dmagnitude.train.steps=20",
        "-Dmagnitude.train.warmup-steps=5",
        "-Dmagnitude.train.batch-size=16",
        "-Dmagnitude.train.checkpoint-every=20",
        "-Dmagnitude.train.sts.positive-threshold=4.0",
        "-Dmagnitude.train.worker.java-options=[\"-Xmx512m\",\"-XX:+UseSerialGC\"]"},
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    String e = err.toString(StandardCharsets.UTF_8);
    System.err.print(e);
    assertThat(code).as(e).isZero();

    SparkSession spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false").getOrCreate();
    List<Row> all = spark.read().parquet(work.resolve("results/sts-e2e/run_metrics").toString()).collectAsList();
    assertThat(all).hasSize(8); // two runs under four scorings
    List<Row> metrics = all.stream().filter(r -> r.getAs("variant").equals(r.getAs("scoring"))).toList();
    Map<String, Row> byVariant = metrics.stream().collect(Collectors.toMap(r -> r.<String>getAs("variant"), r -> r));
    assertThat(byVariant).containsOnlyKeys("dot", "cosine");
    double randomBound = 0.3;
    for (Row r : metrics) {
      String variant = r.getAs("variant");
      assertThat(r.<Long>getAs("pairs")).as("pairs of %s", variant).isEqualTo(80L);
      assertThat(r.isNullAt(r.fieldIndex("spearman"))).isFalse();
      assertThat(r.isNullAt(r.fieldIndex("pearson"))).isFalse();
      double spearman = r.getAs("spearman");
      double pearson = r.getAs("pearson");
      System.err.printf("sts e2e: %s Spearman %.4f Pearson %.4f%n", variant, spearman, pearson);
      assertThat(spearman).as("Spearman of %s", variant).isBetween(-1.0, 1.0).isGreaterThan(randomBound);
      assertThat(pearson).as("Pearson of %s", variant).isBetween(-1.0, 1.0);
      assertThat(r.isNullAt(r.fieldIndex("ndcg_at_10"))).isTrue();
      assertThat(r.isNullAt(r.fieldIndex("doc_norm_d"))).isTrue();
      // both sides of every test pair were embedded under the pair id
      String run = r.getAs("run_id");
      WorkDir layout = new WorkDir(work.toString());
      assertThat(spark.read().parquet(layout.embeddings(run, "stsb", "test", "queries")).count()).isEqualTo(80);
      assertThat(spark.read().parquet(layout.embeddings(run, "stsb", "test", "documents")).count()).isEqualTo(80);
    }
    assertThat(randomSpearmanSpread(80)).as("the random baseline's spread").isLessThan(randomBound);
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("| variant | seed | eval set | pairs | Spearman | Pearson | run |")
        .contains("| dot | 13 | stsb/test | 80 |")
        .contains("| cosine | 13 | stsb/test | 80 |");
  }

  /** STS-B layout: a header, then sentence1, sentence2, score (5 · shared words / 6) per line. */
  static String tsv(Random random, int pairs) {
    StringBuilder sb = new StringBuilder("sentence1\tsentence2\tscore\n");
    for (int i = 0; i < pairs; i++) {
      List<String> a = new ArrayList<>();
      for (int w = 0; w < 6; w++) {
        a.add(WORDS[random.nextInt(WORDS.length)]);
      }
      int shared = random.nextInt(7);
      List<String> b = new ArrayList<>(a.subList(0, shared));
      while (b.size() < 6) {
        b.add(WORDS[random.nextInt(WORDS.length)]);
      }
      java.util.Collections.shuffle(b, random);
      sb.append(String.join(" ", a)).append('\t').append(String.join(" ", b)).append('\t')
          .append(String.format(java.util.Locale.ROOT, "%.3f", 5.0 * shared / 6)).append('\n');
    }
    return sb.toString();
  }

  /** The largest |ρ| of 200 seeded random scorings of 80 pairs: what "random" reaches. */
  static double randomSpearmanSpread(int n) {
    Random random = new Random(7);
    double max = 0;
    for (int t = 0; t < 200; t++) {
      double[] gold = new double[n];
      double[] noise = new double[n];
      for (int i = 0; i < n; i++) {
        gold[i] = random.nextInt(7);
        noise[i] = random.nextGaussian();
      }
      max = Math.max(max, Math.abs(Correlation.spearman(gold, noise)));
    }
    return max;
  }
}
