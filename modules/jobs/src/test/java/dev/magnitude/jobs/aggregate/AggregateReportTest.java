package dev.magnitude.jobs.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.magnitude.core.config.ConfigLoader;
import dev.magnitude.core.config.Settings;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.manifest.Manifest;
import dev.magnitude.core.manifest.TokenizerInfo;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.run.Variant;
import dev.magnitude.core.schema.Tables;
import dev.magnitude.jobs.support.JobContext;
import dev.magnitude.jobs.support.TestSpark;
import dev.magnitude.jobs.sweep.RunPlanner;
import dev.magnitude.prepare.io.AvroSparkSchemas;
import dev.magnitude.prepare.io.HadoopFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The aggregate's comparisons, verdicts, TREC exports, QA answer recall and HTML report on AggregateJobTest's
 * toy (2-d embeddings; both the dot and the cosine run finished, with the same embeddings, top-k = 3):
 *
 * <pre>
 * documents  d1 = (3, 0), d2 = (0, 2), d3 = (1.5, 2), d4 = (1, 0), d5 = (0, 1), d6 = (−1, 0), d7 = (0, −2)
 * queries    q1 = (1, 0), q2 = (0, 1), q3 = (1, 1)
 * qrels      q1: d3 = 2, d4 = 1; q2: d1 = d2 = d5 = 1, d4 = 0; q3: d2 = 0 (no relevant document)
 * </pre>
 *
 * Dot under dot ranks q1: d1 (3), d3 (1.5), d4 (1); q2: d3 and d2 tie at 2, d3 first (ids descending), d5 (1);
 * q3: d3 (3.5), d1 (3), d2 (2). nDCG@10 (AggregateJobTest): q1 (2/log2 3 + 1/2) / (2 + 1/log2 3) ≈ 0.6697,
 * q2 (1/log2 3 + 1/2) / (3/2 + 1/log2 3) ≈ 0.5307. The cosine run under cosine: q1 2 / (2 + 1/log2 3) ≈ 0.7602,
 * q2 (1 + 1/log2 3) / (3/2 + 1/log2 3) ≈ 0.7654. Differences cosine − dot ≈ (0.0905, 0.2346), both positive, so
 * of the 4 sign vectors only ++ and −− reach the observed |Σ|: exact p = 2/4 = 0.5 (Holm with one comparison:
 * 0.5). Verdict: cosine (0.7628) beats dot (0.6002) by 0.1626 with p 0.5, not significant; M = dot, M − C =
 * −0.1626 → inconclusive (retrieval, asymmetric).
 */
class AggregateReportTest {
  private static final StructType EMBEDDINGS = new StructType()
      .add("id", DataTypes.StringType)
      .add("vector", DataTypes.createArrayType(DataTypes.FloatType))
      .add("norm", DataTypes.DoubleType);
  private static final StructType QRELS = new StructType()
      .add(Tables.QUERY_ID, DataTypes.StringType)
      .add(Tables.DOC_ID, DataTypes.StringType)
      .add(Tables.RELEVANCE, DataTypes.IntegerType);
  private static final double LOG2_3 = Math.log(3) / Math.log(2);

  @TempDir Path dir;

  private static SparkSession spark() {
    return TestSpark.session();
  }

  private HadoopFiles fs() {
    return new HadoopFiles(spark().sparkContext().hadoopConfiguration());
  }

