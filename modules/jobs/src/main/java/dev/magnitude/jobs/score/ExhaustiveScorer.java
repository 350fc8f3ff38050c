package dev.magnitude.jobs.score;

import dev.magnitude.core.metrics.ScoredDoc;
import dev.magnitude.core.metrics.TopK;
import dev.magnitude.prepare.io.SerializableHadoopConf;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.execution.ColumnarToRowExec;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.WholeStageCodegenExec;
import org.apache.spark.sql.execution.vectorized.WritableColumnVector;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.apache.spark.util.LongAccumulator;

/**
 * Exhaustive scoring: every query against every document, under one {@link Scoring} (how far each side
 * is normalized). Document shards × broadcast queries: each partition of the documents (the embeddings'
 * Parquet parts, as Spark reads them) keeps a top-k per query, then the partitions' top-k lists are
 * merged (Lucene's collect-per-segment, then TopDocs.merge). Nothing but the k best per query and
 * shard reaches the driver. Scores are double precision; ties are broken by document id descending
 * (trec_eval), see {@link ScoredDoc#RANKING_ORDER}.
 *
 * <p><b>Float pre-pass, exact ranking.</b> A task reads its documents in blocks of {@code blockSize}
 * and scores each block against all queries with one float32 matrix product ({@link FloatGemm}); only a
 * pair whose float score could reach the query's current top-k is rescored in double precision and
 * offered to the collector. The skip is exact, not approximate: with unit roundoff u = 2⁻²⁴, the float
 * score a of (q, d) differs from the double score s by at most {@code K·‖q‖‖d‖ + A·(2 + ‖q‖ + ‖d‖)}
 * (K ≥ γ_E(1+u)² + 2u + u² + γ_E(double): rounding q and d to float, then any summation order of
 * the E products, FMA or not, and the double route's own rounding; A = (E+1)·2⁻¹²⁴ covers underflow
 * even with flush-to-zero; Σ|q_i d_i| ≤ ‖q‖‖d‖). K carries 25% slack, far more than the double rounding
 * of the bound itself. A pair is skipped only when {@code a + bound < threshold}, the collector's worst
 * kept score ({@link TopK#threshold}), so s is strictly below it and {@link TopK#offer} would have
 * rejected it (thresholds only rise, so a cut taken at the start of a block stays sound through it):
 * the result is the one of offering every pair in double precision. Non-finite float scores
 * (overflow, NaN or infinite inputs) are always rescored.
 *
 * <p><b>Deferred rescoring.</b> A task keeps the vectors of its last {@code window} documents (32,768
 * by default, 32 MB at 256 dimensions) and rescores in double precision only when that window is full
 * (or at the end): meanwhile each query keeps the float candidates of the window and a running lower
 * bound of its k-th best score, the k-th largest of the values {@code a − bound} of its candidates and
 * the exact scores already offered (each a lower bound of a distinct document's double score). A
 * candidate whose {@code a + bound} falls below that level is dropped, at once or when the window is
 * rescored: k other documents are then certainly ahead of it, and none of them is ever dropped (its
 * {@code a + bound} is at least its own lower bound, which is at least the level), so the result is
 * still the one of offering every pair. Rescoring each pair that enters a top k as the documents stream
 * by costs k·(1 + ln(N/k)) double products per query over a shard of N documents (about 1 % of all
 * pairs in the benchmark); rescoring per window of W documents only the candidates still in contention
 * costs about k·(1 + ln(N/W)).
 *
 * <p><b>Two paths per block.</b> Once every query has a finite level and the block's norms rule out
 * overflow, the cut (level minus the block's largest bound, rounded down to float) is applied to the
 * product where it lies in libtorch's memory and only the pairs at or above it come back
 * ({@link FloatGemm#atLeast}). Otherwise (the first
 * block of a shard, or a block with non-finite or huge values) all Q × block float scores come back and
 * are tested one by one against the rising level; a pair with a non-finite float score or bound is
 * rescored and offered at once. The first blocks are small (max(64, k) documents) and double up to
 * {@code blockSize}, so little work goes through the slow path. ExhaustiveScorerTest proves the equality
 * with a single-thread double scorer on a fixture built to defeat a float-only ranking (it fails if the
 * bound is set to 0), with small and default windows.
 */
public final class ExhaustiveScorer {
  /** Documents per float32 matrix product: 2048 × 256 floats is 2 MB, Q × 2048 scores 8 MB at Q = 1000. */
  public static final int DEFAULT_BLOCK = 2048;

  /**
   * Documents whose vectors a task keeps for the deferred double rescoring: 32 MB at 256 dimensions.
   * Larger windows rescore fewer pairs (about k·(1 + ln(N/W)) per query) for more memory per task.
   */
  public static final int DEFAULT_WINDOW = 32_768;

  /**
   * Parquet's reader option for the largest buffer it allocates when it reads a row group's column chunk
   * (8 MB by default).
   */
  static final String READ_ALLOCATION = "parquet.read.allocation.size";

  /**
   * The reader's buffers are kept below half a G1 region (regions are 1 MB at a 2 GB heap): a larger
   * buffer is a humongous object, allocated in the old generation, and in the benchmark those
   * allocations started a concurrent marking cycle every second or so, whose thread took a third of a core
   * from the two scoring tasks.
   */
  static final int READ_ALLOCATION_BYTES = 256 * 1024;

  private ExhaustiveScorer() {}

  /**
   * The documents of an embeddings table (or folder of Parquet files) as the scorer reads them: Parquet's
   * reader then allocates its buffers in pieces of {@link #READ_ALLOCATION_BYTES}.
   */
  public static Dataset<Row> readDocuments(SparkSession spark, String path) {
    return spark.read().option(READ_ALLOCATION, READ_ALLOCATION_BYTES).parquet(path);
  }

