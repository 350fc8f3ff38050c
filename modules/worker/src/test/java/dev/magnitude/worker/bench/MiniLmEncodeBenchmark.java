package dev.magnitude.worker.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.magnitude.worker.Worker;
import dev.magnitude.worker.model.pretrained.MiniLm;
import dev.magnitude.worker.model.pretrained.ModelLocation;
import dev.magnitude.worker.model.pretrained.OrtBert;
import dev.magnitude.worker.model.pretrained.onnx.OnnxBertReader;
import dev.magnitude.worker.train.NativeAllocator;
import dev.magnitude.worker.model.pretrained.onnx.OnnxBertReader.OnnxBert;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;
import org.apache.hadoop.conf.Configuration;

/**
 * Encoding a corpus with the bundled all-MiniLM-L6-v2 (issue 14): texts/s of each Java forward of the Java-read
 * weights against ONNX Runtime's on the same ONNX file, with the same threads, batch and length, measured in one
 * run. Target: Java ≥ 1.0 × ONNX Runtime (reference from the issue: ONNX Runtime 1.20, 2 threads, batch 64, 176
 * texts/s at length 48, 55 at 128).
 *
 * <p>The texts are random WordPiece ids of exactly the length ([CLS] … [SEP], no padding: every side does the same
 * work), the same for every side. Batches alternate between the sides (ONNX Runtime, then each Java forward, for
 * every batch), so competition from other processes on a shared machine falls on all of them alike; the
 * per-side figure is texts / the sum of its batch times, and each side's first batch is a warm-up. Also printed:
 * the largest difference between each Java forward's mean-pooled embedding and ONNX Runtime's on the first batch,
 * and the same ratios by the process CPU time each side's batches used. On a shared machine the CPU-time ratio is
 * the robust one, provided idle threads do not spin: run with {@code OMP_WAIT_POLICY=PASSIVE} in the environment
 * (libtorch's OpenMP threads) and {@code --spinning false} (ONNX Runtime's), which is what the figures of a loaded
 * machine should be read from.
 *
 * <p>Java forwards: {@code textTransformer}, the quick BERT on the worker's TextTransformer
 * ({@link TransformerFromWeights}); the worker's BERT encoder joins {@link #FORWARDS} when it exists.
 *
 * <p>Run with {@code jobs/bench worker dev.magnitude.worker.bench.MiniLmEncodeBenchmark [--threads 2] [--batch 64]
 * [--lengths 48,128] [--batches 5] [--spinning true]}. Not a test.
 */
public final class MiniLmEncodeBenchmark {
  /** A Java forward ready for one length: (B, S) ids, all tokens → (B, E) mean-pooled embeddings. */
  @FunctionalInterface
  interface Encoder {
    float[][] encode(long[][] ids);
  }

  /** The Java forwards, each built from the weight map for one length on a manager. */
  static final Map<String, BiFunction<OnnxBert, Integer, Encoder>> FORWARDS = new LinkedHashMap<>();

  static {
    FORWARDS.put("textTransformer", MiniLmEncodeBenchmark::textTransformer);
  }

  private static final NDManager MANAGER = NDManager.newBaseManager();