  @Test
  void comparesVariantsJudgesTheTaskExportsTrecAndWritesTheReport() throws IOException {
    WorkDir work = new WorkDir(dir.resolve("work").toUri().toString());
    prepare(work, "toy", "synthetic", false);
    Settings settings = settings(work, "toy", "synthetic");
    List<RunSpec> runs = RunPlanner.plan(settings, work, fs());
    RunSpec dot = runs.stream().filter(r -> r.variant() == Variant.DOT).findFirst().orElseThrow();
    for (RunSpec run : runs) {
      writeEmbeddings(work, run, "toy");
      fs().writeAtomically(work.runSuccess(run.id()), "");
    }
    // the dot run logged two training steps
    spark().createDataFrame(List.of(curve(0, 2.5), curve(10, 1.25)), AvroSparkSchemas.of(Tables.CURVES))
        .coalesce(1).write().parquet(work.curves(dot.id()));

    new AggregateJob(new JobContext(spark(), settings, work, fs(), System.err)).run();
    String results = work.results("toy");

    List<Row> comparisons = spark().read().parquet(results + "/" + Tables.COMPARISONS).collectAsList();
    assertThat(comparisons).hasSize(1);
    Row c = comparisons.get(0);
    double dotQ1 = (2 / LOG2_3 + 0.5) / (2 + 1 / LOG2_3);
    double dotQ2 = (1 / LOG2_3 + 0.5) / (1.5 + 1 / LOG2_3);
    double cosQ1 = 2 / (2 + 1 / LOG2_3);
    double cosQ2 = (1 + 1 / LOG2_3) / (1.5 + 1 / LOG2_3);
    assertThat(c.<String>getAs("task")).isEqualTo("retrieval");
    assertThat(c.<String>getAs("measure")).isEqualTo("ndcg@10");
    assertThat(c.<String>getAs("variant_a")).isEqualTo("cosine");
    assertThat(c.<String>getAs("variant_b")).isEqualTo("dot");
    assertThat(c.<Double>getAs("mean_a")).isCloseTo((cosQ1 + cosQ2) / 2, within(1e-12));
    assertThat(c.<Double>getAs("mean_b")).isCloseTo((dotQ1 + dotQ2) / 2, within(1e-12));
    assertThat(c.<Double>getAs("headline_mean_b")).isCloseTo((dotQ1 + dotQ2) / 2, within(1e-12));
    assertThat(c.isNullAt(c.fieldIndex("headline_sd_b"))).isTrue();
    assertThat(c.<Double>getAs("p_value")).isEqualTo(0.5);
    assertThat(c.<Double>getAs("p_holm")).isEqualTo(0.5);
    assertThat(c.<Boolean>getAs("significant")).isFalse();
    assertThat(c.<Boolean>getAs("exact")).isTrue();
    assertThat(c.<Long>getAs("queries")).isEqualTo(2L);
    assertThat(c.<Long>getAs("permutations")).isEqualTo(10_000L);
    assertThat(c.<Double>getAs("alpha")).isEqualTo(0.05);

    Row v = spark().read().parquet(results + "/" + Tables.VERDICTS).collectAsList().get(0);
    assertThat(v.<String>getAs("winner")).isEqualTo("cosine");
    assertThat(v.<String>getAs("runner_up")).isEqualTo("dot");
    assertThat(v.<Double>getAs("winner_lead")).isCloseTo((cosQ1 + cosQ2 - dotQ1 - dotQ2) / 2, within(1e-12));
    assertThat(v.<Double>getAs("winner_lead_p")).isEqualTo(0.5);
    assertThat(v.<Boolean>getAs("winner_lead_significant")).isFalse();
    assertThat(v.<String>getAs("magnitude_variant")).isEqualTo("dot");
    assertThat(v.<String>getAs("outcome")).isEqualTo("inconclusive");
    assertThat(v.<String>getAs("explanation")).startsWith("On retrieval (asymmetric) cosine wins with 0.7628 ahead of dot at 0.6002");
    assertThat(fs().readString(results + "/" + Tables.VERDICTS + ".csv")).startsWith("task,dataset,split,in_domain,");

    String summary = fs().readString(results + "/summary.md");
    assertThat(summary).contains("| retrieval | toy/test | toy | cosine | dot | no (p = 0.5000) | **inconclusive** |");
    assertThat(summary.indexOf("## Task-symmetry verdicts")).isGreaterThan(0)
        .isLessThan(summary.indexOf("## Train variant × scoring"));

    // TREC: the dot run under dot, every query with its top 3 (q3 too: trec_eval skips unjudged queries)
    String tag = dot.id() + "-dot";
    assertThat(fs().readString(results + "/trec/" + dot.id() + ".toy.test.dot.run")).isEqualTo(
        "q1 Q0 d1 1 3.0 " + tag + "\n" + "q1 Q0 d3 2 1.5 " + tag + "\n" + "q1 Q0 d4 3 1.0 " + tag + "\n"
            + "q2 Q0 d3 1 2.0 " + tag + "\n" + "q2 Q0 d2 2 2.0 " + tag + "\n" + "q2 Q0 d5 3 1.0 " + tag + "\n"
            + "q3 Q0 d3 1 3.5 " + tag + "\n" + "q3 Q0 d1 2 3.0 " + tag + "\n" + "q3 Q0 d2 3 2.0 " + tag + "\n");
    // under cosine q1 = (1, 0) ranks d4 and d1 (both 1.0; d4 first, ids descending), then d3 (0.6)
    assertThat(fs().readString(results + "/trec/" + dot.id() + ".toy.test.cosine.run"))
        .startsWith("q1 Q0 d4 1 1.0 " + dot.id() + "-cosine\nq1 Q0 d1 2 1.0 " + dot.id() + "-cosine\nq1 Q0 d3 3 0.6");
    for (String scoring : List.of("query-norm", "doc-norm")) {
      assertThat(fs().exists(results + "/trec/" + dot.id() + ".toy.test." + scoring + ".run")).isTrue();
    }
    assertThat(fs().readString(results + "/trec/toy.test.qrels")).isEqualTo(
        "q1 0 d3 2\nq1 0 d4 1\nq2 0 d1 1\nq2 0 d2 1\nq2 0 d4 0\nq2 0 d5 1\nq3 0 d2 0\n");

    // the report: verdicts, one heatmap, one bar chart, a norm histogram per run, the dot run's loss curve
    String html = fs().readString(results + "/report/index.html");
    keep(html, "aggregate-report-test.html");
    assertThat(ComparisonsAndReportTest.plots(html)).containsExactly("heatmap", "bars", "norms", "norms", "loss");
    assertThat(ComparisonsAndReportTest.svgs(html)).hasSize(5);
    assertThat(html).contains("<h2>Task: retrieval</h2>").contains("<h3>toy/test, trained on toy (in domain)</h3>")
        .contains("<h3>Training on toy</h3>").contains("<table class=\"comparisons\">");
    // run_metrics of a retrieval (not qa) set has no answer recall
    Row m = spark().read().parquet(results + "/" + Tables.RUN_METRICS).collectAsList().get(0);
    assertThat(m.isNullAt(m.fieldIndex("answer_recall_at_5"))).isTrue();
  }

