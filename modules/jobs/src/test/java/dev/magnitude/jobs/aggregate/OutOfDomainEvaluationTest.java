package dev.magnitude.jobs.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.magnitude.core.config.ConfigError;
import dev.magnitude.core.config.ConfigLoader;
import dev.magnitude.core.config.Settings;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.manifest.Manifest;
import dev.magnitude.core.manifest.TokenizerInfo;
import dev.magnitude.core.run.EvalSet;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.schema.Tables;
import dev.magnitude.jobs.support.JobContext;
import dev.magnitude.jobs.support.JobError;
import dev.magnitude.jobs.support.TestSpark;
import dev.magnitude.jobs.sweep.RunPlanner;
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
 * Out-of-domain evaluation sets: {@code magnitude.sweep.evaluate-on} validated, planned into each run's eval
 * sets (refused when the tokenizers differ), and scored by the aggregate on the other dataset's own queries,
 * documents and qrels.
 *
 * <p>Toy data, 2-d embeddings. In domain (toy/test): documents d1 = (1, 0), d2 = (0, 1); query q1 = (1, 0),
 * relevant d1. Out of domain (far/test): documents f1 = (2, 0), f2 = (0, 5), f3 = (1, 1); query a = (1, 0.5),
 * relevant f2. Under dot a scores f1 2, f2 2.5, f3 1.5: f2 first, RR 1, nDCG@10 1. Under cosine the documents
 * are unit vectors: f1 1, f2 0.5, f3 1.5/√2 ≈ 1.06: f2 third, RR 1/3, nDCG@10 1/log2(4) = 1/2. Query-norm
 * only rescales a, so it ranks as dot; doc-norm ranks as cosine.
 */
class OutOfDomainEvaluationTest {
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

  private static final String SHARED = "huggingface-0123456789abcdef-len16";

  @TempDir Path dir;

  private static SparkSession spark() {
    return TestSpark.session();
  }

  private HadoopFiles fs() {
    return new HadoopFiles(spark().sparkContext().hadoopConfiguration());
  }

  @Test
  void evaluateOnIsValidatedNamingKeyAndDataset() throws IOException {
    WorkDir work = work();
    assertThatThrownBy(() -> settings(work, "toy = [nope]"))
        .isInstanceOf(ConfigError.class)
        .hasMessageContaining("magnitude.sweep.evaluate-on.toy")
        .hasMessageContaining("unknown dataset 'nope'");
    assertThatThrownBy(() -> settings(work, "toy = [pairs]"))
        .isInstanceOf(ConfigError.class)
        .hasMessageContaining("runs on toy (task retrieval) cannot be scored on pairs (task sts)");
    assertThatThrownBy(() -> settings(work, "far = [toy]"))
        .isInstanceOf(ConfigError.class)
        .hasMessageContaining("'far' is not a dataset of the sweep");
    assertThatThrownBy(() -> settings(work, "toy = [toy]"))
        .isInstanceOf(ConfigError.class)
        .hasMessageContaining("datasets other than toy");
    assertThatThrownBy(() -> settings(work, "toy = [far, far]"))
        .isInstanceOf(ConfigError.class)
        .hasMessageContaining("each dataset once");
    // qa is retrieval with answers: scored the same way, so admitted
    assertThat(settings(work, "toy = [far, answers]").sweep().outOfDomain("toy")).containsExactly("far", "answers");
    assertThat(settings(work, "").sweep().outOfDomain("toy")).isEmpty();
  }

