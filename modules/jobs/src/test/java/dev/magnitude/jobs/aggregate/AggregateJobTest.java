package dev.magnitude.jobs.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.magnitude.core.config.ConfigLoader;
import dev.magnitude.core.config.Settings;
import dev.magnitude.core.json.ChecksummedJson;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.manifest.Manifest;
import dev.magnitude.core.manifest.TokenizerInfo;
import dev.magnitude.core.metrics.QueryMetrics;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.run.TrainedNormalization;
import dev.magnitude.core.run.Variant;
import dev.magnitude.core.schema.Tables;
import dev.magnitude.core.stats.DocNormEffect;
import dev.magnitude.jobs.support.JobContext;
import dev.magnitude.jobs.support.JobError;
import dev.magnitude.jobs.support.TestSpark;
import dev.magnitude.jobs.sweep.RunPlanner;
import dev.magnitude.prepare.io.HadoopFiles;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroSchemaConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The aggregate job end to end on a toy work directory built by hand: one prepared dataset, a sweep of
 * two runs (dot finished, cosine not), embeddings small enough to rank and score on paper.
 *
 * <p>Toy data (2-d embeddings, all written by the test, every value exact in float; norm = ‖vector‖):
 *
 * <pre>
 * documents  d1 = (3, 0)     norm 3      queries  q1 = (1, 0)
 *            d2 = (0, 2)     norm 2               q2 = (0, 1)
 *            d3 = (1.5, 2)   norm 2.5             q3 = (1, 1)
 *            d4 = (1, 0)     norm 1
 *            d5 = (0, 1)     norm 1
 *            d6 = (-1, 0)    norm 1
 *            d7 = (0, -2)    norm 2
 * qrels      q1: d3 = 2, d4 = 1
 *            q2: d1 = 1, d2 = 1, d5 = 1, d4 = 0
 *            q3: d2 = 0 (no relevant document: excluded and counted)
 * </pre>
 *
 * With top-k = 3 the dot run ranks q1: d1 (3), d3 (1.5), d4 (1); and q2: d3 and d2 tie at 2, d3 first
 * (ids descending), then d5 (1). The tie matters: ids ascending would put the relevant d2 first and
 * give q2 RR 1 instead of 1/2.
 */
class AggregateJobTest {

  private static final StructType EMBEDDINGS =
      new StructType()
          .add("id", DataTypes.StringType)
          .add("vector", DataTypes.createArrayType(DataTypes.FloatType))
          .add("norm", DataTypes.DoubleType);

