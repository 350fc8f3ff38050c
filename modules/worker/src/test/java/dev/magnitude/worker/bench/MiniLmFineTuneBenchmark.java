package dev.magnitude.worker.bench;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import dev.magnitude.core.run.Variant;
import dev.magnitude.worker.Worker;
import dev.magnitude.worker.loss.InfoNceLoss;
import dev.magnitude.worker.model.pretrained.MiniLm;
import dev.magnitude.worker.model.pretrained.onnx.OnnxBertConfig;
import dev.magnitude.worker.model.pretrained.onnx.OnnxBertReader;
import dev.magnitude.worker.model.pretrained.onnx.OnnxBertReader.OnnxBert;
import dev.magnitude.worker.train.NativeAllocator;
import dev.magnitude.worker.train.ParameterGroup;
import dev.magnitude.worker.train.ResumableAdamW;
import dev.magnitude.worker.train.WarmupLinearDecay;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;

/**
 * Fine-tuning all-MiniLM-L6-v2 (issue 14): training FLOP/s of one contrastive step at batch B = 32 pairs (N = 2B =
 * 64 texts) of S = 64 tokens, as a ratio to libtorch's own float32 matmul FLOP/s, both in this process with the same
 * intra-op threads. Target ≥ 0.6.
 *
 * <p>A step: the 2B texts through the encoder (the quick BERT on the worker's TextTransformer,
 * {@link TransformerFromWeights}, in training mode, no dropout), mean pooling, InfoNCE (cosine, τ = 0.05), backward,
 * one {@link ResumableAdamW} update with the fine-tuning parameter groups (lr 2e-5, weight decay 0.01).
 *
 * <p>FLOPs are counted analytically from the matmuls, for T = N·S tokens, hidden H, intermediate I, L layers:
 *
 * <pre>
 *   forward  = L · (2·T·H·3H  [Q, K, V]  + 2·T·H·H  [attention output]  + 2·T·H·I + 2·T·I·H  [feed-forward]
 *                   + 2·N·S·S·H  [Q·Kᵀ, all heads]  + 2·N·S·S·H  [weights·V])  + 2·B·B·H  [InfoNCE logits]
 *   training = 3 · forward      (backward: the gradient of each matmul's input and of its weight, 2 × forward)
 * </pre>
 *
 * Embedding lookups, LayerNorm, softmax, GELU, the optimizer and the loss's elementwise work count 0 (they are
 * what the ratio charges to the implementation). The reference is the feed-forward's first matmul, (T × H)·(H × I),
 * timed before and after the steps (the faster counts, so a slow moment of a shared machine does not flatter the
 * ratio); a paired ratio (each step against the matmul timed right after it) is printed too, and the ratio by the
 * process CPU time of the steps and of the matmul, the robust figure on a shared machine when libtorch's idle
 * threads do not spin ({@code OMP_WAIT_POLICY=PASSIVE} in the environment).
 *
 * <p>Run with {@code jobs/bench worker dev.magnitude.worker.bench.MiniLmFineTuneBenchmark [--threads 2] [--steps 5]
 * [--batch 32] [--length 64]}. Not a test.
 */
public final class MiniLmFineTuneBenchmark {
  private MiniLmFineTuneBenchmark() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> options = BenchMachine.options(args);
    int threads = Integer.parseInt(options.getOrDefault("threads", "2"));
    int steps = Integer.parseInt(options.getOrDefault("steps", "5"));
    int b = Integer.parseInt(options.getOrDefault("batch", "32"));
    int s = Integer.parseInt(options.getOrDefault("length", "64"));
    Worker.configureThreads(threads);
    System.out.printf(Locale.ROOT, "MiniLmFineTuneBenchmark: %s; C allocator keeps freed memory (as in the worker): "
        + "%s%n", BenchMachine.describe(), NativeAllocator.keepFreedMemory());
    OnnxBert bert = OnnxBertReader.read(MiniLm.ONNX, new Configuration());
    OnnxBertConfig c = bert.config();
    int n = 2 * b;
    long t = (long) n * s;

    Map<String, Long> terms = flops(c, b, s);
    long forward = terms.values().stream().mapToLong(Long::longValue).sum();
    long training = 3 * forward;
    double[] referenceBefore = matmulFlops((int) t, c.hiddenSize(), c.intermediateSize(), 10);

