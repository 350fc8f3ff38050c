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
import java.util.Locale;
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
 * The aggregate job on a hand-built STS evaluation set: four pairs, 2-d embeddings, a dot and a cosine run.
 *
 * <pre>
 * pair  gold  first (query side)  second (document side)  dot  cosine
 * p1    5     (1, 0)              (2, 0)                  2    1
 * p2    3     (0, 1)              (0, 3)                  3    1
 * p3    3     (1, 0)              (3, 4)                  3    0.6
 * p4    0     (1, 0)              (0, 2)                  0    0
 * </pre>
 *
 * Gold ranks (4, 2.5, 2.5, 1). Dot ranks (2, 3.5, 3.5, 1): rank deviations (1.5, 0, 0, −1.5) and
 * (−0.5, 1, 1, −1.5), Sxy = 1.5, Sxx = Syy = 4.5, ρ = 1/3. Dot Pearson: deviations (2.25, 0.25, 0.25,
 * −2.75) and (0, 1, 1, −2), Sxy = 6, Sxx = 12.75, Syy = 6, r = 6/√76.5. Cosine ranks (3.5, 3.5, 2, 1):
 * deviations (1, 1, −0.5, −1.5), Sxy = 3.75, ρ = 5/6. Cosine Pearson: similarity mean 0.65, deviations
 * (0.35, 0.35, −0.05, −0.65), Sxy = 2.65, Syy = 0.67, r = 2.65/√(12.75 · 0.67).
 */
class AggregateStsTest {
  private static final StructType EMBEDDINGS =
      new StructType()
          .add("id", DataTypes.StringType)
          .add("vector", DataTypes.createArrayType(DataTypes.FloatType))
          .add("norm", DataTypes.DoubleType);

  static final double DOT_SPEARMAN = 1.0 / 3;
  static final double DOT_PEARSON = 6 / Math.sqrt(76.5);
  static final double COSINE_SPEARMAN = 5.0 / 6;
  static final double COSINE_PEARSON = 2.65 / Math.sqrt(12.75 * 0.67);

  @TempDir Path dir;

  private static SparkSession spark() {
    return TestSpark.session();
  }

  private HadoopFiles fs() {
    return new HadoopFiles(spark().sparkContext().hadoopConfiguration());
  }

