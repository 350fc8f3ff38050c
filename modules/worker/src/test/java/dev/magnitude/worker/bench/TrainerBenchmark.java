package dev.magnitude.worker.bench;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.initializer.TruncatedNormalInitializer;
import com.fasterxml.jackson.databind.JsonNode;
import dev.magnitude.core.json.Json;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.run.EncoderSpec;
import dev.magnitude.core.run.EvalSet;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.run.TrainingSpec;
import dev.magnitude.core.run.Variant;
import dev.magnitude.worker.PreparedFixture;
import dev.magnitude.worker.Worker;
import dev.magnitude.worker.WorkerMain;
import dev.magnitude.worker.data.PreparedTables;
import dev.magnitude.worker.data.TrainingPairs;
import dev.magnitude.worker.loss.InfoNceLoss;
import dev.magnitude.worker.loss.LossScalars;
import dev.magnitude.worker.model.TextEncoder;
import dev.magnitude.worker.model.TextTowers;
import dev.magnitude.worker.train.BatchSampler;
import dev.magnitude.worker.train.ContrastiveTraining;
import dev.magnitude.worker.train.LearningRateSchedule;
import dev.magnitude.worker.train.NativeAllocator;
import dev.magnitude.worker.train.ResumableAdam;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The trainer's speed figures (issue 4), measured in one run:
 *
 * <ol>
 *   <li><b>FLOP/s efficiency</b>: training FLOP/s of the default transformer encoder (reference.conf:
 *       E = 64, 2 layers, 4 heads, feed-forward 4E; here B = 64 and S = 64; {@code --dim}, {@code --heads},
 *       {@code --layers} and {@code --dropout} change the encoder) as a ratio to libtorch's own float32 matmul
 *       FLOP/s, both in this process with the same intra-op threads. Training FLOPs are counted analytically
 *       from the matmuls {@link dev.magnitude.worker.model.TextTransformer} executes (fused Q/K/V projection,
 *       Q·Kᵀ and weights·V of every head, output projection, feed-forward, the InfoNCE logits; backward = 2 ×
 *       forward) and the terms are printed. The reference matmul is the encoder's largest, the feed-forward
 *       (2BS × E)·(E × 4E), measured before and after the training steps (the faster counts). Target ≥ 0.6.
 *   <li><b>Start to first step</b>: a worker process (demo size: E = 64, S = 32, B = 32) from its launch
 *       to its first progress event (every step is reported when steps ≤ 20), split by the worker's own
 *       log timestamps into JVM start, reading the training pairs, the PyTorch engine load and the
 *       encoder set-up. Target ≤ 5 s.
 *   <li><b>Side by side vs one after another</b>: the wall time of 4 worker processes started at once,
 *       divided by the wall time of the same 4 run one after another (1 thread each). Processes are
 *       launched directly, as the train job's Spark tasks launch them on a local master, so the figure
 *       is the workers' own contention (cores, memory bandwidth), without Spark's scheduling.
 * </ol>
 *
 * <p>Run with {@code jobs/bench trainer dev.magnitude.worker.bench.TrainerBenchmark [--threads N]
 * [--steps N] [--worker-steps N] [--workers N] [--parts 123] [--worker-java-options "-Xmx1g ..."] [--dim E]
 * [--heads H] [--layers L] [--dropout p]}: parts
 * selects the figures; the worker JVM options default to the trainer's reference.conf. Not a test.
 */
public final class TrainerBenchmark {
  /** JVM options of the worker processes of parts 2 and 3 (the trainer's reference.conf defaults). */
  private static List<String> workerJavaOptions = List.of("-Xmx1g", "-XX:+UseSerialGC");

