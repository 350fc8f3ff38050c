package dev.magnitude.jobs.aggregate;

import dev.magnitude.core.metrics.ScoredDoc;
import dev.magnitude.core.metrics.TopK;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.util.LongAccumulator;

/**
 * Exhaustive scoring: every query against every document, under one scoring (which sides are
 * normalized). Document shards × broadcast queries: each partition of the documents (the embeddings'
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
 * the E products, FMA or not, and the double route's own rounding; A = E·2⁻¹²⁴ covers underflow even
 * with flush-to-zero; Σ|q_i d_i| ≤ ‖q‖‖d‖). K carries 25% slack, far more than the double rounding of
 * the bound itself. A pair is skipped only when {@code a + bound < threshold}, the collector's worst
 * kept score ({@link TopK#threshold}), so s is strictly below it and {@link TopK#offer} would have
 * rejected it: the result is the one of offering every pair in double precision. Non-finite float
 * scores (overflow, NaN or infinite inputs) are always rescored.
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
   * @param rescored if not null, counts the (query, document) pairs rescored in double precision
   */
  public static Map<String, List<ScoredDoc>> score(
      JavaSparkContext jsc, Dataset<Row> documents, QueryBlock queries, int k, int blockSize, LongAccumulator rescored) {
    if (k <= 0) {
      throw new IllegalArgumentException("top k must be > 0, got " + k);
    }
    if (blockSize <= 0) {
      throw new IllegalArgumentException("scoring block size must be > 0 documents, got " + blockSize);
    }
    Dataset<Row> selected = documents.select("id", "vector");
    boolean nullableElements = ((ArrayType) selected.schema().apply("vector").dataType()).containsNull();
    Broadcast<QueryBlock> block = jsc.broadcast(queries);
    boolean normalizeDocs = queries.scoring().normalizesDocument();
    FlatMapFunction<Iterator<InternalRow>, TopK[]> perShard =
        rows -> {
          Shard shard = new Shard(block.value(), normalizeDocs, k, blockSize, nullableElements);
          TopK[] top = shard.score(rows);
          if (rescored != null) {
            rescored.add(shard.rescored);
          }
          return List.<TopK[]>of(top).iterator();
        };
    // Catalyst rows, not Row: Row.getList boxes every float of every document; ArrayData copies them
    JavaRDD<TopK[]> shards = selected.queryExecution().toRdd().toJavaRDD().mapPartitions(perShard);
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
    private final boolean normalizeDocs;
    private final int blockSize;
    private final boolean nullableElements;
    private final int dim;
    private final TopK[] top;
    private final double[] queryNorms;
    private long rescored;

    Shard(QueryBlock queries, boolean normalizeDocs, int k, int blockSize, boolean nullableElements) {
      this.queries = queries;
      this.normalizeDocs = normalizeDocs;
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
      float[] gemmInput = normalizeDocs ? new float[blockSize * dim] : raw;
      double[] scales = new double[blockSize];
      double[] norms = new double[blockSize];
      try (FloatGemm gemm = new FloatGemm(queryRows, queries.size(), dim)) {
        int n = 0;
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
          double scale = Vectors.scale(raw, offset, dim, normalizeDocs);
          scales[n] = scale;
          double sum = 0;
          for (int i = 0; i < dim; i++) {
            double x = raw[offset + i] * scale;
            sum += x * x;
            if (normalizeDocs) {
              gemmInput[offset + i] = (float) x;
            }
          }
          norms[n] = Math.sqrt(sum);
          if (++n == blockSize) {
            block(gemm, ids, raw, gemmInput, scales, norms, n);
            n = 0;
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
      float[] approx = gemm.scores(gemmInput, n);
      double rel = relativeBound(dim);
      double abs = absoluteBound(dim);
      double[][] qv = queries.vectors();
      for (int q = 0; q < qv.length; q++) {
        TopK collector = top[q];
        double threshold = collector.threshold();
        double qRel = rel * queryNorms[q];
        double qAbs = abs * (2 + queryNorms[q]);
        int base = q * n;
        for (int d = 0; d < n; d++) {
          float a = approx[base + d];
          // the negated test keeps NaN scores (and an infinite bound) on the exact path
          if (!(a + (qRel * norms[d] + qAbs + abs * norms[d]) < threshold) || !Float.isFinite(a)) {
            collector.offer(ids[d], Vectors.dot(qv[q], raw, d * dim, scales[d]));
            rescored++;
            threshold = collector.threshold();
          }
        }
      }
    }
  }
}
