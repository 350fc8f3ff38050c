package dev.magnitude.jobs.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnitude.core.config.ConfigLoader;
import dev.magnitude.core.config.Settings;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.metrics.Evaluation;
import dev.magnitude.core.metrics.RetrievalMetrics;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.run.Variant;
import dev.magnitude.jobs.cli.Cli;
import dev.magnitude.prepare.io.HadoopFiles;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline on a tiny synthetic sweep: prepare → four worker processes → aggregate, through
 * the CLI as a user runs it. Then the same sweep again (nothing trains), then a sweep where one run's
 * worker fails (the others finish, the command exits 1 and names it).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SweepEndToEndTest {
  @TempDir static Path work;

  /** A tiny sweep: a few hundred documents, a one-layer encoder, 40 steps per variant. */
  static String[] args(String command, String sweepId, String... more) {
    List<String> a = new ArrayList<>(List.of(
        command,
        "--work-dir", work.toString(),
        "-Dmagnitude.sweep.id=" + sweepId,
        "-Dmagnitude.datasets.synthetic.synthetic.documents=240",
        "-Dmagnitude.datasets.synthetic.synthetic.topics=12",
        "-Dmagnitude.datasets.synthetic.synthetic.train-queries=400",
        "-Dmagnitude.datasets.synthetic.synthetic.dev-queries=20",
        "-Dmagnitude.datasets.synthetic.synthetic.test-queries=60",
        "-Dmagnitude.train.encoder.embedding-dim=32",
        "-Dmagnitude.train.encoder.layers=1",
        "-Dmagnitude.train.encoder.heads=2",
        "-Dmagnitude.train.encoder.max-length=24",
        "-Dmagnitude.train.steps=40",
        "-Dmagnitude.train.warmup-steps=5",
        "-Dmagnitude.train.batch-size=16",
        "-Dmagnitude.train.checkpoint-every=20",
        "-Dmagnitude.train.worker.java-options=[\"-Xmx512m\",\"-XX:+UseSerialGC\"]",
        "-Dmagnitude.aggregate.bootstrap.samples=200"));
    a.addAll(List.of(more));
    return a.toArray(String[]::new);
  }

  record Outcome(int code, String out, String err) {}

  static Outcome cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
    int code = Cli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), errStream);
    String e = err.toString(StandardCharsets.UTF_8);
    System.err.print(e);
    return new Outcome(code, out.toString(StandardCharsets.UTF_8), e);
  }

  static Settings settings(String sweepId, String... more) {
    Map<String, String> overrides = new LinkedHashMap<>();
    for (String a : args("sweep", sweepId, more)) {
      if (a.startsWith("-D")) {
        overrides.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
      }
    }
    overrides.put("magnitude.work-dir", work.toString());
    return new Settings(ConfigLoader.fromClasspath().load(List.of(), overrides));
  }

  static WorkDir workDir() {
    return new WorkDir(new HadoopFiles(new Configuration()).qualify(work.toString()));
  }

  @Test
  @Order(1)
  void sweepTrainsEveryVariantAndBeatsRandomRanking() {
    Outcome o = cli(args("sweep", "e2e"));
    assertThat(o.code()).as(o.err()).isZero();
    List<RunSpec> runs = RunPlanner.plan(settings("e2e"), workDir(), new HadoopFiles(new Configuration()));
    assertThat(runs).extracting(RunSpec::variant)
        .containsExactly(Variant.COSINE, Variant.QUERY_NORM, Variant.DOC_NORM, Variant.DOT);
    for (RunSpec run : runs) {
      assertThat(work.resolve("runs/" + run.id() + "/_SUCCESS")).exists();
    }
    SparkSession spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false").getOrCreate();
    List<Row> all = spark.read().parquet(work.resolve("results/e2e/run_metrics").toString()).collectAsList();
    // every run under the four scorings; each run under its own must beat random
    assertThat(all).hasSize(16);
    List<Row> metrics = all.stream().filter(r -> r.getAs("variant").equals(r.getAs("scoring"))).toList();
    assertThat(metrics).hasSize(4);
    double[] random = randomBaseline(spark);
    for (Row r : metrics) {
      String variant = r.getAs("variant");
      assertThat((double) r.getAs("ndcg_at_10")).as("nDCG@10 of %s vs random", variant).isGreaterThan(random[0]);
      assertThat((double) r.getAs("mrr_at_10")).as("MRR@10 of %s vs random", variant).isGreaterThan(random[1]);
      assertThat((double) r.getAs("recall_at_100")).as("Recall@100 of %s vs random", variant).isGreaterThan(random[2]);
      assertThat((double) r.getAs("doc_norm_d")).as("doc-norm d of %s", variant).isFinite();
    }
    assertThat(o.out()).contains("| variant | seed |").contains("| cosine |").contains("| dot |")
        .contains("results: " + workDir().results("e2e"));

    // the significance tables: the 6 pairs of 4 variants, one verdict; the TREC exports: 4 runs × 4 scorings
    assertThat(spark.read().parquet(work.resolve("results/e2e/comparisons").toString()).count()).isEqualTo(6);
    assertThat(spark.read().parquet(work.resolve("results/e2e/verdicts").toString()).count()).isEqualTo(1);
    try (java.util.stream.Stream<java.nio.file.Path> trec = java.nio.file.Files.list(work.resolve("results/e2e/trec"))) {
      assertThat(trec.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".run"))).hasSize(16);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    assertThat(work.resolve("results/e2e/trec/synthetic.test.qrels")).exists();
    // the report: heatmap, bars, the norm histogram of each of the 4 runs, the loss curves
    String html;
    try {
      html = java.nio.file.Files.readString(work.resolve("results/e2e/report/index.html"));
      String keep = System.getProperty("magnitude-test.keep-report");
      if (keep != null && !keep.isBlank()) {
        java.nio.file.Files.createDirectories(java.nio.file.Path.of(keep));
        java.nio.file.Files.writeString(java.nio.file.Path.of(keep, "sweep-end-to-end.html"), html);
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("data-plot=\"([a-z]+)\"").matcher(html);
    List<String> plots = new ArrayList<>();
    while (m.find()) {
      plots.add(m.group(1));
    }
    assertThat(plots).containsExactly("heatmap", "bars", "norms", "norms", "norms", "norms", "loss");
  }

  /**
   * Expected nDCG@10, MRR@10 and Recall@100 of a uniformly random ranking of the whole corpus, averaged
   * over 20 seeded permutations: the floor every trained variant must clear.
   */
  static double[] randomBaseline(SparkSession spark) {
    List<String> docs = new ArrayList<>();
    for (Row r : spark.read().parquet(work.resolve("prepared/synthetic/corpus/documents").toString()).select("id").collectAsList()) {
      docs.add(r.getString(0));
    }
    Map<String, Map<String, Integer>> qrels = new TreeMap<>();
    for (Row r : spark.read().parquet(work.resolve("prepared/synthetic/test/qrels").toString()).collectAsList()) {
      qrels.computeIfAbsent(r.getAs("query_id"), q -> new HashMap<>()).put(r.getAs("doc_id"), r.getAs("relevance"));
    }
    Random random = new Random(42);
    double[] sum = new double[3];
    int trials = 20;
    for (int t = 0; t < trials; t++) {
      Map<String, List<String>> rankings = new HashMap<>();
      for (String q : qrels.keySet()) {
        List<String> shuffled = new ArrayList<>(docs);
        Collections.shuffle(shuffled, random);
        rankings.put(q, shuffled.subList(0, 100));
      }
      Evaluation e = RetrievalMetrics.evaluate(rankings, qrels);
      sum[0] += e.mean().ndcgAt10();
      sum[1] += e.mean().mrrAt10();
      sum[2] += e.mean().recallAt100();
    }
    return new double[] {sum[0] / trials, sum[1] / trials, sum[2] / trials};
  }

  @Test
  @Order(2)
  void aSecondSweepTrainsNothingAndSaysSo() throws Exception {
    List<RunSpec> runs = RunPlanner.plan(settings("e2e"), workDir(), new HadoopFiles(new Configuration()));
    Map<String, FileTime> before = new HashMap<>();
    for (RunSpec run : runs) {
      before.put(run.id(), Files.getLastModifiedTime(work.resolve("runs/" + run.id() + "/_SUCCESS")));
    }
    Outcome o = cli(args("sweep", "e2e"));
    assertThat(o.code()).as(o.err()).isZero();
    assertThat(o.err()).contains("train: every run is finished; nothing to train")
        .contains("train: 0 trained, 4 skipped (already finished), 0 failed");
    for (RunSpec run : runs) {
      assertThat(Files.getLastModifiedTime(work.resolve("runs/" + run.id() + "/_SUCCESS"))).isEqualTo(before.get(run.id()));
    }
  }

  @Test
  @Order(3)
  void aFailingWorkerIsReportedAndTheOtherRunsFinish() throws Exception {
    // Another grid (seed 7) on the prepared data; the dot run's spec is corrupted before training,
    // so its worker fails at start-up while the other three train.
    String[] seed7 = {"-Dmagnitude.sweep.seeds=[7]", "-Dmagnitude.train.steps=10"};
    List<RunSpec> runs = RunPlanner.plan(settings("broken", seed7), workDir(), new HadoopFiles(new Configuration()));
    RunSpec dot = runs.stream().filter(r -> r.variant() == Variant.DOT).findFirst().orElseThrow();
    Path spec = work.resolve("runs/" + dot.id() + "/spec.json");
    Files.createDirectories(spec.getParent());
    Files.writeString(spec, "{ this is not a run spec");

    Outcome o = cli(args("sweep", "broken", seed7));
    assertThat(o.code()).isEqualTo(1);
    assertThat(o.err()).contains("train: 3 trained, 0 skipped (already finished), 1 failed")
        .contains("train: run " + dot.id() + " FAILED");
    assertThat(work.resolve("runs/" + dot.id() + "/_SUCCESS")).doesNotExist();
    assertThat(Files.readString(work.resolve("runs/" + dot.id() + "/failure.json"))).contains("lastLines");
    for (RunSpec run : runs) {
      if (run != dot) {
        assertThat(work.resolve("runs/" + run.id() + "/_SUCCESS")).exists();
      }
    }
    // the aggregate leaves the failed run out, and says so
    assertThat(o.out()).contains("## Runs left out").contains(dot.id() + ": failed");
  }

  @Test
  @Order(4)
  void aRunLockedByAnotherSweepIsLeftToItAndTrainedOnceReleased() {
    String[] seed8 = {"-Dmagnitude.sweep.seeds=[8]", "-Dmagnitude.train.steps=10", "-Dmagnitude.sweep.variants=[cosine,dot]"};
    HadoopFiles fs = new HadoopFiles(new Configuration());
    List<RunSpec> runs = RunPlanner.plan(settings("locked", seed8), workDir(), fs);
    String cosine = runs.get(0).id();
    String dot = runs.get(1).id();
    RunLocks nightly = new RunLocks(workDir(), fs.conf(), "nightly", Duration.ofMinutes(10), Clock.systemUTC(), System.err);
    assertThat(nightly.tryAcquire(cosine)).isEmpty();

    Outcome o = cli(args("train", "locked", seed8));
    assertThat(o.code()).as(o.err()).isZero();
    assertThat(o.err()).contains("train: run " + cosine + " is being trained by " + nightly.owner())
        .contains("train: 1 trained, 0 skipped (already finished), 0 failed, 1 left to another sweep");
    assertThat(work.resolve("runs/" + cosine + "/_SUCCESS")).doesNotExist();
    assertThat(work.resolve("runs/" + dot + "/_SUCCESS")).exists();
    assertThat(work.resolve("runs/" + dot + "/_LOCK")).doesNotExist(); // released after training
    assertThat(nightly.read(cosine).orElseThrow().owner()).isEqualTo(nightly.owner());

    Outcome status = cli(args("status", "locked", seed8));
    assertThat(status.code()).isZero();
    assertThat(status.out()).contains("sweep locked: 2 runs: 1 done, 1 running, 0 failed, 0 pending")
        .contains("running  " + cosine).contains("done     " + dot);

    nightly.close();
    Outcome again = cli(args("train", "locked", seed8));
    assertThat(again.code()).as(again.err()).isZero();
    assertThat(again.err()).contains("train: 1 trained, 1 skipped (already finished), 0 failed, 0 left to another sweep");
    assertThat(work.resolve("runs/" + cosine + "/_SUCCESS")).exists();
    assertThat(work.resolve("runs/" + cosine + "/_LOCK")).doesNotExist();
  }
}