  /**
   * Scores the documents of an embeddings table (a Parquet file or a folder of them): straight from their
   * Parquet pages ({@link EmbeddingPages}) when the table is in the trainer's layout, else through Spark's
   * reader ({@link #readDocuments}); the results are the same.
   *
   * @param counters if not null, what the tasks did (for the benchmark)
   * @return query id → its top k documents, best first (queries in input order)
   */
  public static Map<String, List<ScoredDoc>> scoreFiles(
      SparkSession spark, String path, QueryBlock queries, int k, int blockSize, Counters counters) {
    checkSizes(k, blockSize, Math.max(blockSize, DEFAULT_WINDOW));
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    JavaRDD<List<EmbeddingPages.Split>> tasks;
    try {
      List<EmbeddingPages.Split> splits = EmbeddingPages.plan(path, jsc.hadoopConfiguration());
      if (splits == null) {
        return score(jsc, readDocuments(spark, path), queries, k, blockSize, counters);
      }
      // as many tasks as the default parallelism (each file counted with Spark's open cost, as its file scan
      // counts it), not Spark's maxPartitionBytes: a task holds its window and one row group at a time whatever
      // its share, and every task starts its top k from nothing, so more tasks only mean more candidates and
      // more double rescoring (at a million documents 16 tasks of 62,500 rescored 2.4 million pairs)
      long openCost = spark.sessionState().conf().filesOpenCostInBytes();
      long total = splits.stream().mapToLong(split -> split.bytes() + openCost).sum();
      int parallelism = Math.max(1, jsc.defaultParallelism());
      long maxBytes = Math.max(openCost, (total + parallelism - 1) / parallelism);
      List<List<EmbeddingPages.Split>> packed = EmbeddingPages.pack(splits, maxBytes, openCost);
      tasks = packed.isEmpty() ? null : EmbeddingPages.tasks(jsc, packed, jsc.hadoopConfiguration());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot read the embeddings at " + path + ": " + e.getMessage(), e);
    }
    if (tasks == null) {
      return merge(queries, k, List.of());
    }
    Broadcast<QueryBlock> block = jsc.broadcast(queries);
    Broadcast<SerializableHadoopConf> conf = jsc.broadcast(new SerializableHadoopConf(jsc.hadoopConfiguration()));
    double documentExponent = queries.scoring().documentExponent();
    List<Packed> shards;
    try {
      shards = tasks.mapPartitions(
          perTask(block, documentExponent, k, blockSize, Math.max(blockSize, DEFAULT_WINDOW), false, counters,
              (Shard shard, Iterator<List<EmbeddingPages.Split>> parts) -> {
                List<EmbeddingPages.Split> mine = new ArrayList<>();
                parts.forEachRemaining(mine::addAll);
                return shard.scorePages(mine.iterator(), conf.value().get());
              })).collect();
    } finally {
      block.destroy();
      conf.destroy();
    }
    return merge(queries, k, shards);
  }

  /**
   * @param documents rows with a string column {@code id} and a float array column {@code vector}
   * @param queries the queries, prepared for their scoring
   * @return query id → its top k documents, best first (queries in input order)
   */
  public static Map<String, List<ScoredDoc>> score(
      JavaSparkContext jsc, Dataset<Row> documents, QueryBlock queries, int k) {
    return score(jsc, documents, queries, k, DEFAULT_BLOCK, null);
  }

  /**
   * {@link #score(JavaSparkContext, Dataset, QueryBlock, int)} with the block size and a counter.
   *
   * @param blockSize documents per float32 matrix product (> 0)
   * @param counters if not null, what the tasks did (for the benchmark)
   */
  public static Map<String, List<ScoredDoc>> score(
      JavaSparkContext jsc, Dataset<Row> documents, QueryBlock queries, int k, int blockSize, Counters counters) {
    return score(jsc, documents, queries, k, blockSize, Math.max(blockSize, DEFAULT_WINDOW), counters);
  }

  /**
   * {@link #score(JavaSparkContext, Dataset, QueryBlock, int, int, Counters)} with the window of
   * documents kept for the deferred rescoring (≥ blockSize; small windows for tests).
   */
  static Map<String, List<ScoredDoc>> score(JavaSparkContext jsc, Dataset<Row> documents, QueryBlock queries, int k,
      int blockSize, int window, Counters counters) {
    checkSizes(k, blockSize, window);
    Dataset<Row> selected = documents.select("id", "vector");
    boolean nullableElements = ((ArrayType) selected.schema().apply("vector").dataType()).containsNull();
    Broadcast<QueryBlock> block = jsc.broadcast(queries);
    double documentExponent = queries.scoring().documentExponent();
    SparkPlan scan = columnarScan(selected);
    FlatMapFunction<Iterator<ColumnarBatch>, Packed> perBatchShard =
        perTask(block, documentExponent, k, blockSize, window, nullableElements, counters, Shard::scoreBatches);
    FlatMapFunction<Iterator<InternalRow>, Packed> perShard =
        perTask(block, documentExponent, k, blockSize, window, nullableElements, counters, Shard::score);
    List<Packed> shards;
    try {
      // a columnar scan (Spark's vectorized Parquet reader) hands its batches over as they are: the
      // vectors of a batch are copied out in bulk; any other plan gives Catalyst rows
      shards = scan != null
          ? scan.executeColumnar().toJavaRDD().mapPartitions(perBatchShard).collect()
          : selected.queryExecution().toRdd().toJavaRDD().mapPartitions(perShard).collect();
    } finally {
      block.destroy();
    }
    return merge(queries, k, shards);
  }

  /** How a task's shard scores the items of its partition (serializable: it travels with the task). */
  private interface ShardScoring<T> extends java.io.Serializable {
    TopK[] score(Shard shard, Iterator<T> items);
  }

