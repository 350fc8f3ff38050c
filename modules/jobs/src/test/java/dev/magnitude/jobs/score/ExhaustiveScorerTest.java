package dev.magnitude.jobs.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.magnitude.core.metrics.ScoredDoc;
import dev.magnitude.core.run.Variant;
import dev.magnitude.jobs.support.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Distributed exhaustive scoring (document shards × broadcast queries, per-shard top-k, merge) must give
 * exactly the ranking of a plain single-thread scorer: every query against every document, sorted by
 * score descending then doc id descending, cut at k.
 */
class ExhaustiveScorerTest {

  private static final StructType DOCUMENTS =
      new StructType()
          .add("id", DataTypes.StringType)
          .add("vector", DataTypes.createArrayType(DataTypes.FloatType));

  private static SparkSession spark() {
    return TestSpark.session();
  }

  private static JavaSparkContext jsc() {
    return JavaSparkContext.fromSparkContext(spark().sparkContext());
  }

  // ---- the hand-computed case ----

  /**
   * q1 = (2, 0), q2 = (0, 1); documents a = (2, 0), b = (0.5, 0.5), c = (1, 1). Norms: |q1| = 2,
   * |a| = 2, |b| = √0.5, |c| = √2; b and c point the same way, so any normalized document side ties them
   * and the tie goes to the larger id, c.
   */
  @Test
  void handComputedRankingsUnderEachVariant() {
    Dataset<Row> docs = documents(List.of("a", "b", "c"), List.of(v(2, 0), v(0.5f, 0.5f), v(1, 1)), 2);
    List<String> ids = List.of("q1", "q2");
    List<float[]> queries = List.of(v(2, 0), v(0, 1));
    double r = Math.sqrt(0.5); // 0.70710678…

    // dot, q1: a = 2·2 = 4, c = 2·1 = 2, b = 2·0.5 = 1. q2: c = 1, b = 0.5, a = 0.
    Map<String, List<ScoredDoc>> dot = score(docs, ids, queries, Variant.DOT, 3);
    assertRanking(dot.get("q1"), List.of("a", "c", "b"), 4, 2, 1);
    assertRanking(dot.get("q2"), List.of("c", "b", "a"), 1, 0.5, 0);

    // query-norm: q1 becomes (1, 0): a = 2, c = 1, b = 0.5; q2 is already a unit vector.
    Map<String, List<ScoredDoc>> queryNorm = score(docs, ids, queries, Variant.QUERY_NORM, 3);
    assertRanking(queryNorm.get("q1"), List.of("a", "c", "b"), 2, 1, 0.5);
    assertRanking(queryNorm.get("q2"), List.of("c", "b", "a"), 1, 0.5, 0);

    // doc-norm: documents become a = (1, 0), b = c = (r, r). q1 = (2, 0): a = 2, then c and b tie at
    // 2r ≈ 1.414 (c first: ids descending). q2: c and b tie at r (c first), then a = 0.
    Map<String, List<ScoredDoc>> docNorm = score(docs, ids, queries, Variant.DOC_NORM, 3);
    assertRanking(docNorm.get("q1"), List.of("a", "c", "b"), 2, 2 * r, 2 * r);
    assertRanking(docNorm.get("q2"), List.of("c", "b", "a"), r, r, 0);

    // cosine: q1 = (1, 0): a = 1, c = b = r ≈ 0.7071 (c first). q2: c = b = r, a = 0.
    Map<String, List<ScoredDoc>> cosine = score(docs, ids, queries, Variant.COSINE, 3);
    assertRanking(cosine.get("q1"), List.of("a", "c", "b"), 1, r, r);
    assertRanking(cosine.get("q2"), List.of("c", "b", "a"), r, r, 0);
    // the tie is exact, not an accident of rounding: b and c must carry the same double
    assertThat(cosine.get("q1").get(1).score()).isEqualTo(cosine.get("q1").get(2).score());

    // k = 2 cuts inside the tie: c survives, b does not
    assertThat(ids(score(docs, ids, queries, Variant.COSINE, 2).get("q1"))).containsExactly("a", "c");
    // queries come back in input order, not sorted
    assertThat(cosine.keySet()).containsExactly("q1", "q2");
  }

  /**
   * A zero document vector has no direction: under a normalized document side its score is 0 (not
   * NaN), so it ranks with the other zero scores by id.
   */
  @Test
  void zeroDocumentVectorScoresZeroWhenNormalized() {
    Dataset<Row> docs = documents(List.of("z", "p", "n"), List.of(v(0, 0), v(1, 0), v(-1, 0)), 1);
    // cosine with q = (3, 0): p = 1, z = 0 (zero vector), n = -1
    Map<String, List<ScoredDoc>> top = score(docs, List.of("q"), List.of(v(3, 0)), Variant.COSINE, 3);
    assertRanking(top.get("q"), List.of("p", "z", "n"), 1, 0, -1);
  }