  private static final StructType QRELS =
      new StructType()
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
  void scoresTheFinishedRunAndLeavesOutTheUnfinishedOne() throws IOException {
    WorkDir work = new WorkDir(dir.resolve("work").toUri().toString());
    prepareToyDataset(work, TOY_QRELS);
    Settings settings = settings(work, 3);
    List<RunSpec> runs = RunPlanner.plan(settings, work, fs());
    RunSpec dot = run(runs, Variant.DOT);
    RunSpec cosine = run(runs, Variant.COSINE);
    writeEmbeddings(work, dot, TOY_QUERIES, TOY_DOCUMENTS);
    // embedded but never marked finished: only _SUCCESS counts
    writeEmbeddings(work, cosine, TOY_QUERIES, TOY_DOCUMENTS);
    touch(work.runSuccess(dot.id()));

    AggregateJob.Result result = new AggregateJob(new JobContext(spark(), settings, work, fs(), System.err)).run();

    assertThat(result.leftOut()).containsOnlyKeys(cosine.id());
    assertThat(result.leftOut().get(cosine.id())).startsWith("incomplete (no _SUCCESS");
    // the dot run under each of the four scorings, in the fixed order
    assertThat(result.rows()).extracting(x -> x.scoring().id()).containsExactly("cosine", "query-norm", "doc-norm", "dot");
    assertThat(result.rows()).allSatisfy(x -> assertThat(x.spec().id()).isEqualTo(dot.id()))
        .allSatisfy(x -> assertThat(x.inDomain()).isTrue());
    RunMetricsRow row = result.rows().get(3);
    assertThat(row.ownScoring()).isTrue();
    assertThat(row.spec().id()).isEqualTo(dot.id());
    assertThat(row.dataset()).isEqualTo("toy");
    assertThat(row.split()).isEqualTo("test");
    // q3 has only a rel-0 judgement: excluded and counted; q1 and q2 are evaluated
    assertThat(row.queries()).isEqualTo(2);
    assertThat(row.queriesWithoutRelevant()).isEqualTo(1);

    QueryMetrics mean = row.mean();
    assertThat(mean.ndcgAt10()).isCloseTo(MEAN_NDCG_10, within(1e-12));
    // RR@10: q1's first relevant (d3) is at rank 2 → 1/2; q2's (d2, after d3 in the tie) at rank 2 → 1/2
    assertThat(mean.mrrAt10()).isCloseTo(0.5, within(1e-12));
    // Recall@100 over the top-3 ranking: q1 finds d3, d4 of 2 → 1; q2 finds d2, d5 of {d1, d2, d5} → 2/3
    // (d1 scores 0 for q2 and is cut by top-k = 3); mean 5/6
    assertThat(mean.recallAt100()).isCloseTo(5.0 / 6, within(1e-12));
    // P@10 divides by 10 even for a 3-document ranking: (2/10 + 2/10) / 2
    assertThat(mean.pAt10()).isCloseTo(0.2, within(1e-12));
    // MAP@100: q1 (1/2 + 2/3) / 2 = 7/12, q2 (1/2 + 2/3) / 3 = 7/18; mean 35/72
    assertThat(mean.mapAt100()).isCloseTo(35.0 / 72, within(1e-12));

    DocNormEffect effect = row.effect();
    assertThat(effect.d()).isCloseTo(DOC_NORM_D, within(1e-12));
    // Hedges' J = 1 − 3 / (4·(5 + 2) − 9) = 16/19
    assertThat(effect.g()).isCloseTo(16.0 / 19 * DOC_NORM_D, within(1e-12));
    // Two queries give three kinds of resample: {q1, q1} → relevant [2.5, 1, 2.5, 1], mean 1.75, M2
    // 2.25, pooled var (2.25 + 0.5) / 4 = 0.6875 → d = 0.25 / √0.6875 ≈ 0.3015; {q2, q2} → [3, 2, 1, 3,
    // 2, 1], mean 2, M2 4, pooled var (4 + 0.5) / 6 = 0.75 → d = 0.5 / √0.75 ≈ 0.5774; {q1, q2} → the
    // full-sample d ≈ 0.4650. The extremes each have probability 1/4, far above the 2.5% tails, so the
    // 95% interval is exactly [0.3015, 0.5774].
    assertThat(effect.ciLow()).isCloseTo(0.25 / Math.sqrt(0.6875), within(1e-12));
    assertThat(effect.ciHigh()).isCloseTo(0.5 / Math.sqrt(0.75), within(1e-12));
    assertThat(effect.nRelevantPairs()).isEqualTo(5);
    assertThat(effect.nNeverRelevant()).isEqualTo(2);

    // The same run scored under cosine: unit documents d1 = d4 = (1, 0), d2 = d5 = (0, 1), d3 = (0.6, 0.8).
    // q1 ranks d4, d1 (tie at 1, ids descending), d3 (0.6): DCG = 1 + 2/log2(4) = 2, nDCG = 2 / (2 + 1/log2 3)
    // ≈ 0.7602, RR 1. q2 ranks d5, d2 (tie at 1), d3 (0.8): DCG = 1 + 1/log2(3), IDCG = that + 1/2, nDCG
    // ≈ 0.7654, RR 1. Recall@100 as under dot (q1 2/2, q2 2/3).
    RunMetricsRow cos = result.rows().get(0);
    assertThat(cos.ownScoring()).isFalse();
    assertThat(cos.mean().ndcgAt10()).isCloseTo(COSINE_NDCG_10, within(1e-12));
    assertThat(cos.mean().mrrAt10()).isCloseTo(1.0, within(1e-12));
    assertThat(cos.mean().recallAt100()).isCloseTo(5.0 / 6, within(1e-12));
    // q1 and q2 are unit vectors, so normalizing the query side changes nothing: query-norm ranks as dot,
    // doc-norm as cosine
    assertThat(result.rows().get(1).mean()).isEqualTo(row.mean());
    assertThat(result.rows().get(2).mean()).isEqualTo(cos.mean());
    // the relevant vs never-relevant effect depends on the norms only: the same under every scoring
    assertThat(result.rows()).allSatisfy(x -> assertThat(x.effect()).isEqualTo(effect));

    // the written results
    String results = work.results("toy");
    assertThat(result.resultsDir()).isEqualTo(results);
    assertThat(fs().exists(results + "/" + WorkDir.SUCCESS)).isTrue();
    assertThat(parquetParts(results + "/" + Tables.RUN_METRICS)).isNotEmpty();
    assertThat(parquetParts(results + "/" + Tables.QUERY_METRICS)).isNotEmpty();
    for (String table : List.of(Tables.RUN_METRICS, Tables.QUERY_METRICS, Tables.RUNS, Tables.DOC_NORMS,
        Tables.DOC_NORM_HISTOGRAMS, Tables.DOC_NORM_EFFECTS)) {
      assertThat(fs().exists(results + "/" + table + ".csv")).as(table + ".csv").isTrue();
    }
    // no temporary folder is left next to the results
    try (Stream<Path> siblings = Files.list(Path.of(URI.create(work.root() + "/results")))) {
      assertThat(siblings.map(p -> p.getFileName().toString())).containsExactly("toy");
    }

    String summary = fs().readString(results + "/summary.md");
    assertThat(summary).isEqualTo(result.summary());
    // 0.6002 = mean nDCG@10, 0.5000 = MRR@10, 0.8333 = 5/6, d ≈ 0.4650 with CI [0.3015, 0.5774]
    assertThat(summary).contains("| dot | 1 | toy/test | 2 | 0.6002 | 0.5000 | 0.8333 | 0.46 [0.30, 0.58] | " + dot.id() + " |");
    assertThat(summary).contains("1 of 2 planned runs are complete and scored.")
        .contains("## Runs left out").contains("- " + cosine.id() + ": incomplete (no _SUCCESS");
    // the train × scoring matrix: the dot run's row, its own scoring in bold (0.7628 = cosine's mean nDCG@10)
    assertThat(summary).contains("### retrieval: toy/test, trained on toy (in domain): nDCG@10")
        .contains("| train \\ scoring | cosine | query-norm | doc-norm | dot |")
        .contains("| dot | 0.7628 | 0.6002 | 0.7628 | **0.6002** |");
    assertThat(summary).contains("Queries of toy/test without any relevant document are excluded: 1.");

    // the run_metrics table holds the same numbers as the returned row
    List<Row> runMetrics = spark().read().parquet(results + "/" + Tables.RUN_METRICS).collectAsList();
    assertThat(runMetrics).hasSize(4);
    Row r = runMetrics.stream().filter(x -> "dot".equals(x.getAs("scoring"))).findFirst().orElseThrow();
    Row rc = runMetrics.stream().filter(x -> "cosine".equals(x.getAs("scoring"))).findFirst().orElseThrow();
    assertThat(rc.<Double>getAs("ndcg_at_10")).isCloseTo(COSINE_NDCG_10, within(1e-12));
    assertThat(rc.<String>getAs("variant")).isEqualTo("dot");
    assertThat(r.<Boolean>getAs("in_domain")).isTrue();
    assertThat(r.<String>getAs("run_id")).isEqualTo(dot.id());
    assertThat(r.<String>getAs("variant")).isEqualTo("dot");
    assertThat(r.<Long>getAs("seed")).isEqualTo(1L);
    assertThat(r.<Long>getAs("queries")).isEqualTo(2L);
    assertThat(r.<Long>getAs("queries_without_relevant")).isEqualTo(1L);
    assertThat(r.<Double>getAs("ndcg_at_10")).isCloseTo(MEAN_NDCG_10, within(1e-12));
    assertThat(r.<Double>getAs("mrr_at_10")).isCloseTo(0.5, within(1e-12));
    assertThat(r.<Double>getAs("recall_at_100")).isCloseTo(5.0 / 6, within(1e-12));
    assertThat(r.<Double>getAs("recall_at_10")).isCloseTo(5.0 / 6, within(1e-12));
    assertThat(r.<Double>getAs("map_at_100")).isCloseTo(35.0 / 72, within(1e-12));
    assertThat(r.<Double>getAs("doc_norm_g")).isCloseTo(16.0 / 19 * DOC_NORM_D, within(1e-12));
    assertThat(r.<Double>getAs("doc_norm_d")).isCloseTo(DOC_NORM_D, within(1e-12));

    // query_metrics: one row per evaluated query, with that query's own values
    List<Row> allQueries = spark().read().parquet(results + "/" + Tables.QUERY_METRICS).collectAsList();
    assertThat(allQueries).hasSize(8);
    Map<String, Row> perQuery = allQueries.stream().filter(x -> "dot".equals(x.getAs("scoring")))
        .collect(Collectors.toMap(x -> x.<String>getAs("query_id"), x -> x));
    Map<String, Row> perQueryCosine = allQueries.stream().filter(x -> "cosine".equals(x.getAs("scoring")))
        .collect(Collectors.toMap(x -> x.<String>getAs("query_id"), x -> x));
    assertThat(perQueryCosine.get("q1").<Double>getAs("ndcg_at_10")).isCloseTo(COSINE_NDCG_Q1, within(1e-12));
    assertThat(perQueryCosine.get("q2").<Double>getAs("rr")).isEqualTo(1.0);
    assertThat(perQuery).containsOnlyKeys("q1", "q2");
    assertThat(perQuery.get("q1").<Double>getAs("ndcg_at_10")).isCloseTo(NDCG_Q1, within(1e-12));
    assertThat(perQuery.get("q2").<Double>getAs("ndcg_at_10")).isCloseTo(NDCG_Q2, within(1e-12));
    assertThat(perQuery.get("q1").<Double>getAs("mrr_at_10")).isCloseTo(0.5, within(1e-12));
    assertThat(perQuery.get("q2").<Double>getAs("mrr_at_10")).isCloseTo(0.5, within(1e-12));
    assertThat(perQuery.get("q2").<Double>getAs("recall_at_100")).isCloseTo(2.0 / 3, within(1e-12));
    assertThat(perQuery.get("q2").<Double>getAs("map_at_100")).isCloseTo(7.0 / 18, within(1e-12));
    assertThat(perQuery.get("q2").<String>getAs("run_id")).isEqualTo(dot.id());
    assertThat(perQuery.get("q2").<String>getAs("split")).isEqualTo("test");

    // the Parquet files follow their Avro schemas
    assertSchemaMatches(results + "/" + Tables.RUN_METRICS, "run_metrics");
    assertSchemaMatches(results + "/" + Tables.QUERY_METRICS, "query_metrics");
    assertSchemaMatches(results + "/" + Tables.RUNS, "runs");
    assertSchemaMatches(results + "/" + Tables.DOC_NORMS, "doc_norms");
    assertSchemaMatches(results + "/" + Tables.DOC_NORM_EFFECTS, "doc_norm_effects");

    // runs: both planned runs with their status
    Map<String, Row> statuses = spark().read().parquet(results + "/" + Tables.RUNS).collectAsList().stream()
        .collect(Collectors.toMap(x -> x.<String>getAs("run_id"), x -> x));
    assertThat(statuses.get(dot.id()).<String>getAs("status")).isEqualTo("complete");
    assertThat(statuses.get(dot.id()).isNullAt(statuses.get(dot.id()).fieldIndex("reason"))).isTrue();
    assertThat(statuses.get(cosine.id()).<String>getAs("status")).isEqualTo("incomplete");
    assertThat(statuses.get(cosine.id()).<String>getAs("eval_sets")).isEqualTo("toy/test");

    // doc_norms: the toy corpus (7 ≤ 100000 documents) row by row; relevant to some query: d1…d5; nothing
    // retrieved by dot in the top 3 is relevant to no query, so d6 and d7 are never-relevant
    Map<String, Row> norms = spark().read().parquet(results + "/" + Tables.DOC_NORMS).collectAsList().stream()
        .collect(Collectors.toMap(x -> x.<String>getAs("doc_id"), x -> x));
    assertThat(norms).hasSize(7);
    assertThat(norms.get("d3").<Double>getAs("norm")).isEqualTo(2.5);
    assertThat(norms.get("d3").<String>getAs("label")).isEqualTo("relevant");
    assertThat(norms.get("d7").<String>getAs("label")).isEqualTo("never-relevant");
    assertThat(norms.get("d6").<String>getAs("label")).isEqualTo("never-relevant");
    assertThat(spark().read().parquet(results + "/" + Tables.DOC_NORM_HISTOGRAMS).count()).isZero();

    // doc_norm_effects: the never-relevant contrast once, the retrieved contrast under each scoring
    List<Row> effects = spark().read().parquet(results + "/" + Tables.DOC_NORM_EFFECTS).collectAsList();
    assertThat(effects).hasSize(5);
    Row never = effects.stream().filter(x -> "relevant-vs-never-relevant".equals(x.getAs("contrast"))).findFirst()
        .orElseThrow();
    assertThat(never.isNullAt(never.fieldIndex("scoring"))).isTrue();
    assertThat(never.<Double>getAs("d")).isCloseTo(DOC_NORM_D, within(1e-12));
    assertThat(never.<Double>getAs("ci_low")).isCloseTo(0.25 / Math.sqrt(0.6875), within(1e-12));
    // Retrieved non-relevant in the top 3: under dot q1 retrieves d1 (not relevant to q1, norm 3), q2 d3
    // (2.5); under cosine q1's d1 and q2's d3 again. Relevant [2.5, 1, 3, 2, 1] (mean 1.9, M2 3.2) vs [3, 2.5]
    // (mean 2.75, M2 0.125): pooled variance 3.325 / 5 = 0.665, d = −0.85 / √0.665 ≈ −1.0423. Resamples
    // {q1, q1}: [2.5, 1, 2.5, 1] vs [3, 3] → −1.25 / √(2.25 / 4) = −5/3; {q2, q2}: [3, 2, 1, 3, 2, 1] vs
    // [2.5, 2.5] → −0.5 / √(4 / 6) ≈ −0.6124: the 95% interval.
    for (String scoring : List.of("dot", "cosine")) {
      Row e = effects.stream().filter(x -> scoring.equals(x.getAs("scoring"))).findFirst().orElseThrow();
      assertThat(e.<String>getAs("contrast")).isEqualTo("relevant-vs-retrieved-non-relevant");
      assertThat(e.<Integer>getAs("retrieved_depth")).isEqualTo(3);
      assertThat(e.<Long>getAs("relevant_pairs")).isEqualTo(5L);
      assertThat(e.<Long>getAs("other_count")).isEqualTo(2L);
      assertThat(e.<Double>getAs("mean_other_norm")).isCloseTo(2.75, within(1e-12));
      assertThat(e.<Double>getAs("d")).as(scoring).isCloseTo(-0.85 / Math.sqrt(0.665), within(1e-12));
      assertThat(e.<Double>getAs("ci_low")).isCloseTo(-5.0 / 3, within(1e-12));
      assertThat(e.<Double>getAs("ci_high")).isCloseTo(-0.5 / Math.sqrt(4.0 / 6), within(1e-12));
    }

    // the CSV next to run_metrics: the header is the schema's columns, one line per row
    List<String> csv = Files.readAllLines(Path.of(URI.create(results + "/" + Tables.RUN_METRICS + ".csv")));
    assertThat(csv).hasSize(5);
    assertThat(csv.get(0)).startsWith("run_id,variant,scoring,seed,dataset,split,in_domain,queries,");
    assertThat(csv.get(4)).startsWith(dot.id() + ",dot,dot,1,toy,test,true,2,1,");
  }

