package dev.magnitude.jobs.aggregate;

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
  private static final java.lang.management.ThreadMXBean THREADS_BEAN =
      java.lang.management.ManagementFactory.getThreadMXBean();
  /** Time spent copying blocks into native memory, and in the matMul call alone (wall and thread CPU). */
  private long copyNanos;
  private long matMulNanos;
  private long matMulCpuNanos;
  /**
   * Documents per group of the cut's pre-test ({@link #atLeast}): a group's scores are read only if its
   * maximum reaches the query's cut. 32 scores are 128 bytes, two cache lines; the maxima are 1/32 of
   * the product.
   */
  static final int GROUP = 32;

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
   * The pairs whose float score is not below their query's cut ({@code score >= cuts[q]}). libtorch
   * first takes the maximum of each group of {@link #GROUP} consecutive documents of each query (a max
   * pool over the Q × rows product, the last group of a row shorter when rows is not a multiple of
   * {@code GROUP}); only these Q × ⌈rows / GROUP⌉ maxima are read, and Java scans the scores of a group
   * only when its maximum is not below the query's cut. A group is skipped only if its maximum is below
   * the cut, and then every score of it is too, so the passing pairs are exactly those of a scan of all
   * scores. A NaN maximum (libtorch's max pool propagates NaN) or a NaN cut is not "below", so such a
   * group is scanned, and the scan, as before, passes no NaN score and nothing against a NaN cut; a
   * −∞ cut scans every group. With the top-k lists warm almost no pair passes (about 0.2 %), so the
   * scan touches a few percent of the scores.
   *
   * <p>The scores and maxima are read in place, through direct views of the tensors' memory: nothing of
   * size Q × rows is copied or allocated. (Copying all scores out into a Java array cost a third of the
   * product itself; libtorch's {@code gte} against the cuts plus {@code nonzero} half of it; a Java scan
   * of every score in place about 8–10 %, about 1 ns per score; the max pool, a single native pass,
   * about half of that, and the scan of the few passing groups next to nothing.)
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
      int groups = (rows + GROUP - 1) / GROUP;
      // (1, Q, rows) → (1, Q, ⌈rows / GROUP⌉): max_pool1d with kernel = stride = GROUP; ceil mode keeps
      // the short last group (its window starts inside the row, no padding)
      NDArray maxima = product.reshape(1, queries, rows).getNDArrayInternal()
          .maxPool(new Shape(GROUP), new Shape(GROUP), new Shape(0), true);
      maxima.attach(scope);
      // views of native memory, valid while the tensors live (until the scope closes)
      ByteBuffer bytes = product.toByteBuffer(true);
      if (bytes.capacity() != queries * rows * Float.BYTES) {
        throw new IllegalStateException("libtorch returned " + bytes.capacity() + " score bytes for " + queries + " × " + rows);
      }
      ByteBuffer maxBytes = maxima.toByteBuffer(true);
      if (maxBytes.capacity() != queries * groups * Float.BYTES) {
        throw new IllegalStateException("libtorch returned " + maxBytes.capacity() + " group maximum bytes for "
            + queries + " × " + groups + " groups");
      }
      FloatBuffer scores = bytes.order(ByteOrder.nativeOrder()).asFloatBuffer();
      FloatBuffer max = maxBytes.order(ByteOrder.nativeOrder()).asFloatBuffer();
      long[] positions = passingPositions;
      float[] values = passingScores;
      int count = 0;
      for (int q = 0; q < queries; q++) {
        float cut = cuts[q];
        int base = q * rows;
        int groupBase = q * groups;
        for (int g = 0; g < groups; g++) {
          if (max.get(groupBase + g) < cut) {
            continue;
          }
          int end = Math.min(rows, (g + 1) * GROUP);
          for (int d = g * GROUP; d < end; d++) {
            float score = scores.get(base + d);
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
