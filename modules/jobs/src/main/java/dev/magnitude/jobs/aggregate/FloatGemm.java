package dev.magnitude.jobs.aggregate;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * The float32 pre-pass of the exhaustive scorer: scores of a block of documents against all queries as
 * one matrix product in libtorch (MKL/oneDNN SGEMM), the one fast dense kernel the executors already
 * have (the jobs module depends on the trainer's DJL PyTorch engine). A plain Java double loop reaches a
 * few percent of it (see the README's scoring benchmark).
 *
 * <p>One instance per Spark task, used by that task's thread only. The queries go to native memory once;
 * each block is copied into one reused direct buffer. PyTorch's intra-op threads are set to 1 if this is
 * the first use of the engine in the JVM: the parallelism is Spark's (one task per core), and libtorch
 * threads on top of it would oversubscribe the cores. A JVM that loaded the engine earlier keeps its
 * setting (it is process-wide and fixed at load).
 */
final class FloatGemm implements AutoCloseable {
  static final String THREADS = "ai.djl.pytorch.num_threads";
  static final String INTEROP_THREADS = "ai.djl.pytorch.num_interop_threads";

  private final int queries;
  private final int dimension;
  private final NDManager manager;
  private final NDArray queryMatrix;
  private ByteBuffer block;

  /**
   * @param queryRows the queries as rows of a Q × E matrix, row-major ({@code queries · dimension}
   *     floats)
   */
  FloatGemm(float[] queryRows, int queries, int dimension) {
    if ((long) queries * dimension != queryRows.length) {
      throw new IllegalArgumentException(
          "query matrix has " + queryRows.length + " floats, expected " + queries + " × " + dimension);
    }
    this.queries = queries;
    this.dimension = dimension;
    this.manager = engine().newBaseManager();
    this.queryMatrix = manager.create(queryRows, new Shape(queries, dimension));
  }

  private static synchronized Engine engine() {
    if (System.getProperty(THREADS) == null) {
      System.setProperty(THREADS, "1");
    }
    if (System.getProperty(INTEROP_THREADS) == null) {
      System.setProperty(INTEROP_THREADS, "1");
    }
    return Engine.getEngine("PyTorch");
  }

  /**
   * Scores {@code rows} documents (row-major, {@code rows · dimension} floats of {@code documents})
   * against every query.
   *
   * @return Q × rows scores, row-major: the scores of query q are {@code [q · rows, (q + 1) · rows)}
   */
  float[] scores(float[] documents, int rows) {
    try (NDManager scope = manager.newSubManager()) {
      float[] out = product(scope, documents, rows).toFloatArray();
      if (out.length != queries * rows) {
        throw new IllegalStateException("libtorch returned " + out.length + " scores for " + queries + " × " + rows);
      }
      return out;
    }
  }

  /**
   * The pairs whose float score is not below their query's cut ({@code score >= cuts[q]}). Each
   * query's maximum over the block is taken in libtorch; only the rows of queries whose maximum reaches
   * the cut come back to Java (all Q × rows scores at once when more than an eighth of the queries
   * pass, as in the first blocks). Meant for blocks whose scores are all finite (a NaN score is never
   * {@code >=} a cut).
   *
   * @return (query, document) pairs flattened, {@code [q0, d0, q1, d1, …]}, queries ascending and
   *     documents ascending within a query
   */
  long[] atLeast(float[] documents, int rows, float[] cuts) {
    if (cuts.length != queries) {
      throw new IllegalArgumentException("got " + cuts.length + " cuts for " + queries + " queries");
    }
    try (NDManager scope = manager.newSubManager()) {
      NDArray product = product(scope, documents, rows);
      // each query's best float score in the block: once the top-k lists are warm, most queries have
      // nothing at or above their cut and their rows never leave libtorch
      float[] best = product.max(new int[] {1}).toFloatArray();
      int passing = 0;
      for (int q = 0; q < queries; q++) {
        passing += best[q] >= cuts[q] ? 1 : 0;
      }
      long[] pairs = new long[64];
      int size = 0;
      float[] all = passing > queries / 8 ? product.toFloatArray() : null;
      for (int q = 0; q < queries; q++) {
        if (!(best[q] >= cuts[q])) {
          continue;
        }
        float[] row;
        int base;
        if (all != null) {
          row = all;
          base = q * rows;
        } else {
          row = product.get(q).toFloatArray();
          base = 0;
        }
        float cut = cuts[q];
        for (int d = 0; d < rows; d++) {
          if (row[base + d] >= cut) {
            if (size + 2 > pairs.length) {
              pairs = java.util.Arrays.copyOf(pairs, 2 * pairs.length);
            }
            pairs[size++] = q;
            pairs[size++] = d;
          }
        }
      }
      return java.util.Arrays.copyOf(pairs, size);
    }
  }

  private NDArray product(NDManager scope, float[] documents, int rows) {
    int floats = rows * dimension;
    if (block == null || block.capacity() < floats * Float.BYTES) {
      block = ByteBuffer.allocateDirect(floats * Float.BYTES).order(ByteOrder.nativeOrder());
    }
    block.clear();
    FloatBuffer view = block.asFloatBuffer();
    view.put(documents, 0, floats);
    block.limit(floats * Float.BYTES);
    NDArray docs = scope.create(block, new Shape(rows, dimension), DataType.FLOAT32);
    // (Q × E) · (E × rows): the transpose is a strided view, libtorch passes it to SGEMM as transposed
    NDArray product = queryMatrix.matMul(docs.transpose());
    product.attach(scope);
    return product;
  }

  @Override
  public void close() {
    manager.close();
  }
}