  /** Above max-raw-rows the norms go into equal-width histograms per label, worked out by hand below. */
  @Test
  void largeCorporaKeepTheirNormsAsHistograms() throws IOException {
    WorkDir work = new WorkDir(dir.resolve("work").toUri().toString());
    prepareToyDataset(work, TOY_QRELS);
    Settings settings = settings(work, 3, "max-raw-rows = 6, histogram-bins = 4");
    RunSpec dot = run(RunPlanner.plan(settings, work, fs()), Variant.DOT);
    writeEmbeddings(work, dot, TOY_QUERIES, TOY_DOCUMENTS);
    touch(work.runSuccess(dot.id()));

    new AggregateJob(new JobContext(spark(), settings, work, fs(), System.err)).run();

    String results = work.results("toy");
    assertThat(spark().read().parquet(results + "/" + Tables.DOC_NORMS).count()).isZero();
    assertSchemaMatches(results + "/" + Tables.DOC_NORM_HISTOGRAMS, "doc_norm_histograms");
    // norms 1 … 3 in 4 bins of width 0.5: [1, 1.5) d4 d5 (relevant) d6 (never); [1.5, 2) none; [2, 2.5) d2
    // (relevant) d7 (never); [2.5, 3] d1 d3 (relevant). No retrieved-non-relevant documents (see above).
    Map<String, Long> counts = new TreeMap<>();
    for (Row r : spark().read().parquet(results + "/" + Tables.DOC_NORM_HISTOGRAMS).collectAsList()) {
      counts.put(r.<String>getAs("label") + "#" + r.<Integer>getAs("bin"), r.<Long>getAs("count"));
      if (r.<Integer>getAs("bin") == 2) {
        assertThat(r.<Double>getAs("bin_low")).isEqualTo(2.0);
        assertThat(r.<Double>getAs("bin_high")).isEqualTo(2.5);
      }
    }
    assertThat(counts).hasSize(12);
    assertThat(counts).containsEntry("relevant#0", 2L).containsEntry("relevant#1", 0L)
        .containsEntry("relevant#2", 1L).containsEntry("relevant#3", 2L)
        .containsEntry("never-relevant#0", 1L).containsEntry("never-relevant#2", 1L)
        .containsEntry("never-relevant#3", 0L).containsEntry("retrieved-non-relevant#0", 0L);
  }