  @Test
  void scoresEachPairUnderEveryScoringAndCorrelatesWithTheGoldScores() throws IOException {
    WorkDir work = new WorkDir(dir.resolve("work").toUri().toString());
    prepare(work);
    Settings settings = settings(work);
    List<RunSpec> runs = RunPlanner.plan(settings, work, fs());
    assertThat(runs).extracting(RunSpec::variant).containsExactly(Variant.DOT, Variant.COSINE);
    for (RunSpec run : runs) {
      assertThat(run.trainsOnSts()).isTrue();
      write(work, run, Tables.QUERIES, List.of(row("p1", 1, 0), row("p2", 0, 1), row("p3", 1, 0), row("p4", 1, 0)));
      write(work, run, Tables.DOCUMENTS, List.of(row("p4", 0, 2), row("p3", 3, 4), row("p2", 0, 3), row("p1", 2, 0)));
      fs().writeAtomically(work.runSuccess(run.id()), "");
    }

    AggregateJob.Result result = new AggregateJob(new JobContext(spark(), settings, work, fs(), System.err)).run();

    // each run under the four scorings (cosine, query-norm, doc-norm, dot)
    assertThat(result.rows()).hasSize(8).allSatisfy(r -> assertThat(r.isSts()).isTrue());
    RunMetricsRow dot = result.rows().get(3);
    assertThat(dot.spec().variant()).isEqualTo(Variant.DOT);
    assertThat(dot.scoring()).isEqualTo(Scoring.DOT);
    assertThat(dot.sts().pairs()).isEqualTo(4);
    assertThat(dot.sts().spearman()).isCloseTo(DOT_SPEARMAN, within(1e-12));
    assertThat(dot.sts().pearson()).isCloseTo(DOT_PEARSON, within(1e-12));
    RunMetricsRow cosine = result.rows().get(4);
    assertThat(cosine.spec().variant()).isEqualTo(Variant.COSINE);
    assertThat(cosine.scoring()).isEqualTo(Scoring.COSINE);
    assertThat(cosine.sts().spearman()).isCloseTo(COSINE_SPEARMAN, within(1e-12));
    assertThat(cosine.sts().pearson()).isCloseTo(COSINE_PEARSON, within(1e-9));
    // Both runs have the same embeddings, so a run's numbers follow the scoring, not the training variant:
    // the dot run scored under cosine has cosine's column of the table above, the cosine run under dot
    // dot's. Every first sentence is a unit vector, so query-norm scores as dot and doc-norm as cosine.
    for (int run = 0; run < 2; run++) {
      List<RunMetricsRow> scored = result.rows().subList(4 * run, 4 * run + 4);
      assertThat(scored).extracting(RunMetricsRow::scoring).containsExactlyElementsOf(Scoring.FIXED);
      assertThat(scored.get(0).sts().spearman()).isCloseTo(COSINE_SPEARMAN, within(1e-12));
      assertThat(scored.get(0).sts().pearson()).isCloseTo(COSINE_PEARSON, within(1e-9));
      assertThat(scored.get(1).sts().pearson()).isCloseTo(DOT_PEARSON, within(1e-12));
      assertThat(scored.get(2).sts().pearson()).isCloseTo(COSINE_PEARSON, within(1e-9));
      assertThat(scored.get(3).sts().spearman()).isCloseTo(DOT_SPEARMAN, within(1e-12));
      assertThat(scored.get(3).sts().pearson()).isCloseTo(DOT_PEARSON, within(1e-12));
    }

    String results = work.results("toy");
    Map<String, Row> written = spark().read().parquet(results + "/" + Tables.RUN_METRICS).collectAsList().stream()
        .collect(Collectors.toMap(r -> r.<String>getAs("variant") + " scored " + r.<String>getAs("scoring"), r -> r));
    assertThat(written).hasSize(8);
    Row dotAsCosine = written.get("dot scored cosine");
    assertThat(dotAsCosine.<Double>getAs("spearman")).isCloseTo(COSINE_SPEARMAN, within(1e-12));
    assertThat(dotAsCosine.<Boolean>getAs("in_domain")).isTrue();
    assertThat(written.get("cosine scored dot").<Double>getAs("pearson")).isCloseTo(DOT_PEARSON, within(1e-12));
    written.put("dot", written.get("dot scored dot"));
    written.put("cosine", written.get("cosine scored cosine"));
    Row d = written.get("dot");
    assertThat(d.<Long>getAs("pairs")).isEqualTo(4L);
    assertThat(d.<Double>getAs("spearman")).isCloseTo(DOT_SPEARMAN, within(1e-12));
    assertThat(d.<Double>getAs("pearson")).isCloseTo(DOT_PEARSON, within(1e-12));
    assertThat(written.get("cosine").<Double>getAs("spearman")).isCloseTo(COSINE_SPEARMAN, within(1e-12));
    // the retrieval and document-norm columns are null for an STS row
    for (String column : List.of("queries", "queries_without_relevant", "ndcg_at_10", "mrr_at_10", "recall_at_100",
        "doc_norm_d", "doc_norm_g", "doc_norm_d_ci_low", "doc_norm_d_ci_high")) {
      assertThat(d.isNullAt(d.fieldIndex(column))).as(column).isTrue();
    }
    assertThat(spark().read().parquet(results + "/" + Tables.QUERY_METRICS).count()).isZero();

    String summary = fs().readString(results + "/summary.md");
    assertThat(summary).doesNotContain("nDCG@10")
        .contains("| variant | seed | eval set | pairs | Spearman | Pearson | run |")
        .contains(String.format(Locale.ROOT, "| dot | 1 | toys/test | 4 | %.4f | %.4f | %s |",
            DOT_SPEARMAN, DOT_PEARSON, runs.get(0).id()))
        .contains(String.format(Locale.ROOT, "| cosine | 1 | toys/test | 4 | %.4f | %.4f | %s |",
            COSINE_SPEARMAN, COSINE_PEARSON, runs.get(1).id()))
        .contains("The document-norm effect is not defined for STS")
        .contains("### sts: toys/test, trained on toys (in domain): Spearman")
        .contains("| dot | 0.8333 | 0.3333 | 0.8333 | **0.3333** |")
        .contains("| cosine | **0.8333** | 0.3333 | 0.8333 | 0.3333 |");
    // no document norms for STS sets
    assertThat(spark().read().parquet(results + "/" + Tables.DOC_NORM_EFFECTS).count()).isZero();
    assertThat(fs().readString(results + "/" + Tables.RUN_METRICS + ".csv")).startsWith("run_id,variant,scoring,");

    // Comparison, per pair −|gold rank − similarity rank| / 4 under each run's own scoring: dot |4−2|, |2.5−3.5|,
    // |2.5−3.5|, |1−1| → (−.5, −.25, −.25, 0), mean −.25; cosine |4−3.5|, |2.5−3.5|, |2.5−2|, 0 → (−.125, −.25,
    // −.125, 0), mean −.125. Cosine − dot = (.375, 0, .125, 0), observed |Σ| = .5: of the 16 sign vectors the 8
    // giving .375 and .125 the same sign reach it → exact p = 8/16 = .5. Verdict: cosine (5/6) ahead of dot
    // (1/3), p .5, not significant → inconclusive on the symmetric task.
    Row c = spark().read().parquet(results + "/" + Tables.COMPARISONS).collectAsList().get(0);
    assertThat(c.<String>getAs("measure")).isEqualTo("neg-abs-rank-diff");
    assertThat(c.<String>getAs("variant_a")).isEqualTo("cosine");
    assertThat(c.<Double>getAs("mean_a")).isCloseTo(-0.125, within(1e-12));
    assertThat(c.<Double>getAs("mean_b")).isCloseTo(-0.25, within(1e-12));
    assertThat(c.<Double>getAs("headline_mean_a")).isCloseTo(COSINE_SPEARMAN, within(1e-12));
    assertThat(c.<Double>getAs("p_value")).isEqualTo(0.5);
    assertThat(c.<Long>getAs("queries")).isEqualTo(4L);
    Row v = spark().read().parquet(results + "/" + Tables.VERDICTS).collectAsList().get(0);
    assertThat(v.<String>getAs("winner")).isEqualTo("cosine");
    assertThat(v.<Double>getAs("winner_lead")).isCloseTo(COSINE_SPEARMAN - DOT_SPEARMAN, within(1e-12));
    assertThat(v.<String>getAs("outcome")).isEqualTo("inconclusive");
    assertThat(v.<String>getAs("explanation")).startsWith("On sts (symmetric) cosine wins with 0.8333 ahead of dot at 0.3333");
  }

