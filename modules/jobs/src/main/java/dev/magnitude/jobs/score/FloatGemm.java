package dev.magnitude.jobs.score;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;

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
 * setting.
 *
 * <p><b>The setting must be applied in every calling thread.</b> libtorch's CPU build runs its kernels
 * in OpenMP, whose thread count is a per-thread value: {@code torch.set_num_threads} at engine load sets
 * it for the loading thread only, and any other thread starts with OpenMP's default (one thread per
 * core). libtorch re-applies its setting in a thread only when that thread first enters one of its own
 * parallel loops, and the matrix product (handed straight to the BLAS) is not one: in a Spark task's
 * thread each matMul ran as a team of two OpenMP threads, so two tasks kept four busy threads on two
 * cores (the same in the benchmark's baseline threads). The constructor therefore sets the configured
 * count in the calling thread ({@code ai.djl.pytorch.num_threads}, 1 unless set otherwise).
 */
final class FloatGemm implements AutoCloseable {
  static final String THREADS = "ai.djl.pytorch.num_threads";
  static final String INTEROP_THREADS = "ai.djl.pytorch.num_interop_threads";

  private final int queries;
  private final int dimension;
  private final NDManager manager;
  private final NDArray queryMatrix;
  private ByteBuffer block;
  /** The passing pairs of the last block ({@link #atLeast}), reused: grown as needed, never shrunk. */
  private long[] passingPositions = new long[4096];
  private float[] passingScores = new float[4096];
  /** One query's row of scores, copied out of the product for {@link #atLeast}: reused, grown as needed. */
  private float[] row = new float[0];
  /** Scores tested with one branch in {@link #atLeast} (the test below is written out for eight). */
  static final int CHUNK = 8;
  private static final java.lang.management.ThreadMXBean THREADS_BEAN =
      java.lang.management.ManagementFactory.getThreadMXBean();
  /** Time spent copying blocks into native memory, and in the matMul call alone (wall and thread CPU). */
  private long copyNanos;
  private long matMulNanos;
  private long matMulCpuNanos;

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
    useConfiguredThreads();
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
   * Applies the configured intra-op thread count ({@code ai.djl.pytorch.num_threads}) to the calling
   * thread's OpenMP setting, see the class comment. Cheap (a few thread-local writes); call it in every
   * thread that runs libtorch kernels after the engine is loaded.
   */
  static void useConfiguredThreads() {
    engine();
    String value = System.getProperty(THREADS);
    int threads;
    try {
      threads = Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(THREADS + " must be a positive integer, got '" + value + "'", e);
    }
    if (threads <= 0) {
      throw new IllegalArgumentException(THREADS + " must be a positive integer, got '" + value + "'");
    }
    ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
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
   * The pairs whose float score is not below their query's cut ({@code score >= cuts[q]}). Each query's
   * row of scores is copied in bulk from the product tensor's memory (through a direct view of it) into
   * one reused row of {@code rows} floats, and tested {@link #CHUNK} scores at a time with one branch
   * (the comparisons of the chunk or-ed together); only a chunk with a passing score is scanned score by
   * score. The test per score is the same {@code score >= cut}, so the pairs are exactly those of a
   * one-by-one scan: a NaN score never passes, a NaN cut passes nothing, a −∞ cut every non-NaN score.
   * With the top-k lists warm almost no pair passes (about 0.2 %).
   *
   * <p>Measured per block of 1000 × 2048 scores (matMul 12–14 ms of CPU): copying all scores into a
   * fresh Java array cost a third of the product; libtorch's {@code gte} against the cuts plus
   * {@code nonzero} half of it; a one-by-one Java scan in place (through {@code FloatBuffer.get}) about
   * 2.2 ms, this chunked scan of bulk-copied rows about 1.4 ms. Passes in libtorch that reduce the
   * product to maxima over groups of documents first (a max pool with kernel 32, or a tree of
   * elementwise maxima) cost more than the whole Java scan (2–3 ms with the scan of the passing groups):
   * each reads the 8 MB product once more, which is not in cache any more after the product.
   *
   * @return the passing pairs, row-major positions ascending (queries ascending, documents ascending
   *     within a query); valid until the next call
   */
  Passing atLeast(float[] documents, int offset, int rows, float[] cuts) {
    if (cuts.length != queries) {
      throw new IllegalArgumentException("got " + cuts.length + " cuts for " + queries + " queries");
    }
    try (NDManager scope = manager.newSubManager()) {
      NDArray product = product(scope, documents, offset, rows);
      // a view of native memory, valid while the tensor lives (until the scope closes)
      ByteBuffer bytes = product.toByteBuffer(true);
      if (bytes.capacity() != queries * rows * Float.BYTES) {
        throw new IllegalStateException("libtorch returned " + bytes.capacity() + " score bytes for " + queries + " × " + rows);
      }
      FloatBuffer scores = bytes.order(ByteOrder.nativeOrder()).asFloatBuffer();
      if (row.length < rows) {
        row = new float[rows];
      }
      float[] r = row;
      long[] positions = passingPositions;
      float[] values = passingScores;
      int count = 0;
      int chunked = rows - rows % CHUNK;
      for (int q = 0; q < queries; q++) {
        float cut = cuts[q];
        int base = q * rows;
        scores.get(base, r, 0, rows);
        for (int from = 0; from < rows; from += CHUNK) {
          // non-short-circuit or: eight compares, one branch; the short last chunk is scanned as it is
          if (from < chunked && !(r[from] >= cut | r[from + 1] >= cut | r[from + 2] >= cut | r[from + 3] >= cut
              | r[from + 4] >= cut | r[from + 5] >= cut | r[from + 6] >= cut | r[from + 7] >= cut)) {
            continue;
          }
          int to = Math.min(rows, from + CHUNK);
          for (int d = from; d < to; d++) {
            float score = r[d];
            if (score >= cut) {
              if (count == positions.length) {
                positions = Arrays.copyOf(positions, 2 * count);
                values = Arrays.copyOf(values, 2 * count);
              }
              positions[count] = base + d;
              values[count++] = score;
            }
          }
        }
      }
      passingPositions = positions;
      passingScores = values;
      return new Passing(rows, positions, values, count);
    }
  }

  /**
   * Pairs of a block at or above their cut, the first {@code size} entries of the arrays (reused by the
   * next {@link #atLeast} call): {@code positions[i]} is {@code q · rows + d} (row-major in the Q × rows
   * product), {@code scores[i]} its float score.
   */
  record Passing(int rows, long[] positions, float[] scores, int size) {
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
    long t0 = System.nanoTime();
    block.clear();
    FloatBuffer view = block.asFloatBuffer();
    view.put(documents, offset, floats);
    block.limit(floats * Float.BYTES);
    NDArray docs = scope.create(block, new Shape(rows, dimension), DataType.FLOAT32);
    NDArray transposed = docs.transpose();
    long t1 = System.nanoTime();
    long cpu = THREADS_BEAN.getCurrentThreadCpuTime();
    // (Q × E) · (E × rows): the transpose is a strided view, libtorch passes it to SGEMM as transposed
    NDArray product = queryMatrix.matMul(transposed);
    matMulCpuNanos += THREADS_BEAN.getCurrentThreadCpuTime() - cpu;
    long t2 = System.nanoTime();
    copyNanos += t1 - t0;
    matMulNanos += t2 - t1;
    product.attach(scope);
    return product;
  }

  /** Nanoseconds spent copying blocks into native memory so far. */
  long copyNanos() {
    return copyNanos;
  }

  /** Nanoseconds (wall) spent in the matMul calls alone so far. */
  long matMulNanos() {
    return matMulNanos;
  }

  /** Thread CPU nanoseconds spent in the matMul calls alone so far (excludes time the thread waited for a core). */
  long matMulCpuNanos() {
    return matMulCpuNanos;
  }

  @Override
  public void close() {
    manager.close();
  }
}
