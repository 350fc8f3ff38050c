package dev.magnitude.jobs.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.magnitude.core.metrics.ScoredDoc;
import dev.magnitude.core.run.Variant;
import dev.magnitude.core.schema.Tables;
import dev.magnitude.jobs.score.ExhaustiveScorer;
import dev.magnitude.jobs.score.QueryBlock;
import dev.magnitude.jobs.score.Scoring;
import dev.magnitude.worker.data.DataSchemas;
import dev.magnitude.worker.output.AtomicParquetFile;
import dev.magnitude.worker.output.EmbeddingExport;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;

/**
 * Exhaustive scoring at scale: speed against libtorch's float32 matrix product, and the heap it needs.
 *
 * <pre>
 * jobs/bench jobs dev.magnitude.jobs.bench.ScoringBenchmark [--docs 1000000] [--queries 1000] [--dim 256]
 *     [--k 100] [--variant dot] [--master 'local[2]'] [--block 2048] [--repeats 5] [--keep DIR]
 *     [--reader pages|spark|both]
 * </pre>
 *
 * <p>It generates the document embeddings in Spark tasks, one Parquet file each written with the trainer's
 * embeddings writer (id {@code d<n>}, Gaussian vectors with per-document scale, seeded by n; nothing is held
 * on the driver); the default is the scale, a million documents of 256 dimensions against 1,000
 * queries. Then it measures, in one JVM:
 *
 * <ol>
 *   <li>the baseline: libtorch (DJL) float32 {@code matMul} of the scorer's block shape, (Q × E) · (E ×
 *       block), run concurrently in as many threads as the master has cores, PyTorch intra-op threads
 *       1 in each of them (the scorer's setting), as FLOP/s per core (and per CPU-second of the calling
 *       threads, which equals it when the machine is idle);
 *   <li>the Spark read alone (every vector decoded, nothing scored), for the share of I/O;
 *   <li>the exhaustive scorer ({@link ExhaustiveScorer}: document shards × broadcast queries, float GEMM
 *       pre-pass, exact double rescoring, per-shard top-k, merge): 2·D·E·Q FLOP per second per core and its
 *       ratio to the baseline (target ≥ 0.7), the fastest of {@code --repeats} passes, docs × queries per second, the pairs rescored in double, and
 *       the peak heap (heap pools' used bytes sampled every 10 ms, plus the pools' own peak usage); and the
 *       tasks' thread CPU time by phase (matMul calls, copies and cut, selection, reading and decoding)
 *       with the same ratio in CPU time (2·D·E·Q per task CPU-second over the baseline's FLOP per
 *       CPU-second of its threads), which a shared machine's load does not distort the way it does wall
 *       time;
 *   <li>with {@code --reader}: the scorer reading the Parquet pages itself ({@code pages}, the aggregate job's
 *       route for the trainer's files, {@link ExhaustiveScorer#scoreFiles}), through Spark's vectorized
 *       reader ({@code spark}, the route for any other table), or both, one table row each (the rankings
 *       must be equal);
 *   <li>for comparison, the former route, a pure-Java double loop over every pair (one thread, a sample of
 *       the documents), as FLOP/s and ratio.
 * </ol>
 */
public final class ScoringBenchmark {
  private ScoringBenchmark() {}

  /** The last baseline's rate per CPU-second of its threads (load-independent as long as one thread per core). */
  private static double gemmPerCpuSecond;