  /**
   * A qa dataset with the toy's embeddings. Answers: q1 "Paris" (only d1 mentions "Parisian": not a whole
   * token, a miss), q2 "Blue-Whale!" (d3's text "The BLUEWHALE swims." normalizes to "bluewhale swims", which
   * contains the normalized answer "bluewhale": a hit, d3 being in q2's top 3 under every scoring). q3 has no
   * answers and is not counted. Answer recall at 5, 20 and 100 (the ranking is 3 deep) = 1/2 under every
   * scoring.
   */
  @Test
  void qaSetsGetAnswerRecallInRunMetrics() throws IOException {
    WorkDir work = new WorkDir(dir.resolve("work").toUri().toString());
    prepare(work, "quiz", "qa", true);
    Settings settings = settings(work, "quiz", "qa");
    for (RunSpec run : RunPlanner.plan(settings, work, fs())) {
      writeEmbeddings(work, run, "quiz");
      fs().writeAtomically(work.runSuccess(run.id()), "");
    }
    new AggregateJob(new JobContext(spark(), settings, work, fs(), System.err)).run();
    String results = work.results("toy");
    List<Row> rows = spark().read().parquet(results + "/" + Tables.RUN_METRICS).collectAsList();
    assertThat(rows).hasSize(8);
    for (Row r : rows) {
      assertThat(r.<Long>getAs("answer_queries")).isEqualTo(2L);
      assertThat(r.<Double>getAs("answer_recall_at_5")).isEqualTo(0.5);
      assertThat(r.<Double>getAs("answer_recall_at_20")).isEqualTo(0.5);
      assertThat(r.<Double>getAs("answer_recall_at_100")).isEqualTo(0.5);
    }
    assertThat(fs().readString(results + "/summary.md")).contains("### QA answer recall")
        .contains("| dot | 1 | quiz/test | 2 | 0.5000 | 0.5000 | 0.5000 |");
    Row v = spark().read().parquet(results + "/" + Tables.VERDICTS).collectAsList().get(0);
    assertThat(v.<String>getAs("task")).isEqualTo("qa");
    assertThat(v.<String>getAs("explanation")).startsWith("On qa (asymmetric)");
  }