  /**
   * A run with _SUCCESS whose embeddings do not match its eval set (a document missing) is reported as
   * incomplete and scored nowhere; the complete run is scored.
   */
  @Test
  void aRunWithPartialEmbeddingsIsReportedAndLeftOut() throws IOException {
    WorkDir work = new WorkDir(dir.resolve("work").toUri().toString());
    prepareToyDataset(work, TOY_QRELS);
    Settings settings = settings(work, 3);
    List<RunSpec> runs = RunPlanner.plan(settings, work, fs());
    RunSpec dot = run(runs, Variant.DOT);
    RunSpec cosine = run(runs, Variant.COSINE);
    writeEmbeddings(work, dot, TOY_QUERIES, TOY_DOCUMENTS.subList(0, 6));
    touch(work.runSuccess(dot.id()));
    writeEmbeddings(work, cosine, TOY_QUERIES, TOY_DOCUMENTS);
    touch(work.runSuccess(cosine.id()));

    AggregateJob.Result result = new AggregateJob(new JobContext(spark(), settings, work, fs(), System.err)).run();

    String docs = work.embeddings(dot.id(), "toy", WorkDir.CORPUS, "documents");
    assertThat(result.leftOut()).containsOnlyKeys(dot.id());
    assertThat(result.leftOut().get(dot.id())).startsWith("incomplete (")
        .contains(docs + " has 6 rows but toy/corpus/documents has 7");
    assertThat(result.rows()).hasSize(4).allSatisfy(r -> assertThat(r.spec().id()).isEqualTo(cosine.id()));
    String results = work.results("toy");
    assertThat(spark().read().parquet(results + "/" + Tables.QUERY_METRICS).collectAsList())
        .allSatisfy(r -> assertThat(r.<String>getAs("run_id")).isEqualTo(cosine.id()));
    assertThat(spark().read().parquet(results + "/" + Tables.DOC_NORMS).collectAsList())
        .allSatisfy(r -> assertThat(r.<String>getAs("run_id")).isEqualTo(cosine.id()));
    Row status = spark().read().parquet(results + "/" + Tables.RUNS).collectAsList().stream()
        .filter(r -> dot.id().equals(r.getAs("run_id"))).findFirst().orElseThrow();
    assertThat(status.<String>getAs("status")).isEqualTo("incomplete");
    assertThat(status.<String>getAs("reason")).contains("has 6 rows");
    assertThat(result.summary()).contains("1 of 2 planned runs are complete and scored.")
        .contains("- " + dot.id() + ": incomplete (" + docs + " has 6 rows");

    // a missing file of an eval set: the queries of toy/test
    fs().delete(work.embeddings(cosine.id(), "toy", "test", "queries"));
    AggregateJob.Result again = new AggregateJob(new JobContext(spark(), settings, work, fs(), System.err)).run();
    assertThat(again.rows()).isEmpty();
    assertThat(again.leftOut().get(cosine.id()))
        .contains(work.embeddings(cosine.id(), "toy", "test", "queries") + " is missing");
  }