  /** A task: one shard over the partition's items, its counters added, its top k lists sent back packed. */
  private static <T> FlatMapFunction<Iterator<T>, Packed> perTask(Broadcast<QueryBlock> block, double documentExponent,
      int k, int blockSize, int window, boolean nullableElements, Counters counters, ShardScoring<T> scoring) {
    return items -> {
      Shard shard = new Shard(block.value(), documentExponent, k, blockSize, window, Shard.MAX_PENDING, nullableElements);
      TopK[] top = scoring.score(shard, items);
      shard.addTo(counters);
      return List.of(Packed.of(top)).iterator();
    };
  }

  private static void checkSizes(int k, int blockSize, int window) {
    if (k <= 0) {
      throw new IllegalArgumentException("top k must be > 0, got " + k);
    }
    if (blockSize <= 0) {
      throw new IllegalArgumentException("scoring block size must be > 0 documents, got " + blockSize);
    }
    if (window < blockSize) {
      throw new IllegalArgumentException(
          "the rescoring window (" + window + " documents) must hold at least one block (" + blockSize + ")");
    }
  }

  /** The shards' top-k lists merged into one per query (queries in input order). */
  private static Map<String, List<ScoredDoc>> merge(QueryBlock queries, int k, List<Packed> shards) {
    // a corpus without rows (or partitions) still gives an empty top-k per query
    TopK[] merged = empty(queries.size(), k);
    for (Packed shard : shards) {
      shard.offerTo(merged);
    }
    Map<String, List<ScoredDoc>> out = new LinkedHashMap<>();
    for (int q = 0; q < queries.size(); q++) {
      out.put(queries.ids()[q], merged[q].result());
    }
    return out;
  }

  /**
   * Float arrays kept between the tasks of an executor: a task's window (32 MB at the defaults) is a
   * humongous object for G1 (at least half a region), allocated straight into the old generation, and one
   * per task made the old generation fill and start a concurrent marking cycle every few tasks, whose thread
   * shares the cores with the scoring tasks. A task takes an array of the length it needs (contents
   * undefined: the scorer writes every element before it reads it) and gives it back when it ends; at most
   * {@code max} arrays are kept, an array of another length is left to the GC.
   */
  static final class SpareArrays {
    private final java.util.concurrent.ConcurrentLinkedDeque<float[]> arrays = new java.util.concurrent.ConcurrentLinkedDeque<>();
    private final int max;

    SpareArrays(int max) {
      this.max = max;
    }

    float[] take(int length) {
      for (java.util.Iterator<float[]> it = arrays.iterator(); it.hasNext(); ) {
        float[] a = it.next();
        if (a.length == length && arrays.removeFirstOccurrence(a)) {
          return a;
        }
      }
      return new float[length];
    }

    void give(float[] array) {
      if (array != null && arrays.size() < max) {
        arrays.addFirst(array);
      } else if (array != null) {
        // full: the oldest goes, so that a new length (another dimension) replaces the old ones
        arrays.pollLast();
        arrays.addFirst(array);
      }
    }

    int size() {
      return arrays.size();
    }
  }

  /**
   * A shard's top-k lists as primitive arrays, the task's result. Java serialization of the TopK
   * objects themselves (k · Q ScoredDoc objects and strings, each through the handle table) took a
   * noticeable share of a task; arrays of numbers and one UTF-8 byte array serialize in bulk.
   *
   * @param sizes documents kept per query
   * @param scores their scores, query after query
   * @param ids their ids in UTF-8, concatenated
   * @param idEnds where each id ends in {@code ids}
   */
  record Packed(int[] sizes, double[] scores, byte[] ids, int[] idEnds) implements java.io.Serializable {
    static Packed of(TopK[] top) {
      int[] sizes = new int[top.length];
      int total = 0;
      for (int q = 0; q < top.length; q++) {
        sizes[q] = top[q].size();
        total += sizes[q];
      }
      double[] scores = new double[total];
      int[] idEnds = new int[total];
      java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(total * 8);
      int i = 0;
      for (TopK collector : top) {
        // in the collector's own order: the driver offers them into a collector again, no sort needed
        for (int j = 0; j < collector.size(); j++) {
          ScoredDoc doc = collector.get(j);
          scores[i] = doc.score();
          bytes.writeBytes(doc.docId().getBytes(java.nio.charset.StandardCharsets.UTF_8));
          idEnds[i++] = bytes.size();
        }
      }
      return new Packed(sizes, scores, bytes.toByteArray(), idEnds);
    }

    /** Offers every kept document to {@code top}, query by query. */
    void offerTo(TopK[] top) {
      if (top.length != sizes.length) {
        throw new IllegalStateException("a shard returned " + sizes.length + " top-k lists for " + top.length + " queries");
      }
      int i = 0;
      for (int q = 0; q < sizes.length; q++) {
        for (int j = 0; j < sizes[q]; j++, i++) {
          int from = i == 0 ? 0 : idEnds[i - 1];
          top[q].offer(new String(ids, from, idEnds[i] - from, java.nio.charset.StandardCharsets.UTF_8), scores[i]);
        }
      }
    }
  }