  @Test
  void emptyCorpusGivesAnEmptyRankingPerQuery() {
    Dataset<Row> docs = spark().createDataFrame(List.<Row>of(), DOCUMENTS).repartition(3);
    Map<String, List<ScoredDoc>> top = score(docs, List.of("q1", "q2"), List.of(v(1, 0), v(0, 1)), Variant.DOT, 5);
    // every query is present, with nothing retrieved (fold's zero value, not a failed reduce)
    assertThat(top).containsOnlyKeys("q1", "q2");
    assertThat(top.get("q1")).isEmpty();
    assertThat(top.get("q2")).isEmpty();
  }

  @Test
  void mismatchedDimensionsFailWithAMessage() {
    Dataset<Row> docs = documents(List.of("a"), List.of(v(1, 0, 0)), 1);
    assertThatThrownBy(() -> score(docs, List.of("q"), List.of(v(1, 0)), Variant.DOT, 1))
        .hasStackTraceContaining("query and document dimensions differ: 2 vs 3");
  }

  // ---- randomized equivalence with the single-thread scorer ----

  /**
   * name, queries, documents, dimension, k, partitions, integer-valued (draws from {-2, …, 2}, so
   * many scores tie exactly and some vectors are zero).
   */
  static Stream<Arguments> sizes() {
    return Stream.of(
        Arguments.of("typical", 7, 60, 8, 10, 4, false),
        Arguments.of("k larger than the corpus", 3, 6, 5, 20, 3, false),
        Arguments.of("more partitions than documents", 2, 3, 4, 2, 8, false),
        Arguments.of("k = 1", 5, 40, 3, 1, 4, false),
        Arguments.of("many ties from integer vectors", 6, 150, 3, 25, 5, true),
        Arguments.of("empty corpus", 4, 0, 6, 5, 2, false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sizes")
  void distributedEqualsSingleThread(
      String name, int nQueries, int nDocs, int dim, int k, int partitions, boolean integerValued) {
    Random random = new Random(20260226L + name.hashCode());
    List<String> docIds = shuffledIds("d", nDocs, random);
    List<float[]> docVectors = new ArrayList<>();
    for (int i = 0; i < nDocs; i++) {
      docVectors.add(randomVector(dim, integerValued, random));
    }
    List<String> queryIds = shuffledIds("q", nQueries, random);
    List<float[]> queryVectors = new ArrayList<>();
    for (int i = 0; i < nQueries; i++) {
      queryVectors.add(randomVector(dim, integerValued, random));
    }
    Dataset<Row> docs = documents(docIds, docVectors, partitions);

    for (Variant variant : Variant.scorings()) {
      Map<String, List<ScoredDoc>> distributed = score(docs, queryIds, queryVectors, variant, k);
      Map<String, List<ScoredDoc>> expected =
          singleThread(queryIds, queryVectors, docIds, docVectors, variant, k);
      assertThat(distributed.keySet()).as("%s %s: query order", name, variant).containsExactlyElementsOf(queryIds);
      for (String q : queryIds) {
        // same ids in the same order with the same scores; the reference performs the same double
        // arithmetic per pair (x · (1/‖x‖), summed in index order), so exact ties are ties in both routes
        assertThat(distributed.get(q)).as("%s %s query %s", name, variant, q).containsExactlyElementsOf(expected.get(q));
        assertThat(distributed.get(q)).hasSize(Math.min(k, nDocs));
      }
    }
    if (integerValued) {
      // the case must really exercise the tie rule: some query has tied scores inside its top k
      Map<String, List<ScoredDoc>> dot = singleThread(queryIds, queryVectors, docIds, docVectors, Variant.DOT, k);
      assertThat(dot.values()).anySatisfy(list -> assertThat(hasTie(list)).isTrue());
    }
  }

  // ---- Parquet shards, many ties, near-ties below float resolution, non-finite and huge values ----

  /**
   * The documents as the aggregate job reads them (Parquet parts as Spark partitions, through the
   * columnar scan), scored in blocks of 64 with the float pre-pass, must give exactly the single-thread
   * double ranking (ids, order and scores) under every variant. The fixture is built so that the
   * float pre-pass alone would get it wrong: integer vectors (scores tie exactly, ties are cut at k),
   * twins that differ from a document in one coordinate by one float ulp (their float scores tie while
   * their double scores differ), a cluster whose top k lies within float rounding (the float order of
   * its members is noise), values near the float maximum (the float products overflow to
   * infinity, the double ones do not), NaN and infinite coordinates (NaN scores rank last) and a zero
   * vector.
   */
  @Test
  void parquetShardsWithTiesNearTiesAndNonFiniteValuesEqualSingleThread(@TempDir Path dir) {
    Fixture fixture = adversarial();
    List<String> docIds = fixture.docIds();
    List<float[]> docVectors = fixture.docVectors();
    List<String> queryIds = fixture.queryIds();
    List<float[]> queryVectors = fixture.queryVectors();
    String path = dir.resolve("documents").toString();
    documents(docIds, docVectors, 5).write().parquet(path);

    SparkSession spark = spark();
    String openCost = "spark.sql.files.openCostInBytes";
    String previous = spark.conf().get(openCost);
    // one part file per partition (Spark would pack these small parts together): five shards
    spark.conf().set(openCost, String.valueOf(1L << 30));
    try {
      Dataset<Row> docs = spark.read().parquet(path);
      assertThat(docs.rdd().getNumPartitions()).isEqualTo(5);
      assertThat(ExhaustiveScorer.columnarScan(docs.select("id", "vector")))
          .as("the Parquet documents are read through the columnar scan").isNotNull();
      int k = 25;
      for (Variant variant : Variant.scorings()) {
        ExhaustiveScorer.Counters counters = ExhaustiveScorer.Counters.register(jsc());
        Map<String, List<ScoredDoc>> distributed =
            ExhaustiveScorer.score(jsc(), docs, QueryBlock.of(queryIds, queryVectors, Scoring.of(variant)), k, 64, counters);
        Map<String, List<ScoredDoc>> expected = singleThread(queryIds, queryVectors, docIds, docVectors, variant, k);
        assertThat(distributed.keySet()).containsExactlyElementsOf(queryIds);
        for (String q : queryIds) {
          assertThat(distributed.get(q)).as("%s query %s", variant, q).containsExactlyElementsOf(expected.get(q));
        }
        long pairs = (long) docIds.size() * queryIds.size();
        // the vectors came out of the Parquet reader's column batches in bulk, none row by row
        assertThat(counters.bulkDocuments().value()).as("%s documents read in bulk", variant).isEqualTo(docIds.size());
        // the float pre-pass really skipped pairs, and really sent pairs to the exact route
        assertThat(counters.rescored().value()).as("%s rescored pairs", variant).isPositive().isLessThan(pairs / 2);
        // a window of two blocks (candidates rescored every other block) gives the same result
        assertThat(ExhaustiveScorer.score(jsc(), docs, QueryBlock.of(queryIds, queryVectors, Scoring.of(variant)), k, 64,
            128, null)).isEqualTo(distributed);
        // the default block size (one block per shard here) gives the same result
        assertThat(ExhaustiveScorer.score(jsc(), docs, QueryBlock.of(queryIds, queryVectors, Scoring.of(variant)), k))
            .isEqualTo(distributed);
      }
      // a learned scoring (each side divided by its norm to a power between 0 and 1) takes the same route
      Scoring learned = Scoring.learned(0.5, 0.25);
      Map<String, List<ScoredDoc>> distributed =
          ExhaustiveScorer.score(jsc(), docs, QueryBlock.of(queryIds, queryVectors, learned), k, 64, null);
      Map<String, List<ScoredDoc>> expected = singleThread(queryIds, queryVectors, docIds, docVectors, 0.5, 0.25, k);
      for (String q : queryIds) {
        assertThat(distributed.get(q)).as("learned query %s", q).containsExactlyElementsOf(expected.get(q));
      }
      // the fixture exercises what it claims to, under dot: exact ties inside a top k; a twin pair whose
      // float scores tie while their double scores differ, both inside some query's top k; NaN last
      Map<String, List<ScoredDoc>> dot = singleThread(queryIds, queryVectors, docIds, docVectors, Variant.DOT, 4000);
      assertThat(dot.values()).anySatisfy(list -> assertThat(hasTie(list.subList(0, k))).isTrue());
      assertThat(dot.values()).allSatisfy(list -> assertThat(list.get(list.size() - 1).score()).isNaN());
      // huge · q overflows float (3e38 · 2 > 3.4e38) but not double: it leads wherever q sums positive
      assertThat(dot.values()).anySatisfy(list -> assertThat(list.get(0).docId()).isEqualTo("huge"));
      boolean floatTieInTopK = false;
      for (int q = 0; q < queryIds.size(); q++) {
        List<ScoredDoc> top = dot.get(queryIds.get(q)).subList(0, k);
        for (ScoredDoc doc : top) {
          if (!doc.docId().startsWith("t")) {
            continue;
          }
          String base = "d" + doc.docId().substring(1);
          int d = docIds.indexOf(doc.docId());
          int b = docIds.indexOf(base);
          boolean baseInTop = top.stream().anyMatch(o -> o.docId().equals(base));
          float twinFloat = floatDot(queryVectors.get(q), docVectors.get(d));
          float baseFloat = floatDot(queryVectors.get(q), docVectors.get(b));
          double twinDouble = doc.score();
          double baseDouble = top.stream().filter(o -> o.docId().equals(base)).mapToDouble(ScoredDoc::score)
              .findFirst().orElse(Double.NaN);
          floatTieInTopK |= baseInTop && twinFloat == baseFloat && twinDouble != baseDouble;
        }
      }
      assertThat(floatTieInTopK).as("a twin pair tied in float, not in double, inside a top k").isTrue();
      // the first query's top k: the huge document (q0 sums positive), then only cluster members, all
      // within a few float ulps of each other
      List<ScoredDoc> first = dot.get(queryIds.get(0)).subList(0, k);
      List<ScoredDoc> members = first.stream().filter(doc -> doc.docId().startsWith("c")).toList();
      assertThat(members).hasSizeGreaterThanOrEqualTo(k - 1);
      double spread = members.get(0).score() - members.get(members.size() - 1).score();
      assertThat(spread).isLessThan(Math.ulp((float) members.get(0).score()) * 32);
    } finally {
      spark.conf().set(openCost, previous);
    }
  }

  /** The adversarial documents and queries of the Parquet test (see its comment). */
  record Fixture(List<String> docIds, List<float[]> docVectors, List<String> queryIds, List<float[]> queryVectors) {}

  static Fixture adversarial() {
    Random random = new Random(20261127L);
    int dim = 8;
    List<String> docIds = new ArrayList<>();
    List<float[]> docVectors = new ArrayList<>();
    for (int i = 0; i < 1500; i++) {
      float[] v = randomVector(dim, true, random);
      docIds.add("d" + i);
      docVectors.add(v);
      float[] twin = v.clone();
      int j = random.nextInt(dim);
      twin[j] = twin[j] == 0 ? Float.MIN_NORMAL : Math.nextUp(twin[j]);
      docIds.add("t" + i);
      docVectors.add(twin);
    }
    List<String> queryIds = shuffledIds("q", 12, random);
    List<float[]> queryVectors = new ArrayList<>();
    for (int i = 0; i < queryIds.size(); i++) {
      queryVectors.add(randomVector(dim, true, random));
    }
    // a cluster far ahead for the first query (center 4·q0 + 0.3), its members a few float ulps apart
    // per coordinate: their double scores differ by less than the float pre-pass's own rounding
    float[] center = new float[dim];
    for (int j = 0; j < dim; j++) {
      center[j] = 4 * queryVectors.get(0)[j] + 0.3f;
    }
    for (int i = 0; i < 600; i++) {
      float[] member = center.clone();
      for (int j = 0; j < dim; j++) {
        for (int step = random.nextInt(7) - 3; step != 0; step -= Integer.signum(step)) {
          member[j] = step > 0 ? Math.nextUp(member[j]) : Math.nextDown(member[j]);
        }
      }
      docIds.add("c" + i);
      docVectors.add(member);
    }
    float[] huge = new float[dim];
    Arrays.fill(huge, 3e38f);
    float[] nan = new float[dim];
    nan[2] = Float.NaN;
    float[] inf = new float[dim];
    inf[0] = Float.POSITIVE_INFINITY;
    inf[1] = 1;
    docIds.addAll(List.of("huge", "nan", "inf", "zero"));
    docVectors.addAll(List.of(huge, nan, inf, new float[dim]));
    return new Fixture(docIds, docVectors, queryIds, queryVectors);
  }

  /**
   * The deferred rescoring at its edges, on the adversarial fixture in one shard: windows of one, two
   * and many blocks (candidates rescored after each, every other or no block but the last), and early
   * rescoring whenever more than a handful of candidates are pending. Each must give exactly the
   * single-thread double ranking, and a smaller window must rescore more pairs than the whole-shard one
   * (the level carried over a window really prunes).
   */
  @Test
  void deferredRescoringWindowsAndEarlyRescoringEqualSingleThread() {
    Fixture fixture = adversarial();
    int k = 25;
    List<Variant> variants = new ArrayList<>(Variant.scorings());
    for (Variant variant : variants) {
      QueryBlock queries = QueryBlock.of(fixture.queryIds(), fixture.queryVectors(), Scoring.of(variant));
      Map<String, List<ScoredDoc>> expected = singleThread(
          fixture.queryIds(), fixture.queryVectors(), fixture.docIds(), fixture.docVectors(), variant, k);
      long[] rescored = new long[4];
      int[][] settings = {{64, 64, Integer.MAX_VALUE}, {64, 128, Integer.MAX_VALUE}, {64, 100_000, Integer.MAX_VALUE},
          {64, 100_000, 40}};
      for (int s = 0; s < settings.length; s++) {
        int[] setting = settings[s];
        ExhaustiveScorer.Shard shard = new ExhaustiveScorer.Shard(
            queries, queries.scoring().documentExponent(), k, setting[0], setting[1], setting[2], false);
        var top = shard.score(internalRows(fixture.docIds(), fixture.docVectors()).iterator());
        for (int q = 0; q < fixture.queryIds().size(); q++) {
          assertThat(top[q].result()).as("%s window %d, max pending %d, query %s", variant, setting[1], setting[2],
              fixture.queryIds().get(q)).containsExactlyElementsOf(expected.get(fixture.queryIds().get(q)));
        }
        rescored[s] = shard.rescored();
      }
      assertThat(rescored[0]).as("%s: one-block windows rescore more than one window", variant).isGreaterThan(rescored[2]);
      assertThat(rescored[2]).as("%s: rescored pairs", variant).isPositive()
          .isLessThan((long) fixture.docIds().size() * fixture.queryIds().size() / 4);
    }
    assertThatThrownBy(() -> new ExhaustiveScorer.Shard(QueryBlock.of(fixture.queryIds(), fixture.queryVectors(),
        Scoring.of(Variant.DOT)), 0, 10, 64, 32, 100, false))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("window (32 documents)");
  }

  private static List<org.apache.spark.sql.catalyst.InternalRow> internalRows(List<String> ids, List<float[]> vectors) {
    List<org.apache.spark.sql.catalyst.InternalRow> rows = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      rows.add(new org.apache.spark.sql.catalyst.expressions.GenericInternalRow(new Object[] {
          org.apache.spark.unsafe.types.UTF8String.fromString(ids.get(i)),
          org.apache.spark.sql.catalyst.expressions.UnsafeArrayData.fromPrimitiveArray(vectors.get(i))}));
    }
    return rows;
  }

  /**
   * The adversarial fixture in the trainer's layout (five files written by its embeddings writer) is scored
   * straight from the Parquet pages, in two tasks as Spark's file scan would cut the folder, and ranked
   * exactly as by one thread under every scoring; the same table written by Spark (nullable elements) goes
   * through Spark's reader with the same result; a file whose vectors are shorter than the queries' is the
   * dimension error.
   */
  @Test
  void trainerLayoutIsScoredFromParquetPagesAsByOneThread(@TempDir Path dir) throws java.io.IOException {
    Fixture fixture = adversarial();
    List<String> docIds = fixture.docIds();
    List<float[]> docVectors = fixture.docVectors();
    List<String> queryIds = fixture.queryIds();
    List<float[]> queryVectors = fixture.queryVectors();
    int dim = queryVectors.get(0).length;
    Path folder = dir.resolve("trainer");
    int files = 5;
    for (int f = 0; f < files; f++) {
      List<EmbeddingPagesTest.Doc> part = new ArrayList<>();
      for (int i = f * docIds.size() / files; i < (f + 1) * docIds.size() / files; i++) {
        part.add(new EmbeddingPagesTest.Doc(docIds.get(i), docVectors.get(i)));
      }
      EmbeddingPagesTest.writeTrainerFile(folder.resolve("part-" + f + ".parquet").toString(), part, dim);
    }
    String sparkFolder = dir.resolve("spark").toString();
    documents(docIds, docVectors, 3).write().parquet(sparkFolder);
    int k = 25;
    for (Variant variant : Variant.scorings()) {
      QueryBlock queries = QueryBlock.of(queryIds, queryVectors, Scoring.of(variant));
      Map<String, List<ScoredDoc>> expected = singleThread(queryIds, queryVectors, docIds, docVectors, variant, k);
      ExhaustiveScorer.Counters counters = ExhaustiveScorer.Counters.register(jsc());
      Map<String, List<ScoredDoc>> pages = ExhaustiveScorer.scoreFiles(spark(), folder.toString(), queries, k, 64, counters);
      assertThat(counters.pageDocuments().value()).as("%s documents read from pages", variant).isEqualTo(docIds.size());
      assertThat(counters.bulkDocuments().value()).isZero();
      assertThat(pages.keySet()).containsExactlyElementsOf(queryIds);
      for (String q : queryIds) {
        assertThat(pages.get(q)).as("%s query %s", variant, q).containsExactlyElementsOf(expected.get(q));
      }
      ExhaustiveScorer.Counters sparkCounters = ExhaustiveScorer.Counters.register(jsc());
      assertThat(ExhaustiveScorer.scoreFiles(spark(), sparkFolder, queries, k, 64, sparkCounters)).isEqualTo(pages);
      assertThat(sparkCounters.pageDocuments().value()).isZero();
      assertThat(sparkCounters.bulkDocuments().value()).isEqualTo(docIds.size());
    }
    // a learned scoring takes the same route
    Map<String, List<ScoredDoc>> learned = ExhaustiveScorer.scoreFiles(spark(), folder.toString(),
        QueryBlock.of(queryIds, queryVectors, Scoring.learned(0.5, 0.25)), k, 64, null);
    assertThat(learned).isEqualTo(singleThread(queryIds, queryVectors, docIds, docVectors, 0.5, 0.25, k));
    // an empty folder of the layout (a marker only) gives an empty ranking per query
    Path empty = Files.createDirectories(dir.resolve("empty"));
    Files.createFile(empty.resolve("_SUCCESS"));
    Map<String, List<ScoredDoc>> none = ExhaustiveScorer.scoreFiles(spark(), empty.toString(),
        QueryBlock.of(queryIds, queryVectors, Scoring.of(Variant.DOT)), k, 64, null);
    assertThat(none.keySet()).containsExactlyElementsOf(queryIds);
    assertThat(none.values()).allSatisfy(list -> assertThat(list).isEmpty());
    // vectors of another dimension than the queries'
    String shortFile = dir.resolve("short.parquet").toString();
    EmbeddingPagesTest.writeTrainerFile(shortFile, List.of(new EmbeddingPagesTest.Doc("s1", new float[] {1, 2})), 2);
    assertThatThrownBy(() -> ExhaustiveScorer.scoreFiles(spark(), shortFile,
        QueryBlock.of(queryIds, queryVectors, Scoring.of(Variant.DOT)), k, 64, null))
        .hasStackTraceContaining("query and document dimensions differ: " + dim + " vs 2; were they embedded by the "
            + "same run? (document s1)");
  }

  /**
   * Parquet batches the bulk copy must not take (a vector of another dimension, a null vector, a null
   * element) go row by row and fail with the row path's messages; a batch of good vectors next to them
   * is still read in bulk.
   */
  @Test
  void parquetBatchesWithBadVectorsFailAsRowsDo(@TempDir Path dir) {
    SparkSession spark = spark();
    List<Object[]> cases = List.of(
        new Object[] {Arrays.asList(1f, 0f, 0f), "query and document dimensions differ: 2 vs 3; were they embedded by the same run? (document bad)"},
        new Object[] {null, "a document embedding has a null vector"},
        new Object[] {Arrays.asList(1f, null), "document bad has a null embedding value at index 1"});
    for (int c = 0; c < cases.size(); c++) {
      List<Row> rows = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        rows.add(RowFactory.create("d" + i, Arrays.asList((float) i, 1f)));
      }
      rows.add(RowFactory.create("bad", cases.get(c)[0]));
      String path = dir.resolve("case" + c).toString();
      spark.createDataFrame(rows, DOCUMENTS).coalesce(1).write().parquet(path);
      Dataset<Row> docs = spark.read().parquet(path);
      assertThat(ExhaustiveScorer.columnarScan(docs.select("id", "vector"))).isNotNull();
      assertThatThrownBy(() -> score(docs, List.of("q"), List.of(v(1, 0)), Variant.DOT, 3))
          .hasStackTraceContaining((String) cases.get(c)[1]);
    }
    // the good rows alone, in two batches of the reader (batch size 16): read in bulk, ranked as by one thread
    List<Row> rows = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    List<float[]> vectors = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      rows.add(RowFactory.create("d" + i, Arrays.asList((float) i, 1f)));
      ids.add("d" + i);
      vectors.add(v(i, 1));
    }
    String path = dir.resolve("good").toString();
    spark.createDataFrame(rows, DOCUMENTS).coalesce(1).write().parquet(path);
    String batchSize = "spark.sql.parquet.columnarReaderBatchSize";
    String previous = spark.conf().get(batchSize);
    spark.conf().set(batchSize, "16");
    try {
      ExhaustiveScorer.Counters counters = ExhaustiveScorer.Counters.register(jsc());
      Map<String, List<ScoredDoc>> top = ExhaustiveScorer.score(jsc(), spark.read().parquet(path),
          QueryBlock.of(List.of("q"), List.of(v(1, 0)), Scoring.of(Variant.DOT)), 3, 8, counters);
      assertThat(counters.bulkDocuments().value()).isEqualTo(50);
      assertThat(top.get("q")).containsExactlyElementsOf(
          singleThread(List.of("q"), List.of(v(1, 0)), ids, vectors, Variant.DOT, 3).get("q"));
    } finally {
      spark.conf().set(batchSize, previous);
    }
  }