  private Settings settings(WorkDir work) throws IOException {
    Path conf = dir.resolve("toy.conf");
    Files.writeString(conf, String.join("\n",
        "magnitude.datasets.toys { format = sts, path = /nowhere, splits = [train, test] }",
        "magnitude.sweep { id = toy, datasets = [toys], variants = [dot, cosine], seeds = [1], eval-split = test }",
        ""));
    return new Settings(ConfigLoader.fromClasspath().load(List.of(conf), Map.of("magnitude.work-dir", work.root())))
        .validate();
  }

  private void prepare(WorkDir work) {
    Manifest manifest = new Manifest("toys", "sts", Tables.SCHEMA_VERSION, new TokenizerInfo("builtin", "builtin-toy", 50, 16),
        List.of("train", "test"), Map.of(), Map.of(), "toy-content-hash");
    fs().writeAtomically(work.manifest("toys"), manifest.toJson());
    List<Row> pairs = List.of(
        pair("p1", 5.0), pair("p2", 3.0), pair("p3", 3.0), pair("p4", 0.0));
    spark().createDataFrame(pairs, AvroSparkSchemas.of(Tables.PAIRS)).repartition(2)
        .write().parquet(work.table("toys", "test", Tables.PAIRS));
    fs().writeAtomically(work.dataset("toys") + "/" + WorkDir.SUCCESS, "");
  }

  private static Row pair(String id, double score) {
    return RowFactory.create(id, "a of " + id, List.of(4), "b of " + id, List.of(5), score);
  }

  private void write(WorkDir work, RunSpec run, String side, List<Row> rows) {
    spark().createDataFrame(rows, EMBEDDINGS).write().parquet(work.embeddings(run.id(), "toys", "test", side));
  }

  private static Row row(String id, float x, float y) {
    return RowFactory.create(id, List.of(x, y), Math.sqrt((double) x * x + (double) y * y));
  }
}