    InfoNceLoss loss = new InfoNceLoss(Variant.COSINE, 0.05);
    long parameters = 0;
    int warmup = 2;
    double[] stepSeconds = new double[steps];
    double[] stepCpu = new double[steps];
    double[] paired = new double[steps];
    double[][] parts = new double[6][steps];
    try (Model model = Model.newInstance("minilm-bench", Device.cpu())) {
      TransformerFromWeights encoder = new TransformerFromWeights(bert, s, model.getNDManager());
      model.setBlock(encoder.block());
      ResumableAdamW adamW = ResumableAdamW.builder().setSchedule(new WarmupLinearDecay(warmup + steps, 0))
          .addGroups(ParameterGroup.fineTuning(2e-5, 0.01, 1e-2)).build();
      DefaultTrainingConfig config = new DefaultTrainingConfig(loss).optDevices(new Device[] {Device.cpu()})
          .optOptimizer(adamW);
      try (Trainer trainer = model.newTrainer(config)) {
        trainer.initialize(new Shape(n, s));
        encoder.loadWeights(); // the Trainer's initialization may have replaced them
        adamW.assign(encoder.block().getParameters());
        parameters = encoder.block().getParameters().values().stream().mapToLong(p -> p.getArray().size()).sum();
        Random random = new Random(20261214L);
        for (int step = 1; step <= warmup + steps; step++) {
          int[] ids = randomIds(random, n, s, c.vocabSize());
          long t0 = System.nanoTime();
          long c0 = MiniLmEncodeBenchmark.processCpuNanos();
          double[] split = step(trainer, encoder, loss, adamW, ids, n, s, step);
          double seconds = (System.nanoTime() - t0) / 1e9;
          double cpuSeconds = (MiniLmEncodeBenchmark.processCpuNanos() - c0) / 1e9;
          if (step > warmup) {
            for (int p = 0; p < 6; p++) {
              parts[p][step - warmup - 1] = split[p];
            }
            stepSeconds[step - warmup - 1] = seconds;
            stepCpu[step - warmup - 1] = cpuSeconds;
            paired[step - warmup - 1] = training / seconds / matmulFlops((int) t, c.hiddenSize(),
                c.intermediateSize(), 3)[0];
          }
        }
      }
    }
    double[] referenceAfter = matmulFlops((int) t, c.hiddenSize(), c.intermediateSize(), 10);
    double reference = Math.max(referenceBefore[0], referenceAfter[0]);
    double referenceCpu = Math.max(referenceBefore[1], referenceAfter[1]);
    double achievedCpu = training / BenchMachine.median(stepCpu);
    double median = BenchMachine.median(stepSeconds);
    double achieved = training / median;