  @Test
  void evaluationSplitWithoutQrelsIsAJobErrorNamingTheSet() throws IOException {
    WorkDir work = new WorkDir(dir.resolve("work").toUri().toString());
    prepareToyDataset(work, null);
    Settings settings = settings(work, 3);
    RunSpec dot = run(RunPlanner.plan(settings, work, fs()), Variant.DOT);
    writeEmbeddings(work, dot, TOY_QUERIES, TOY_DOCUMENTS);
    touch(work.runSuccess(dot.id()));

    assertThatThrownBy(() -> new AggregateJob(new JobContext(spark(), settings, work, fs(), System.err)).run())
        .isInstanceOf(JobError.class)
        .hasMessageContaining("toy/test")
        .hasMessageContaining("qrels")
        .hasMessageContaining(work.table("toy", "test", Tables.QRELS));
    // a failed job leaves nothing that looks finished
    assertThat(fs().exists(work.results("toy"))).isFalse();
  }

  /**
   * A learned run is scored with the α of its normalization.json. Before, a file changed in place (no .crc side
   * file: a file system without checksums) was used as it was: the run was scored with α it never learned. Its
   * sha256 member now makes that a one-line error that names the file and what to do.
   */
  @Test
  void aDamagedNormalizationOfALearnedRunIsAJobErrorSayingWhatToDo() throws IOException {
    WorkDir work = new WorkDir(dir.resolve("work").toUri().toString());
    prepareToyDataset(work, TOY_QRELS);
    Path conf = Files.writeString(dir.resolve("learned.conf"), String.join("\n",
        "magnitude.datasets.toy { format = synthetic, splits = [train, test], synthetic { documents = 10, topics = 2,"
            + " train-queries = 1, dev-queries = 1, test-queries = 1, seed = 5 } }",
        "magnitude.sweep { id = toy, datasets = [toy], variants = [learned], seeds = [1], eval-split = test }",
        ""));
    Settings settings = new Settings(
        ConfigLoader.fromClasspath().load(List.of(conf), Map.of("magnitude.work-dir", work.root()))).validate();
    RunSpec learned = RunPlanner.plan(settings, work, fs()).get(0);
    writeEmbeddings(work, learned, TOY_QUERIES, TOY_DOCUMENTS);
    String normalization = work.normalization(learned.id());
    fs().writeString(normalization, ChecksummedJson.seal(
        new TrainedNormalization(Variant.LEARNED, 3, 0.5, 0.25, 1.0).toJson()).replace("0.25", "0.75"));
    fs().delete(normalization.substring(0, normalization.lastIndexOf('/')) + "/.normalization.json.crc");
    touch(work.runSuccess(learned.id()));

    assertThatThrownBy(() -> new AggregateJob(new JobContext(spark(), settings, work, fs(), System.err)).run())
        .isInstanceOf(JobError.class)
        .hasMessageStartingWith(normalization + " is damaged: its content has SHA-256 ")
        .hasMessageEndingWith("; delete " + work.runSuccess(learned.id()) + " and run train again: the run exports"
            + " again from its last checkpoint and rewrites the file");
  }

