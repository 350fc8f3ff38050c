package dev.magnitude.jobs.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.magnitude.core.config.ConfigLoader;
import dev.magnitude.core.config.Settings;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.manifest.Manifest;
import dev.magnitude.core.manifest.TokenizerInfo;
import dev.magnitude.core.metrics.ImageTextMetrics;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.run.Variant;
import dev.magnitude.core.schema.Tables;
import dev.magnitude.jobs.score.Scoring;
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
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The aggregate job on a hand-built image-text evaluation set: images A = (1, 0), B = (0, 2), C = (2, 2);
 * captions c0 = (1, 0) and c1 = (1, 1) of A, c2 = (0, 1) of B, c3 = (1, 1) and c4 = (2, −1) of C.
 *
 * <pre>
 * dot      A   B   C  own rank        cosine  A     B     C     own rank
 * c0       1   0   2  A: 2            c0      1     0     .71   A: 1
 * c1       1   2   4  A: 3            c1      .71   .71   1     A: 3 (B ties A, larger id first)
 * c2       0   2   2  B: 2 (C ties B) c2      0     1     .71   B: 1
 * c3       1   2   4  C: 1            c3      .71   .71   1     C: 1
 * c4       2  −2   2  C: 1 (A ties C) c4      .89  −.45   .32   C: 2
 * </pre>
 *
 * Ties go to the larger id (id descending, the project's and trec_eval's rule). Dot: T→I ranks 2 3 2 1 1
 * (R@1 0.4, mean 9/5 = 1.8, median 2). I→T, down the columns: A's column c4 2 above c0, c1, c3 tied at 1,
 * ordered c3 c1 c0, so A's best caption c1 is 3rd; B's column: c1 c2 c3 tie at 2, ordered c3 c2 c1 → c2 2nd;
 * C's column: c1 and c3 tie at 4, c3 first → 1: ranks 3 2 1 (R@1 1/3, mean 2, median 2).
 * Cosine: T→I ranks 1 3 1 1 2 (R@1 0.6, mean 8/5 = 1.6, median 1); I→T: A's c0 tops its column (1), B's c2
 * (1), C's c3 ties c1 (identical vectors) and comes first (1): ranks 1 1 1 (R@1 1, mean 1).
 *
 * <p>Query-norm (captions normalized, images raw): scaling a caption does not reorder its row, so T→I is
 * dot's; the columns change: A: c0 1, c1 .71, c4 .89 → c0 first (1); B: c2 2 above c1 and c3 1.41 (1); C: c1
 * and c3 tie at 2.83, c3 first (1): I→T ranks 1 1 1 as under cosine. Doc-norm (images normalized) orders
 * each row as cosine does (a caption's scale does not reorder its row): cosine's T→I.
 *
 * <p>Comparisons (each run under its own scoring): per-caption text→image hit@1, dot (0 0 0 1 1) and
 * cosine (1 0 1 1 0): one pair, means 0.6 and 0.4. The paired differences are ±1 on three captions and 0 on
 * two, so every one of the 2^5 sign vectors gives |Σ| ≥ 1 = the observed |Σ|: exact p = 32/32 = 1, Holm 1.
 * Verdict (symmetric task): cosine wins 0.6 vs 0.4, not significant → inconclusive.
 */
class AggregateImageTextTest {
  private static final StructType EMBEDDINGS =
      new StructType()
          .add("id", DataTypes.StringType)
          .add("vector", DataTypes.createArrayType(DataTypes.FloatType))
          .add("norm", DataTypes.DoubleType);

  @TempDir Path dir;

  private static SparkSession spark() {
    return TestSpark.session();
  }

  private HadoopFiles fs() {
    return new HadoopFiles(spark().sparkContext().hadoopConfiguration());
  }

  @Test
  void scoresCaptionsAgainstImagesUnderEveryScoringInBothDirections() throws IOException {
    WorkDir work = new WorkDir(dir.resolve("work").toUri().toString());
    prepare(work);
    Settings settings = settings(work);
    List<RunSpec> runs = RunPlanner.plan(settings, work, fs());
    assertThat(runs).extracting(RunSpec::variant).containsExactly(Variant.DOT, Variant.COSINE);
    for (RunSpec run : runs) {
      write(work, run, Tables.QUERIES,
          List.of(row("c0", 1, 0), row("c1", 1, 1), row("c2", 0, 1), row("c3", 1, 1), row("c4", 2, -1)));
      write(work, run, Tables.DOCUMENTS, List.of(row("C", 2, 2), row("A", 1, 0), row("B", 0, 2)));
      fs().writeAtomically(work.runSuccess(run.id()), "");
    }

    AggregateJob.Result result = new AggregateJob(new JobContext(spark(), settings, work, fs(), System.err)).run();

    assertThat(result.rows()).hasSize(8).allSatisfy(r -> assertThat(r.isImageText()).isTrue());
    assertThat(result.rows().subList(0, 4)).extracting(RunMetricsRow::scoring).containsExactlyElementsOf(Scoring.FIXED);
    ImageTextMetrics dot = result.rows().get(3).imageText();
    assertThat(dot.captions()).isEqualTo(5);
    assertThat(dot.images()).isEqualTo(3);
    assertThat(dot.textToImageR1()).isCloseTo(0.4, within(1e-12));
    assertThat(dot.textToImageMeanRank()).isCloseTo(1.8, within(1e-12));
    assertThat(dot.textToImageMedianRank()).isEqualTo(2.0);
    assertThat(dot.imageToTextR1()).isCloseTo(1 / 3.0, within(1e-12));
    assertThat(dot.imageToTextR5()).isEqualTo(1.0);
    assertThat(dot.imageToTextMeanRank()).isEqualTo(2.0);
    ImageTextMetrics queryNorm = result.rows().get(1).imageText();
    assertThat(queryNorm.textToImageR1()).isCloseTo(0.4, within(1e-12));
    assertThat(queryNorm.textToImageMeanRank()).isCloseTo(1.8, within(1e-12));
    assertThat(queryNorm.imageToTextR1()).isEqualTo(1.0);
    assertThat(queryNorm.imageToTextMeanRank()).isEqualTo(1.0);
    assertThat(result.rows().get(2).imageText().textToImageR1()).isCloseTo(0.6, within(1e-12));
    // the dot run scored under cosine has the cosine run's numbers: both have the same embeddings
    assertThat(result.rows().get(0).imageText()).isEqualTo(result.rows().get(4).imageText());
    ImageTextMetrics cosine = result.rows().get(4).imageText();
    assertThat(cosine.textToImageR1()).isCloseTo(0.6, within(1e-12));
    assertThat(cosine.textToImageMeanRank()).isCloseTo(1.6, within(1e-12));
    assertThat(cosine.textToImageMedianRank()).isEqualTo(1.0);
    assertThat(cosine.imageToTextR1()).isEqualTo(1.0);
    assertThat(cosine.imageToTextMeanRank()).isEqualTo(1.0);

    String results = work.results("toy");
    Map<String, Row> written = spark().read().parquet(results + "/" + Tables.RUN_METRICS).collectAsList().stream()
        .filter(r -> r.<String>getAs("variant").equals(r.<String>getAs("scoring")))
        .collect(Collectors.toMap(r -> r.<String>getAs("variant"), r -> r));
    Row d = written.get("dot");
    assertThat(d.<Long>getAs("captions")).isEqualTo(5L);
    assertThat(d.<Long>getAs("images")).isEqualTo(3L);
    assertThat(d.<Double>getAs("t2i_r_at_1")).isCloseTo(0.4, within(1e-12));
    assertThat(d.<Double>getAs("i2t_r_at_10")).isEqualTo(1.0);
    assertThat(d.<Double>getAs("t2i_median_rank")).isEqualTo(2.0);
    assertThat(written.get("cosine").<Double>getAs("i2t_r_at_1")).isEqualTo(1.0);
    for (String column : List.of("queries", "ndcg_at_10", "doc_norm_d", "doc_norm_d_ci_low", "pairs", "spearman",
        "answer_recall_at_5")) {
      assertThat(d.isNullAt(d.fieldIndex(column))).as(column).isTrue();
    }

    String summary = fs().readString(results + "/summary.md");
    assertThat(summary).doesNotContain("nDCG@10").doesNotContain("Spearman")
        .contains("| variant | seed | eval set | captions | images | T→I R@1 |")
        .contains("| dot | 1 | pics/test | 5 | 3 | 0.4000 | 1.0000 | 1.0000 | 1.8 / 2.0 | 0.3333 | 1.0000 | 1.0000 "
            + "| 2.0 / 2.0 | " + runs.get(0).id() + " |")
        .contains("| cosine | 1 | pics/test | 5 | 3 | 0.6000 |")
        .contains("The document-norm effect is not computed for image-text sets")
        .contains("### image-text: pics/test, trained on pics (in domain): text→image R@1")
        .contains("| dot | 0.6000 | 0.4000 | 0.6000 | **0.4000** |")
        .contains("## Task-symmetry verdicts")
        .contains("| image-text | pics/test | pics | cosine | dot | no (p = 1.000) | **inconclusive** |");
    assertThat(summary.indexOf("## Task-symmetry verdicts")).isLessThan(summary.indexOf("## Train variant × scoring"));

    Row comparison = spark().read().parquet(results + "/" + Tables.COMPARISONS).collectAsList().get(0);
    assertThat(spark().read().parquet(results + "/" + Tables.COMPARISONS).count()).isEqualTo(1);
    assertThat(comparison.<String>getAs("measure")).isEqualTo("t2i-hit@1");
    assertThat(comparison.<String>getAs("variant_a")).isEqualTo("cosine");
    assertThat(comparison.<String>getAs("variant_b")).isEqualTo("dot");
    assertThat(comparison.<Double>getAs("mean_a")).isCloseTo(0.6, within(1e-12));
    assertThat(comparison.<Double>getAs("mean_b")).isCloseTo(0.4, within(1e-12));
    assertThat(comparison.<Double>getAs("mean_difference")).isCloseTo(0.2, within(1e-12));
    assertThat(comparison.<Double>getAs("p_value")).isEqualTo(1.0);
    assertThat(comparison.<Double>getAs("p_holm")).isEqualTo(1.0);
    assertThat(comparison.<Boolean>getAs("exact")).isTrue();
    assertThat(comparison.<Long>getAs("queries")).isEqualTo(5L);
    Row verdict = spark().read().parquet(results + "/" + Tables.VERDICTS).collectAsList().get(0);
    assertThat(verdict.<String>getAs("winner")).isEqualTo("cosine");
    assertThat(verdict.<String>getAs("runner_up")).isEqualTo("dot");
    assertThat(verdict.<Double>getAs("winner_lead")).isCloseTo(0.2, within(1e-12));
    assertThat(verdict.<Double>getAs("winner_lead_p")).isEqualTo(1.0);
    assertThat(verdict.<String>getAs("outcome")).isEqualTo("inconclusive");
    assertThat(fs().exists(results + "/report/index.html")).isTrue();
  }

  private Settings settings(WorkDir work) throws IOException {
    Path conf = dir.resolve("toy.conf");
    Files.writeString(conf, String.join("\n",
        "magnitude.datasets.pics { format = captions-jsonl, path = /nowhere, splits = [train, test] }",
        "magnitude.sweep { id = toy, datasets = [pics], variants = [dot, cosine], seeds = [1], eval-split = test }",
        ""));
    return new Settings(ConfigLoader.fromClasspath().load(List.of(conf), Map.of("magnitude.work-dir", work.root())))
        .validate();
  }

  private void prepare(WorkDir work) {
    Manifest manifest = new Manifest("pics", "captions-jsonl", Tables.SCHEMA_VERSION,
        new TokenizerInfo("builtin", "builtin-toy", 50, 16), List.of("train", "test"), Map.of(),
        Map.of("test/" + Tables.CAPTIONS, 5L, "test/" + Tables.IMAGES, 3L), "toy-hash");
    fs().writeAtomically(work.manifest("pics"), manifest.toJson());
    List<Row> captions = List.of(
        caption("c0", "A"), caption("c1", "A"), caption("c2", "B"), caption("c3", "C"), caption("c4", "C"));
    spark().createDataFrame(captions, AvroSparkSchemas.of(Tables.CAPTIONS)).repartition(2)
        .write().parquet(work.table("pics", "test", Tables.CAPTIONS));
    fs().writeAtomically(work.dataset("pics") + "/" + WorkDir.SUCCESS, "");
  }

  private static Row caption(String id, String image) {
    return RowFactory.create(id, image, "caption " + id, List.of(4));
  }

  private void write(WorkDir work, RunSpec run, String side, List<Row> rows) {
    spark().createDataFrame(rows, EMBEDDINGS).write().parquet(work.embeddings(run.id(), "pics", "test", side));
  }

  private static Row row(String id, float x, float y) {
    return RowFactory.create(id, List.of(x, y), Math.sqrt((double) x * x + (double) y * y));
  }
}