    System.out.printf(Locale.ROOT, "%nall-MiniLM-L6-v2: H=%d, I=%d, L=%d, heads=%d; B=%d pairs (N=%d texts), S=%d, "
        + "T=N·S=%d tokens; %d intra-op thread(s)%n", c.hiddenSize(), c.intermediateSize(), c.numHiddenLayers(),
        c.numAttentionHeads(), b, n, s, t, threads);
    terms.forEach((k, v) -> System.out.printf(Locale.ROOT, "    %-48s %9.2f GFLOP%n", k, v / 1e9));
    System.out.printf(Locale.ROOT, "    forward %.2f GFLOP; training = 3 × forward = %.2f GFLOP/step%n", forward / 1e9,
        training / 1e9);
    System.out.printf(Locale.ROOT, "    step: median %.2f s over %d steps after %d warm-up (min %.2f, max %.2f)%n",
        median, steps, warmup, min(stepSeconds), max(stepSeconds));
    System.out.printf(Locale.ROOT, "    of which (medians): forward + loss %.2f s (%.2f GFLOP/s), backward %.2f s (%.2f "
        + "GFLOP/s), AdamW update %.2f s%n", BenchMachine.median(parts[0]), forward / BenchMachine.median(parts[0]) / 1e9,
        BenchMachine.median(parts[1]), 2 * forward / BenchMachine.median(parts[1]) / 1e9, BenchMachine.median(parts[2]));
    System.out.printf(Locale.ROOT, "    in CPU seconds: forward + loss %.2f, backward %.2f, AdamW update %.2f (%d "
        + "parameters)%n", BenchMachine.median(parts[3]), BenchMachine.median(parts[4]), BenchMachine.median(parts[5]),
        parameters);
    System.out.printf(Locale.ROOT, "    training %.2f GFLOP/s; libtorch matmul (%d×%d)·(%d×%d) %.2f GFLOP/s (faster of "
        + "%.2f before, %.2f after)%n", achieved / 1e9, t, c.hiddenSize(), c.hiddenSize(), c.intermediateSize(),
        reference / 1e9, referenceBefore[0] / 1e9, referenceAfter[0] / 1e9);
    System.out.printf(Locale.ROOT, "    RATIO training / matmul = %.3f (target >= 0.6); paired median %.3f (min %.3f,"
        + " max %.3f)%n", achieved / reference, BenchMachine.median(paired), min(paired), max(paired));
    System.out.printf(Locale.ROOT, "    by process CPU time (OMP_WAIT_POLICY=%s): training %.2f GFLOP per CPU second, "
        + "matmul %.2f; RATIO %.3f%n", System.getenv().getOrDefault("OMP_WAIT_POLICY", "(unset)"), achievedCpu / 1e9,
        referenceCpu / 1e9, achievedCpu / referenceCpu);
    System.out.printf(Locale.ROOT, "load average at end %s%n", BenchMachine.loadAverage());
  }

  /** The analytic matmul FLOPs of one forward, by term (see the class comment). */
  static Map<String, Long> flops(OnnxBertConfig c, int b, int s) {
    long n = 2L * b;
    long t = n * s;
    long h = c.hiddenSize();
    long i = c.intermediateSize();
    long l = c.numHiddenLayers();
    Map<String, Long> terms = new LinkedHashMap<>();
    terms.put("Q, K, V projections       L·2·T·H·3H", l * 2 * t * h * 3 * h);
    terms.put("attention output          L·2·T·H·H", l * 2 * t * h * h);
    terms.put("feed-forward              L·(2·T·H·I + 2·T·I·H)", l * 4 * t * h * i);
    terms.put("scores Q·Kᵀ               L·2·N·S·S·H", l * 2 * n * s * s * h);
    terms.put("weights·V                 L·2·N·S·S·H", l * 2 * n * s * s * h);
    terms.put("InfoNCE logits            2·B·B·H", 2L * b * b * h);
    return terms;
  }

  /** One step; returns the wall seconds of {forward + loss, backward, optimizer update}, then their CPU seconds. */
  private static double[] step(Trainer trainer, TransformerFromWeights encoder, InfoNceLoss loss,
      ResumableAdamW adamW, int[] ids, int n, int s, int step) {
    adamW.setStep(step);
    long[] wall = new long[4];
    long[] cpu = new long[4];
    try (NDManager scope = trainer.getManager().newSubManager()) {
      try (GradientCollector collector = trainer.newGradientCollector()) {
        mark(wall, cpu, 0);
        NDArray tokens = scope.create(ids, new Shape(n, s));
        NDArray pooled = encoder.pooled(new ParameterStore(scope, false), tokens, true);
        NDArray value = loss.loss(pooled.get("0:" + n / 2), pooled.get(n / 2 + ":"), null);
        value.getFloat(); // libtorch on CPU is synchronous; reading the loss ends the forward
        mark(wall, cpu, 1);
        collector.backward(value);
        mark(wall, cpu, 2);
      }
      trainer.step();
      mark(wall, cpu, 3);
    }
    double[] parts = new double[6];
    for (int p = 0; p < 3; p++) {
      parts[p] = (wall[p + 1] - wall[p]) / 1e9;
      parts[3 + p] = (cpu[p + 1] - cpu[p]) / 1e9;
    }
    return parts;
  }

  private static void mark(long[] wall, long[] cpu, int at) {
    wall[at] = System.nanoTime();
    cpu[at] = MiniLmEncodeBenchmark.processCpuNanos();
  }

  private static int[] randomIds(Random random, int n, int s, int vocabulary) {
    int[] ids = new int[n * s];
    for (int k = 0; k < ids.length; k++) {
      int j = k % s;
      ids[k] = j == 0 ? 101 : j == s - 1 ? 102 : 1996 + random.nextInt(vocabulary - 1996);
    }
    return ids;
  }

  /**
   * Float32 (m × k)·(k × n) through DJL after a warm-up: {FLOP/s by the median wall time, FLOP per process CPU second
   * by the median CPU time} of {@code repeats}.
   */
  private static double[] matmulFlops(int m, int k, int n, int repeats) {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray a = manager.randomNormal(new Shape(m, k));
      NDArray b = manager.randomNormal(new Shape(k, n));
      a.matMul(b).close();
      double[] seconds = new double[repeats];
      double[] cpu = new double[repeats];
      for (int r = 0; r < repeats; r++) {
        long t0 = System.nanoTime();
        long c0 = MiniLmEncodeBenchmark.processCpuNanos();
        NDArray c = a.matMul(b);
        c.getFloat(0, 0);
        seconds[r] = (System.nanoTime() - t0) / 1e9;
        cpu[r] = (MiniLmEncodeBenchmark.processCpuNanos() - c0) / 1e9;
        c.close();
      }
      double flop = 2.0 * m * k * n;
      return new double[] {flop / BenchMachine.median(seconds), flop / BenchMachine.median(cpu)};
    }
  }

  private static double min(double[] v) {
    return java.util.Arrays.stream(v).min().orElse(Double.NaN);
  }

  private static double max(double[] v) {
    return java.util.Arrays.stream(v).max().orElse(Double.NaN);
  }
}