  /**
   * Each column of run_metrics and query_metrics holds the metric it is named after. Twelve documents
   * d01…d12 on one axis, dK = (13 − K, 0) with norm 13 − K, so under dot both queries rank them d01, d02,
   * …, d12; top-k = 100 keeps them all. q1 finds relevant documents at ranks 2, 5 and 12; q2 only at
   * 11 and 12. That makes every pair of metrics differ on at least one query (RR@10 0 but RR 1/11 on
   * q2; Recall@10 2/3 but Recall@100 1 on q1, …), so a column holding its neighbour's value fails.
   * Expected values come from a second route: QueryMetrics and DocNormEffect applied to that ranking.
   */
  @Test
  void everyMetricColumnHoldsItsOwnMetric() throws IOException {
    WorkDir work = new WorkDir(dir.resolve("work").toUri().toString());
    List<Row> qrels = List.of(
        RowFactory.create("q1", "d02", 1),
        RowFactory.create("q1", "d05", 1),
        RowFactory.create("q1", "d12", 1),
        RowFactory.create("q2", "d11", 1),
        RowFactory.create("q2", "d12", 2));
    prepareToyDataset(work, qrels, 2, 12);
    Settings settings = settings(work, 100);
    RunSpec dot = run(RunPlanner.plan(settings, work, fs()), Variant.DOT);
    List<Row> documents = new ArrayList<>();
    Map<String, Double> norms = new TreeMap<>();
    List<String> ranking = new ArrayList<>();
    for (int k = 1; k <= 12; k++) {
      String id = String.format("d%02d", k);
      documents.add(embedding(id, 13 - k, 0));
      norms.put(id, 13.0 - k);
      ranking.add(id);
    }
    writeEmbeddings(work, dot, List.of(embedding("q1", 1, 0), embedding("q2", 2, 0)), documents);
    touch(work.runSuccess(dot.id()));

    AggregateJob.Result result = new AggregateJob(new JobContext(spark(), settings, work, fs(), System.err)).run();

    QueryMetrics q1 = QueryMetrics.compute("q1", ranking, Map.of("d02", 1, "d05", 1, "d12", 1));
    QueryMetrics q2 = QueryMetrics.compute("q2", ranking, Map.of("d11", 1, "d12", 2));
    // spot checks of the second route by hand: q1 RR 1/2, Recall@10 2/3; q2 RR@10 0, RR 1/11
    assertThat(q1.rr()).isEqualTo(0.5);
    assertThat(q1.recallAt10()).isCloseTo(2.0 / 3, within(1e-12));
    assertThat(q2.mrrAt10()).isEqualTo(0);
    assertThat(q2.rr()).isCloseTo(1.0 / 11, within(1e-12));
    List<String> metrics = List.of("ndcg_at_10", "mrr_at_10", "rr", "recall_at_100", "recall_at_10", "p_at_10", "map_at_100");
    Map<String, List<Double>> expected = Map.of(
        "ndcg_at_10", List.of(q1.ndcgAt10(), q2.ndcgAt10()),
        "mrr_at_10", List.of(q1.mrrAt10(), q2.mrrAt10()),
        "rr", List.of(q1.rr(), q2.rr()),
        "recall_at_100", List.of(q1.recallAt100(), q2.recallAt100()),
        "recall_at_10", List.of(q1.recallAt10(), q2.recallAt10()),
        "p_at_10", List.of(q1.pAt10(), q2.pAt10()),
        "map_at_100", List.of(q1.mapAt100(), q2.mapAt100()));
    // the check is only meaningful if no two metrics agree on both queries
    assertThat(new HashSet<>(expected.values())).hasSize(metrics.size());

    String results = work.results("toy");
    Map<String, Row> perQuery =
        spark().read().parquet(results + "/" + Tables.QUERY_METRICS).collectAsList().stream()
            .filter(x -> "dot".equals(x.getAs("scoring")))
            .collect(Collectors.toMap(x -> x.<String>getAs("query_id"), x -> x));
    Row run = spark().read().parquet(results + "/" + Tables.RUN_METRICS).collectAsList().stream()
        .filter(x -> "dot".equals(x.getAs("scoring"))).findFirst().orElseThrow();
    for (String metric : metrics) {
      assertThat(perQuery.get("q1").<Double>getAs(metric)).as("q1 %s", metric).isEqualTo(expected.get(metric).get(0));
      assertThat(perQuery.get("q2").<Double>getAs(metric)).as("q2 %s", metric).isEqualTo(expected.get(metric).get(1));
      double mean = (expected.get(metric).get(0) + expected.get(metric).get(1)) / 2;
      assertThat(run.<Double>getAs(metric)).as("run %s", metric).isCloseTo(mean, within(1e-12));
    }
    assertThat(run.<Long>getAs("seed")).isEqualTo(1L);
    assertThat(run.<Long>getAs("queries")).isEqualTo(2L);
    assertThat(run.<Long>getAs("queries_without_relevant")).isEqualTo(0L);

    // the effect from the norm column and the qrels' relevant sets, with the configured bootstrap
    DocNormEffect effect = DocNormEffect.compute(
        norms, Map.of("q1", Set.of("d02", "d05", "d12"), "q2", Set.of("d11", "d12")), 200, 7, 0.95);
    assertThat(effect.d()).isNotEqualTo(effect.g());
    assertThat(effect.ciLow()).isLessThan(effect.ciHigh());
    // close, not equal: the never-relevant moments are summed in map order (DocNormEffect's contract)
    DocNormEffect written = result.rows().get(3).effect();
    assertThat(written.nRelevantPairs()).isEqualTo(5);
    assertThat(written.nNeverRelevant()).isEqualTo(8);
    // labels: d02 d05 d11 d12 relevant; d01 d03 d04 d06…d10 in dot's top 10 and relevant to no query
    Map<String, Long> labels = spark().read().parquet(results + "/" + Tables.DOC_NORMS).collectAsList().stream()
        .collect(Collectors.groupingBy(x -> x.<String>getAs("label"), Collectors.counting()));
    assertThat(labels).containsOnly(Map.entry("relevant", 4L), Map.entry("retrieved-non-relevant", 8L));
    assertThat(run.<Double>getAs("doc_norm_d")).isCloseTo(effect.d(), within(1e-12)).isEqualTo(written.d());
    assertThat(run.<Double>getAs("doc_norm_g")).isCloseTo(effect.g(), within(1e-12)).isEqualTo(written.g());
    assertThat(run.<Double>getAs("doc_norm_d_ci_low")).isCloseTo(effect.ciLow(), within(1e-12)).isEqualTo(written.ciLow());
    assertThat(run.<Double>getAs("doc_norm_d_ci_high")).isCloseTo(effect.ciHigh(), within(1e-12)).isEqualTo(written.ciHigh());
  }