  private MiniLmEncodeBenchmark() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> options = BenchMachine.options(args);
    int threads = Integer.parseInt(options.getOrDefault("threads", "2"));
    int batch = Integer.parseInt(options.getOrDefault("batch", "64"));
    int batches = Integer.parseInt(options.getOrDefault("batches", "5"));
    List<Integer> lengths = new ArrayList<>();
    for (String l : options.getOrDefault("lengths", "48,128").split(",")) {
      lengths.add(Integer.parseInt(l.trim()));
    }
    Worker.configureThreads(threads);
    System.out.printf(Locale.ROOT, "MiniLmEncodeBenchmark: %s; C allocator keeps freed memory (as in the worker): %s%n",
        BenchMachine.describe(), NativeAllocator.keepFreedMemory());
    Configuration conf = new Configuration();
    OnnxBert bert = OnnxBertReader.read(MiniLm.ONNX, conf);
    int hidden = bert.config().hiddenSize();
    boolean spinning = Boolean.parseBoolean(options.getOrDefault("spinning", "true"));
    try (OrtBert ort = new OrtBert(ModelLocation.read(MiniLm.ONNX, conf), threads, hidden, spinning)) {
      System.out.printf(Locale.ROOT, "all-MiniLM-L6-v2 (%s), %d intra-op thread(s) on every side, batch %d, %d timed "
          + "batches after 1 warm-up; ONNX Runtime threads spin: %s, OMP_WAIT_POLICY=%s%n", MiniLm.ONNX, threads, batch,
          batches, spinning, System.getenv().getOrDefault("OMP_WAIT_POLICY", "(unset)"));
      for (int length : lengths) {
        measure(bert, ort, length, batch, batches);
      }
    }
    System.out.printf(Locale.ROOT, "load average at end %s%n", BenchMachine.loadAverage());
  }

  private static void measure(OnnxBert bert, OrtBert ort, int length, int batch, int batches) throws Exception {
    Random random = new Random(20261214L + length);
    List<long[][]> data = new ArrayList<>();
    for (int b = 0; b <= batches; b++) {
      long[][] ids = new long[batch][length];
      for (long[] row : ids) {
        row[0] = 101; // [CLS]
        for (int j = 1; j < length - 1; j++) {
          row[j] = 1996 + random.nextInt(bert.config().vocabSize() - 1996); // whole words and pieces, no specials
        }
        row[length - 1] = 102; // [SEP]
      }
      data.add(ids);
    }
    Map<String, Encoder> encoders = new LinkedHashMap<>();
    FORWARDS.forEach((name, make) -> encoders.put(name, make.apply(bert, length)));
    Map<String, Double> seconds = new LinkedHashMap<>();
    Map<String, Double> cpu = new LinkedHashMap<>();
    Map<String, Double> maxDiff = new LinkedHashMap<>();
    for (int b = 0; b < data.size(); b++) {
      List<long[]> rows = List.of(data.get(b));
      long t0 = System.nanoTime();
      long c0 = processCpuNanos();
      float[][] reference = ort.meanPooled(rows);
      if (b > 0) {
        seconds.merge("onnxruntime", (System.nanoTime() - t0) / 1e9, Double::sum);
        cpu.merge("onnxruntime", (processCpuNanos() - c0) / 1e9, Double::sum);
      }
      for (Map.Entry<String, Encoder> e : encoders.entrySet()) {
        long t1 = System.nanoTime();
        long c1 = processCpuNanos();
        float[][] out = e.getValue().encode(data.get(b));
        if (b > 0) {
          seconds.merge(e.getKey(), (System.nanoTime() - t1) / 1e9, Double::sum);
          cpu.merge(e.getKey(), (processCpuNanos() - c1) / 1e9, Double::sum);
        } else {
          maxDiff.put(e.getKey(), maxAbsDiff(out, reference));
        }
      }
    }
    double texts = (double) batch * batches;
    double ortRate = texts / seconds.get("onnxruntime");
    // The forward's matmuls alone at libtorch's speed for their shapes (each timed by itself): the rate a Java forward
    // could reach if everything else (LayerNorm, softmax, GELU, copies) were free.
    double matmuls = TrainerBenchmark.encoderMatmulSeconds(batch, length, bert.config().hiddenSize(),
        bert.config().intermediateSize(), bert.config().numAttentionHeads(), bert.config().numHiddenLayers());
    double ortCpuRate = texts / cpu.get("onnxruntime");
    System.out.printf(Locale.ROOT, "%nlength %d: onnxruntime %.1f texts/s (%.1f texts per CPU second); libtorch's "
        + "matmuls of one batch alone %.3f s = %.1f texts/s%n", length, ortRate, ortCpuRate, matmuls, batch / matmuls);
    for (String name : encoders.keySet()) {
      double rate = texts / seconds.get(name);
      double cpuRate = texts / cpu.get(name);
      System.out.printf(Locale.ROOT, "    %-16s %.1f texts/s, RATIO java / onnxruntime = %.3f (target >= 1.0); by CPU "
          + "time %.1f texts per CPU second, RATIO %.3f; max |embedding − onnxruntime's| %.2e%n", name, rate,
          rate / ortRate, cpuRate, cpuRate / ortCpuRate, maxDiff.get(name));
    }
  }

  private static Encoder textTransformer(OnnxBert bert, int length) {
    TransformerFromWeights model = new TransformerFromWeights(bert, length, MANAGER);
    return ids -> {
      try (NDManager scope = MANAGER.newSubManager()) {
        int[] flat = new int[ids.length * length];
        for (int i = 0; i < ids.length; i++) {
          for (int j = 0; j < length; j++) {
            flat[i * length + j] = (int) ids[i][j];
          }
        }
        NDArray pooled = model.pooled(new ParameterStore(scope, false), scope.create(flat, new Shape(ids.length,
            length)), false);
        float[] values = pooled.toFloatArray();
        int e = bert.config().hiddenSize();
        float[][] out = new float[ids.length][e];
        for (int i = 0; i < ids.length; i++) {
          System.arraycopy(values, i * e, out[i], 0, e);
        }
        return out;
      }
    };
  }

  /** CPU time of the whole process (every thread: ONNX Runtime's and libtorch's pools included). */
  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
        .getOperatingSystemMXBean()).getProcessCpuTime();
  }

  static double maxAbsDiff(float[][] a, float[][] b) {
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      for (int k = 0; k < a[i].length; k++) {
        max = Math.max(max, Math.abs(a[i][k] - b[i][k]));
      }
    }
    return max;
  }
}
