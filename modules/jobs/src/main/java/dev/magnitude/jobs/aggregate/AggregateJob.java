package dev.magnitude.jobs.aggregate;

import dev.magnitude.core.config.AggregateSettings;
import dev.magnitude.core.config.DatasetSpec;
import dev.magnitude.core.config.Settings;
import dev.magnitude.core.config.SignificanceSettings;
import dev.magnitude.core.json.ChecksummedJson;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.manifest.Manifest;
import dev.magnitude.core.metrics.AnswerRecall;
import dev.magnitude.core.metrics.Evaluation;
import dev.magnitude.core.metrics.ImageTextMetrics;
import dev.magnitude.core.metrics.QueryMetrics;
import dev.magnitude.core.metrics.RetrievalMetrics;
import dev.magnitude.core.metrics.ScoredDoc;
import dev.magnitude.core.metrics.StsMetrics;
import dev.magnitude.core.report.TrecFormat;
import dev.magnitude.core.run.EvalSet;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.run.TrainedNormalization;
import dev.magnitude.core.schema.Tables;
import dev.magnitude.core.stats.DocNormEffect;
import dev.magnitude.core.stats.Moments;
import dev.magnitude.jobs.score.ExhaustiveScorer;
import dev.magnitude.jobs.score.QueryBlock;
import dev.magnitude.jobs.score.Scoring;
import dev.magnitude.jobs.score.Vectors;
import dev.magnitude.jobs.support.JobContext;
import dev.magnitude.jobs.support.JobError;
import dev.magnitude.jobs.sweep.RunPlanner;
import dev.magnitude.prepare.io.AvroSparkSchemas;
import dev.magnitude.prepare.io.HadoopFiles;
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
 * The aggregate job: checks every planned run of the sweep, then scores each complete run exhaustively on
 * each of its evaluation sets (its own dataset's eval split, in domain, and every dataset the sweep's
 * {@code evaluate-on} lists for it, out of domain, each with its own documents and qrels) under every
 * {@link Scoring#FIXED fixed scoring}, whatever the run trained with. It computes per-query metrics
 * (trec_eval semantics), their means, and the document-norm effect in both contrasts; it keeps the
 * document norms with their relevance labels for plots. It writes into {@code results/<sweep>/}:
 * {@code run_metrics}, {@code query_metrics}, {@code runs}, {@code doc_norms}, {@code doc_norm_histograms},
 * {@code doc_norm_effects}, {@code comparisons}, {@code verdicts} (Parquet, each also as {@code <table>.csv}),
 * {@code summary.md}, {@code trec/} (a TREC run file per run, retrieval eval set and scoring, and the set's
 * qrels) and {@code report/index.html}, into a temporary folder renamed into place with {@code _SUCCESS} last.
 *
 * <p>Comparisons and verdicts ({@link Comparisons}): within each (task, eval set, training dataset), every run
 * under its own scoring, paired randomization tests between the training variants on per-query values, Holm
 * within the table, and the task-symmetry verdict; settings {@code magnitude.aggregate.significance}. A qa
 * evaluation set also gets answer recall@5/20/100 in run_metrics from its {@code <split>/answers}. The report
 * ({@link HtmlReport}) is one self-contained HTML page with inline SVG plots.
 *
 * <p>An STS evaluation set ({@link RunSpec#scoresSts}) is scored pair by pair instead: the similarity of
 * each pair's two sentence embeddings under each scoring (the query side is the first sentence), then
 * Spearman and Pearson against the gold scores ({@link StsMetrics}). It has no per-query rows and no
 * document-norm effect.
 *
 * <p>An image-text evaluation set ({@link RunSpec#scoresImageText}) is scored caption × image on the driver
 * under each scoring (caption = query side, image = document side): recall at 1/5/10 and mean/median
 * first-correct rank in both directions ({@link ImageTextMetrics}). No per-query rows, no document-norm
 * effect (every image is relevant to its captions: no never-relevant group).
 *
 * <p>Bad input: a run that is not finished (failed, never trained, no {@code _SUCCESS}) or whose embeddings
 * are partial (a file of an eval set missing, or its row count not that of the prepared eval set) is listed
 * with the reason in the {@code runs} table and the summary and left out of every table of metrics, never
 * silently. An evaluation set without its ground truth (qrels, pairs, captions) stops the job, naming the
 * dataset and split.
 */
public final class AggregateJob {
  /**
   * What the job wrote.
   *
   * @param leftOut run id → status and reason, for every run that is not complete
   */
  public record Result(
      String resultsDir, List<RunMetricsRow> rows, Map<String, String> leftOut, String summary, List<RunStatus> runs) {}

  /** Relevance labels of the doc_norms and doc_norm_histograms tables, in table order. */
  public static final List<String> LABELS = List.of("relevant", "retrieved-non-relevant", "never-relevant");

  /** Contrasts of the doc_norm_effects table. */
  public static final String NEVER_RELEVANT = "relevant-vs-never-relevant";
  public static final String RETRIEVED = "relevant-vs-retrieved-non-relevant";

  private final SparkSession spark;
  private final Settings settings;
  private final WorkDir work;
  private final HadoopFiles fs;
  private final PrintStream log;
  private final Map<String, Long> expectedRows = new HashMap<>();
  private final Map<String, Manifest> manifests = new HashMap<>();
  private final Map<String, Scoring> learnedScorings = new HashMap<>();
  private final Map<EvalSet, Map<String, Map<String, Integer>>> qrelsCache = new HashMap<>();
  private final List<Comparisons.Observation> observations = new ArrayList<>();
  private final List<HtmlReport.Norms> plotNorms = new ArrayList<>();
  private final Map<Comparisons.Key, String> taskOf = new HashMap<>();
  private String tmp;

  public AggregateJob(JobContext context) {
    this.spark = context.spark();
    this.settings = context.settings();
    this.work = context.work();
    this.fs = context.fs();
    this.log = context.log();
  }

  /** The rows of the tables besides run_metrics, gathered while scoring. */
  private static final class Tables_ {
    final List<Row> queryRows = new ArrayList<>();
    final List<Row> docNorms = new ArrayList<>();
    final List<Row> histograms = new ArrayList<>();
    final List<Row> effects = new ArrayList<>();
  }

  /** Cutoffs of QA answer recall (columns answer_recall_at_5/20/100 of run_metrics). */
  static final int[] ANSWER_RECALL_K = {5, 20, 100};

  public Result run() {
    String sweepId = settings.sweep().id();
    AggregateSettings agg = settings.aggregate();
    List<RunSpec> planned = RunPlanner.plan(settings, work, fs);
    checkGroundTruth(planned);
    List<RunStatus> statuses = new ArrayList<>();
    Map<String, String> leftOut = new LinkedHashMap<>();
    List<RunMetricsRow> rows = new ArrayList<>();
    Tables_ out = new Tables_();
    String target = work.results(sweepId);
    tmp = work.root() + "/results/." + sweepId + ".tmp-" + UUID.randomUUID();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    jsc.setJobGroup("magnitude-aggregate", "aggregate sweep " + sweepId, true);
    try {
      for (RunSpec spec : planned) {
        RunStatus status = status(spec);
        statuses.add(status);
        if (!status.complete()) {
          log.printf("aggregate: leaving out %s: %s%n", spec.id(), status.describe());
          leftOut.put(spec.id(), status.describe());
          continue;
        }
        for (EvalSet eval : spec.eval()) {
          log.printf("aggregate: scoring %s on %s/%s%n", spec.id(), eval.dataset(), eval.split());
          if (spec.scoresSts(eval)) {
            rows.addAll(evaluateSts(spec, eval));
          } else if (spec.scoresImageText(eval)) {
            rows.addAll(evaluateImageText(spec, eval));
          } else {
            rows.addAll(evaluate(jsc, spec, eval, agg, out));
          }
        }
      }
    } finally {
      jsc.clearJobGroup();
    }
    SignificanceSettings significance = settings.significance();
    Comparisons.Tables compared = Comparisons.compute(observations, significance);
    String summary = ResultTable.markdown(sweepId, rows, statuses, Comparisons.markdown(compared.verdicts()));
    write(runMetrics(rows), tmp, Tables.RUN_METRICS);
    write(Comparisons.comparisonRows(compared.comparisons()), tmp, Tables.COMPARISONS);
    write(Comparisons.verdictRows(compared.verdicts()), tmp, Tables.VERDICTS);
    write(out.queryRows, tmp, Tables.QUERY_METRICS);
    write(runsTable(statuses), tmp, Tables.RUNS);
    write(out.docNorms, tmp, Tables.DOC_NORMS);
    write(out.histograms, tmp, Tables.DOC_NORM_HISTOGRAMS);
    write(out.effects, tmp, Tables.DOC_NORM_EFFECTS);
    fs.writeAtomically(tmp + "/summary.md", summary);
    fs.writeAtomically(tmp + "/report/index.html", HtmlReport.html(sweepId, rows, taskOf, compared, observations,
        plotNorms, curves(statuses), significance.seed()));
    fs.writeAtomically(tmp + "/" + WorkDir.SUCCESS, "");
    fs.replace(tmp, target);
    return new Result(target, rows, leftOut, summary, statuses);
  }

  // ---- checks of the input ----

  /**
   * Every evaluation set of the sweep has its ground truth before anything is scored: a set without it is a
   * mistake in the prepared data, not in a run, so it stops the job whichever runs are finished.
   */
  private void checkGroundTruth(List<RunSpec> planned) {
    Set<EvalSet> seen = new HashSet<>();
    for (RunSpec spec : planned) {
      for (EvalSet eval : spec.eval()) {
        EvalSet key = new EvalSet(eval.dataset(), eval.split());
        if (!seen.add(key)) {
          continue;
        }
        String table = spec.scoresSts(eval) ? Tables.PAIRS : spec.scoresImageText(eval) ? Tables.CAPTIONS : Tables.QRELS;
        String path = work.table(eval.dataset(), eval.split(), table);
        if (!fs.exists(path)) {
          throw new JobError("evaluation set " + eval.dataset() + "/" + eval.split() + " has no " + table + ": " + path
              + " is missing; prepare dataset " + eval.dataset() + " with split " + eval.split());
        }
        if (table.equals(Tables.QRELS) && qrels(eval).isEmpty()) {
          throw new JobError("evaluation set " + eval.dataset() + "/" + eval.split() + " has no qrels: " + path
              + " holds no judgements; prepare dataset " + eval.dataset() + " with qrels for split " + eval.split());
        }
      }
    }
  }

  /**
   * Whether the run can be scored: {@code _SUCCESS} written, and for every eval set each embeddings file
   * present with as many rows as the prepared table it embeds (queries of the split and the corpus; both
   * sides of the pairs; captions and images).
   */
  private RunStatus status(RunSpec spec) {
    String id = spec.id();
    if (!fs.exists(work.runSuccess(id))) {
      if (fs.exists(work.failure(id))) {
        return new RunStatus(spec, RunStatus.FAILED, "see " + work.failure(id));
      }
      if (fs.exists(work.run(id) + "/embeddings")) {
        return new RunStatus(spec, RunStatus.INCOMPLETE,
            "no _SUCCESS: training or the export of its embeddings did not finish; train the sweep again to resume it");
      }
      return new RunStatus(spec, RunStatus.NOT_TRAINED, "");
    }
    List<String> problems = new ArrayList<>();
    Set<String> checked = new HashSet<>();
    for (EvalSet eval : spec.eval()) {
      Map<String, String> files = new LinkedHashMap<>(); // embeddings path → the prepared table it embeds
      if (spec.scoresSts(eval)) {
        files.put(work.embeddings(id, eval.dataset(), eval.split(), Tables.QUERIES), eval.split() + "/" + Tables.PAIRS);
        files.put(work.embeddings(id, eval.dataset(), eval.split(), Tables.DOCUMENTS), eval.split() + "/" + Tables.PAIRS);
      } else if (spec.scoresImageText(eval)) {
        files.put(work.embeddings(id, eval.dataset(), eval.split(), Tables.QUERIES), eval.split() + "/" + Tables.CAPTIONS);
        files.put(work.embeddings(id, eval.dataset(), eval.split(), Tables.DOCUMENTS), eval.split() + "/" + Tables.IMAGES);
      } else {
        files.put(work.embeddings(id, eval.dataset(), eval.split(), Tables.QUERIES), eval.split() + "/" + Tables.QUERIES);
        files.put(work.embeddings(id, eval.dataset(), WorkDir.CORPUS, Tables.DOCUMENTS),
            WorkDir.CORPUS + "/" + Tables.DOCUMENTS);
      }
      for (Map.Entry<String, String> f : files.entrySet()) {
        if (!checked.add(f.getKey())) {
          continue;
        }
        if (!fs.exists(f.getKey())) {
          problems.add(f.getKey() + " is missing");
          continue;
        }
        long expected = expectedRows(eval.dataset(), f.getValue());
        long actual;
        try {
          actual = spark.read().parquet(f.getKey()).count();
        } catch (RuntimeException e) {
          problems.add(f.getKey() + " cannot be read (" + e.getMessage() + ")");
          continue;
        }
        if (actual != expected) {
          problems.add(f.getKey() + " has " + actual + " rows but " + eval.dataset() + "/" + f.getValue() + " has "
              + expected);
        }
      }
    }
    if (!problems.isEmpty()) {
      return new RunStatus(spec, RunStatus.INCOMPLETE,
          String.join("; ", problems) + "; delete " + work.run(id) + " and train the sweep again");
    }
    return new RunStatus(spec, RunStatus.COMPLETE, "");
  }

  /**
   * Rows of a prepared table ({@code <split>/<table>}): the manifest's count where it has one, else the
   * table's own.
   */
  private long expectedRows(String dataset, String table) {
    return expectedRows.computeIfAbsent(dataset + "/" + table, key -> {
      Long counted = manifest(dataset).tables().get(table);
      if (counted != null) {
        return counted;
      }
      String[] parts = table.split("/", 2);
      String path = work.table(dataset, parts[0], parts[1]);
      if (!fs.exists(path)) {
        throw new JobError("evaluation set " + dataset + "/" + parts[0] + " has no " + parts[1] + ": " + path
            + " is missing and " + work.manifest(dataset) + " does not count it; prepare dataset " + dataset + " again");
      }
      return spark.read().parquet(path).count();
    });
  }

  private Manifest manifest(String dataset) {
    return manifests.computeIfAbsent(dataset, d -> RunPlanner.manifest(work, fs, d));
  }

  // ---- retrieval ----

  /**
   * One retrieval set: the queries are brought to the driver once and broadcast once per scoring; the
   * document-norm effect (relevant vs never-relevant) is computed once, the relevant vs retrieved
   * non-relevant contrast once per scoring (what is retrieved depends on it).
   */
  private List<RunMetricsRow> evaluate(
      JavaSparkContext jsc, RunSpec spec, EvalSet eval, AggregateSettings agg, Tables_ out) {
    boolean inDomain = spec.inDomain(eval);
    Map<String, Map<String, Integer>> qrels = qrels(eval);
    String queriesPath = work.embeddings(spec.id(), eval.dataset(), eval.split(), Tables.QUERIES);
    String docsPath = work.embeddings(spec.id(), eval.dataset(), WorkDir.CORPUS, Tables.DOCUMENTS);
    List<String> queryIds = new ArrayList<>();
    List<float[]> queryVectors = new ArrayList<>();
    for (Row r : spark.read().parquet(queriesPath).select(Tables.ID, Tables.VECTOR).collectAsList()) {
      queryIds.add(r.getString(0));
      queryVectors.add(ExhaustiveScorer.floats(r.getList(1)));
    }
    Dataset<Row> docs = ExhaustiveScorer.readDocuments(spark, docsPath);
    Map<String, Set<String>> relevant = relevantByQuery(qrels);
    Map<Scoring, Map<String, List<String>>> retrieved = new LinkedHashMap<>();
    List<RunMetricsRow> rows = new ArrayList<>();
    List<Evaluation> evaluations = new ArrayList<>();
    List<Scoring> scorings = scorings(spec);
    Comparisons.Key key = key(spec, eval);
    Map<String, List<String>> answers = key.task().equals(DatasetSpec.Task.QA.id()) ? answers(eval) : null;
    List<RunMetricsRow.AnswerRecalls> recalls = new ArrayList<>();
    writeQrels(eval, qrels);
    for (Scoring scoring : scorings) {
      QueryBlock block = QueryBlock.of(queryIds, queryVectors, scoring);
      if (scoring == scorings.get(0)) {
        checkDimensions(docs, block, spec, docsPath);
      }
      Map<String, List<ScoredDoc>> top =
          ExhaustiveScorer.scoreFiles(spark, docsPath, block, agg.topK(), ExhaustiveScorer.DEFAULT_BLOCK, null);
      Map<String, List<String>> rankings = new HashMap<>();
      Map<String, List<String>> topDepth = new HashMap<>();
      top.forEach((q, list) -> {
        List<String> ids = list.stream().map(ScoredDoc::docId).toList();
        rankings.put(q, ids);
        topDepth.put(q, ids.subList(0, Math.min(agg.retrievedDepth(), ids.size())));
      });
      retrieved.put(scoring, topDepth);
      Evaluation evaluation = RetrievalMetrics.evaluate(rankings, qrels);
      evaluations.add(evaluation);
      writeTrec(tmp + "/trec/" + trecName(spec.id() + "." + eval.dataset() + "." + eval.split() + "."
          + scoring.id()) + ".run", () -> TrecFormat.runFile(top, trecName(spec.id() + "-" + scoring.id())), eval);
      if (answers != null) {
        recalls.add(answerRecalls(jsc, eval, rankings, answers));
      }
      if (scoring.equals(own(spec))) {
        Map<String, Double> ndcg = new TreeMap<>();
        evaluation.perQuery().forEach(m -> ndcg.put(m.queryId(), m.ndcgAt10()));
        observations.add(new Comparisons.Observation(key, spec.variant().id(), spec.seed(), spec.id(),
            evaluation.mean().ndcgAt10(), ndcg));
      }
      for (QueryMetrics m : evaluation.perQuery()) {
        out.queryRows.add(RowFactory.create(
            spec.id(), spec.variant().id(), scoring.id(), eval.dataset(), eval.split(), inDomain, m.queryId(),
            m.ndcgAt10(), m.mrrAt10(), m.rr(), m.recallAt100(), m.recallAt10(), m.pAt10(), m.mapAt100()));
      }
    }
    Set<String> relevantIds = new HashSet<>();
    relevant.values().forEach(relevantIds::addAll);
    Set<String> retrievedIds = new HashSet<>();
    retrieved.values().forEach(byQuery -> byQuery.values().forEach(retrievedIds::addAll));
    Map<String, Double> norms = norms(jsc, docs, union(relevantIds, retrievedIds), docsPath);
    DocNormEffect effect = docNormEffect(jsc, docs, relevantIds, norms, relevant, agg, docsPath);
    out.effects.add(effectRow(spec, eval, inDomain, NEVER_RELEVANT, null, null, effect));
    for (int i = 0; i < scorings.size(); i++) {
      Scoring scoring = scorings.get(i);
      Evaluation evaluation = evaluations.get(i);
      RunMetricsRow row = RunMetricsRow.ofRetrieval(spec, eval.dataset(), eval.split(), scoring, inDomain,
          evaluation.queries(), evaluation.queriesWithoutRelevant(), evaluation.mean(), effect);
      rows.add(answers == null ? row : row.withAnswers(recalls.get(i)));
      DocNormEffect vsRetrieved = DocNormEffect.relevantVsRetrieved(
          norms, relevant, retrieved.get(scoring), agg.bootstrapSamples(), agg.bootstrapSeed(), agg.level());
      out.effects.add(effectRow(spec, eval, inDomain, RETRIEVED, scoring, agg.retrievedDepth(), vsRetrieved));
    }
    // the labels of the kept norms follow the ranking the run was trained for
    Set<String> retrievedOwn = new HashSet<>();
    retrieved.get(own(spec)).values().forEach(retrievedOwn::addAll);
    retrievedOwn.removeAll(relevantIds);
    keepNorms(jsc, spec, eval, inDomain, docs, relevantIds, retrievedOwn, agg, out, key);
    return rows;
  }

  /** The table a run's eval set belongs to; the task is the eval dataset's (retrieval or qa, sts, image-text). */
  private Comparisons.Key key(RunSpec spec, EvalSet eval) {
    DatasetSpec dataset = settings.datasets().get(eval.dataset());
    String task = dataset == null
        ? (spec.scoresSts(eval) ? "sts" : spec.scoresImageText(eval) ? "image-text" : "retrieval")
        : dataset.task().id();
    Comparisons.Key key = new Comparisons.Key(task, eval.dataset(), eval.split(), spec.inDomain(eval), spec.dataset());
    String rowTask = spec.scoresSts(eval) ? "sts" : spec.scoresImageText(eval) ? "image-text" : "retrieval";
    taskOf.put(new Comparisons.Key(rowTask, eval.dataset(), eval.split(), spec.inDomain(eval), spec.dataset()), task);
    return key;
  }

  /**
   * A name usable as a file name and TREC field: white space and the characters file systems or trec_eval
   * reject become '_' (dataset and run ids are plain already; this guards a strange configured name).
   */
  static String trecName(String s) {
    return s.replaceAll("[\\s/\\\\:*?\"<>|]", "_");
  }

  /** The qrels of a retrieval eval set in TREC format, once per set: {@code trec/<dataset>.<split>.qrels}. */
  private void writeQrels(EvalSet eval, Map<String, Map<String, Integer>> qrels) {
    String path = tmp + "/trec/" + trecName(eval.dataset() + "." + eval.split()) + ".qrels";
    if (!fs.exists(path)) {
      writeTrec(path, () -> TrecFormat.qrels(qrels), eval);
    }
  }

  /**
   * Writes one TREC file. trec_eval splits fields on white space, so an id holding some cannot be exported:
   * that file is left out with a warning in the log (the metrics, computed here, are unaffected) rather than
   * failing the whole aggregate over an export.
   */
  private void writeTrec(String path, java.util.function.Supplier<String> content, EvalSet eval) {
    String text;
    try {
      text = content.get();
    } catch (IllegalArgumentException e) {
      log.printf("aggregate: WARNING: no TREC file %s for %s/%s: %s%n", path, eval.dataset(), eval.split(),
          e.getMessage());
      return;
    }
    fs.writeAtomically(path, text);
  }

  private final Map<EvalSet, Map<String, List<String>>> answersCache = new HashMap<>();

  /** The gold answers of a qa eval set ({@code <split>/answers}), by query id. */
  private Map<String, List<String>> answers(EvalSet eval) {
    return answersCache.computeIfAbsent(new EvalSet(eval.dataset(), eval.split()), e -> {
      String path = work.table(e.dataset(), e.split(), Tables.ANSWERS);
      if (!fs.exists(path)) {
        throw new JobError("qa evaluation set " + e.dataset() + "/" + e.split() + " has no answers: " + path
            + " is missing; prepare dataset " + e.dataset() + " again (qa datasets keep their answers per split)");
      }
      Map<String, List<String>> out = new TreeMap<>();
      for (Row r : spark.read().parquet(path).select(Tables.QUERY_ID, "answer").collectAsList()) {
        if (!r.isNullAt(0) && !r.isNullAt(1)) {
          out.computeIfAbsent(r.getString(0), q -> new ArrayList<>()).add(r.getString(1));
        }
      }
      return out;
    });
  }

  /**
   * Answer recall@5/20/100 of one ranking: the texts of the retrieved passages come from the prepared corpus
   * (only the retrieved ones are brought to the driver). A query with answers but no ranking is a miss.
   */
  private RunMetricsRow.AnswerRecalls answerRecalls(
      JavaSparkContext jsc, EvalSet eval, Map<String, List<String>> rankings, Map<String, List<String>> answers) {
    Set<String> wanted = new HashSet<>();
    answers.keySet().forEach(q -> wanted.addAll(rankings.getOrDefault(q, List.of())));
    Broadcast<Set<String>> ids = jsc.broadcast(wanted);
    Map<String, String> texts;
    try {
      texts = new HashMap<>(spark.read().parquet(work.documents(eval.dataset())).select(Tables.ID, Tables.TEXT)
          .javaRDD().filter(r -> ids.value().contains(r.getString(0)))
          .mapToPair(r -> new Tuple2<>(r.getString(0), r.isNullAt(1) ? "" : r.getString(1))).collectAsMap());
    } finally {
      ids.destroy();
    }
    Map<String, List<String>> retrieved = new HashMap<>();
    for (String q : answers.keySet()) {
      List<String> passages = new ArrayList<>();
      for (String d : rankings.getOrDefault(q, List.of())) {
        passages.add(texts.getOrDefault(d, ""));
      }
      retrieved.put(q, passages);
    }
    double[] at = new double[ANSWER_RECALL_K.length];
    for (int i = 0; i < at.length; i++) {
      at[i] = AnswerRecall.recallAt(retrieved, answers, ANSWER_RECALL_K[i]);
    }
    return new RunMetricsRow.AnswerRecalls(answers.size(), at[0], at[1], at[2]);
  }

  /**
   * Each complete run's training curve (loss per logged step; α per side for a learned run whose every step
   * logged it), for the report's plots. A run without curves.parquet gets no line.
   */
  private List<HtmlReport.Curve> curves(List<RunStatus> statuses) {
    List<HtmlReport.Curve> out = new ArrayList<>();
    for (RunStatus status : statuses) {
      if (!status.complete()) {
        continue;
      }
      RunSpec spec = status.spec();
      String path = work.curves(spec.id());
      if (!fs.exists(path)) {
        continue;
      }
      List<Row> points = new ArrayList<>(spark.read().parquet(path).select("step", "loss", "alpha_query",
          "alpha_document").collectAsList());
      points.removeIf(r -> r.isNullAt(0) || r.isNullAt(1) || !Double.isFinite(r.getDouble(1)));
      points.sort(java.util.Comparator.comparingInt(r -> r.getInt(0)));
      double[] step = points.stream().mapToDouble(r -> r.getInt(0)).toArray();
      double[] loss = points.stream().mapToDouble(r -> r.getDouble(1)).toArray();
      boolean alpha = !points.isEmpty() && points.stream().allMatch(r -> !r.isNullAt(2) && !r.isNullAt(3)
          && Double.isFinite(r.getDouble(2)) && Double.isFinite(r.getDouble(3)));
      DatasetSpec dataset = settings.datasets().get(spec.dataset());
      String task = dataset == null ? "retrieval" : dataset.task().id();
      out.add(new HtmlReport.Curve(spec.dataset(), task, spec.variant().id(), spec.seed(), spec.id(), step, loss,
          alpha ? points.stream().mapToDouble(r -> r.getDouble(2)).toArray() : null,
          alpha ? points.stream().mapToDouble(r -> r.getDouble(3)).toArray() : null));
    }
    return out;
  }

  /**
   * The scorings a run is scored under: the four fixed normalizations, and for a learned run also its own
   * learned one ("learned": each side divided by ‖x‖^α with the α the run ended with, from its
   * normalization.json).
   */
  private List<Scoring> scorings(RunSpec spec) {
    if (!spec.variant().isLearned()) {
      return Scoring.FIXED;
    }
    List<Scoring> all = new ArrayList<>(Scoring.FIXED);
    all.add(own(spec));
    return all;
  }

  /** The scoring a run was trained for: the diagonal of the train-variant × scoring matrix. */
  private Scoring own(RunSpec spec) {
    if (!spec.variant().isLearned()) {
      return Scoring.of(spec.variant());
    }
    return learnedScorings.computeIfAbsent(spec.id(), id -> {
      String path = work.normalization(id);
      if (!fs.exists(path)) {
        throw new JobError("learned run " + id + " has no " + path + " (the α it ended with); train it again");
      }
      TrainedNormalization n;
      try {
        n = ChecksummedJson.read(fs.readString(path), TrainedNormalization.class, path);
      } catch (ChecksummedJson.DamagedFileException e) {
        throw new JobError(e.getMessage() + "; delete " + work.runSuccess(id) + " and run train again: the run"
            + " exports again from its last checkpoint and rewrites the file");
      }
      return Scoring.learned(n.alphaQuery(), n.alphaDocument());
    });
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> out = new HashSet<>(a);
    out.addAll(b);
    return out;
  }

  /** The norms of the given documents (relevant and retrieved ones: few), collected from the shards. */
  private static Map<String, Double> norms(JavaSparkContext jsc, Dataset<Row> docs, Set<String> wanted, String docsPath) {
    Broadcast<Set<String>> ids = jsc.broadcast(wanted);
    try {
      Map<String, Double> norms = new HashMap<>(docs.select(Tables.ID, Tables.NORM).javaRDD()
          .filter(r -> ids.value().contains(r.getString(0)))
          .mapToPair(r -> new Tuple2<>(r.getString(0), r.getDouble(1)))
          .collectAsMap());
      for (Double n : norms.values()) {
        if (!Double.isFinite(n)) {
          throw new JobError(docsPath + " holds non-finite document norms; the run diverged, retrain it");
        }
      }
      return norms;
    } finally {
      ids.destroy();
    }
  }

  /**
   * The norms kept for plotting, each document with one label: {@code relevant} (to some query of the set),
   * else {@code retrieved-non-relevant} (among the top {@code retrievedDepth} of some query under the run's
   * own scoring), else {@code never-relevant}. One row per document when the corpus has at most
   * {@code maxRawDocNorms} documents, else equal-width histograms per label over the run's norm range.
   */
  private void keepNorms(
      JavaSparkContext jsc, RunSpec spec, EvalSet eval, boolean inDomain, Dataset<Row> docs, Set<String> relevantIds,
      Set<String> retrievedOwn, AggregateSettings agg, Tables_ out, Comparisons.Key key) {
    long corpus = expectedRows(eval.dataset(), WorkDir.CORPUS + "/" + Tables.DOCUMENTS);
    Broadcast<Set<String>> rel = jsc.broadcast(relevantIds);
    Broadcast<Set<String>> ret = jsc.broadcast(retrievedOwn);
    try {
      JavaRDD<Tuple2<Integer, Double>> labelled = docs.select(Tables.ID, Tables.NORM).javaRDD()
          .map(r -> new Tuple2<>(label(r.getString(0), rel.value(), ret.value()), r.getDouble(1)));
      if (corpus <= agg.maxRawDocNorms()) {
        List<Row> raw = docs.select(Tables.ID, Tables.NORM).collectAsList();
        List<Row> sorted = new ArrayList<>(raw);
        sorted.sort(java.util.Comparator.comparing(r -> r.getString(0)));
        List<Double> relevantNorms = new ArrayList<>();
        List<Double> otherNorms = new ArrayList<>();
        for (Row r : sorted) {
          int label = label(r.getString(0), relevantIds, retrievedOwn);
          out.docNorms.add(RowFactory.create(spec.id(), spec.variant().id(), spec.seed(), eval.dataset(), eval.split(),
              inDomain, r.getString(0), r.getDouble(1), LABELS.get(label)));
          (label == 0 ? relevantNorms : otherNorms).add(r.getDouble(1));
        }
        plotNorms.add(new HtmlReport.Norms(key, spec.variant().id(), spec.seed(), spec.id(),
            relevantNorms.stream().mapToDouble(Double::doubleValue).toArray(),
            otherNorms.stream().mapToDouble(Double::doubleValue).toArray(), false));
        return;
      }
      double min = labelled.map(Tuple2::_2).reduce(Math::min);
      double max = labelled.map(Tuple2::_2).reduce(Math::max);
      int bins = agg.histogramBins();
      double width = (max - min) / bins;
      long[][] counts = labelled.aggregate(new long[LABELS.size()][bins],
          (acc, t) -> {
            acc[t._1()][bin(t._2(), min, width, bins)]++;
            return acc;
          },
          (a, b) -> {
            for (int l = 0; l < a.length; l++) {
              for (int i = 0; i < bins; i++) {
                a[l][i] += b[l][i];
              }
            }
            return a;
          });
      for (int l = 0; l < LABELS.size(); l++) {
        for (int i = 0; i < bins; i++) {
          out.histograms.add(RowFactory.create(spec.id(), spec.variant().id(), spec.seed(), eval.dataset(),
              eval.split(), inDomain, LABELS.get(l), i, min + i * width, i == bins - 1 ? max : min + (i + 1) * width,
              counts[l][i]));
        }
      }
      plotNorms.add(new HtmlReport.Norms(key, spec.variant().id(), spec.seed(), spec.id(),
          binCentres(new long[][] {counts[0]}, min, width), binCentres(new long[][] {counts[1], counts[2]}, min, width),
          true));
    } finally {
      rel.destroy();
      ret.destroy();
    }
  }

  /**
   * A sample for the report's histogram redrawn from bin counts: each bin's centre repeated in proportion
   * to its count, at most {@link #PLOT_SAMPLE} values in all (the plot shows fractions, so the scale is
   * immaterial; a bin keeps at least one value when it had any).
   */
  static double[] binCentres(long[][] counts, double min, double width) {
    long total = 0;
    for (long[] c : counts) {
      for (long n : c) {
        total += n;
      }
    }
    double scale = total <= PLOT_SAMPLE ? 1 : (double) PLOT_SAMPLE / total;
    List<Double> out = new ArrayList<>();
    for (long[] c : counts) {
      for (int i = 0; i < c.length; i++) {
        long n = c[i] == 0 ? 0 : Math.max(1, Math.round(c[i] * scale));
        for (long j = 0; j < n; j++) {
          out.add(min + (i + 0.5) * width);
        }
      }
    }
    return out.stream().mapToDouble(Double::doubleValue).toArray();
  }

  static final int PLOT_SAMPLE = 20_000;

  /** Index into {@link #LABELS}. */
  static int label(String docId, Set<String> relevant, Set<String> retrievedNonRelevant) {
    return relevant.contains(docId) ? 0 : retrievedNonRelevant.contains(docId) ? 1 : 2;
  }

  /** Equal-width bin of {@code value}: [min + i·width, min + (i+1)·width), the last bin closed; width 0 → bin 0. */
  static int bin(double value, double min, double width, int bins) {
    if (!(width > 0)) {
      return 0;
    }
    return (int) Math.max(0, Math.min(bins - 1, Math.floor((value - min) / width)));
  }

  private static Row effectRow(
      RunSpec spec, EvalSet eval, boolean inDomain, String contrast, Scoring scoring, Integer depth, DocNormEffect e) {
    return RowFactory.create(
        spec.id(), spec.variant().id(), spec.seed(), eval.dataset(), eval.split(), inDomain, contrast,
        scoring == null ? null : scoring.id(), depth,
        (long) e.nQueries(), e.nRelevantPairs(), e.nNeverRelevant(),
        finiteOrNull(e.meanRelevantNorm()), finiteOrNull(e.meanNeverRelevantNorm()),
        finiteOrNull(e.d()), finiteOrNull(e.g()), finiteOrNull(e.ciLow()), finiteOrNull(e.ciHigh()), e.level(),
        (long) e.skippedResamples());
  }

  /**
   * Scores every pair of an STS evaluation set on the driver (STS sets hold thousands of pairs, not
   * millions): s(a, b) = ã · b̃ with ã, b̃ normalized as each scoring says, in double precision.
   */
  private List<RunMetricsRow> evaluateSts(RunSpec spec, EvalSet eval) {
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
    List<RunMetricsRow> rows = new ArrayList<>();
    Comparisons.Key key = key(spec, eval);
    double[] goldScores = gold.values().stream().mapToDouble(Double::doubleValue).toArray();
    for (Scoring scoring : scorings(spec)) {
      double[] similarities = similarities(spec, scoring, gold, first, second, pairsPath, queriesPath, docsPath);
      StsMetrics metrics = StsMetrics.of(goldScores, similarities);
      rows.add(RunMetricsRow.ofSts(spec, eval.dataset(), eval.split(), scoring, spec.inDomain(eval), metrics));
      if (scoring.equals(own(spec))) {
        double[] perPair = Comparisons.stsPerPair(goldScores, similarities);
        Map<String, Double> byPair = new TreeMap<>();
        int i = 0;
        for (String pair : gold.keySet()) {
          byPair.put(pair, perPair[i++]);
        }
        observations.add(new Comparisons.Observation(key, spec.variant().id(), spec.seed(), spec.id(),
            metrics.spearman(), byPair));
      }
    }
    return rows;
  }

  /** Each pair's similarity under {@code scoring}, in pair id order (the order of {@code gold}). */
  private static double[] similarities(
      RunSpec spec, Scoring scoring, Map<String, Double> gold, Map<String, float[]> first, Map<String, float[]> second,
      String pairsPath, String queriesPath, String docsPath) {
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
          Vectors.toDouble(a, scoring.queryExponent()), Vectors.toDouble(b, scoring.documentExponent()));
      if (!Double.isFinite(similarities[i])) {
        throw new JobError("run " + spec.id() + ": pair " + pair.getKey() + " has a non-finite similarity; "
            + "the run diverged, retrain it");
      }
      i++;
    }
    return similarities;
  }

  /**
   * Scores every caption against every image of an image-text evaluation set on the driver (eval splits
   * hold thousands of images, not millions): s(c, i) = c̃ · ĩ, the caption as the query side and the
   * image as the document side, normalized as each scoring says, in double precision. Captions and
   * images are ordered by id, which is the tie rule of {@link ImageTextMetrics}.
   */
  private List<RunMetricsRow> evaluateImageText(RunSpec spec, EvalSet eval) {
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
    List<RunMetricsRow> rows = new ArrayList<>();
    Comparisons.Key key = key(spec, eval);
    List<String> captionIds = new ArrayList<>(imageOf.keySet());
    for (Scoring scoring : scorings(spec)) {
      ImageTextMetrics.Ranks ranks =
          imageTextRanks(spec, scoring, imageOf, captions, images, captionsPath, queriesPath, docsPath);
      ImageTextMetrics metrics = ImageTextMetrics.of(ranks);
      rows.add(RunMetricsRow.ofImageText(spec, eval.dataset(), eval.split(), scoring, spec.inDomain(eval), metrics));
      if (scoring.equals(own(spec))) {
        Map<String, Double> hits = new TreeMap<>();
        for (int c = 0; c < captionIds.size(); c++) {
          hits.put(captionIds.get(c), ranks.textToImage()[c] == 1 ? 1.0 : 0.0);
        }
        observations.add(new Comparisons.Observation(key, spec.variant().id(), spec.seed(), spec.id(),
            metrics.textToImageR1(), hits));
      }
    }
    return rows;
  }

  /**
   * Caption and image ranks under {@code scoring}, ties by id descending (the project's rule, as trec_eval
   * breaks ties); captions in id order.
   */
  private static ImageTextMetrics.Ranks imageTextRanks(
      RunSpec spec, Scoring scoring, Map<String, String> imageOf, Map<String, float[]> captions,
      Map<String, float[]> images, String captionsPath, String queriesPath, String docsPath) {
    Map<String, Integer> imageIndex = new HashMap<>();
    List<double[]> imageVectors = new ArrayList<>();
    images.forEach((id, v) -> {
      imageIndex.put(id, imageIndex.size());
      imageVectors.add(Vectors.toDouble(v, scoring.documentExponent()));
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
      double[] q = Vectors.toDouble(vector, scoring.queryExponent());
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
    return ImageTextMetrics.ranks(scores, imageOfCaption, new ArrayList<>(imageOf.keySet()),
        new ArrayList<>(images.keySet()));
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
   * The document-norm effect, relevant vs never-relevant, without bringing the corpus to the driver: the
   * norms of relevant documents are given (they are few), the never-relevant group is summed per shard as
   * moments.
   */
  private static DocNormEffect docNormEffect(
      JavaSparkContext jsc, Dataset<Row> docs, Set<String> relevantIds, Map<String, Double> norms,
      Map<String, Set<String>> relevant, AggregateSettings agg, String docsPath) {
    Broadcast<Set<String>> ids = jsc.broadcast(relevantIds);
    try {
      Moments never = docs.select(Tables.ID, Tables.NORM).javaRDD()
          .filter(r -> !ids.value().contains(r.getString(0)))
          .map(r -> r.getDouble(1))
          .aggregate(Moments.EMPTY, Moments::add, Moments::combine);
      if (never.count() > 0 && !Double.isFinite(never.mean())) {
        throw new JobError(docsPath + " holds non-finite document norms; the run diverged, retrain it");
      }
      return DocNormEffect.compute(norms, relevant, never, agg.bootstrapSamples(), agg.bootstrapSeed(), agg.level());
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
    return qrelsCache.computeIfAbsent(new EvalSet(eval.dataset(), eval.split()), this::readQrels);
  }

  private Map<String, Map<String, Integer>> readQrels(EvalSet eval) {
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
            r.spec().id(), r.spec().variant().id(), r.scoring().id(), r.spec().seed(), r.dataset(), r.split(), r.inDomain(),
            null, null, null, null, null, null, null, null, null, null, null, null, null,
            (long) s.pairs(), finiteOrNull(s.spearman()), finiteOrNull(s.pearson()),
            null, null, null, null, null, null, null, null, null, null, null, null,
            null, null, null, null));
        continue;
      }
      if (r.isImageText()) {
        // retrieval, document-norm and STS columns null
        ImageTextMetrics t = r.imageText();
        out.add(RowFactory.create(
            r.spec().id(), r.spec().variant().id(), r.scoring().id(), r.spec().seed(), r.dataset(), r.split(), r.inDomain(),
            null, null, null, null, null, null, null, null, null, null, null, null, null,
            null, null, null,
            (long) t.captions(), (long) t.images(),
            t.textToImageR1(), t.textToImageR5(), t.textToImageR10(),
            t.imageToTextR1(), t.imageToTextR5(), t.imageToTextR10(),
            t.textToImageMeanRank(), t.textToImageMedianRank(), t.imageToTextMeanRank(), t.imageToTextMedianRank(),
            null, null, null, null));
        continue;
      }
      QueryMetrics m = r.mean();
      DocNormEffect e = r.effect();
      out.add(RowFactory.create(
          r.spec().id(), r.spec().variant().id(), r.scoring().id(), r.spec().seed(), r.dataset(), r.split(), r.inDomain(),
          (long) r.queries(), (long) r.queriesWithoutRelevant(),
          m.ndcgAt10(), m.mrrAt10(), m.rr(), m.recallAt100(), m.recallAt10(), m.pAt10(), m.mapAt100(),
          e.d(), e.g(), e.ciLow(), e.ciHigh(),
          null, null, null,
          null, null, null, null, null, null, null, null, null, null, null, null,
          r.answers() == null ? null : (long) r.answers().queries(),
          r.answers() == null ? null : finiteOrNull(r.answers().at5()),
          r.answers() == null ? null : finiteOrNull(r.answers().at20()),
          r.answers() == null ? null : finiteOrNull(r.answers().at100())));
    }
    return out;
  }

  private static List<Row> runsTable(List<RunStatus> statuses) {
    List<Row> out = new ArrayList<>();
    for (RunStatus s : statuses) {
      RunSpec spec = s.spec();
      out.add(RowFactory.create(spec.id(), spec.dataset(), spec.variant().id(), spec.seed(), s.status(),
          s.reason().isEmpty() ? null : s.reason(),
          String.join(" ", spec.eval().stream().map(e -> e.dataset() + "/" + e.split()).toList())));
    }
    return out;
  }

  private static Double finiteOrNull(double v) {
    return Double.isFinite(v) ? v : null;
  }

  /** A table as Parquet ({@code <dir>/<table>/}) following its .avsc, and the same rows as {@code <dir>/<table>.csv}. */
  private void write(List<Row> rows, String dir, String table) {
    StructType schema = AvroSparkSchemas.of(table);
    spark.createDataFrame(rows, schema).coalesce(1).write().mode("overwrite").parquet(dir + "/" + table);
    fs.writeAtomically(dir + "/" + table + ".csv", Csv.of(schema, rows));
  }
}