  // ---- expected values, worked out by hand ----

  /**
   * q1: top 3 = d1 (rel 0), d3 (rel 2), d4 (rel 1). DCG = 2/log2(3) + 1/log2(4) ≈ 1.7619; ideal ranking
   * d3, d4: IDCG = 2/log2(2) + 1/log2(3) ≈ 2.6309; nDCG ≈ 0.6697.
   */
  private static final double NDCG_Q1 = (2 / LOG2_3 + 0.5) / (2 + 1 / LOG2_3);

  /**
   * q2: top 3 = d3 (unjudged), d2 (rel 1), d5 (rel 1): DCG = 1/log2(3) + 1/log2(4) ≈ 1.1309. The ideal
   * DCG counts every relevant judged document, d1 too although it was not retrieved: 1 + 1/log2(3) +
   * 1/log2(4) ≈ 2.1309; nDCG ≈ 0.5307.
   */
  private static final double NDCG_Q2 = (1 / LOG2_3 + 0.5) / (1 + 1 / LOG2_3 + 0.5);

  private static final double MEAN_NDCG_10 = (NDCG_Q1 + NDCG_Q2) / 2; // ≈ 0.6002

  /** The dot run scored under cosine, q1: d4 (rel 1), d1, d3 (rel 2): DCG 1 + 2/log2(4) = 2. */
  private static final double COSINE_NDCG_Q1 = 2 / (2 + 1 / LOG2_3);

  /** q2 under cosine: d5, d2 (rel 1 each), d3 (unjudged); ideal counts d1 too. */
  private static final double COSINE_NDCG_Q2 = (1 + 1 / LOG2_3) / (1 + 1 / LOG2_3 + 0.5);

  private static final double COSINE_NDCG_10 = (COSINE_NDCG_Q1 + COSINE_NDCG_Q2) / 2; // ≈ 0.7628

  /**
   * Relevant group, one norm per (query, relevant document) pair: q1 → d3 (2.5), d4 (1); q2 → d1 (3),
   * d2 (2), d5 (1): [2.5, 1, 3, 2, 1], mean 1.9, M2 = 0.36 + 0.81 + 1.21 + 0.01 + 0.81 = 3.2.
   * Never-relevant: d6 (1) and d7 (2) only (d4 is judged 0 for q2 but relevant to q1, so it is not
   * never-relevant): mean 1.5, M2 = 0.5. Pooled variance (3.2 + 0.5) / (5 + 2 − 2) = 0.74;
   * d = (1.9 − 1.5) / √0.74 ≈ 0.4650.
   */
  private static final double DOC_NORM_D = 0.4 / Math.sqrt(0.74);

  // ---- the toy work directory ----

  private Settings settings(WorkDir work, int topK) throws IOException {
    return settings(work, topK, "");
  }

  /** @param docNorms the body of magnitude.aggregate.doc-norms, e.g. "max-raw-rows = 5" */
  private Settings settings(WorkDir work, int topK, String docNorms) throws IOException {
    // lists cannot be given as -D overrides, so the sweep comes as a --conf file, as a user would write it
    Path conf = dir.resolve("toy.conf");
    Files.writeString(conf, String.join("\n",
        "magnitude.datasets.toy {",
        "  format = synthetic",
        "  splits = [train, test]",
        "  synthetic { documents = 10, topics = 2, train-queries = 1, dev-queries = 1, test-queries = 1, seed = 5 }",
        "}",
        "magnitude.sweep { id = toy, datasets = [toy], variants = [dot, cosine], seeds = [1], eval-split = test }",
        "magnitude.aggregate { top-k = " + topK + ", bootstrap { samples = 200, seed = 7, level = 0.95 } }",
        "magnitude.aggregate.doc-norms { " + docNorms + " }",
        ""));
    return new Settings(
        ConfigLoader.fromClasspath().load(List.of(conf), Map.of("magnitude.work-dir", work.root())))
        .validate();
  }

