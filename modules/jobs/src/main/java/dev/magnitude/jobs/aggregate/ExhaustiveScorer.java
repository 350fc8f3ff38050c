package dev.magnitude.jobs.aggregate;

import dev.magnitude.core.metrics.ScoredDoc;
import dev.magnitude.core.metrics.TopK;
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
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.execution.ColumnarToRowExec;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.WholeStageCodegenExec;
import org.apache.spark.sql.types.ArrayType;
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
 * <p><b>Two paths per block.</b> Once every query's top k is full and the block's norms rule out
 * overflow, the cut (threshold minus the block's largest bound, rounded down to float) is applied inside
 * libtorch and only the pairs at or above it come back; they are rescored four at a time. Otherwise (the
 * first block of a shard, or a block with non-finite or huge values) all Q × block float scores come
 * back and are tested one by one against the rising threshold. The first blocks are small (max(64, k)
 * documents) and double up to {@code blockSize}, so little work goes through the slow path.
 * ExhaustiveScorerTest proves the equality with a single-thread double scorer on a fixture built to
 * defeat a float-only ranking (it fails if the bound is set to 0).
 */
public final class ExhaustiveScorer {
  /** Documents per float32 matrix product: 2048 × 256 floats is 2 MB, Q × 2048 scores 8 MB at Q = 1000. */
  public static final int DEFAULT_BLOCK = 2048;

  private ExhaustiveScorer() {}

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
    if (k <= 0) {
      throw new IllegalArgumentException("top k must be > 0, got " + k);
    }
    if (blockSize <= 0) {
      throw new IllegalArgumentException("scoring block size must be > 0 documents, got " + blockSize);
    }
    Dataset<Row> selected = documents.select("id", "vector");
    boolean nullableElements = ((ArrayType) selected.schema().apply("vector").dataType()).containsNull();
    Broadcast<QueryBlock> block = jsc.broadcast(queries);
    double documentExponent = queries.scoring().documentExponent();
    FlatMapFunction<Iterator<InternalRow>, TopK[]> perShard =
        rows -> {
          Shard shard = new Shard(block.value(), documentExponent, k, blockSize, nullableElements);
          TopK[] top = shard.score(rows);
          if (counters != null) {
            counters.rescored().add(shard.rescored);
            counters.gemmNanos().add(shard.gemmNanos);
            counters.selectNanos().add(shard.selectNanos);
          }
          return List.<TopK[]>of(top).iterator();
        };
    JavaRDD<TopK[]> shards = documentRows(selected).mapPartitions(perShard);
    TopK[] merged;
    try {
      // fold, not reduce: a corpus without rows (or partitions) still gives an empty top-k per query
      merged = shards.fold(empty(queries.size(), k), ExhaustiveScorer::merge);
    } finally {
      block.destroy();
    }
    Map<String, List<ScoredDoc>> out = new LinkedHashMap<>();
    for (int q = 0; q < queries.size(); q++) {
      out.put(queries.ids()[q], merged[q].result());
    }
    return out;
  }

  /**
   * The rows of {@code selected} (columns {@code id}, {@code vector}, in this order) as Catalyst rows,
   * one Spark partition per document shard. Not {@link Row}: {@code Row.getList} boxes every float of
   * every document; {@link ArrayData#toFloatArray} copies them in bulk. When the plan is a columnar scan
   * (Spark's vectorized Parquet reader, which handles {@code array<float>}), the rows are read straight
   * from its column batches, skipping the conversion of every batch into unsafe rows (a copy of each
   * vector); any other plan goes through {@code toRdd}. Either way each row is valid only until the next
   * one is read: the caller copies what it keeps. Public for the scoring benchmark.
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
   * products (copy in and out included) and in selecting (pre-filter, exact rescoring, top-k); the rest
   * of a task's time is reading its documents.
   */
  public record Counters(LongAccumulator rescored, LongAccumulator gemmNanos, LongAccumulator selectNanos)
      implements java.io.Serializable {
    public static Counters register(JavaSparkContext jsc) {
      return new Counters(jsc.sc().longAccumulator("rescored pairs"), jsc.sc().longAccumulator("gemm ns"),
          jsc.sc().longAccumulator("select ns"));
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

  static TopK[] merge(TopK[] a, TopK[] b) {
    for (int q = 0; q < a.length; q++) {
      a[q].merge(b[q]);
    }
    return a;
  }

  static float[] floats(List<?> values) {
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
    private final QueryBlock queries;
    private final double documentExponent;
    /** Whether documents are scaled (exponent > 0): then the float products take the scaled copy. */
    private final boolean scaleDocs;
    private final int blockSize;
    private final boolean nullableElements;
    private final int dim;
    private final TopK[] top;
    private final double[] queryNorms;
    private double maxQueryNorm;
    private long rescored;
    private long gemmNanos;
    private long selectNanos;

    Shard(QueryBlock queries, double documentExponent, int k, int blockSize, boolean nullableElements) {
      this.queries = queries;
      this.documentExponent = documentExponent;
      this.scaleDocs = documentExponent != 0;
      this.blockSize = blockSize;
      this.nullableElements = nullableElements;
      this.dim = queries.dimension();
      this.top = empty(queries.size(), k);
      this.queryNorms = new double[queries.size()];
      for (int q = 0; q < queryNorms.length; q++) {
        double s = 0;
        for (double x : queries.vectors()[q]) {
          s += x * x;
        }
        queryNorms[q] = Math.sqrt(s);
        maxQueryNorm = Double.isNaN(queryNorms[q]) ? Double.NaN : Math.max(maxQueryNorm, queryNorms[q]);
      }
    }

    long rescored() {
      return rescored;
    }

    TopK[] score(Iterator<InternalRow> rows) {
      if (queries.size() == 0 || !rows.hasNext()) {
        return top;
      }
      float[] queryRows = new float[queries.size() * dim];
      for (int q = 0; q < queries.size(); q++) {
        double[] v = queries.vectors()[q];
        for (int i = 0; i < dim; i++) {
          queryRows[q * dim + i] = (float) v[i];
        }
      }
      String[] ids = new String[blockSize];
      float[] raw = new float[blockSize * dim];
      float[] gemmInput = scaleDocs ? new float[blockSize * dim] : raw;
      double[] scales = new double[blockSize];
      double[] norms = new double[blockSize];
      try (FloatGemm gemm = new FloatGemm(queryRows, queries.size(), dim)) {
        int n = 0;
        // The first blocks are small and double up to blockSize: until a query's top k is full, its pairs
        // go one by one through the exact route while the threshold rises (about k·(1 + ln(B/k)) offers
        // in a first block of B documents); after that, the cut runs in libtorch and the pairs above it
        // are rescored in batches.
        int fill = Math.min(blockSize, Math.max(64, top[0].k()));
        while (rows.hasNext()) {
          InternalRow row = rows.next();
          if (row.isNullAt(0) || row.isNullAt(1)) {
            throw new IllegalArgumentException(
                "a document embedding has a null " + (row.isNullAt(0) ? "id" : "vector") + "; the run's embeddings are incomplete");
          }
          ids[n] = row.getUTF8String(0).toString();
          ArrayData vector = row.getArray(1);
          if (vector.numElements() != dim) {
            throw new IllegalArgumentException(
                "query and document dimensions differ: " + dim + " vs " + vector.numElements()
                    + "; were they embedded by the same run? (document " + ids[n] + ")");
          }
          if (nullableElements) {
            for (int i = 0; i < dim; i++) {
              if (vector.isNullAt(i)) {
                throw new IllegalArgumentException("document " + ids[n] + " has a null embedding value at index " + i);
              }
            }
          }
          float[] v = vector.toFloatArray();
          int offset = n * dim;
          System.arraycopy(v, 0, raw, offset, dim);
          double scale = Vectors.scale(raw, offset, dim, documentExponent);
          scales[n] = scale;
          double sum = 0;
          for (int i = 0; i < dim; i++) {
            double x = raw[offset + i] * scale;
            sum += x * x;
            if (scaleDocs) {
              gemmInput[offset + i] = (float) x;
            }
          }
          norms[n] = Math.sqrt(sum);
          if (++n == fill) {
            block(gemm, ids, raw, gemmInput, scales, norms, n);
            n = 0;
            fill = Math.min(blockSize, 2 * fill);
          }
        }
        if (n > 0) {
          block(gemm, ids, raw, gemmInput, scales, norms, n);
        }
      }
      return top;
    }

    /** Float scores of the block, then the exact double score of every pair that might enter a top-k. */
    private void block(
        FloatGemm gemm, String[] ids, float[] raw, float[] gemmInput, double[] scales, double[] norms, int n) {
      long t0 = System.nanoTime();
      double rel = relativeBound(dim);
      double abs = absoluteBound(dim);
      double maxNorm = 0;
      for (int d = 0; d < n; d++) {
        // NaN norms make the block's bound NaN: the fast test then passes everything to the precise one
        maxNorm = Double.isNaN(norms[d]) ? Double.NaN : Math.max(maxNorm, norms[d]);
      }
      double[][] qv = queries.vectors();
      // |a| ≤ ‖q‖‖d‖(1 + K) + A·…: with the norms and their product below 1e38 no float input or score
      // can overflow (NaN norms fail the test), so every float score is finite (no NaN, no ±∞) and a cut at each query's threshold
      // minus the block's largest bound can run inside libtorch: only the pairs at or above it come back
      boolean finite = maxNorm < 1e38 && maxQueryNorm < 1e38 && maxNorm * maxQueryNorm < 1e38;
      float[] cuts = new float[qv.length];
      for (int q = 0; q < qv.length && finite; q++) {
        cuts[q] = floatBelow(top[q].threshold() - blockBound(q, maxNorm, rel, abs));
        // a query without a finite threshold yet (its top k not full) needs every score
        finite = cuts[q] != Float.NEGATIVE_INFINITY;
      }
      if (finite) {
        long[] pairs = gemm.atLeast(gemmInput, n, cuts);
        long t1 = System.nanoTime();
        gemmNanos += t1 - t0;
        // offering more pairs than needed is harmless; every pair left out has a + bound < threshold
        double[] exact = new double[4];
        for (int i = 0; i < pairs.length; i += 8) {
          int count = Math.min(4, (pairs.length - i) / 2);
          exactScores(qv, raw, scales, pairs, i, count, exact);
          for (int j = 0; j < count; j++) {
            int q = (int) pairs[i + 2 * j];
            top[q].offer(ids[(int) pairs[i + 2 * j + 1]], exact[j]);
          }
        }
        rescored += pairs.length / 2;
        selectNanos += System.nanoTime() - t1;
        return;
      }
      float[] approx = gemm.scores(gemmInput, n);
      long t1 = System.nanoTime();
      gemmNanos += t1 - t0;
      for (int q = 0; q < qv.length; q++) {
        TopK collector = top[q];
        double threshold = collector.threshold();
        double qRel = rel * queryNorms[q];
        double qAbs = abs * (2 + queryNorms[q]);
        double blockBound = blockBound(q, maxNorm, rel, abs);
        float cut = floatBelow(threshold - blockBound);
        int base = q * n;
        for (int d = 0; d < n; d++) {
          float a = approx[base + d];
          // fast test with the block's largest bound, in float: a < cut implies a + bound(d) < threshold
          if (a < cut && a != Float.NEGATIVE_INFINITY) {
            continue;
          }
          // the precise test; the negated comparison keeps NaN scores (and an infinite bound) on the exact path
          if (!(a + (qRel * norms[d] + qAbs + abs * norms[d]) < threshold) || !Float.isFinite(a)) {
            collector.offer(ids[d], Vectors.dot(qv[q], raw, d * dim, scales[d]));
            rescored++;
            double raised = collector.threshold();
            if (raised != threshold) {
              threshold = raised;
              cut = floatBelow(threshold - blockBound);
            }
          }
        }
      }
      selectNanos += System.nanoTime() - t1;
    }

    /**
     * The double scores of up to four (query, document) pairs of {@code pairs} from index {@code from}:
     * each the very operations of {@link Vectors#dot(double[], float[], int, double)} in the same order
     * (so bit-identical), but four independent sums interleaved. One sum is a chain of E dependent
     * additions, bound by the adder's latency; four chains keep the adder busy.
     */
    private void exactScores(double[][] qv, float[] raw, double[] scales, long[] pairs, int from, int count, double[] out) {
      if (count < 4) {
        for (int j = 0; j < count; j++) {
          int d = (int) pairs[from + 2 * j + 1];
          out[j] = Vectors.dot(qv[(int) pairs[from + 2 * j]], raw, d * dim, scales[d]);
        }
        return;
      }
      int d0 = (int) pairs[from + 1];
      int d1 = (int) pairs[from + 3];
      int d2 = (int) pairs[from + 5];
      int d3 = (int) pairs[from + 7];
      double[] q0 = qv[(int) pairs[from]];
      double[] q1 = qv[(int) pairs[from + 2]];
      double[] q2 = qv[(int) pairs[from + 4]];
      double[] q3 = qv[(int) pairs[from + 6]];
      int o0 = d0 * dim;
      int o1 = d1 * dim;
      int o2 = d2 * dim;
      int o3 = d3 * dim;
      double c0 = scales[d0];
      double c1 = scales[d1];
      double c2 = scales[d2];
      double c3 = scales[d3];
      double s0 = 0;
      double s1 = 0;
      double s2 = 0;
      double s3 = 0;
      for (int i = 0; i < dim; i++) {
        s0 += q0[i] * (raw[o0 + i] * c0);
        s1 += q1[i] * (raw[o1 + i] * c1);
        s2 += q2[i] * (raw[o2 + i] * c2);
        s3 += q3[i] * (raw[o3 + i] * c3);
      }
      out[0] = s0;
      out[1] = s1;
      out[2] = s2;
      out[3] = s3;
    }

    /** The largest error bound of query q in a block whose largest document norm is {@code maxNorm}. */
    private double blockBound(int q, double maxNorm, double rel, double abs) {
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