  public static void main(String[] args) throws Exception {
    long docs = 1_000_000;
    int queries = 1000;
    int dim = 256;
    int k = 100;
    Variant variant = Variant.DOT;
    String master = "local[2]";
    int block = ExhaustiveScorer.DEFAULT_BLOCK;
    int repeats = 5;
    List<String> readers = List.of("pages");
    Path keep = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--docs" -> docs = Long.parseLong(args[++i]);
        case "--queries" -> queries = Integer.parseInt(args[++i]);
        case "--dim" -> dim = Integer.parseInt(args[++i]);
        case "--k" -> k = Integer.parseInt(args[++i]);
        case "--variant" -> variant = Variant.of(args[++i]);
        case "--master" -> master = args[++i];
        case "--block" -> block = Integer.parseInt(args[++i]);
        case "--repeats" -> repeats = Integer.parseInt(args[++i]);
        case "--keep" -> keep = Path.of(args[++i]);
        case "--reader" -> readers = switch (args[++i]) {
          case "pages" -> List.of("pages");
          case "spark" -> List.of("spark");
          case "both" -> List.of("pages", "spark");
          default -> throw new IllegalArgumentException("--reader is pages, spark or both, got " + args[i]);
        };
        default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; usage: [--docs N] [--queries Q] "
            + "[--dim E] [--k K] [--variant dot|cosine|query-norm|doc-norm] [--master local[K]] [--block B] "
            + "[--repeats R] [--keep DIR] [--reader pages|spark|both]");
      }
    }
    int cores = cores(master);
    // the scorer's setting (ExhaustiveScorer's FloatGemm sets the same if unset): one libtorch thread per task
    System.setProperty("ai.djl.pytorch.num_threads", "1");
    System.setProperty("ai.djl.pytorch.num_interop_threads", "1");

    Path root = keep != null ? keep : Files.createTempDirectory("magnitude-scoring-bench");
    String path = root.resolve("embeddings-" + docs + "x" + dim).toString();
    SparkSession spark = SparkSession.builder().master(master).appName("scoring-benchmark")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", String.valueOf(2 * cores))
        .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    try {
      long t0 = System.nanoTime();
      if (!Files.exists(Path.of(path, "_SUCCESS"))) {
        generate(spark, path, docs, dim, Math.max(2 * cores, (int) (docs * dim * 4L / 64_000_000L)));
      }
      System.out.printf(Locale.ROOT, "documents: %d × %d floats at %s (%.0f MB), ready in %.1f s%n", docs, dim, path,
          size(Path.of(path)) / 1e6, (System.nanoTime() - t0) / 1e9);
      System.out.printf(Locale.ROOT, "max heap %.0f MB, master %s (%d cores), %d queries, k %d, variant %s, block %d%n",
          Runtime.getRuntime().maxMemory() / 1e6, master, cores, queries, k, variant.id(), block);
      System.out.println("load: " + loadAverage());

      double gemm = gemmFlopsPerCore(queries, dim, block, cores, 1.5);
      double baselinePerCpuSecond = gemmPerCpuSecond;
      double gemmOne = gemmFlopsPerCore(queries, dim, block, 1, 1.0);
      System.out.printf(Locale.ROOT, "baseline: libtorch float32 matMul (%d × %d)·(%d × %d), %d threads: %.2f GFLOP/s "
          + "per core (one thread alone: %.2f GFLOP/s)%n", queries, dim, dim, block, cores, gemm / 1e9, gemmOne / 1e9);

      List<String> queryIds = new ArrayList<>();
      List<float[]> queryVectors = new ArrayList<>();
      SplittableRandom random = new SplittableRandom(7);
      for (int q = 0; q < queries; q++) {
        queryIds.add("q" + q);
        queryVectors.add(gaussian(random, dim, 1));
      }
      QueryBlock qb = QueryBlock.of(queryIds, queryVectors, Scoring.of(variant));
      Dataset<Row> documents = ExhaustiveScorer.readDocuments(spark, path);
      System.out.println("document partitions: " + documents.rdd().getNumPartitions());

      double rowSeconds = readOnly(documents, false);
      System.out.printf(Locale.ROOT, "Spark read alone through unsafe rows (toRdd): %.1f s, %.0f docs/s/core%n",
          rowSeconds, docs / rowSeconds / cores);
      double readSeconds = readOnly(documents, true);
      System.out.printf(Locale.ROOT, "Spark read alone as the scorer reads (column batches): %.1f s, %.0f docs/s/core%n",
          readSeconds, docs / readSeconds / cores);

      double flop = 2.0 * docs * dim * queries;
      List<Pass> bests = new ArrayList<>();
      Map<String, List<ScoredDoc>> top = null;
      for (String reader : readers) {
        Pass best = null;
        for (int r = 0; r < repeats; r++) {
          PeakHeap peak = PeakHeap.reset();
          ExhaustiveScorer.Counters counters = ExhaustiveScorer.Counters.register(jsc);
          LongAccumulator rescored = counters.rescored();
          long start = System.nanoTime();
          Map<String, List<ScoredDoc>> result = reader.equals("pages")
              ? ExhaustiveScorer.scoreFiles(spark, path, qb, k, block, counters)
              : ExhaustiveScorer.score(jsc, documents, qb, k, block, counters);
          double seconds = (System.nanoTime() - start) / 1e9;
          double mb = peak.peakMb();
          if (top != null && !top.equals(result)) {
            throw new IllegalStateException("the " + reader + " reader ranked differently");
          }
          top = result;
          System.out.printf(Locale.ROOT, "scoring pass %d (%s reader): %.2f s, %.2f GFLOP/s per core, ratio %.3f (to "
              + "the baseline before), %.3g docs×queries/s, peak heap %.0f MB (pools' peak %.0f MB), rescored in "
              + "double: %d pairs (%.4f%%)%n", r + 1, reader, seconds,
              flop / seconds / cores / 1e9, flop / seconds / cores / gemm, docs * (double) queries / seconds, mb,
              peak.poolPeakMb(), rescored.value(), 100.0 * rescored.value() / (docs * (double) queries));
          System.out.printf(Locale.ROOT, "  task time: float matMul (copies included) %.2f s, selection (filter, "
              + "double rescoring, top-k) %.2f s, of %.2f s of %d cores%n", counters.gemmNanos().value() / 1e9,
              counters.selectNanos().value() / 1e9, seconds * cores, cores);
          double matMulWall = counters.matMulNanos().value() / 1e9;
          double matMulCpu = counters.matMulCpuNanos().value() / 1e9;
          double taskCpu = counters.taskCpuNanos().value() / 1e9;
          double gemmCpu = counters.gemmCpuNanos().value() / 1e9;
          double selectCpu = counters.selectCpuNanos().value() / 1e9;
          System.out.printf(Locale.ROOT, "  of the float matMul time: copies in %.2f s, matMul calls alone %.2f s "
              + "wall (%.2f GFLOP/s per task-second)%n", counters.copyNanos().value() / 1e9, matMulWall,
              flop / matMulWall / 1e9);
          System.out.printf(Locale.ROOT, "  thread CPU time of the tasks: %.2f s (wall %.2f s): matMul calls %.2f s "
              + "(%.2f GFLOP/s per CPU-second), float products with copies and cut %.2f s, selection %.2f s, "
              + "reading and decoding (the rest) %.2f s; 2·D·E·Q per task CPU-second %.2f GFLOP/s, ratio %.3f to "
              + "the baseline's per CPU-second; documents read from Parquet pages: %d, copied in bulk from column "
              + "batches: %d, of %d%n", taskCpu, counters.taskNanos().value() / 1e9, matMulCpu,
              flop / matMulCpu / 1e9, gemmCpu, selectCpu, taskCpu - gemmCpu - selectCpu, flop / taskCpu / 1e9,
              flop / taskCpu / baselinePerCpuSecond, counters.pageDocuments().value(),
              counters.bulkDocuments().value(), docs);
          if (best == null || seconds < best.seconds()) {
            best = new Pass(reader, seconds, flop / taskCpu / baselinePerCpuSecond, mb, rescored.value());
          }
        }
        bests.add(best);
      }
      // the machine is shared: measure the baseline again after scoring and rate against the mean
      double gemmAfter = gemmFlopsPerCore(queries, dim, block, cores, 1.5);
      System.out.printf(Locale.ROOT, "baseline again after scoring: %.2f GFLOP/s per core; mean of both %.2f%n",
          gemmAfter / 1e9, (gemm + gemmAfter) / 2e9);
      double gemmBefore = gemm;
      gemm = (gemm + gemmAfter) / 2;
      long kept = top.values().stream().mapToLong(List::size).sum();
      System.out.printf(Locale.ROOT, "top-k kept: %d (expected %d)%n", kept, (long) queries * Math.min(k, docs));

      int sample = (int) Math.min(docs, 20_000L * 1000 / queries);
      double loop = doubleLoopFlops(qb, sample, dim);
      System.out.printf(Locale.ROOT, "former route, pure-Java double loop, one thread, %d documents: %.2f GFLOP/s, "
          + "ratio %.3f%n", sample, loop / 1e9, loop / gemm);

      System.out.println();
      System.out.println("load: " + loadAverage());
      System.out.printf(Locale.ROOT, "%d documents × %d queries × %d dims, k %d, %s, %s, max heap %.0f MB%n", docs,
          queries, dim, k, variant.id(), master, Runtime.getRuntime().maxMemory() / 1e6);
      System.out.printf(Locale.ROOT, "libtorch matMul GFLOP/s/core: %.2f before, %.2f after scoring; the table uses "
          + "their mean%n", gemmBefore / 1e9, gemmAfter / 1e9);
      System.out.println("| reader | libtorch matMul GFLOP/s/core | scoring s | scoring GFLOP/s/core | ratio (target ≥ 0.7) | "
          + "ratio in CPU time | docs×queries/s | Spark read alone s | rescored pairs % | peak heap MB | double loop ratio |");
      System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
      for (Pass best : bests) {
        double rate = flop / best.seconds() / cores;
        System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.3f | %.3f | %.3g | %.1f | %.4f | %.0f | %.3f |%n",
            best.reader(), gemm / 1e9, best.seconds(), rate / 1e9, rate / gemm, best.cpuRatio(),
            docs * (double) queries / best.seconds(), readSeconds, 100.0 * best.rescored() / (docs * (double) queries),
            best.peakMb(), loop / gemm);
      }
    } finally {
      spark.stop();
    }
  }

  /**
   * Writes the documents in Spark tasks, one Parquet file per partition, each with the trainer's writer for
   * embeddings ({@link AtomicParquetFile#embeddings}: uncompressed, small pages): each partition draws its own
   * ids' vectors (seeded by the id); then a {@code _SUCCESS} marker.
   */
  static void generate(SparkSession spark, String path, long docs, int dim, int partitions) throws IOException {
    JavaSparkContext.fromSparkContext(spark.sparkContext())
        .parallelize(java.util.stream.IntStream.range(0, partitions).boxed().toList(), partitions)
        .foreach(p -> {
          org.apache.avro.Schema schema = DataSchemas.load(Tables.EMBEDDINGS);
          String file = path + "/part-" + String.format(Locale.ROOT, "%05d", p) + ".parquet";
          try (AtomicParquetFile out = AtomicParquetFile.embeddings(file, schema, new org.apache.hadoop.conf.Configuration())) {
            for (long n = docs * p / partitions; n < docs * (p + 1) / partitions; n++) {
              SplittableRandom random = new SplittableRandom(0x5eedL * 31 + n);
              // document norms vary (0.5 to 2 times), as the unnormalized runs' embeddings do
              EmbeddingExport.writeRow(out, "d" + n, gaussian(random, dim, 0.5 + 1.5 * random.nextDouble()), 0, dim);
            }
            out.commit();
          }
        });
    Files.createFile(Path.of(path, "_SUCCESS"));
  }

  /** A reader's fastest scoring pass: wall seconds, the ratio in CPU time, peak heap, pairs rescored. */
  record Pass(String reader, double seconds, double cpuRatio, double peakMb, long rescored) {}

  static float[] gaussian(SplittableRandom random, int dim, double scale) {
    float[] v = new float[dim];
    for (int i = 0; i < dim; i++) {
      // Box–Muller; SplittableRandom has no nextGaussian on Java 17
      double u = 1 - random.nextDouble();
      double w = random.nextDouble();
      v[i] = (float) (scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * w) / Math.sqrt(dim));
    }
    return v;
  }

  /** The scan the scorer starts with (Catalyst rows, every vector copied out), without scoring. */
  static double readOnly(Dataset<Row> documents, boolean columnar) {
    long start = System.nanoTime();
    JavaRDD<InternalRow> rows = columnar
        ? ExhaustiveScorer.documentRows(documents.select("id", "vector"))
        : documents.select("id", "vector").queryExecution().toRdd().toJavaRDD();
    double sum = rows.mapPartitions((Iterator<InternalRow> it) -> {
      double s = 0;
      while (it.hasNext()) {
        InternalRow row = it.next();
        float[] v = row.getArray(1).toFloatArray();
        s += v[0] + row.getUTF8String(0).numBytes();
      }
      return List.of(s).iterator();
    }).reduce(Double::sum);
    if (Double.isNaN(sum)) {
      System.out.println("(read checksum NaN)");
    }
    return (System.nanoTime() - start) / 1e9;
  }

  /**
   * libtorch float32 matMul FLOP/s per core: {@code threads} threads, each multiplying its own (Q × E) by
   * (E × block) for {@code seconds} after a warm-up.
   */
  static double gemmFlopsPerCore(int queries, int dim, int block, int threads, double seconds) throws Exception {
    Engine engine = Engine.getEngine("PyTorch");
    AtomicLong products = new AtomicLong();
    CountDownLatch ready = new CountDownLatch(threads);
    long[] elapsed = new long[threads];
    long[] cpu = new long[threads];
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int index = t;
      Thread worker = new Thread(() -> {
        SplittableRandom random = new SplittableRandom(index);
        // one OpenMP thread in this thread too, as FloatGemm sets in each task's thread: the engine's
        // setting covers only the thread that loaded it, and a product called from any other thread would
        // run as a team of one thread per core (oversubscribing the cores when threads > 1)
        ai.djl.pytorch.jni.JniUtils.setNumThreads(1);
        try (NDManager manager = engine.newBaseManager()) {
          NDArray a = manager.create(flat(random, queries * dim), new Shape(queries, dim));
          NDArray b = manager.create(flat(random, block * dim), new Shape(block, dim)).transpose();
          for (int i = 0; i < 5; i++) {
            a.matMul(b).close();
          }
          ready.countDown();
          ready.await();
          long start = System.nanoTime();
          long cpuStart = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
          long n = 0;
          while (System.nanoTime() - start < seconds * 1e9) {
            a.matMul(b).close();
            n++;
          }
          elapsed[index] = System.nanoTime() - start;
          cpu[index] = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpuStart;
          products.addAndGet(n);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      workers.add(worker);
      worker.start();
    }
    for (Thread w : workers) {
      w.join();
    }
    long longest = 0;
    long cpuSum = 0;
    for (int t = 0; t < threads; t++) {
      longest = Math.max(longest, elapsed[t]);
      cpuSum += cpu[t];
    }
    gemmPerCpuSecond = products.get() * 2.0 * queries * dim * block / (cpuSum / 1e9);
    System.out.printf(Locale.ROOT, "  (matMul in %d threads: %.2f GFLOP/s per CPU-second of the threads)%n", threads,
        gemmPerCpuSecond / 1e9);
    return products.get() * 2.0 * queries * dim * block / (longest / 1e9) / threads;
  }

  private static float[] flat(SplittableRandom random, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (random.nextDouble() - 0.5);
    }
    return v;
  }

  /** The former scorer's inner loop: every query against every document, double precision, one thread. */
  static double doubleLoopFlops(QueryBlock queries, int docs, int dim) {
    SplittableRandom random = new SplittableRandom(3);
    double[][] d = new double[docs][];
    for (int i = 0; i < docs; i++) {
      float[] f = gaussian(random, dim, 1);
      d[i] = new double[dim];
      for (int j = 0; j < dim; j++) {
        d[i][j] = f[j];
      }
    }
    double[][] q = queries.vectors();
    double sink = 0;
    long start = 0;
    for (int pass = 0; pass < 2; pass++) { // the first pass warms the JIT up
      start = System.nanoTime();
      for (double[] doc : d) {
        for (double[] query : q) {
          double s = 0;
          for (int j = 0; j < dim; j++) {
            s += query[j] * doc[j];
          }
          sink += s;
        }
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    if (sink == 42) {
      System.out.println();
    }
    return 2.0 * docs * dim * q.length / seconds;
  }

  private static int cores(String master) {
    if (master.equals("local[*]")) {
      return Runtime.getRuntime().availableProcessors();
    }
    if (master.matches("local\\[\\d+]")) {
      return Integer.parseInt(master.substring(6, master.length() - 1));
    }
    throw new IllegalArgumentException("--master must be local[K] or local[*], got " + master);
  }

  private static long size(Path dir) throws IOException {
    try (var files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return String.format(Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
  }

  /**
   * Peak heap in use since reset: the heap's used bytes (live data and garbage not yet collected) sampled
   * every 10 ms by a daemon thread, so a short spike between samples can be missed; plus the sum of the
   * heap pools' own peak usage (which does not miss spikes but adds peaks of different moments).
   */
  static final class PeakHeap {
    private final AtomicLong peak = new AtomicLong();
    private volatile boolean running = true;

    private PeakHeap() {
      Thread sampler = new Thread(() -> {
        var memory = ManagementFactory.getMemoryMXBean();
        while (running) {
          peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
          try {
            Thread.sleep(10);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "peak-heap");
      sampler.setDaemon(true);
      sampler.start();
    }

    static PeakHeap reset() {
      System.gc();
      for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
        if (pool.getType() == MemoryType.HEAP) {
          pool.resetPeakUsage();
        }
      }
      return new PeakHeap();
    }

    double peakMb() {
      running = false;
      return peak.get() / 1e6;
    }

    double poolPeakMb() {
      long sum = 0;
      for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
        if (pool.getType() == MemoryType.HEAP) {
          sum += pool.getPeakUsage().getUsed();
        }
      }
      return sum / 1e6;
    }
  }
}