  @Test
  void runsAreScoredOnTheOtherDatasetsEvalSplitMarkedOutOfDomain() throws IOException {
    WorkDir work = work();
    prepare(work, "toy", SHARED, "toy-hash");
    prepare(work, "far", SHARED, "far-hash");
    writeTruth(work);
    Settings settings = settings(work, "toy = [far]");

    List<RunSpec> runs = RunPlanner.plan(settings, work, fs());
    assertThat(runs).hasSize(1);
    RunSpec run = runs.get(0);
    assertThat(run.eval()).containsExactly(new EvalSet("toy", "test"), new EvalSet("far", "test", "far-hash"));
    assertThat(run.inDomain(run.eval().get(0))).isTrue();
    assertThat(run.inDomain(run.eval().get(1))).isFalse();
    // the out-of-domain set is part of what the run is: without it the run has another id
    RunSpec inDomainOnly = RunPlanner.plan(settings(work, ""), work, fs()).get(0);
    assertThat(inDomainOnly.eval()).containsExactly(new EvalSet("toy", "test"));
    assertThat(inDomainOnly.id()).isNotEqualTo(run.id());

    write(work, run, "toy", "test", Tables.QUERIES, List.of(row("q1", 1, 0)));
    write(work, run, "toy", WorkDir.CORPUS, Tables.DOCUMENTS, List.of(row("d1", 1, 0), row("d2", 0, 1)));
    write(work, run, "far", "test", Tables.QUERIES, List.of(row("a", 1, 0.5f)));
    write(work, run, "far", WorkDir.CORPUS, Tables.DOCUMENTS, List.of(row("f1", 2, 0), row("f2", 0, 5), row("f3", 1, 1)));
    fs().writeAtomically(work.runSuccess(run.id()), "");

    AggregateJob.Result result = new AggregateJob(new JobContext(spark(), settings, work, fs(), System.err)).run();

    assertThat(result.rows()).hasSize(8);
    List<RunMetricsRow> far = result.rows().stream().filter(r -> r.dataset().equals("far")).toList();
    assertThat(far).hasSize(4).allSatisfy(r -> assertThat(r.inDomain()).isFalse());
    assertThat(result.rows().stream().filter(r -> r.dataset().equals("toy")))
        .hasSize(4).allSatisfy(r -> assertThat(r.inDomain()).isTrue());
    // cosine, query-norm, doc-norm, dot
    assertThat(far.get(0).mean().rr()).isCloseTo(1.0 / 3, within(1e-12));
    assertThat(far.get(0).mean().ndcgAt10()).isCloseTo(0.5, within(1e-12));
    assertThat(far.get(1).mean().rr()).isEqualTo(1.0);
    assertThat(far.get(2).mean().rr()).isCloseTo(1.0 / 3, within(1e-12));
    assertThat(far.get(3).mean().rr()).isEqualTo(1.0);
    assertThat(far.get(3).mean().ndcgAt10()).isCloseTo(1.0, within(1e-12));
    // the effect from far's own corpus and qrels: f2 (norm 5) relevant, f1 (2) and f3 (√2) never relevant
    assertThat(far.get(3).effect().nRelevantPairs()).isEqualTo(1);
    assertThat(far.get(3).effect().nNeverRelevant()).isEqualTo(2);
    assertThat(far.get(3).effect().meanRelevantNorm()).isEqualTo(5.0);
    assertThat(far.get(3).effect().meanNeverRelevantNorm()).isCloseTo((2 + Math.sqrt(2)) / 2, within(1e-6));

    String results = work.results("ood");
    List<Row> written = spark().read().parquet(results + "/" + Tables.RUN_METRICS).collectAsList();
    assertThat(written).filteredOn(r -> "far".equals(r.getAs("dataset")))
        .hasSize(4).allSatisfy(r -> assertThat(r.<Boolean>getAs("in_domain")).isFalse());
    assertThat(written).filteredOn(r -> "toy".equals(r.getAs("dataset")))
        .hasSize(4).allSatisfy(r -> assertThat(r.<Boolean>getAs("in_domain")).isTrue());
    assertThat(spark().read().parquet(results + "/" + Tables.QUERY_METRICS).collectAsList())
        .filteredOn(r -> "a".equals(r.getAs("query_id")))
        .hasSize(4).allSatisfy(r -> assertThat(r.<Boolean>getAs("in_domain")).isFalse());
    assertThat(spark().read().parquet(results + "/" + Tables.DOC_NORMS).collectAsList())
        .filteredOn(r -> "far".equals(r.getAs("dataset")))
        .extracting(r -> r.<String>getAs("doc_id") + " " + r.<String>getAs("label"))
        .containsExactly("f1 retrieved-non-relevant", "f2 relevant", "f3 retrieved-non-relevant");
    assertThat(result.summary())
        .contains("### retrieval: far/test, trained on toy (out of domain): nDCG@10")
        .contains("| dot | 0.5000 | 1.0000 | 0.5000 | **1.0000** |")
        .contains("| dot | 1 | far/test (out of domain) | 1 | 1.0000 | 1.0000 |");
  }