  /**
   * The rows of {@code selected} (columns {@code id}, {@code vector}, in this order) as Catalyst rows,
   * one Spark partition per document shard. Not {@link Row}: {@code Row.getList} boxes every float of
   * every document; {@link ArrayData#toFloatArray} copies them in bulk. When the plan is a columnar scan
   * (Spark's vectorized Parquet reader, which handles {@code array<float>}), the rows are read straight
   * from its column batches, skipping the conversion of every batch into unsafe rows (a copy of each
   * vector); any other plan goes through {@code toRdd}. Either way each row is valid only until the next
   * one is read: the caller copies what it keeps. Public for the scoring benchmark (its "Spark read
   * alone"); the scorer itself takes a columnar scan's batches as they are ({@link Shard#scoreBatches}),
   * to copy each batch's vectors in bulk.
   */
  public static JavaRDD<InternalRow> documentRows(Dataset<Row> selected) {
    String[] names = selected.schema().fieldNames();
    if (names.length != 2 || !names[0].equals("id") || !names[1].equals("vector")) {
      throw new IllegalArgumentException("document rows need the columns (id, vector), got " + String.join(", ", names));
    }
    SparkPlan node = columnarScan(selected);
    if (node != null) {
      FlatMapFunction<Iterator<ColumnarBatch>, InternalRow> rows = batches -> new Iterator<>() {
        private Iterator<InternalRow> current = Collections.emptyIterator();

        @Override
        public boolean hasNext() {
          while (!current.hasNext() && batches.hasNext()) {
            current = batches.next().rowIterator();
          }
          return current.hasNext();
        }

        @Override
        public InternalRow next() {
          if (!hasNext()) {
            throw new NoSuchElementException();
          }
          return current.next();
        }
      };
      return node.executeColumnar().toJavaRDD().mapPartitions(rows);
    }
    return selected.queryExecution().toRdd().toJavaRDD();
  }

  /**
   * Task counters: pairs rescored in double precision, and the task time spent in the float matrix
   * products (copy in, matMul and cut included) and in selecting (candidate filter, exact rescoring,
   * top-k); of the former, the copies into native memory and the matMul calls alone (wall, and the
   * thread's CPU time, which leaves out waiting for a core on a loaded machine); the tasks' whole time
   * (wall and CPU), and the CPU time of the float products and of selecting. The rest of a task's time
   * is reading and decoding its documents. Last, the documents whose vectors were copied out of a
   * column batch in bulk (the others went row by row).
   */
  public record Counters(LongAccumulator rescored, LongAccumulator gemmNanos, LongAccumulator selectNanos,
      LongAccumulator copyNanos, LongAccumulator matMulNanos, LongAccumulator matMulCpuNanos,
      LongAccumulator taskNanos, LongAccumulator taskCpuNanos, LongAccumulator gemmCpuNanos,
      LongAccumulator selectCpuNanos, LongAccumulator bulkDocuments, LongAccumulator pageDocuments)
      implements java.io.Serializable {
    public static Counters register(JavaSparkContext jsc) {
      var sc = jsc.sc();
      return new Counters(sc.longAccumulator("rescored pairs"), sc.longAccumulator("gemm ns"),
          sc.longAccumulator("select ns"), sc.longAccumulator("copy ns"), sc.longAccumulator("matMul ns"),
          sc.longAccumulator("matMul cpu ns"), sc.longAccumulator("task ns"), sc.longAccumulator("task cpu ns"),
          sc.longAccumulator("gemm cpu ns"), sc.longAccumulator("select cpu ns"),
          sc.longAccumulator("documents read in bulk"), sc.longAccumulator("documents read from Parquet pages"));
    }
  }

  /**
   * The columnar plan under {@code selected}'s row conversion (whole-stage codegen over
   * ColumnarToRow), if it produces exactly the columns (id, vector); else null.
   */
  static SparkPlan columnarScan(Dataset<Row> selected) {
    SparkPlan plan = selected.queryExecution().executedPlan();
    SparkPlan node = plan;
    while (node instanceof WholeStageCodegenExec || node instanceof ColumnarToRowExec) {
      node = node instanceof WholeStageCodegenExec w ? w.child() : ((ColumnarToRowExec) node).child();
    }
    boolean usable = node != plan && node.supportsColumnar()
        && Arrays.equals(node.schema().fieldNames(), selected.schema().fieldNames());
    return usable ? node : null;
  }

  static TopK[] empty(int queries, int k) {
    TopK[] top = new TopK[queries];
    for (int q = 0; q < top.length; q++) {
      top[q] = new TopK(k);
    }
    return top;
  }