  /**
   * Writes the manifest (counting 3 test queries and 7 documents, as the toy embeddings have), the test
   * split's qrels unless {@code qrels} is null, and _SUCCESS last.
   */
  private void prepareToyDataset(WorkDir work, List<Row> qrels) {
    prepareToyDataset(work, qrels, 3, 7);
  }

  private void prepareToyDataset(WorkDir work, List<Row> qrels, long queries, long documents) {
    Manifest manifest =
        new Manifest(
            "toy", "synthetic", Tables.SCHEMA_VERSION,
            new TokenizerInfo("builtin", "builtin-toy", 50, 16),
            List.of("train", "test"), Map.of(),
            Map.of("test/" + Tables.QUERIES, queries, WorkDir.CORPUS + "/" + Tables.DOCUMENTS, documents),
            "toy-content-hash");
    fs().writeAtomically(work.manifest("toy"), manifest.toJson());
    if (qrels != null) {
      spark().createDataFrame(qrels, QRELS).write().parquet(work.table("toy", "test", Tables.QRELS));
    }
    touch(work.dataset("toy") + "/" + WorkDir.SUCCESS);
  }

  private static final List<Row> TOY_QRELS = List.of(
      RowFactory.create("q1", "d3", 2),
      RowFactory.create("q1", "d4", 1),
      RowFactory.create("q2", "d1", 1),
      RowFactory.create("q2", "d2", 1),
      RowFactory.create("q2", "d5", 1),
      RowFactory.create("q2", "d4", 0),
      RowFactory.create("q3", "d2", 0));

  private static final List<Row> TOY_QUERIES = List.of(
      embedding("q1", 1, 0),
      embedding("q2", 0, 1),
      embedding("q3", 1, 1));

  private static final List<Row> TOY_DOCUMENTS = List.of(
      embedding("d1", 3, 0),
      embedding("d2", 0, 2),
      embedding("d3", 1.5f, 2),
      embedding("d4", 1, 0),
      embedding("d5", 0, 1),
      embedding("d6", -1, 0),
      embedding("d7", 0, -2));

  private void writeEmbeddings(WorkDir work, RunSpec run, List<Row> queries, List<Row> documents) {
    spark().createDataFrame(queries, EMBEDDINGS).write()
        .parquet(work.embeddings(run.id(), "toy", "test", "queries"));
    // several files, as several workers' shards would be
    spark().createDataFrame(documents, EMBEDDINGS).repartition(3).write()
        .parquet(work.embeddings(run.id(), "toy", WorkDir.CORPUS, "documents"));
  }

  private static Row embedding(String id, float x, float y) {
    return RowFactory.create(id, List.of(x, y), Math.sqrt((double) x * x + (double) y * y));
  }

  private void touch(String path) {
    fs().writeAtomically(path, "");
  }

  private static RunSpec run(List<RunSpec> runs, Variant variant) {
    assertThat(runs).extracting(RunSpec::variant).containsExactly(Variant.DOT, Variant.COSINE);
    return runs.stream().filter(r -> r.variant() == variant).findFirst().orElseThrow();
  }

  private List<String> parquetParts(String folder) throws IOException {
    try (Stream<Path> files = Files.list(Path.of(URI.create(folder)))) {
      return files.map(p -> p.toUri().toString())
          .filter(p -> p.endsWith(".parquet") && p.substring(p.lastIndexOf('/') + 1).startsWith("part-"))
          .sorted()
          .toList();
    }
  }

  // ---- schema check: the written Parquet footer, converted to Avro, against data-schemas/<name>.avsc ----

  private void assertSchemaMatches(String folder, String name) throws IOException {
    Schema expected;
    try (InputStream in = AggregateJobTest.class.getResourceAsStream("/data-schemas/" + name + ".avsc")) {
      assertThat(in).as("/data-schemas/%s.avsc on the classpath", name).isNotNull();
      expected = new Schema.Parser().parse(in);
    }
    Configuration conf = spark().sparkContext().hadoopConfiguration();
    for (String part : parquetParts(folder)) {
      MessageType parquet;
      try (ParquetFileReader reader =
          ParquetFileReader.open(HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(part), conf))) {
        parquet = reader.getFooter().getFileMetaData().getSchema();
      }
      Schema actual = new AvroSchemaConverter(conf).convert(parquet);
      assertThat(fields(actual)).as("%s: %s", name, part).containsExactlyElementsOf(fields(expected));
    }
  }

  /** "name: type" per field, in order; record names and namespaces ignored. */
  private static List<String> fields(Schema record) {
    List<String> out = new ArrayList<>();
    for (Schema.Field f : record.getFields()) {
      out.add(f.name() + ": " + type(f.schema()));
    }
    return out;
  }

  private static String type(Schema s) {
    return switch (s.getType()) {
      case UNION -> s.getTypes().stream().map(AggregateJobTest::type).collect(Collectors.joining(" | ", "[", "]"));
      case ARRAY -> "array<" + type(s.getElementType()) + ">";
      case MAP -> "map<" + type(s.getValueType()) + ">";
      case RECORD -> "record" + fields(s);
      default -> s.getType().getName() + (s.getLogicalType() == null ? "" : "(" + s.getLogicalType().getName() + ")");
    };
  }
}