  @Test
  void anotherDatasetOfAnotherTokenizerIsRefusedNamingBoth() throws IOException {
    WorkDir work = work();
    prepare(work, "toy", SHARED, "toy-hash");
    prepare(work, "far", "builtin-far0123", "far-hash");
    Settings settings = settings(work, "toy = [far]");

    assertThatThrownBy(() -> RunPlanner.plan(settings, work, fs()))
        .isInstanceOf(JobError.class)
        .hasMessageContaining("magnitude.sweep.evaluate-on.toy")
        .hasMessageContaining("dataset toy").hasMessageContaining(SHARED)
        .hasMessageContaining("dataset far").hasMessageContaining("builtin-far0123")
        .hasMessageContaining("same HuggingFace tokenizer.json");
  }

  // ---- the toy work directory ----

  private WorkDir work() {
    return new WorkDir(dir.resolve("work").toUri().toString());
  }

  private Settings settings(WorkDir work, String evaluateOn) throws IOException {
    Path conf = dir.resolve("ood.conf");
    Files.writeString(conf, String.join("\n",
        "magnitude.datasets.toy {",
        "  format = synthetic",
        "  splits = [train, test]",
        "  synthetic { documents = 10, topics = 2, train-queries = 1, dev-queries = 1, test-queries = 1, seed = 5 }",
        "}",
        "magnitude.datasets.far { format = beir, path = /nowhere, splits = [train, test] }",
        "magnitude.datasets.answers { format = qa, path = /nowhere, splits = [train, test] }",
        "magnitude.datasets.pairs { format = sts, path = /nowhere, splits = [train, test] }",
        "magnitude.sweep { id = ood, datasets = [toy], variants = [dot], seeds = [1], eval-split = test }",
        "magnitude.sweep.evaluate-on { " + evaluateOn + " }",
        "magnitude.aggregate { top-k = 3, bootstrap { samples = 50, seed = 7, level = 0.95 } }",
        ""));
    return new Settings(ConfigLoader.fromClasspath().load(List.of(conf), Map.of("magnitude.work-dir", work.root())))
        .validate();
  }

  private void prepare(WorkDir work, String dataset, String tokenizerId, String hash) {
    boolean toy = dataset.equals("toy");
    Manifest manifest = new Manifest(dataset, toy ? "synthetic" : "beir", Tables.SCHEMA_VERSION,
        new TokenizerInfo(tokenizerId.startsWith("builtin") ? "builtin" : "huggingface", tokenizerId, 50, 16),
        List.of("train", "test"), Map.of(),
        Map.of("test/" + Tables.QUERIES, 1L, WorkDir.CORPUS + "/" + Tables.DOCUMENTS, toy ? 2L : 3L), hash);
    fs().writeAtomically(work.manifest(dataset), manifest.toJson());
    fs().writeAtomically(work.dataset(dataset) + "/" + WorkDir.SUCCESS, "");
  }

  private void writeTruth(WorkDir work) {
    spark().createDataFrame(List.of(RowFactory.create("q1", "d1", 1)), QRELS).write()
        .parquet(work.table("toy", "test", Tables.QRELS));
    spark().createDataFrame(List.of(RowFactory.create("a", "f2", 1), RowFactory.create("a", "f1", 0)), QRELS).write()
        .parquet(work.table("far", "test", Tables.QRELS));
  }

  private void write(WorkDir work, RunSpec run, String dataset, String split, String side, List<Row> rows) {
    spark().createDataFrame(rows, EMBEDDINGS).write().parquet(work.embeddings(run.id(), dataset, split, side));
  }

  private static Row row(String id, float x, float y) {
    return RowFactory.create(id, List.of(x, y), Math.sqrt((double) x * x + (double) y * y));
  }
}