  public static float[] floats(List<?> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = ((Number) values.get(i)).floatValue();
    }
    return out;
  }

  /**
   * The factor K of the float-vs-double error bound for dimension E (see the class comment), with 25%
   * slack.
   */
  static double relativeBound(int dimension) {
    double u = 0x1p-24;
    double ud = 0x1p-53;
    double gamma = dimension * u / (1 - dimension * u);
    double gammaDouble = dimension * ud / (1 - dimension * ud);
    return 1.25 * (gamma * (1 + u) * (1 + u) + 2 * u + u * u + gammaDouble);
  }

  /** The absolute term A of the bound: underflow, flush-to-zero included. */
  static double absoluteBound(int dimension) {
    return (dimension + 1) * 0x1p-124;
  }

  /** One task's scoring: its documents in blocks, a top-k per query. */
  static final class Shard {
    /**
     * Candidates held at once over all queries before they are rescored early (the window's vectors are
     * still there): 4 Mi pairs, 32 MB. Reached only by data whose float scores cannot separate the
     * documents (e.g. many exact ties at the cut).
     */
    static final int MAX_PENDING = 1 << 22;

    /**
     * Floats copied out of a column batch at a time: 64 Ki floats, 256 KB. A whole batch (4,096 vectors
     * of 256 floats, 4 MB) would be a humongous object for G1 (half a region or more; regions are 1 MB
     * at a 2 GB heap), allocated outside the young generation, and every such allocation can start a
     * concurrent marking cycle; a small copy dies young.
     */
    static final int BULK_FLOATS = 1 << 16;

    /** The window's float arrays, handed from a finished task to the next one of the executor. */
    static final SpareArrays SPARE = new SpareArrays(8);

    private final QueryBlock queries;
    private final double documentExponent;
    /** Whether documents are scaled (exponent > 0): then the float products take the scaled copy. */
    private final boolean scaleDocs;
    private final int blockSize;
    private final int window;
    private final long maxPending;
    private final boolean nullableElements;
    private final int dim;
    private final int k;
    private final TopK[] top;
    private final double[] queryNorms;
    private double maxQueryNorm;
    private final double rel;
    private final double abs;
    /** Per query: rel·‖q‖ and abs·(2 + ‖q‖), the query's factors of the pair bound. */
    private final double[] queryRel;
    private final double[] queryAbs;
    /**
     * Per query a min-heap (k slots from {@code q · k}) of lower bounds of distinct documents' double
     * scores: exact scores of documents offered, {@code a − bound} of candidates not yet rescored.
     */
    private final double[] lowerBounds;
    private final int[] lowerBoundCount;
    /** Per query the candidates of the window: document index in the window and float score. */
    private final int[][] candidateDocs;
    private final float[][] candidateScores;
    private final int[] candidateCount;
    private long pending;
    /** The window: the documents' ids, raw vectors, scales and scaled norms. */
    private String[] ids;
    private float[] raw;
    private float[] gemmInput;
    private double[] scales;
    private double[] norms;
    /** The task's float product, and the window's fill: documents held, start of the open block, its size. */
    private FloatGemm gemm;
    private int w;
    private int start;
    private int fill;
    private long rescored;
    private long gemmNanos;
    private long selectNanos;
    private long copyNanos;
    private long matMulNanos;
    private long matMulCpuNanos;
    private long taskNanos;
    private long taskCpuNanos;
    private long gemmCpuNanos;
    private long selectCpuNanos;
    private long bulkDocuments;
    private long pageDocuments;
    private static final java.lang.management.ThreadMXBean THREADS =
        java.lang.management.ManagementFactory.getThreadMXBean();

    /**
     * @param window documents kept for the deferred rescoring (≥ blockSize)
     * @param maxPending candidates held before an early rescoring ({@link #MAX_PENDING}; small in tests)
     */
    Shard(QueryBlock queries, double documentExponent, int k, int blockSize, int window, long maxPending,
        boolean nullableElements) {
      if (window < blockSize) {
        throw new IllegalArgumentException(
            "the rescoring window (" + window + " documents) must hold at least one block (" + blockSize + ")");
      }
      this.queries = queries;
      this.documentExponent = documentExponent;
      this.scaleDocs = documentExponent != 0;
      this.blockSize = blockSize;
      this.window = window;
      this.maxPending = maxPending;
      this.nullableElements = nullableElements;
      this.dim = queries.dimension();
      this.k = k;
      this.top = empty(queries.size(), k);
      this.rel = relativeBound(dim);
      this.abs = absoluteBound(dim);
      int n = queries.size();
      this.queryNorms = new double[n];
      this.queryRel = new double[n];
      this.queryAbs = new double[n];
      for (int q = 0; q < n; q++) {
        double s = 0;
        for (double x : queries.vectors()[q]) {
          s += x * x;
        }
        queryNorms[q] = Math.sqrt(s);
        maxQueryNorm = Double.isNaN(queryNorms[q]) ? Double.NaN : Math.max(maxQueryNorm, queryNorms[q]);
        queryRel[q] = rel * queryNorms[q];
        queryAbs[q] = abs * (2 + queryNorms[q]);
      }
      this.lowerBounds = new double[n * k];
      this.lowerBoundCount = new int[n];
      this.candidateDocs = new int[n][];
      this.candidateScores = new float[n][];
      this.candidateCount = new int[n];
    }

    /** Adds what this shard did to the job's counters (if any). */
    void addTo(Counters counters) {
      if (counters != null) {
        counters.rescored().add(rescored);
        counters.gemmNanos().add(gemmNanos);
        counters.selectNanos().add(selectNanos);
        counters.copyNanos().add(copyNanos);
        counters.matMulNanos().add(matMulNanos);
        counters.matMulCpuNanos().add(matMulCpuNanos);
        counters.taskNanos().add(taskNanos);
        counters.taskCpuNanos().add(taskCpuNanos);
        counters.gemmCpuNanos().add(gemmCpuNanos);
        counters.selectCpuNanos().add(selectCpuNanos);
        counters.bulkDocuments().add(bulkDocuments);
        counters.pageDocuments().add(pageDocuments);
      }
    }

    long rescored() {
      return rescored;
    }

    TopK[] score(Iterator<InternalRow> rows) {
      return scoreAll(rows, this::row);
    }

    /**
     * {@link #score(Iterator)} over the column batches of Spark's vectorized Parquet reader: a batch
     * whose vectors all have the query dimension and no null (checked through the array column's
     * offsets, lengths and null flags) is copied out of the array column's element vector in one bulk
     * copy, instead of one array object and copy per row; any other batch (or a column vector that is
     * not one of Spark's writable vectors) goes row by row, with the row path's errors.
     */
    TopK[] scoreBatches(Iterator<ColumnarBatch> batches) {
      return scoreAll(nonEmpty(batches), this::batch);
    }

    /**
     * {@link #score(Iterator)} over row groups read straight from their Parquet pages ({@link EmbeddingPages}).
     */
    TopK[] scorePages(Iterator<EmbeddingPages.Split> splits, org.apache.hadoop.conf.Configuration conf) {
      EmbeddingPages.Buffers buffers = new EmbeddingPages.Buffers();
      return scoreAll(splits, split -> {
        try {
          EmbeddingPages.read(split, conf, dim, READ_ALLOCATION_BYTES, buffers, (id, vector, from) -> {
            pageDocuments++;
            document(id, vector, from);
          });
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException("cannot read " + split.file() + ": " + e.getMessage(), e);
        }
      });
    }

    /** Scores every item (a row or a column batch) of one task, timing the task's wall and thread CPU. */
    private <T> TopK[] scoreAll(Iterator<T> items, java.util.function.Consumer<T> add) {
      long wall = System.nanoTime();
      long cpu = THREADS.getCurrentThreadCpuTime();
      try {
        if (queries.size() == 0 || !items.hasNext()) {
          return top;
        }
        begin();
        try {
          while (items.hasNext()) {
            add.accept(items.next());
          }
          return finish();
        } finally {
          gemm.close();
          SPARE.give(raw);
          SPARE.give(gemmInput);
          raw = null;
          gemmInput = null;
        }
      } finally {
        taskNanos = System.nanoTime() - wall;
        taskCpuNanos = THREADS.getCurrentThreadCpuTime() - cpu;
      }
    }

    /**
     * The batches with rows. Lazy: the reader refills one batch object in place, so the next batch is only
     * asked for in {@code hasNext}, after the previous one has been scored.
     */
    private static Iterator<ColumnarBatch> nonEmpty(Iterator<ColumnarBatch> batches) {
      return new Iterator<>() {
        private ColumnarBatch pending;

        @Override
        public boolean hasNext() {
          while (pending == null && batches.hasNext()) {
            ColumnarBatch batch = batches.next();
            pending = batch.numRows() > 0 ? batch : null;
          }
          return pending != null;
        }

        @Override
        public ColumnarBatch next() {
          if (!hasNext()) {
            throw new java.util.NoSuchElementException();
          }
          ColumnarBatch batch = pending;
          pending = null;
          return batch;
        }
      };
    }

    private void batch(ColumnarBatch batch) {
      int n = batch.numRows();
      if (n == 0) {
        return;
      }
      ColumnVector vectors = batch.column(1);
      if (!bulk(vectors, n)) {
        for (int r = 0; r < n; r++) {
          row(batch.getRow(r));
        }
        return;
      }
      bulkDocuments += n;
      ColumnVector idColumn = batch.column(0);
      WritableColumnVector column = (WritableColumnVector) vectors;
      ColumnVector elements = column.arrayData();
      int first = column.getArrayOffset(0);
      int chunk = Math.max(1, BULK_FLOATS / dim);
      for (int from = 0; from < n; from += chunk) {
        int m = Math.min(chunk, n - from);
        float[] floats = elements.getFloats(first + from * dim, m * dim);
        for (int r = 0; r < m; r++) {
          if (idColumn.isNullAt(from + r)) {
            throw new IllegalArgumentException("a document embedding has a null id; the run's embeddings are incomplete");
          }
          document(idColumn.getUTF8String(from + r).toString(), floats, r * dim);
        }
      }
    }

    /**
     * Whether the batch's n vectors can be copied out of the array column's element vector in bulk: every
     * vector is present, has the query dimension and (if elements may be null) no null element, and the
     * vectors lie one after the other in the element vector (as Spark's Parquet reader writes them).
     */
    private boolean bulk(ColumnVector vectors, int n) {
      if (!(vectors instanceof WritableColumnVector column) || !(column.arrayData().dataType() instanceof FloatType)) {
        return false;
      }
      int first = column.getArrayOffset(0);
      for (int r = 0; r < n; r++) {
        if (column.isNullAt(r) || column.getArrayLength(r) != dim || column.getArrayOffset(r) != first + r * dim) {
          return false;
        }
      }
      if (nullableElements) {
        ColumnVector elements = column.arrayData();
        for (int i = first; i < first + n * dim; i++) {
          if (elements.isNullAt(i)) {
            return false;
          }
        }
      }
      return true;
    }

    private void row(InternalRow row) {
      if (row.isNullAt(0) || row.isNullAt(1)) {
        throw new IllegalArgumentException(
            "a document embedding has a null " + (row.isNullAt(0) ? "id" : "vector") + "; the run's embeddings are incomplete");
      }
      String id = row.getUTF8String(0).toString();
      ArrayData vector = row.getArray(1);
      if (vector.numElements() != dim) {
        throw new IllegalArgumentException(
            "query and document dimensions differ: " + dim + " vs " + vector.numElements()
                + "; were they embedded by the same run? (document " + id + ")");
      }
      if (nullableElements) {
        for (int i = 0; i < dim; i++) {
          if (vector.isNullAt(i)) {
            throw new IllegalArgumentException("document " + id + " has a null embedding value at index " + i);
          }
        }
      }
      document(id, vector.toFloatArray(), 0);
    }

    /** The window, the float product's input and the product itself, before the first document. */
    private void begin() {
      float[] queryRows = new float[queries.size() * dim];
      for (int q = 0; q < queries.size(); q++) {
        double[] v = queries.vectors()[q];
        for (int i = 0; i < dim; i++) {
          queryRows[q * dim + i] = (float) v[i];
        }
      }
      ids = new String[window];
      raw = SPARE.take(window * dim);
      gemmInput = scaleDocs ? SPARE.take(blockSize * dim) : null;
      scales = new double[window];
      norms = new double[window];
      gemm = new FloatGemm(queryRows, queries.size(), dim);
      w = 0;
      start = 0;
      // The first blocks are small and double up to blockSize: until a query's level is finite its
      // pairs go one by one through the slow path while the level rises; after that, only the pairs
      // at or above the cut leave libtorch's memory.
      fill = Math.min(blockSize, Math.max(64, k));
    }

    /** Adds a document (its vector: {@code dim} floats of {@code vector} from {@code from}) to the window. */
    private void document(String id, float[] vector, int from) {
      ids[w] = id;
      int offset = w * dim;
      System.arraycopy(vector, from, raw, offset, dim);
      double scale = Vectors.scale(raw, offset, dim, documentExponent);
      scales[w] = scale;
      // four partial sums: one chain of dependent double additions took longer than the copy itself (the
      // summation order moves the norm by a few ulps, which the bound's slack covers, see relativeBound)
      double s0 = 0;
      double s1 = 0;
      double s2 = 0;
      double s3 = 0;
      int i = 0;
      if (scaleDocs) {
        int inputOffset = (w - start) * dim;
        for (; i + 4 <= dim; i += 4) {
          double x0 = raw[offset + i] * scale;
          double x1 = raw[offset + i + 1] * scale;
          double x2 = raw[offset + i + 2] * scale;
          double x3 = raw[offset + i + 3] * scale;
          s0 += x0 * x0;
          s1 += x1 * x1;
          s2 += x2 * x2;
          s3 += x3 * x3;
          gemmInput[inputOffset + i] = (float) x0;
          gemmInput[inputOffset + i + 1] = (float) x1;
          gemmInput[inputOffset + i + 2] = (float) x2;
          gemmInput[inputOffset + i + 3] = (float) x3;
        }
        for (; i < dim; i++) {
          double x = raw[offset + i] * scale;
          s0 += x * x;
          gemmInput[inputOffset + i] = (float) x;
        }
      } else {
        // unscaled (scale 1): a float's square is exact in double
        for (; i + 4 <= dim; i += 4) {
          double x0 = raw[offset + i];
          double x1 = raw[offset + i + 1];
          double x2 = raw[offset + i + 2];
          double x3 = raw[offset + i + 3];
          s0 += x0 * x0;
          s1 += x1 * x1;
          s2 += x2 * x2;
          s3 += x3 * x3;
        }
        for (; i < dim; i++) {
          double x = raw[offset + i];
          s0 += x * x;
        }
      }
      norms[w] = Math.sqrt((s0 + s1) + (s2 + s3));
      if (++w - start == fill) {
        block(gemm, start, w - start);
        start = w;
        fill = Math.min(blockSize, 2 * fill);
        if (w + fill > window) {
          // the next block would not fit: rescore the window's candidates, then reuse it
          rescore();
          w = 0;
          start = 0;
        }
      }
    }

    private TopK[] finish() {
      if (w > start) {
        block(gemm, start, w - start);
      }
      rescore();
      copyNanos = gemm.copyNanos();
      matMulNanos = gemm.matMulNanos();
      matMulCpuNanos = gemm.matMulCpuNanos();
      return top;
    }

    /**
     * Float scores of the block of {@code n} documents from window index {@code start}; every pair that
     * might enter a top k becomes a candidate (or, with a non-finite float score, is rescored at once).
     */
    private void block(FloatGemm gemm, int start, int n) {
      long t0 = System.nanoTime();
      long c0 = THREADS.getCurrentThreadCpuTime();
      double maxNorm = 0;
      for (int d = start; d < start + n; d++) {
        // NaN norms make the block's bound NaN: the fast test then passes everything to the precise one
        maxNorm = Double.isNaN(norms[d]) ? Double.NaN : Math.max(maxNorm, norms[d]);
      }
      float[] input = scaleDocs ? gemmInput : raw;
      int inputOffset = scaleDocs ? 0 : start * dim;
      int nq = queries.size();
      // |a| ≤ ‖q‖‖d‖(1 + K) + A·…: with the norms and their product below 1e38 no float input or score
      // can overflow (NaN norms fail the test), so every float score is finite (no NaN, no ±∞) and a cut
      // at each query's level minus the block's largest bound can be applied where the product lies:
      // only the pairs at or above it come back
      boolean finite = maxNorm < 1e38 && maxQueryNorm < 1e38 && maxNorm * maxQueryNorm < 1e38;
      float[] cuts = new float[nq];
      for (int q = 0; q < nq && finite; q++) {
        cuts[q] = floatBelow(level(q) - blockBound(q, maxNorm));
        // a query without a finite level yet (fewer than k lower bounds) needs every score
        finite = cuts[q] != Float.NEGATIVE_INFINITY;
      }
      if (finite) {
        FloatGemm.Passing passing = gemm.atLeast(input, inputOffset, n, cuts);
        long t1 = System.nanoTime();
        long c1 = THREADS.getCurrentThreadCpuTime();
        gemmNanos += t1 - t0;
        gemmCpuNanos += c1 - c0;
        for (int i = 0; i < passing.size(); i++) {
          candidate(passing.query(i), start + passing.document(i), passing.scores()[i]);
        }
        selectNanos += System.nanoTime() - t1;
        selectCpuNanos += THREADS.getCurrentThreadCpuTime() - c1;
      } else {
        float[] approx = gemm.scores(input, inputOffset, n);
        long t1 = System.nanoTime();
        long c1 = THREADS.getCurrentThreadCpuTime();
        gemmNanos += t1 - t0;
        gemmCpuNanos += c1 - c0;
        double[][] qv = queries.vectors();
        for (int q = 0; q < nq; q++) {
          int base = q * n;
          for (int d = 0; d < n; d++) {
            float a = approx[base + d];
            int doc = start + d;
            double bound = queryRel[q] * norms[doc] + queryAbs[q] + abs * norms[doc];
            if (Float.isFinite(a) && bound < Double.POSITIVE_INFINITY) {
              candidate(q, doc, a);
            } else {
              // no usable float bound: the exact score now, itself a lower bound of an offered document
              double exact = Vectors.dot(qv[q], raw, doc * dim, scales[doc]);
              top[q].offer(ids[doc], exact);
              rescored++;
              if (!Double.isNaN(exact)) {
                lowerBound(q, exact);
              }
            }
          }
        }
        selectNanos += System.nanoTime() - t1;
        selectCpuNanos += THREADS.getCurrentThreadCpuTime() - c1;
      }
      if (pending > maxPending) {
        rescore();
      }
    }

    /**
     * Pair (q, window document d) with finite float score a and finite bound: dropped if a + bound is
     * below the query's level, else kept for {@link #rescore} with its lower bound a − bound counted.
     */
    private void candidate(int q, int d, float a) {
      double bound = queryRel[q] * norms[d] + queryAbs[q] + abs * norms[d];
      if (a + bound < level(q)) {
        return;
      }
      // rounded down, so it stays a lower bound of the double score
      lowerBound(q, Math.nextDown(a - bound));
      int c = candidateCount[q];
      if (candidateDocs[q] == null || c == candidateDocs[q].length) {
        int capacity = candidateDocs[q] == null ? 64 : 2 * c;
        candidateDocs[q] = candidateDocs[q] == null ? new int[capacity] : Arrays.copyOf(candidateDocs[q], capacity);
        candidateScores[q] = candidateScores[q] == null ? new float[capacity] : Arrays.copyOf(candidateScores[q], capacity);
      }
      candidateDocs[q][c] = d;
      candidateScores[q][c] = a;
      candidateCount[q] = c + 1;
      pending++;
    }

    /**
     * A score every document that may still enter query q's top k reaches: the k-th largest lower bound
     * counted (k distinct documents score at least that much and none of them is ever dropped); −∞
     * while fewer than k are known. Every document offered to the collector was counted first (its
     * exact score or its candidate's lower bound), so the collector is never full before this level is
     * finite; its own threshold would be a little higher after a rescoring (exact scores instead of
     * lower bounds) but costs a pointer chase per query and pair.
     */
    private double level(int q) {
      return lowerBoundCount[q] == k ? lowerBounds[q * k] : Double.NEGATIVE_INFINITY;
    }

    /** Counts a lower bound of a document's double score (min-heap of the k largest per query). */
    private void lowerBound(int q, double value) {
      int base = q * k;
      int size = lowerBoundCount[q];
      if (size < k) {
        int i = size;
        while (i > 0) {
          int parent = (i - 1) >>> 1;
          if (lowerBounds[base + parent] <= value) {
            break;
          }
          lowerBounds[base + i] = lowerBounds[base + parent];
          i = parent;
        }
        lowerBounds[base + i] = value;
        lowerBoundCount[q] = size + 1;
        return;
      }
      if (!(value > lowerBounds[base])) {
        return;
      }
      int i = 0;
      int half = k >>> 1;
      while (i < half) {
        int child = 2 * i + 1;
        if (child + 1 < k && lowerBounds[base + child + 1] < lowerBounds[base + child]) {
          child++;
        }
        if (lowerBounds[base + child] >= value) {
          break;
        }
        lowerBounds[base + i] = lowerBounds[base + child];
        i = child;
      }
      lowerBounds[base + i] = value;
    }

    /**
     * The double score of every candidate still in contention (a + bound not below its query's level),
     * offered to the query's collector; the candidate lists are emptied, the window's vectors may then
     * be overwritten.
     */
    private void rescore() {
      long t0 = System.nanoTime();
      long c0 = THREADS.getCurrentThreadCpuTime();
      double[][] qv = queries.vectors();
      int[] docs = new int[4];
      double[] exact = new double[4];
      for (int q = 0; q < queries.size(); q++) {
        int count = candidateCount[q];
        if (count == 0) {
          continue;
        }
        double level = level(q);
        int[] candidates = candidateDocs[q];
        float[] scores = candidateScores[q];
        int batch = 0;
        for (int j = 0; j < count; j++) {
          int d = candidates[j];
          double bound = queryRel[q] * norms[d] + queryAbs[q] + abs * norms[d];
          if (scores[j] + bound < level) {
            continue;
          }
          docs[batch++] = d;
          if (batch == 4) {
            exactScores(qv[q], docs, 4, exact);
            for (int i = 0; i < 4; i++) {
              top[q].offer(ids[docs[i]], exact[i]);
            }
            batch = 0;
          }
          rescored++;
        }
        exactScores(qv[q], docs, batch, exact);
        for (int i = 0; i < batch; i++) {
          top[q].offer(ids[docs[i]], exact[i]);
        }
        candidateCount[q] = 0;
      }
      pending = 0;
      selectNanos += System.nanoTime() - t0;
      selectCpuNanos += THREADS.getCurrentThreadCpuTime() - c0;
    }

    /**
     * The double scores of query vector {@code q} with up to four window documents: each the very
     * operations of {@link Vectors#dot(double[], float[], int, double)} in the same order (so
     * bit-identical), but four independent sums interleaved. One sum is a chain of E dependent additions,
     * bound by the adder's latency; four chains keep the adder busy.
     */
    private void exactScores(double[] q, int[] docs, int count, double[] out) {
      if (count < 4) {
        for (int j = 0; j < count; j++) {
          out[j] = Vectors.dot(q, raw, docs[j] * dim, scales[docs[j]]);
        }
        return;
      }
      int o0 = docs[0] * dim;
      int o1 = docs[1] * dim;
      int o2 = docs[2] * dim;
      int o3 = docs[3] * dim;
      double c0 = scales[docs[0]];
      double c1 = scales[docs[1]];
      double c2 = scales[docs[2]];
      double c3 = scales[docs[3]];
      double s0 = 0;
      double s1 = 0;
      double s2 = 0;
      double s3 = 0;
      for (int i = 0; i < dim; i++) {
        double x = q[i];
        s0 += x * (raw[o0 + i] * c0);
        s1 += x * (raw[o1 + i] * c1);
        s2 += x * (raw[o2 + i] * c2);
        s3 += x * (raw[o3 + i] * c3);
      }
      out[0] = s0;
      out[1] = s1;
      out[2] = s2;
      out[3] = s3;
    }

    /** The largest error bound of query q in a block whose largest document norm is {@code maxNorm}. */
    private double blockBound(int q, double maxNorm) {
      return rel * queryNorms[q] * maxNorm + abs * (2 + queryNorms[q]) + abs * maxNorm;
    }

    /**
     * A float f with f &lt; x whenever a float a &lt; f, for x computed as a double difference: the
     * difference may have been rounded up by half an ulp, so step below it, then round to float
     * downwards. NaN (no bound known) gives NaN, which no comparison passes.
     */
    static float floatBelow(double x) {
      if (Double.isNaN(x)) {
        return Float.NaN;
      }
      double below = Math.nextDown(x);
      float f = (float) below;
      if (f > below) {
        f = Math.nextDown(f);
      }
      return f;
    }
  }
}