  /**
   * Wide vectors (20,003 dimensions: {@link ExhaustiveScorer.Shard#BULK_FLOATS} floats hold 3 of them) in
   * reader batches of 16: each batch is copied out in six pieces, the last one short, and the documents
   * come out ranked as by one thread; read as {@link ExhaustiveScorer#readDocuments} reads them (Parquet's
   * buffers in 256 KB pieces, so a page straddles them).
   */
  @Test
  void wideVectorsAreCopiedOutOfABatchInPiecesAndRankedAsByOneThread(@TempDir Path dir) {
    int dim = 20_003;
    assertThat(ExhaustiveScorer.Shard.BULK_FLOATS / dim).isEqualTo(3);
    Random random = new Random(11);
    List<String> ids = new ArrayList<>();
    List<float[]> vectors = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      ids.add("d" + i);
      float[] vector = new float[dim];
      for (int j = 0; j < dim; j++) {
        vector[j] = (float) random.nextGaussian();
      }
      vectors.add(vector);
    }
    List<String> queryIds = List.of("q0", "q1", "q2");
    List<float[]> queryVectors = new ArrayList<>();
    for (int q = 0; q < queryIds.size(); q++) {
      // each query leans towards one document, so the rankings differ from query to query
      float[] vector = vectors.get(7 * q + 1).clone();
      for (int j = 0; j < dim; j++) {
        vector[j] += (float) random.nextGaussian();
      }
      queryVectors.add(vector);
    }
    String path = dir.resolve("wide").toString();
    documents(ids, vectors, 1).write().parquet(path);
    SparkSession spark = spark();
    String batchSize = "spark.sql.parquet.columnarReaderBatchSize";
    String previous = spark.conf().get(batchSize);
    spark.conf().set(batchSize, "16");
    try {
      for (Variant variant : List.of(Variant.DOT, Variant.COSINE)) {
        ExhaustiveScorer.Counters counters = ExhaustiveScorer.Counters.register(jsc());
        Map<String, List<ScoredDoc>> top = ExhaustiveScorer.score(jsc(), ExhaustiveScorer.readDocuments(spark, path),
            QueryBlock.of(queryIds, queryVectors, Scoring.of(variant)), 5, 8, counters);
        assertThat(counters.bulkDocuments().value()).isEqualTo(40);
        Map<String, List<ScoredDoc>> expected = singleThread(queryIds, queryVectors, ids, vectors, variant, 5);
        for (int q = 0; q < queryIds.size(); q++) {
          assertThat(top.get(queryIds.get(q))).as("%s %s", variant, queryIds.get(q))
              .containsExactlyElementsOf(expected.get(queryIds.get(q)));
          assertThat(top.get(queryIds.get(q)).get(0).docId()).isEqualTo("d" + (7 * q + 1));
        }
      }
    } finally {
      spark.conf().set(batchSize, previous);
    }
  }

  /** Spare window arrays: given back, taken again by length; at most max kept, the oldest dropped first. */
  @Test
  void spareArraysAreReusedByLengthAndBounded() {
    ExhaustiveScorer.SpareArrays spare = new ExhaustiveScorer.SpareArrays(2);
    float[] a = spare.take(8);
    float[] b = spare.take(8);
    assertThat(a).isNotSameAs(b).hasSize(8);
    spare.give(a);
    spare.give(null);
    assertThat(spare.size()).isEqualTo(1);
    assertThat(spare.take(8)).isSameAs(a);
    assertThat(spare.size()).isZero();
    spare.give(a);
    float[] c = spare.take(16);
    assertThat(c).hasSize(16).isNotSameAs(a);
    assertThat(spare.size()).isEqualTo(1);
    spare.give(b);
    spare.give(c);
    // three given, two kept: a, the oldest, is gone
    assertThat(spare.size()).isEqualTo(2);
    assertThat(spare.take(16)).isSameAs(c);
    assertThat(spare.take(8)).isSameAs(b);
    assertThat(spare.take(8)).isNotSameAs(a).isNotSameAs(b);
  }

  @Test
  void rowsFromAnythingButAColumnarScanGoThroughCatalystRows() {
    Dataset<Row> docs = documents(List.of("a"), List.of(v(1, 0)), 1);
    assertThat(ExhaustiveScorer.columnarScan(docs.select("id", "vector"))).isNull();
  }

  @Test
  void floatBelowIsStrictlyBelowTheDouble() {
    for (double x : new double[] {1.0, -1.0, 0.1, -0.1, 0.0, 1e-40, -1e-40, 3.5e38, -3.5e38, Math.PI}) {
      float f = ExhaustiveScorer.Shard.floatBelow(x);
      assertThat((double) f).as("%s", x).isLessThan(x);
    }
    // no bound known (NaN): nothing passes a < NaN
    assertThat(ExhaustiveScorer.Shard.floatBelow(Double.NaN)).isNaN();
    assertThat(ExhaustiveScorer.Shard.floatBelow(Double.NEGATIVE_INFINITY)).isEqualTo(Float.NEGATIVE_INFINITY);
  }

  /** The bound's coefficient: for E = 256 about 1.25 · 258 · 2⁻²⁴ ≈ 1.92e-5. */
  @Test
  void relativeBoundCoversFloatRoundingOfTheDimension() {
    assertThat(ExhaustiveScorer.relativeBound(256)).isCloseTo(1.25 * (256 * 0x1p-24 + 2 * 0x1p-24), within(1e-8));
    assertThat(ExhaustiveScorer.relativeBound(256)).isGreaterThan(258 * 0x1p-24);
  }

  private static float floatDot(float[] a, float[] b) {
    float s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  // ---- the single-thread reference ----

  /** Every query against every document, sorted by score descending then doc id descending, cut at k. */
  static Map<String, List<ScoredDoc>> singleThread(
      List<String> queryIds, List<float[]> queryVectors, List<String> docIds, List<float[]> docVectors,
      Variant variant, int k) {
    return singleThread(queryIds, queryVectors, docIds, docVectors, variant.normalizesQuery() ? 1 : 0,
        variant.normalizesDocument() ? 1 : 0, k);
  }

  /** The same with each side divided by its norm to the given power (a learned scoring). */
  static Map<String, List<ScoredDoc>> singleThread(
      List<String> queryIds, List<float[]> queryVectors, List<String> docIds, List<float[]> docVectors,
      double queryExponent, double documentExponent, int k) {
    // numbers before NaN, then score descending, then id descending (trec_eval; DESIGN.md)
    Comparator<ScoredDoc> order =
        Comparator.comparing((ScoredDoc doc) -> Double.isNaN(doc.score()))
            .thenComparing(Comparator.comparingDouble(ScoredDoc::score).reversed())
            .thenComparing(ScoredDoc::docId, Comparator.reverseOrder());
    Map<String, List<ScoredDoc>> out = new LinkedHashMap<>();
    for (int q = 0; q < queryIds.size(); q++) {
      double[] qv = unit(queryVectors.get(q), queryExponent);
      List<ScoredDoc> all = new ArrayList<>();
      for (int d = 0; d < docIds.size(); d++) {
        double[] dv = unit(docVectors.get(d), documentExponent);
        double s = 0;
        for (int i = 0; i < qv.length; i++) {
          s += qv[i] * dv[i];
        }
        all.add(new ScoredDoc(docIds.get(d), s));
      }
      all.sort(order);
      out.put(queryIds.get(q), List.copyOf(all.subList(0, Math.min(k, all.size()))));
    }
    return out;
  }

  private static double[] unit(float[] v, double exponent) {
    double sum = 0;
    for (float x : v) {
      sum += (double) x * x;
    }
    double norm = Math.sqrt(sum);
    double scale = exponent == 0 ? 1 : sum > 0 ? 1 / (exponent == 1 ? norm : Math.pow(norm, exponent)) : 0;
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i] * scale;
    }
    return out;
  }

  // ---- helpers ----

  private static Map<String, List<ScoredDoc>> score(
      Dataset<Row> docs, List<String> queryIds, List<float[]> queryVectors, Variant variant, int k) {
    QueryBlock block = QueryBlock.of(queryIds, queryVectors, Scoring.of(variant));
    return ExhaustiveScorer.score(jsc(), docs, block, k);
  }

  private static Dataset<Row> documents(List<String> ids, List<float[]> vectors, int partitions) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      List<Float> vector = new ArrayList<>();
      for (float x : vectors.get(i)) {
        vector.add(x);
      }
      rows.add(RowFactory.create(ids.get(i), vector));
    }
    Dataset<Row> docs = spark().createDataFrame(rows, DOCUMENTS).repartition(partitions);
    assertThat(docs.rdd().getNumPartitions()).isEqualTo(partitions);
    return docs;
  }

  /** Ids whose string order differs from their numeric order (d10 < d9), shuffled. */
  private static List<String> shuffledIds(String prefix, int n, Random random) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(prefix + i);
    }
    Collections.shuffle(ids, random);
    return ids;
  }

  private static float[] randomVector(int dim, boolean integerValued, Random random) {
    float[] v = new float[dim];
    for (int i = 0; i < dim; i++) {
      v[i] = integerValued ? random.nextInt(5) - 2 : (float) (random.nextGaussian() * (0.5 + random.nextDouble() * 3));
    }
    return v;
  }

  private static boolean hasTie(List<ScoredDoc> ranking) {
    for (int i = 1; i < ranking.size(); i++) {
      if (ranking.get(i).score() == ranking.get(i - 1).score()) {
        return true;
      }
    }
    return false;
  }

  private static float[] v(float... values) {
    return values;
  }

  private static List<String> ids(List<ScoredDoc> ranking) {
    return ranking.stream().map(ScoredDoc::docId).toList();
  }

  private static void assertRanking(List<ScoredDoc> ranking, List<String> expectedIds, double... expectedScores) {
    assertThat(ids(ranking)).containsExactlyElementsOf(expectedIds);
    for (int i = 0; i < expectedScores.length; i++) {
      assertThat(ranking.get(i).score()).as("score at rank %d", i + 1).isCloseTo(expectedScores[i], within(1e-12));
    }
  }
}