  private TrainerBenchmark() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> options = options(args);
    int threads = Integer.parseInt(options.getOrDefault("threads", "1"));
    int steps = Integer.parseInt(options.getOrDefault("steps", "12"));
    int workerSteps = Integer.parseInt(options.getOrDefault("worker-steps", "20"));
    int workers = Integer.parseInt(options.getOrDefault("workers", "4"));
    Path root = Files.createTempDirectory("magnitude-worker-bench");
    String work = root.resolve("work").toString();
    PreparedFixture.synthetic(work, "bench", 2000, 1000, 800, 200, 1, 500);
    System.out.printf(Locale.ROOT, "TrainerBenchmark: %d intra-op thread(s), %d cores, load average at start %s%n",
        threads, Runtime.getRuntime().availableProcessors(), loadAverage());

    String parts = options.getOrDefault("parts", "123");
    String javaOptions = options.getOrDefault("worker-java-options", "-Xmx1g -XX:+UseSerialGC");
    workerJavaOptions = List.of(javaOptions.trim().split("\\s+"));
    if (parts.contains("1")) {
      int dim = Integer.parseInt(options.getOrDefault("dim", "64"));
      int heads = Integer.parseInt(options.getOrDefault("heads", "4"));
      int layers = Integer.parseInt(options.getOrDefault("layers", "2"));
      double dropout = Double.parseDouble(options.getOrDefault("dropout", String.valueOf(EncoderSpec.DEFAULT_DROPOUT)));
      EncoderSpec encoder = new EncoderSpec("transformer", dim, layers, heads, 64, 2000, "bench", null, null, dropout);
      flops(work, threads, steps, encoder);
    }
    if (parts.contains("2")) {
      startToFirstStep(root, work, workerSteps);
    }
    if (parts.contains("3")) {
      sideBySide(root, work, workers, workerSteps);
    }
    System.out.printf(Locale.ROOT, "load average at end %s; work dir %s%n", loadAverage(), root);
  }

  // ---------------------------------------------------------------------------------------------------
  // (1) FLOP/s efficiency

  private static void flops(String work, int threads, int steps, EncoderSpec encoderSpec) throws Exception {
    Worker.configureThreads(threads);
    // as the worker does before it loads the engine
    System.out.printf(Locale.ROOT, "    C allocator keeps freed memory (as in the worker): %s%n", NativeAllocator.keepFreedMemory());
    int b = 64;
    TrainingSpec settings = new TrainingSpec(steps, b, 1e-3, 2, 0.05, steps, 1.0, threads);
    TrainingPairs pairs = TrainingPairs.load(new PreparedTables(PreparedFixture.conf()), new WorkDir(work), "bench",
        "train", encoderSpec.vocabularySize());
    BatchSampler sampler = new BatchSampler(pairs, b, 13);

    Engine engine = Engine.getInstance();
    // The reference matmul is measured before and after the training steps; the ratio uses the faster of
    // the two (on a shared machine a slow reference would flatter the ratio).
    double[] referenceBefore = matmulFlopsWallAndCpu(2 * b * encoderSpec.maxLength(), encoderSpec.embeddingDim(),
        4 * encoderSpec.embeddingDim());
    engine.setRandomSeed(13);
    TextTowers towers = TextTowers.create(encoderSpec, Device.cpu(), PreparedFixture.conf(), "bench");
    TextEncoder encoder = (TextEncoder) towers.query();
    InfoNceLoss loss = new InfoNceLoss(Variant.COSINE, settings.temperature());
    LearningRateSchedule schedule = new LearningRateSchedule(settings.learningRate(), settings.warmupSteps());
    int warmup = 3;
    double[] stepSeconds = new double[steps];
    double[] stepCpuSeconds = new double[steps];
    // The reference matmul right after each timed step (median of 5), so that on a shared machine both see
    // about the same competition for the core.
    double[] pairedReference = new double[steps];
    double[] profile;
    try (Model model = Model.newInstance("bench", Device.cpu())) {
      model.setBlock(encoder.block());
      encoder.block().setInitializer(new TruncatedNormalInitializer(0.02f), Parameter.Type.WEIGHT);
      encoder.block().initialize(model.getNDManager(), DataType.FLOAT32, encoder.inputShapes(2 * b));
      encoder.prepareParameters();
      ResumableAdam adam = new ResumableAdam(schedule);
      DefaultTrainingConfig config = new DefaultTrainingConfig(loss).optDevices(new Device[] {Device.cpu()})
          .optOptimizer(adam);
      try (Trainer trainer = model.newTrainer(config)) {
        trainer.initialize(encoder.inputShapes(2 * b));
        ContrastiveTraining training =
            new ContrastiveTraining(
                trainer, towers, loss, LossScalars.of(Variant.COSINE, settings), sampler, schedule, settings, 13);
        for (int s = 1; s <= warmup; s++) {
          training.step(s);
        }
        int refM = 2 * b * encoderSpec.maxLength();
        int refK = encoderSpec.embeddingDim();
        int refN = 4 * encoderSpec.embeddingDim();
        for (int s = 0; s < steps; s++) {
          long t0 = System.nanoTime();
          long c0 = threadCpuNanos();
          training.step(warmup + 1 + s);
          stepSeconds[s] = (System.nanoTime() - t0) / 1e9;
          stepCpuSeconds[s] = (threadCpuNanos() - c0) / 1e9;
          pairedReference[s] = matmulFlopsWallAndCpu(refM, refK, refN, 5)[0];
        }
        profile = profile(trainer, encoder, loss, sampler, Math.max(3, steps / 2));
      }
    }
    double median = median(stepSeconds);

    // Analytic matmul FLOPs of one forward over N = 2B texts of S positions (T = N·S tokens).
    long n = 2L * b;
    long s = encoderSpec.maxLength();
    long e = encoderSpec.embeddingDim();
    long h = 4 * e;
    long layers = encoderSpec.layers();
    long t = n * s;
    Map<String, Long> terms = new java.util.LinkedHashMap<>();
    terms.put("embeddings (token/position lookups: gathers, no matmul)", 0L);
    terms.put("attention fused Q,K,V projection (E→3E) L·2·T·E·3E", layers * 2 * t * e * 3 * e);
    terms.put("attention scores Q·Kᵀ        L·2·N·S·S·E", layers * 2 * n * s * s * e);
    terms.put("attention weights·V          L·2·N·S·S·E", layers * 2 * n * s * s * e);
    terms.put("attention output projection  L·2·T·E·E", layers * 2 * t * e * e);
    terms.put("feed-forward (E→4E→E)        L·2·2·T·E·4E", layers * 2 * 2 * t * e * h);
    terms.put("InfoNCE logits               2·B·B·E", 2L * b * b * e);
    long forward = terms.values().stream().mapToLong(Long::longValue).sum();
    long training = 3 * forward;
    double achieved = training / median;

    // libtorch's matmul at the size of the feed-forward's first layer, same process and threads.
    double[] referenceAfter = matmulFlopsWallAndCpu((int) t, (int) e, (int) h);
    double reference = Math.max(referenceBefore[0], referenceAfter[0]);
    double referenceCpu = Math.max(referenceBefore[1], referenceAfter[1]);
    double medianCpu = median(stepCpuSeconds);
    double square = matmulFlops(512, 512, 512);

    System.out.printf(Locale.ROOT, "%n(1) training FLOP/s vs libtorch matmul FLOP/s (%d thread(s))%n", threads);
    System.out.printf(Locale.ROOT,
        "    encoder E=%d, layers=%d, heads=%d, FF=%d, S=%d, B=%d (N=2B=%d texts, T=N·S=%d tokens), hidden dropout %s%n",
        e, layers, encoderSpec.heads(), h, s, b, n, t, encoderSpec.dropout());
    terms.forEach((k, v) -> System.out.printf(Locale.ROOT, "    %-62s %8.1f MFLOP%n", k, v / 1e6));
    System.out.printf(Locale.ROOT, "    forward %.1f MFLOP; training = forward + backward (2× forward) = %.1f MFLOP/step%n",
        forward / 1e6, training / 1e6);
    System.out.printf(Locale.ROOT, "    step time: median %.1f ms over %d steps (after %d warm-up steps; min %.1f, max %.1f)%n",
        1000 * median, steps, warmup, 1000 * min(stepSeconds), 1000 * max(stepSeconds));
    System.out.printf(Locale.ROOT, "    training: %.2f GFLOP/s%n", achieved / 1e9);
    System.out.printf(Locale.ROOT,
        "    libtorch matmul (%d×%d)·(%d×%d) float32: %.2f GFLOP/s (the faster of %.2f before and %.2f after the steps; "
            + "512³: %.2f GFLOP/s)%n",
        t, e, e, h, reference / 1e9, referenceBefore[0] / 1e9, referenceAfter[0] / 1e9, square / 1e9);
    System.out.printf(Locale.ROOT, "    RATIO training / matmul = %.3f (target >= 0.6)%n", achieved / reference);
    double[] pairedRatios = new double[steps];
    for (int i = 0; i < steps; i++) {
      pairedRatios[i] = training / stepSeconds[i] / pairedReference[i];
    }
    System.out.printf(Locale.ROOT,
        "    paired (each step against the reference matmul timed right after it): median RATIO %.3f (min %.3f, max %.3f)%n",
        median(pairedRatios), min(pairedRatios), max(pairedRatios));
    // With one intra-op thread libtorch computes (forward and backward) on the calling thread, so the thread's
    // CPU time is the work itself, whatever else the machine runs; the same for the reference matmul.
    System.out.printf(Locale.ROOT,
        "    in this thread's CPU time (robust to other processes): step median %.1f ms = %.2f GFLOP/s; matmul %.2f "
            + "GFLOP/s (faster of %.2f, %.2f); RATIO %.3f%n",
        1000 * medianCpu, training / medianCpu / 1e9, referenceCpu / 1e9, referenceBefore[1] / 1e9,
        referenceAfter[1] / 1e9, training / medianCpu / referenceCpu);

    // Where the time goes: the same batch's forward (+ loss), forward + backward, and the encoder's
    // matmuls alone at libtorch's speed for their shapes (forward; ×3 for training).
    double matmulForward = encoderMatmulSeconds((int) n, (int) s, (int) e, (int) h, encoderSpec.heads(), (int) layers);
    System.out.printf(Locale.ROOT, "    profile (median ms): forward+loss %.1f, forward+loss+backward %.1f, whole step %.1f%n",
        1000 * profile[0], 1000 * profile[1], 1000 * median);
    System.out.printf(Locale.ROOT,
        "    the encoder's matmuls alone, each shape timed by itself: forward %.1f ms, ×3 = %.1f ms = %.0f%% of the step%n",
        1000 * matmulForward, 3000 * matmulForward, 100 * 3 * matmulForward / median);
    int probabilities = (int) (n * encoderSpec.heads());
    double softmax = elementwiseSeconds(new Shape(probabilities, s, s), x -> x.softmax(-1));
    double gelu = elementwiseSeconds(new Shape(t, h), ai.djl.nn.Activation::gelu);
    // Hidden dropout (when the option is > 0): per layer the two sublayer outputs (T·E each), plus the
    // embedding output (T·E); none on the attention probabilities.
    long dropped = encoderSpec.dropout() > 0 ? layers * 2 * t * e + t * e : 0;
    double dropout = elementwiseSeconds(new Shape(t, e), x -> x.getNDArrayInternal().dropout(x, 0.1f, true).head());
    System.out.printf(Locale.ROOT,
        "    dropout masks of a forward: %.2f M elements at %.1f ns each = %.1f ms%n",
        dropped / 1e6, 1e9 * dropout / ((double) t * e), 1000 * dropped * dropout / ((double) t * e));
    System.out.printf(Locale.ROOT,
        "    elementwise ops of one layer's forward, each timed alone: attention softmax (%d×%d×%d) %.1f ms, "
            + "feed-forward GELU (%d×%d) %.1f ms; ×%d layers = %.1f ms of the %.1f ms forward%n",
        probabilities, s, s, 1000 * softmax, t, h, 1000 * gelu, layers,
        1000 * layers * (softmax + gelu), 1000 * profile[0]);
  }

  private static double elementwiseSeconds(Shape shape, java.util.function.UnaryOperator<NDArray> op) {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray x = manager.randomNormal(shape);
      for (int i = 0; i < 2; i++) {
        op.apply(x).close();
      }
      double[] seconds = new double[9];
      for (int i = 0; i < seconds.length; i++) {
        long t0 = System.nanoTime();
        op.apply(x).close();
        seconds[i] = (System.nanoTime() - t0) / 1e9;
      }
      return median(seconds);
    }
  }

  /** Median seconds of {forward + loss, forward + loss + backward} of sampled batches, no optimizer update. */
  private static double[] profile(Trainer trainer, TextEncoder encoder, InfoNceLoss loss, BatchSampler sampler, int repeats) {
    ai.djl.training.ParameterStore parameters = new ai.djl.training.ParameterStore(trainer.getManager(), false);
    double[] forward = new double[repeats];
    double[] backward = new double[repeats];
    for (int r = 0; r < repeats; r++) {
      dev.magnitude.worker.train.Batch batch = sampler.batch(1 + r);
      int b = batch.size();
      List<int[]> texts = new ArrayList<>(batch.queries());
      texts.addAll(batch.documents());
      for (int withBackward = 0; withBackward < 2; withBackward++) {
        try (NDManager scope = trainer.getManager().newSubManager();
            ai.djl.training.GradientCollector collector = trainer.newGradientCollector()) {
          long t0 = System.nanoTime();
          NDArray embeddings = encoder.embed(encoder.forward(parameters, true), scope, texts);
          NDArray value = loss.loss(embeddings.get("0:" + b), embeddings.get(b + ":"), scope.create(batch.excluded()));
          value.getFloat();
          if (withBackward == 1) {
            collector.backward(value);
          }
          double seconds = (System.nanoTime() - t0) / 1e9;
          (withBackward == 1 ? backward : forward)[r] = seconds;
        }
      }
    }
    return new double[] {median(forward), median(backward)};
  }

  /** Seconds of the encoder forward's matmuls, each shape timed alone (median of repeats) and summed. */
  static double encoderMatmulSeconds(int n, int s, int e, int h, int heads, int layers) {
    int t = n * s;
    int dh = e / heads;
    double perLayer = matmulSeconds(1, t, e, 3 * e) + matmulSeconds(1, t, e, e) // fused Q/K/V, output projection
        + matmulSeconds(n * heads, s, dh, s) // scores
        + matmulSeconds(n * heads, s, s, dh) // weights · V
        + matmulSeconds(1, t, e, h) + matmulSeconds(1, t, h, e); // feed-forward
    return layers * perLayer;
  }

  private static double matmulSeconds(int batch, int m, int k, int n) {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray a = manager.randomNormal(batch == 1 ? new Shape(m, k) : new Shape(batch, m, k));
      NDArray b = manager.randomNormal(batch == 1 ? new Shape(k, n) : new Shape(batch, k, n));
      for (int i = 0; i < 3; i++) {
        a.matMul(b).close();
      }
      double[] seconds = new double[15];
      for (int i = 0; i < seconds.length; i++) {
        long t0 = System.nanoTime();
        a.matMul(b).close();
        seconds[i] = (System.nanoTime() - t0) / 1e9;
      }
      return median(seconds);
    }
  }

  /**
   * Float32 matmul FLOP/s of (m × k)·(k × n) through DJL, after warm-up: {by the median wall time, by the
   * median of this thread's CPU time} of timed repeats.
   */
  private static double[] matmulFlopsWallAndCpu(int m, int k, int n) {
    return matmulFlopsWallAndCpu(m, k, n, 30);
  }

  private static double[] matmulFlopsWallAndCpu(int m, int k, int n, int repeats) {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray a = manager.randomNormal(new Shape(m, k));
      NDArray b = manager.randomNormal(new Shape(k, n));
      for (int i = 0; i < 5; i++) {
        a.matMul(b).close();
      }
      double[] seconds = new double[repeats];
      double[] cpuSeconds = new double[repeats];
      for (int i = 0; i < repeats; i++) {
        long c0 = threadCpuNanos();
        long t0 = System.nanoTime();
        NDArray c = a.matMul(b);
        c.getFloat(0, 0); // PyTorch on CPU is synchronous; reading one value makes sure the product exists
        seconds[i] = (System.nanoTime() - t0) / 1e9;
        cpuSeconds[i] = (threadCpuNanos() - c0) / 1e9;
        c.close();
      }
      return new double[] {2.0 * m * k * n / median(seconds), 2.0 * m * k * n / median(cpuSeconds)};
    }
  }

  /** Float32 matmul FLOP/s of (m × k)·(k × n) through DJL by the median wall time. */
  private static double matmulFlops(int m, int k, int n) {
    return matmulFlopsWallAndCpu(m, k, n)[0];
  }

  private static long threadCpuNanos() {
    return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
  }

  // ---------------------------------------------------------------------------------------------------
  // (2) worker start to first step

  private static void startToFirstStep(Path root, String work, int steps) throws Exception {
    double jvm = trivialJvmSeconds();
    WorkerTimes w = launch(root, work, List.of(demoSpec(0, steps)), "first").get(0);
    System.out.printf(Locale.ROOT, "%n(2) worker process start to its first step (demo size E=64, S=32, B=32, 1 thread)%n");
    System.out.printf(Locale.ROOT, "    a bare JVM on the same classpath (start, print, exit): %.2f s%n", jvm);
    System.out.printf(Locale.ROOT, "    worker: start event %.2f s, FIRST STEP %.2f s after launch (target <= 5 s); done %.2f s%n",
        w.startEvent, w.firstStep, w.done);
    w.marks.forEach((what, at) -> System.out.printf(Locale.ROOT, "      %-52s at %.2f s%n", what, at));
    System.out.printf(Locale.ROOT,
        "    the worker had used %.2f CPU seconds (all its threads) at its first step: the figure an idle machine's"
            + " wall time approaches from above with one core, from below with spare cores%n", w.cpuAtFirstStep);
  }

  /** Seconds for a JVM on the benchmark's classpath to start, load one class and exit. */
  private static double trivialJvmSeconds() throws Exception {
    List<String> command = List.of(javaBinary(), "-Xmx1g", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
        Hello.class.getName());
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    p.waitFor();
    return (System.nanoTime() - t0) / 1e9;
  }

  /** The trivial main of {@link #trivialJvmSeconds}. */
  public static final class Hello {
    public static void main(String[] args) {
      System.out.println("hello");
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // (3) side by side vs one after another

  private static void sideBySide(Path root, String work, int workers, int steps) throws Exception {
    List<RunSpec> specs = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      specs.add(demoSpec(100 + w, steps));
    }
    double cpu0 = childrenCpuSeconds();
    long t0 = System.nanoTime();
    for (int w = 0; w < workers; w++) {
      launch(root, work, List.of(specs.get(w)), "seq");
    }
    double sequential = (System.nanoTime() - t0) / 1e9;
    double cpu1 = childrenCpuSeconds();
    List<RunSpec> again = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      again.add(demoSpec(200 + w, steps));
    }
    t0 = System.nanoTime();
    List<WorkerTimes> parallel = launch(root, work, again, "par");
    double together = (System.nanoTime() - t0) / 1e9;
    double cpu2 = childrenCpuSeconds();
    System.out.printf(Locale.ROOT, "%n(3) %d workers (demo size, %d steps, 1 thread each), launched as processes%n",
        workers, steps);
    System.out.printf(Locale.ROOT, "    one after another: %.2f s; side by side: %.2f s (first steps at %s s)%n",
        sequential, together, parallel.stream().map(p -> String.format(Locale.ROOT, "%.1f", p.firstStep)).toList());
    System.out.printf(Locale.ROOT, "    RATIO side by side / one after another = %.3f (%d cores: %.3f would be perfect sharing)%n",
        together / sequential, Runtime.getRuntime().availableProcessors(),
        Math.max(1.0 / workers, 1.0 / Math.min(workers, Runtime.getRuntime().availableProcessors())));
    // CPU seconds the workers used (user + system, from this process's reaped children): unlike wall
    // time, they hardly depend on what else the machine runs, so they show what running side by side
    // costs the workers themselves (cache and memory-bandwidth contention, JIT threads).
    double sequentialCpu = cpu1 - cpu0;
    double parallelCpu = cpu2 - cpu1;
    int cores = Runtime.getRuntime().availableProcessors();
    System.out.printf(Locale.ROOT,
        "    worker CPU seconds: one after another %.1f, side by side %.1f (×%.2f); on an otherwise idle machine with %d "
            + "cores that predicts a wall-time ratio of about %.2f%n",
        sequentialCpu, parallelCpu, parallelCpu / sequentialCpu, cores,
        parallelCpu / Math.min(cores, workers) / sequentialCpu);
  }

  /** User + system CPU seconds of this process's terminated, waited-for children (/proc/self/stat cutime, cstime). */
  private static double childrenCpuSeconds() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // After the command name, field 3 (state) is f[0]; cutime is field 16, cstime field 17, in clock ticks
      // (USER_HZ, 100 on Linux).
      return (Long.parseLong(f[13]) + Long.parseLong(f[14])) / 100.0;
    } catch (Exception e) {
      return Double.NaN;
    }
  }

  // ---------------------------------------------------------------------------------------------------

  private static RunSpec demoSpec(long seed, int steps) {
    return new RunSpec("bench", "h", Variant.COSINE, seed, new EncoderSpec("transformer", 64, 2, 4, 32, 2000, "bench"),
        new TrainingSpec(steps, 32, 1e-3, 10, 0.05, steps, 1.0, 1), List.of(new EvalSet("bench", "test")));
  }

  /** What one worker process reported, in seconds after its launch. */
  private record WorkerTimes(
      double startEvent, double firstStep, double done, double cpuAtFirstStep, Map<String, Double> marks) {}

  /** Launches one worker process per spec at once and waits for all; each must succeed. */
  private static List<WorkerTimes> launch(Path root, String work, List<RunSpec> specs, String tag) throws Exception {
    List<Process> processes = new ArrayList<>();
    List<Path> logs = new ArrayList<>();
    List<Long> launched = new ArrayList<>();
    List<LocalTime> launchedClock = new ArrayList<>();
    for (RunSpec spec : specs) {
      Path specFile = Path.of(new WorkDir(work).spec(spec.id()));
      Files.createDirectories(specFile.getParent());
      Files.writeString(specFile, spec.canonicalJson());
      List<String> command = new ArrayList<>();
      command.add(javaBinary());
      command.addAll(workerJavaOptions);
      command.addAll(List.of("-cp", System.getProperty("java.class.path"), WorkerMain.class.getName(), "--spec",
          specFile.toString()));
      Path log = root.resolve(tag + "-" + spec.id() + ".stderr");
      ProcessBuilder pb = new ProcessBuilder(command).redirectError(log.toFile());
      pb.environment().put("DJL_OFFLINE", "true");
      logs.add(log);
      launchedClock.add(LocalTime.now());
      launched.add(System.nanoTime());
      processes.add(pb.start());
    }
    List<WorkerTimes> times = new ArrayList<>();
    List<Thread> readers = new ArrayList<>();
    WorkerTimes[] results = new WorkerTimes[specs.size()];
    for (int i = 0; i < specs.size(); i++) {
      int index = i;
      Thread reader = new Thread(() -> results[index] = read(processes.get(index), launched.get(index)));
      reader.start();
      readers.add(reader);
    }
    for (int i = 0; i < specs.size(); i++) {
      readers.get(i).join();
      int exit = processes.get(i).waitFor();
      WorkerTimes r = results[i];
      if (exit != 0 || r == null || r.done < 0) {
        throw new IllegalStateException("worker " + specs.get(i).id() + " exited " + exit + "; see " + logs.get(i));
      }
      times.add(new WorkerTimes(
          r.startEvent, r.firstStep, r.done, r.cpuAtFirstStep, marks(logs.get(i), launchedClock.get(i))));
    }
    return times;
  }

  private static WorkerTimes read(Process p, long launched) {
    double startEvent = -1;
    double firstStep = -1;
    double done = -1;
    double cpu = -1;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        double at = (System.nanoTime() - launched) / 1e9;
        JsonNode e = Json.MAPPER.readTree(line);
        switch (e.path("event").asText()) {
          case "start" -> startEvent = at;
          case "progress" -> {
            if (firstStep < 0) {
              firstStep = at;
              cpu = processCpuSeconds(p.pid());
            }
          }
          case "done" -> done = at;
          default -> { }
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return new WorkerTimes(startEvent, firstStep, done, cpu, Map.of());
  }

  /** User + system CPU seconds a live process has used so far (/proc/PID/stat utime, stime). */
  private static double processCpuSeconds(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // fields 14, 15 in clock ticks
    } catch (Exception e) {
      return Double.NaN;
    }
  }

  /**
   * When the worker logged its first line, and the lines that mark its phases (reading the pairs, the
   * engine load), in seconds after launch, from the log's HH:mm:ss.SSS timestamps.
   */
  private static Map<String, Double> marks(Path log, LocalTime launched) throws Exception {
    Map<String, Double> marks = new TreeMap<>();
    String[][] wanted = {
      {"first log line (JVM up, main running)", ""},
      {"training pairs read", "TrainingPairs"},
      {"PyTorch engine load starts", "Found matching platform"},
      {"PyTorch engine loaded", "Number of intra-op threads"},
    };
    for (String line : Files.readAllLines(log)) {
      if (line.length() < 12 || !line.matches("^\\d\\d:\\d\\d:\\d\\d\\.\\d\\d\\d .*")) {
        continue;
      }
      double at = (LocalTime.parse(line.substring(0, 12)).toNanoOfDay() - launched.toNanoOfDay()) / 1e9;
      for (String[] w : wanted) {
        if (!marks.containsKey(w[0]) && line.contains(w[1])) {
          marks.put(w[0], at);
        }
      }
    }
    Map<String, Double> ordered = new java.util.LinkedHashMap<>();
    marks.entrySet().stream().sorted(Map.Entry.comparingByValue()).forEach(en -> ordered.put(en.getKey(), en.getValue()));
    return ordered;
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (Exception e) {
      return "unknown";
    }
  }

  private static Map<String, String> options(String[] args) {
    return BenchMachine.options(args);
  }


  private static double median(double[] values) {
    double[] sorted = values.clone();
    java.util.Arrays.sort(sorted);
    int m = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
  }

  private static double min(double[] values) {
    return java.util.Arrays.stream(values).min().orElse(Double.NaN);
  }

  private static double max(double[] values) {
    return java.util.Arrays.stream(values).max().orElse(Double.NaN);
  }
}