  /**
   * With {@code -Dmagnitude-test.keep-report=DIR} the test copies a report it built into DIR (to look at it in
   * a browser); nothing otherwise.
   */
  static void keep(String html, String name) throws IOException {
    String keep = System.getProperty("magnitude-test.keep-report");
    if (keep != null && !keep.isBlank()) {
      Files.createDirectories(Path.of(keep));
      Files.writeString(Path.of(keep, name), html);
    }
  }

  private static Row curve(int step, double loss) {
    return RowFactory.create(step, loss, 1e-3, 1.0, 1.0, 0.1, 2.0, 0.2, 100.0, null, null, 20.0);
  }

  private Settings settings(WorkDir work, String dataset, String format) throws IOException {
    Path conf = dir.resolve("toy.conf");
    Files.writeString(conf, String.join("\n",
        format.equals("synthetic")
            ? "magnitude.datasets.toy { format = synthetic, splits = [train, test], synthetic { documents = 10, "
                + "topics = 2, train-queries = 1, dev-queries = 1, test-queries = 1, seed = 5 } }"
            : "magnitude.datasets." + dataset + " { format = " + format + ", path = /nowhere, splits = [train, test] }",
        "magnitude.sweep { id = toy, datasets = [" + dataset + "], variants = [dot, cosine], seeds = [1], "
            + "eval-split = test }",
        "magnitude.aggregate { top-k = 3, bootstrap { samples = 200, seed = 7, level = 0.95 } }",
        ""));
    return new Settings(ConfigLoader.fromClasspath().load(List.of(conf), Map.of("magnitude.work-dir", work.root())))
        .validate();
  }

  private void prepare(WorkDir work, String dataset, String format, boolean qa) {
    Manifest manifest = new Manifest(dataset, format, Tables.SCHEMA_VERSION,
        new TokenizerInfo("builtin", "builtin-toy", 50, 16), List.of("train", "test"), Map.of(),
        Map.of("test/" + Tables.QUERIES, 3L, WorkDir.CORPUS + "/" + Tables.DOCUMENTS, 7L), "toy-content-hash");
    fs().writeAtomically(work.manifest(dataset), manifest.toJson());
    spark().createDataFrame(List.of(
            RowFactory.create("q1", "d3", 2), RowFactory.create("q1", "d4", 1), RowFactory.create("q2", "d1", 1),
            RowFactory.create("q2", "d2", 1), RowFactory.create("q2", "d5", 1), RowFactory.create("q2", "d4", 0),
            RowFactory.create("q3", "d2", 0)), QRELS)
        .write().parquet(work.table(dataset, "test", Tables.QRELS));
    if (qa) {
      spark().createDataFrame(List.of(RowFactory.create("q1", "Paris"), RowFactory.create("q2", "Blue-Whale!")),
          AvroSparkSchemas.of(Tables.ANSWERS)).write().parquet(work.table(dataset, "test", Tables.ANSWERS));
      List<Row> docs = List.of(
          doc("d1", "Parisian food"), doc("d2", "Whales"), doc("d3", "The BLUEWHALE swims."), doc("d4", "blue"),
          doc("d5", "whale"), doc("d6", "Paris"), doc("d7", "blue whale"));
      spark().createDataFrame(docs, AvroSparkSchemas.of(Tables.DOCUMENTS)).write().parquet(work.documents(dataset));
    }
    fs().writeAtomically(work.dataset(dataset) + "/" + WorkDir.SUCCESS, "");
  }

  private static Row doc(String id, String text) {
    return RowFactory.create(id, text, List.of(1));
  }

  private void writeEmbeddings(WorkDir work, RunSpec run, String dataset) {
    spark().createDataFrame(List.of(e("q1", 1, 0), e("q2", 0, 1), e("q3", 1, 1)), EMBEDDINGS).write()
        .parquet(work.embeddings(run.id(), dataset, "test", Tables.QUERIES));
    spark().createDataFrame(List.of(e("d1", 3, 0), e("d2", 0, 2), e("d3", 1.5f, 2), e("d4", 1, 0), e("d5", 0, 1),
            e("d6", -1, 0), e("d7", 0, -2)), EMBEDDINGS).repartition(2).write()
        .parquet(work.embeddings(run.id(), dataset, WorkDir.CORPUS, Tables.DOCUMENTS));
  }

  private static Row e(String id, float x, float y) {
    return RowFactory.create(id, List.of(x, y), Math.sqrt((double) x * x + (double) y * y));
  }
}
