package dev.magnitude.jobs.aggregate;

import dev.magnitude.core.config.AggregateSettings;
import dev.magnitude.core.config.Settings;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.metrics.Evaluation;
import dev.magnitude.core.metrics.ImageTextMetrics;
import dev.magnitude.core.metrics.QueryMetrics;
import dev.magnitude.core.metrics.RetrievalMetrics;
import dev.magnitude.core.metrics.ScoredDoc;
import dev.magnitude.core.metrics.StsMetrics;
import dev.magnitude.core.run.EvalSet;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.schema.Tables;
import dev.magnitude.core.stats.DocNormEffect;
import dev.magnitude.core.stats.Moments;
import dev.magnitude.ingest.io.AvroSparkSchemas;
import dev.magnitude.ingest.io.HadoopFiles;
import dev.magnitude.jobs.support.JobContext;
import dev.magnitude.jobs.support.JobError;
import dev.magnitude.jobs.train.RunPlanner;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * The aggregate job: scores every finished run of the sweep exhaustively on its evaluation sets under
 * the run's own variant, computes per-query metrics (trec_eval semantics), their means, and the
 * document-norm effect; writes {@code results/<sweep>/run_metrics}, {@code query_metrics} (Parquet) and
 * {@code summary.md}, into a temporary folder renamed into place with {@code _SUCCESS} last.
 *
 * <p>An STS evaluation set ({@link RunSpec#scoresSts}) is scored pair by pair instead: the similarity of
 * each pair's two sentence embeddings under the run's variant (the query side is the first sentence),
 * then Spearman and Pearson against the gold scores ({@link StsMetrics}). It has no per-query rows and
 * no document-norm effect.
 *
 * <p>An image-text evaluation set ({@link RunSpec#scoresImageText}) is scored caption × image on the
 * driver under the run's variant (caption = query side, image = document side): recall at 1/5/10 and
 * mean/median first-correct rank in both directions ({@link ImageTextMetrics}). No per-query rows, no
 * document-norm effect (every image is relevant to its captions: no never-relevant group).
 *
 * <p>Runs that are not finished (failed, or never trained) are listed in the summary and left out,
 * never silently.
 */
public final class AggregateJob {
  /** What the job wrote. */
  public record Result(String resultsDir, List<RunMetricsRow> rows, Map<String, String> leftOut, String summary) {}

  private final SparkSession spark;
  private final Settings settings;
  private final WorkDir work;
  private final HadoopFiles fs;
  private final PrintStream log;

  public AggregateJob(JobContext context) {
    this.spark = context.spark();
    this.settings = context.settings();
    this.work = context.work();
    this.fs = context.fs();
    this.log = context.log();
  }

  public Result run() {
    String sweepId = settings.sweep().id();
    AggregateSettings agg = settings.aggregate();
    List<RunSpec> planned = RunPlanner.plan(settings, work, fs);
    Map<String, String> leftOut = new LinkedHashMap<>();
    List<RunMetricsRow> rows = new ArrayList<>();
    List<Row> queryRows = new ArrayList<>();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    jsc.setJobGroup("magnitude-aggregate", "aggregate sweep " + sweepId, true);
    try {
      for (RunSpec spec : planned) {
        String id = spec.id();
        if (!fs.exists(work.runSuccess(id))) {
          leftOut.put(id, fs.exists(work.failure(id)) ? "failed (see " + work.failure(id) + ")" : "not trained");
          continue;
        }
        for (EvalSet eval : spec.eval()) {
          log.printf("aggregate: scoring %s on %s/%s%n", id, eval.dataset(), eval.split());
          RunMetricsRow row = spec.scoresSts(eval) ? evaluateSts(spec, eval)
              : spec.scoresImageText(eval) ? evaluateImageText(spec, eval)
              : evaluate(jsc, spec, eval, agg, queryRows);
          rows.add(row);
        }
      }
    } finally {
      jsc.clearJobGroup();
    }
    String summary = ResultTable.markdown(sweepId, rows, leftOut);
    String target = work.results(sweepId);
    String tmp = work.root() + "/results/." + sweepId + ".tmp-" + UUID.randomUUID();
    write(runMetrics(rows), tmp + "/" + Tables.RUN_METRICS, AvroSparkSchemas.of(Tables.RUN_METRICS));
    write(queryRows, tmp + "/" + Tables.QUERY_METRICS, AvroSparkSchemas.of(Tables.QUERY_METRICS));
    fs.writeAtomically(tmp + "/summary.md", summary);
    fs.writeAtomically(tmp + "/" + WorkDir.SUCCESS, "");
    fs.replace(tmp, target);
    return new Result(target, rows, leftOut, summary);
  }

  private RunMetricsRow evaluate(
      JavaSparkContext jsc, RunSpec spec, EvalSet eval, AggregateSettings agg, List<Row> queryRows) {
    Map<String, Map<String, Integer>> qrels = qrels(eval);
    String queriesPath = work.embeddings(spec.id(), eval.dataset(), eval.split(), "queries");
    String docsPath = work.embeddings(spec.id(), eval.dataset(), WorkDir.CORPUS, "documents");
    List<String> queryIds = new ArrayList<>();
    List<float[]> queryVectors = new ArrayList<>();
    for (Row r : spark.read().parquet(queriesPath).select("id", "vector").collectAsList()) {
      queryIds.add(r.getString(0));
      queryVectors.add(ExhaustiveScorer.floats(r.getList(1)));
    }
    Dataset<Row> docs = spark.read().parquet(docsPath);
    QueryBlock block = QueryBlock.of(queryIds, queryVectors, spec.variant());
    checkDimensions(docs, block, spec, docsPath);
    Map<String, List<ScoredDoc>> top = ExhaustiveScorer.score(jsc, docs, block, agg.topK());
    Map<String, List<String>> rankings = new HashMap<>();
    top.forEach((q, list) -> rankings.put(q, list.stream().map(ScoredDoc::docId).toList()));
    Evaluation evaluation = RetrievalMetrics.evaluate(rankings, qrels);
    for (QueryMetrics m : evaluation.perQuery()) {
      queryRows.add(RowFactory.create(
          spec.id(), spec.variant().id(), eval.dataset(), eval.split(), m.queryId(),
          m.ndcgAt10(), m.mrrAt10(), m.rr(), m.recallAt100(), m.recallAt10(), m.pAt10(), m.mapAt100()));
    }
    Map<String, Set<String>> relevant = relevantByQuery(qrels);
    DocNormEffect effect = docNormEffect(jsc, docs, relevant, agg, docsPath);
    return new RunMetricsRow(
        spec, eval.dataset(), eval.split(), evaluation.queries(), evaluation.queriesWithoutRelevant(), evaluation.mean(), effect);
  }

  /**
   * Scores every pair of an STS evaluation set on the driver (STS sets hold thousands of pairs, not
   * millions): s(a, b) = ã · b̃ with ã, b̃ normalized as the run's variant says, in double precision.
   */
  private RunMetricsRow evaluateSts(RunSpec spec, EvalSet eval) {
    String pairsPath = work.table(eval.dataset(), eval.split(), Tables.PAIRS);
    if (!fs.exists(pairsPath)) {
      throw new JobError(
          "evaluation set " + eval.dataset() + "/" + eval.split() + " has no pairs: " + pairsPath
              + " is missing; prepare the dataset with that split");
    }
    Map<String, Double> gold = new TreeMap<>();
    for (Row r : spark.read().parquet(pairsPath).select(Tables.ID, Tables.SCORE).collectAsList()) {
      if (r.isNullAt(0) || r.isNullAt(1)) {
        throw new JobError(pairsPath + " holds a pair without id or score; prepare the dataset again");
      }
      gold.put(r.getString(0), r.getDouble(1));
    }
    String queriesPath = work.embeddings(spec.id(), eval.dataset(), eval.split(), Tables.QUERIES);
    String docsPath = work.embeddings(spec.id(), eval.dataset(), eval.split(), Tables.DOCUMENTS);
    Map<String, float[]> first = vectors(queriesPath);
    Map<String, float[]> second = vectors(docsPath);
    double[] scores = new double[gold.size()];
    double[] similarities = new double[gold.size()];
    int i = 0;
    for (Map.Entry<String, Double> pair : gold.entrySet()) {
      float[] a = first.get(pair.getKey());
      float[] b = second.get(pair.getKey());
      if (a == null || b == null) {
        throw new JobError("run " + spec.id() + ": pair " + pair.getKey() + " of " + pairsPath + " has no embedding in "
            + (a == null ? queriesPath : docsPath) + "; the run's embeddings are incomplete, delete the run folder to "
            + "retrain it");
      }
      if (a.length != b.length) {
        throw new JobError("run " + spec.id() + ": the embeddings of pair " + pair.getKey() + " have " + a.length
            + " and " + b.length + " dimensions; delete the run folder to retrain it");
      }
      scores[i] = pair.getValue();
      similarities[i] = Vectors.dot(
          Vectors.toDouble(a, spec.variant().normalizesQuery()), Vectors.toDouble(b, spec.variant().normalizesDocument()));
      if (!Double.isFinite(similarities[i])) {
        throw new JobError("run " + spec.id() + ": pair " + pair.getKey() + " has a non-finite similarity; "
            + "the run diverged, retrain it");
      }
      i++;
    }
    return RunMetricsRow.ofSts(spec, eval.dataset(), eval.split(), StsMetrics.of(scores, similarities));
  }

  /**
   * Scores every caption against every image of an image-text evaluation set on the driver (eval splits
   * hold thousands of images, not millions): s(c, i) = c̃ · ĩ, the caption as the query side and the
   * image as the document side, normalized as the run's variant says, in double precision. Captions and
   * images are ordered by id, which is the tie rule of {@link ImageTextMetrics}.
   */
  private RunMetricsRow evaluateImageText(RunSpec spec, EvalSet eval) {
    String captionsPath = work.table(eval.dataset(), eval.split(), Tables.CAPTIONS);
    if (!fs.exists(captionsPath)) {
      throw new JobError("evaluation set " + eval.dataset() + "/" + eval.split() + " has no captions: " + captionsPath
          + " is missing; prepare the dataset with that split");
    }
    Map<String, String> imageOf = new TreeMap<>();
    for (Row r : spark.read().parquet(captionsPath).select(Tables.ID, Tables.IMAGE_ID).collectAsList()) {
      if (r.isNullAt(0) || r.isNullAt(1)) {
        throw new JobError(captionsPath + " holds a caption without id or image_id; prepare the dataset again");
      }
      imageOf.put(r.getString(0), r.getString(1));
    }
    if (imageOf.isEmpty()) {
      throw new JobError("evaluation set " + eval.dataset() + "/" + eval.split() + " has no captions in "
          + captionsPath + "; prepare the dataset with captions");
    }
    String queriesPath = work.embeddings(spec.id(), eval.dataset(), eval.split(), Tables.QUERIES);
    String docsPath = work.embeddings(spec.id(), eval.dataset(), eval.split(), Tables.DOCUMENTS);
    Map<String, float[]> captions = vectors(queriesPath);
    Map<String, float[]> images = new TreeMap<>(vectors(docsPath));
    Map<String, Integer> imageIndex = new HashMap<>();
    List<double[]> imageVectors = new ArrayList<>();
    images.forEach((id, v) -> {
      imageIndex.put(id, imageIndex.size());
      imageVectors.add(Vectors.toDouble(v, spec.variant().normalizesDocument()));
    });
    double[][] scores = new double[imageOf.size()][];
    int[] imageOfCaption = new int[imageOf.size()];
    int c = 0;
    for (Map.Entry<String, String> caption : imageOf.entrySet()) {
      float[] vector = captions.get(caption.getKey());
      Integer image = imageIndex.get(caption.getValue());
      if (vector == null || image == null) {
        throw new JobError("run " + spec.id() + ": caption " + caption.getKey() + " of " + captionsPath + " has no "
            + (vector == null ? "embedding in " + queriesPath : "embedding of its image " + caption.getValue() + " in "
            + docsPath) + "; the run's embeddings are incomplete, delete the run folder to retrain it");
      }
      double[] q = Vectors.toDouble(vector, spec.variant().normalizesQuery());
      scores[c] = new double[imageVectors.size()];
      for (int i = 0; i < imageVectors.size(); i++) {
        double[] d = imageVectors.get(i);
        if (d.length != q.length) {
          throw new JobError("run " + spec.id() + ": caption embeddings have " + q.length + " dimensions but "
              + docsPath + " has " + d.length + "; delete the run folder to retrain it");
        }
        scores[c][i] = Vectors.dot(q, d);
        if (!Double.isFinite(scores[c][i])) {
          throw new JobError("run " + spec.id() + ": caption " + caption.getKey() + " has a non-finite similarity; "
              + "the run diverged, retrain it");
        }
      }
      imageOfCaption[c++] = image;
    }
    return RunMetricsRow.ofImageText(spec, eval.dataset(), eval.split(), ImageTextMetrics.of(scores, imageOfCaption));
  }

  private Map<String, float[]> vectors(String path) {
    if (!fs.exists(path)) {
      throw new JobError(path + " is missing although the run is finished; delete the run folder to retrain it");
    }
    Map<String, float[]> out = new HashMap<>();
    for (Row r : spark.read().parquet(path).select(Tables.ID, Tables.VECTOR).collectAsList()) {
      out.put(r.getString(0), ExhaustiveScorer.floats(r.getList(1)));
    }
    return out;
  }

  /**
   * The document-norm effect without bringing the corpus to the driver: the norms of relevant
   * documents are collected (they are few), the never-relevant group is summed per shard as moments.
   */
  private static DocNormEffect docNormEffect(
      JavaSparkContext jsc, Dataset<Row> docs, Map<String, Set<String>> relevant, AggregateSettings agg, String docsPath) {
    Set<String> relevantIds = new HashSet<>();
    relevant.values().forEach(relevantIds::addAll);
    Broadcast<Set<String>> ids = jsc.broadcast(relevantIds);
    try {
      JavaRDD<Row> norms = docs.select("id", "norm").javaRDD();
      Map<String, Double> relevantNorms = new HashMap<>(
          norms.filter(r -> ids.value().contains(r.getString(0)))
              .mapToPair(r -> new Tuple2<>(r.getString(0), r.getDouble(1)))
              .collectAsMap());
      Moments never = norms.filter(r -> !ids.value().contains(r.getString(0)))
          .map(r -> r.getDouble(1))
          .aggregate(Moments.EMPTY, Moments::add, Moments::combine);
      if (never.count() > 0 && !Double.isFinite(never.mean())) {
        throw new JobError(docsPath + " holds non-finite document norms; the run diverged, retrain it");
      }
      return DocNormEffect.compute(
          relevantNorms, relevant, never, agg.bootstrapSamples(), agg.bootstrapSeed(), agg.level());
    } finally {
      ids.destroy();
    }
  }

  /** Query and document embeddings of different sizes cannot come from one run: say so before scoring. */
  private static void checkDimensions(Dataset<Row> docs, QueryBlock block, RunSpec spec, String docsPath) {
    List<Row> first = docs.select("vector").limit(1).collectAsList();
    if (first.isEmpty() || block.size() == 0) {
      return;
    }
    int docDim = first.get(0).getList(0).size();
    if (docDim != block.dimension()) {
      throw new JobError(
          "run " + spec.id() + ": query embeddings have " + block.dimension() + " dimensions but " + docsPath
              + " has " + docDim + "; the run's embeddings are inconsistent, delete the run folder to retrain it");
    }
  }

  private Map<String, Map<String, Integer>> qrels(EvalSet eval) {
    String path = work.table(eval.dataset(), eval.split(), Tables.QRELS);
    if (!fs.exists(path)) {
      throw new JobError(
          "evaluation set " + eval.dataset() + "/" + eval.split() + " has no qrels: " + path
              + " is missing; prepare the dataset with that split");
    }
    Map<String, Map<String, Integer>> qrels = new TreeMap<>();
    for (Row r : spark.read().parquet(path).select(Tables.QUERY_ID, Tables.DOC_ID, Tables.RELEVANCE).collectAsList()) {
      qrels.computeIfAbsent(r.getString(0), q -> new HashMap<>()).put(r.getString(1), r.getInt(2));
    }
    return qrels;
  }

  static Map<String, Set<String>> relevantByQuery(Map<String, Map<String, Integer>> qrels) {
    Map<String, Set<String>> out = new TreeMap<>();
    qrels.forEach((q, judged) -> judged.forEach((d, rel) -> {
      if (rel >= RetrievalMetrics.RELEVANT_LEVEL) {
        out.computeIfAbsent(q, x -> new TreeSet<>()).add(d);
      }
    }));
    return out;
  }

  private List<Row> runMetrics(List<RunMetricsRow> rows) {
    List<Row> out = new ArrayList<>();
    for (RunMetricsRow r : rows) {
      if (r.isSts()) {
        // retrieval columns null; an undefined correlation (NaN) is null too
        StsMetrics s = r.sts();
        out.add(RowFactory.create(
            r.spec().id(), r.spec().variant().id(), r.spec().seed(), r.dataset(), r.split(),
            null, null, null, null, null, null, null, null, null, null, null, null, null,
            (long) s.pairs(), finiteOrNull(s.spearman()), finiteOrNull(s.pearson()),
            null, null, null, null, null, null, null, null, null, null, null, null));
        continue;
      }
      if (r.isImageText()) {
        // retrieval, document-norm and STS columns null
        ImageTextMetrics t = r.imageText();
        out.add(RowFactory.create(
            r.spec().id(), r.spec().variant().id(), r.spec().seed(), r.dataset(), r.split(),
            null, null, null, null, null, null, null, null, null, null, null, null, null,
            null, null, null,
            (long) t.captions(), (long) t.images(),
            t.textToImageR1(), t.textToImageR5(), t.textToImageR10(),
            t.imageToTextR1(), t.imageToTextR5(), t.imageToTextR10(),
            t.textToImageMeanRank(), t.textToImageMedianRank(), t.imageToTextMeanRank(), t.imageToTextMedianRank()));
        continue;
      }
      QueryMetrics m = r.mean();
      DocNormEffect e = r.effect();
      out.add(RowFactory.create(
          r.spec().id(), r.spec().variant().id(), r.spec().seed(), r.dataset(), r.split(),
          (long) r.queries(), (long) r.queriesWithoutRelevant(),
          m.ndcgAt10(), m.mrrAt10(), m.rr(), m.recallAt100(), m.recallAt10(), m.pAt10(), m.mapAt100(),
          e.d(), e.g(), e.ciLow(), e.ciHigh(),
          null, null, null,
          null, null, null, null, null, null, null, null, null, null, null, null));
    }
    return out;
  }

  private static Double finiteOrNull(double v) {
    return Double.isFinite(v) ? v : null;
  }

  private void write(List<Row> rows, String path, StructType schema) {
    spark.createDataFrame(rows, schema).coalesce(1).write().mode("overwrite").parquet(path);
  }
}
