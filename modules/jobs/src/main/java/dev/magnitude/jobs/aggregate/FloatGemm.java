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
   * Scores {@code rows} documents (row-major, {@code rows · dimension} floats of {@code documents} from
   * index {@code offset}) against every query.
   *
   * @return Q × rows scores, row-major: the scores of query q are {@code [q · rows, (q + 1) · rows)}
   */
  float[] scores(float[] documents, int offset, int rows) {
    try (NDManager scope = manager.newSubManager()) {
      float[] out = product(scope, documents, offset, rows).toFloatArray();
      if (out.length != queries * rows) {
        throw new IllegalStateException("libtorch returned " + out.length + " scores for " + queries + " × " + rows);
      }
      return out;
    }
  }

  /**
   * The pairs whose float score is not below their query's cut ({@code score >= cuts[q]}), found inside
   * libtorch: the Q × rows product is compared with the cuts as a column (one pass), the positions of
   * the passing pairs are taken with {@code nonzero} and their scores gathered with {@code take}. Only
   * the passing pairs cross JNI; the product itself never leaves native memory (copying all Q × rows
   * scores out and filtering them in Java took longer than the product in the first version). Meant for
   * blocks whose scores are all finite (a NaN score is never {@code >=} a cut).
   *
   * @return the passing pairs, row-major positions ascending (queries ascending, documents ascending
   *     within a query)
   */
  Passing atLeast(float[] documents, int offset, int rows, float[] cuts) {
    if (cuts.length != queries) {
      throw new IllegalArgumentException("got " + cuts.length + " cuts for " + queries + " queries");
    }
    try (NDManager scope = manager.newSubManager()) {
      NDArray product = product(scope, documents, offset, rows);
      NDArray column = scope.create(cuts, new Shape(queries, 1));
      NDArray positions = product.gte(column).flatten().nonzero().flatten();
      long[] where = positions.toLongArray();
      float[] values = where.length == 0 ? new float[0] : product.take(scope, positions).toFloatArray();
      if (values.length != where.length) {
        throw new IllegalStateException("libtorch returned " + values.length + " scores for " + where.length + " pairs");
      }
      return new Passing(rows, where, values);
    }
  }

  /**
   * Pairs of a block at or above their cut: {@code positions[i]} is {@code q · rows + d} (row-major in
   * the Q × rows product), {@code scores[i]} its float score.
   */
  record Passing(int rows, long[] positions, float[] scores) {
    int size() {
      return positions.length;
    }

    int query(int i) {
      return (int) (positions[i] / rows);
    }

    int document(int i) {
      return (int) (positions[i] % rows);
    }
  }

  private NDArray product(NDManager scope, float[] documents, int offset, int rows) {
    int floats = rows * dimension;
    if (offset < 0 || offset + floats > documents.length) {
      throw new IllegalArgumentException("block of " + rows + " documents from float " + offset
          + " does not fit in " + documents.length + " floats");
    }
    if (block == null || block.capacity() < floats * Float.BYTES) {
      block = ByteBuffer.allocateDirect(floats * Float.BYTES).order(ByteOrder.nativeOrder());
    }
    block.clear();
    FloatBuffer view = block.asFloatBuffer();
    view.put(documents, offset, floats);
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
