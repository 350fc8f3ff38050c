package dev.magnitude.prepare.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.magnitude.core.config.DatasetSpec;
import dev.magnitude.core.config.TokenizerSpec;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.manifest.Manifest;
import dev.magnitude.prepare.PrepareJob;
import dev.magnitude.prepare.beir.BeirReader;
import dev.magnitude.prepare.beir.LineParser;
import dev.magnitude.prepare.io.TextLines;
import dev.magnitude.prepare.tokenize.BuiltinTokenizer;
import dev.magnitude.prepare.tokenize.HuggingFaceTokenizer;
import dev.magnitude.prepare.tokenize.TextTokenizer;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;

/**
 * Throughput and memory of the prepare job on a generated BEIR folder. Not a test: run it by hand, with the
 * heap the scale target names, e.g.
 *
 * <pre>
 * jobs/bench ingest dev.magnitude.prepare.bench.PrepareBenchmark --docs 1000000 --master 'local[2]' \
 *     [--hf path/to/tokenizer.json] [--keep DIR [--stages-only]]
 * </pre>
 *
 * <p>{@code --keep DIR} keeps the generated folder and the prepared data in DIR (a later run reuses the
 * corpus); {@code --stages-only} then skips the whole job and measures the stages with the tokenizer that
 * run stored (its whole-job cells print as NaN).
 *
 * <p>It writes {@code corpus.jsonl} ({@code --docs} documents of 20–80 Zipf-distributed words, a title of
 * 2–5), {@code queries.jsonl} (docs/100 queries) and {@code qrels/{train,test}.tsv} (1–3 judged documents
 * per query), then measures in the same run:
 *
 * <ol>
 *   <li>the baseline: one thread reading corpus.jsonl line by line and parsing each line into a Jackson tree
 *       (documents per second);
 *   <li>for the built-in tokenizer, and for a HuggingFace tokenizer.json when {@code --hf} is given: the
 *       whole prepare job (validation, duplicate checks, vocabulary, tokenization, sorted sharded Parquet,
 *       read-back hashes) on the master given, in documents per second per core; then read + parse +
 *       tokenize in one thread, and the same work as Spark tasks, per core, with the job's line reading
 *       (Hadoop's line reader, then the job's UTF-8 check and decoding: {@link TextLines#lines}). The parse
 *       is the prepare job's ({@link BeirReader#corpusParser} as the job's flat map calls it: the line's
 *       record row, validation included, whose text is title + " " + text); for the built-in tokenizer the stages are first measured with the
 *       Jackson tree parse this benchmark used before (title + " " + text read out of the tree), which also
 *       warms up the JIT for the job's parser;
 *   <li>Spark's share alone: the Spark stage without tokenizing, with either parse — the ceiling of the
 *       Spark column, measured last, when Spark's code is warm;
 *   <li>the ratios to the baseline (target ≥ 0.5 for the built-in tokenizer's Spark stage), and the peak heap
 *       in use (sampled; this JVM, which in local mode is driver and executors).
 * </ol>
 *
 * <p>Every rate is printed twice: per wall-clock second, and per second of the measuring threads' own CPU
 * time (the tasks' threads for Spark), with the load average before and after. On a machine shared with
 * other work the wall-clock ratios mostly measure that work (two Spark tasks need both cores, one thread
 * needs one, and the baseline's idle second core runs its GC and JIT); the CPU-time ratios compare the code.
 * </ol>
 */
public final class PrepareBenchmark {
  private PrepareBenchmark() {}

  public static void main(String[] args) throws Exception {
    long docs = 200_000;
    String master = "local[2]";
    String hf = null;
    Path keep = null;
    boolean stagesOnly = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--docs" -> docs = Long.parseLong(args[++i]);
        case "--master" -> master = args[++i];
        case "--hf" -> hf = args[++i];
        case "--keep" -> keep = Path.of(args[++i]);
        case "--stages-only" -> stagesOnly = true;
        default -> throw new IllegalArgumentException("unknown argument " + args[i]
            + "; usage: [--docs N] [--master local[K]] [--hf tokenizer.json] [--keep DIR [--stages-only]]");
      }
    }
    if (stagesOnly && keep == null) {
      throw new IllegalArgumentException("--stages-only reuses the tokenizer a run with the same --keep DIR stored; give --keep DIR");
    }
    int cores = cores(master);
    Path root = keep != null ? keep : Files.createTempDirectory("magnitude-prepare-bench");
    Path beir = root.resolve("beir");
    long t0 = System.nanoTime();
    if (!Files.exists(beir.resolve("corpus.jsonl"))) {
      generate(beir, docs);
    }
    System.out.printf(Locale.ROOT, "generated %d documents (%.0f MB corpus.jsonl) in %.1f s at %s%n", docs,
        Files.size(beir.resolve("corpus.jsonl")) / 1e6, (System.nanoTime() - t0) / 1e9, beir);
    System.out.printf(Locale.ROOT, "max heap %.0f MB, master %s (%d cores)%n",
        Runtime.getRuntime().maxMemory() / 1e6, master, cores);

    Rate baselineRate = baseline(beir.resolve("corpus.jsonl"));
    double baseline = baselineRate.wall();
    System.out.printf(Locale.ROOT, "baseline: single-thread read + Jackson parse: %s%n", baselineRate);

    SparkSession spark = SparkSession.builder().master(master).appName("prepare-benchmark")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", String.valueOf(2 * cores))
        .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    List<String[]> rows = new ArrayList<>();
    List<String[]> cpuRows = new ArrayList<>();
    String corpus = beir.resolve("corpus.jsonl").toString();
    try {

      List<TokenizerSpec> specs = new ArrayList<>();
      specs.add(new TokenizerSpec(2, 50_000, 1024, 128));
      if (hf != null) {
        specs.add(new TokenizerSpec(TokenizerSpec.HUGGINGFACE, hf, 1, 1, 0, 128, "none"));
      }
      for (TokenizerSpec spec : specs) {
        // The whole job first: it fits the tokenizer the two stage measurements then use.
        WorkDir work = new WorkDir(root.resolve("work-" + spec.kind()).toString());
        double jobSeconds = Double.NaN;
        double jobPeak = Double.NaN;
        double job = Double.NaN;
        if (!stagesOnly) {
          PeakHeap peak = PeakHeap.reset();
          DatasetSpec dataset = new DatasetSpec("bench", "beir", beir.toString(), List.of("train", "test"), null,
              spec, 100_000, 1.0);
          long start = System.nanoTime();
          Manifest manifest = PrepareJob.prepare(spark, work, dataset, true);
          jobSeconds = (System.nanoTime() - start) / 1e9;
          jobPeak = peak.peakMb();
          long written = manifest.tables().get("corpus/documents");
          job = written / jobSeconds / cores;
        }

        TextTokenizer tokenizer = tokenizer(spec, work);
        // The tree parse this benchmark used before (builtin only), then the job's parser, the target's figure:
        // measured second, so that it does not pay for warming up the JIT (measured first it read 25-40 % lower).
        for (boolean jobParser : spec.builtin() ? new boolean[] {false, true} : new boolean[] {true}) {
          String label = spec.kind() + (jobParser ? "" : " (tree parse, as before)");
          Rate singleRate = singleThreadTokenize(beir.resolve("corpus.jsonl"), tokenizer, jobParser);
          Rate stageRate = sparkTokenize(spark, corpus, tokenizer, cores, jobParser);
          double single = singleRate.wall();
          double stage = stageRate.wall();
          rows.add(new String[] {label, fmt(single), fmt(single / baseline, 3), fmt(stage), fmt(stage / baseline, 3),
              jobParser ? fmt(job) : "", jobParser ? fmt(job / baseline, 3) : "", jobParser ? fmt(jobPeak) : ""});
          cpuRows.add(new String[] {label, fmt(singleRate.cpu()), fmt(singleRate.cpu() / baselineRate.cpu(), 3),
              fmt(stageRate.cpu()), fmt(stageRate.cpu() / baselineRate.cpu(), 3)});
          System.out.printf(Locale.ROOT, "%s: one thread read+parse+tokenize %s; Spark read+parse+tokenize %s (per "
              + "core)%n", label, singleRate, stageRate);
        }
        System.out.printf(Locale.ROOT, "%s: whole prepare job %.1f s, %.0f docs/s/core, peak heap %.0f MB%n",
            spec.kind(), jobSeconds, job, jobPeak);
      }
      // Spark's share alone: the Spark stage without tokenizing, the ceiling of the Spark columns; measured
      // last, when Spark's and Hadoop's code is as warm as for the tokenizer stages.
      for (boolean jobParser : new boolean[] {false, true}) {
        String label = jobParser ? "(none: Spark read + job's parse)" : "(none: Spark read + tree parse)";
        Rate sparkParse = sparkTokenize(spark, corpus, null, cores, jobParser);
        rows.add(new String[] {label, "", "", fmt(sparkParse.wall()), fmt(sparkParse.wall() / baseline, 3), "", "", ""});
        cpuRows.add(new String[] {label, "", "", fmt(sparkParse.cpu()), fmt(sparkParse.cpu() / baselineRate.cpu(), 3)});
        System.out.printf(Locale.ROOT, "%s, no tokenizer: %s (per core)%n", label, sparkParse);
      }
    } finally {
      spark.stop();
    }
    System.out.println();
    System.out.printf(Locale.ROOT, "%d documents, %s, max heap %.0f MB; baseline (one thread, read + Jackson parse): "
        + "%.0f docs/s; ratios are to the baseline%n", docs, master, Runtime.getRuntime().maxMemory() / 1e6, baseline);
    System.out.println("| tokenizer | 1 thread parse+tokenize docs/s | ratio | Spark parse+tokenize docs/s/core | "
        + "ratio (target ≥ 0.5 builtin) | whole prepare docs/s/core | ratio | prepare peak heap MB |");
    System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (String[] r : rows) {
      System.out.println("| " + String.join(" | ", r) + " |");
    }
    System.out.println();
    System.out.printf(Locale.ROOT, "The same stages per second of the measuring threads' CPU time (unaffected by other "
        + "load on the machine; GC and JIT threads excluded on both sides); baseline %.0f docs/CPU-s%n",
        baselineRate.cpu());
    System.out.println("| tokenizer | 1 thread parse+tokenize docs/CPU-s | ratio | Spark parse+tokenize docs/task-CPU-s | "
        + "ratio (target ≥ 0.5 builtin, the figure judged) |");
    System.out.println("|---|---:|---:|---:|---:|");
    for (String[] r : cpuRows) {
      System.out.println("| " + String.join(" | ", r) + " |");
    }
  }

  /**
   * A measured rate: documents per wall-clock second (per core for Spark), per second of the measuring
   * threads' CPU time, and the 1-minute load average before and after, so that figures taken on a busy
   * machine can be told from the code's.
   */
  record Rate(double wall, double cpu, double loadBefore, double loadAfter) {
    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%.0f docs/s, %.0f docs/CPU-s (load average %.2f -> %.2f)", wall, cpu,
          loadBefore, loadAfter);
    }
  }

  private static double load() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  private static long cpuNanos() {
    return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.0f", v);
  }

  private static String fmt(double v, int digits) {
    return String.format(Locale.ROOT, "%." + digits + "f", v);
  }

  /** The tokenizer the prepare job fitted, rebuilt from what it stored. */
  private static TextTokenizer tokenizer(TokenizerSpec spec, WorkDir work) throws IOException {
    Path dir = Path.of(work.dataset("bench"));
    if (spec.builtin()) {
      return BuiltinTokenizer.of(spec, Files.readAllLines(dir.resolve("vocab.txt"), StandardCharsets.UTF_8));
    }
    return HuggingFaceTokenizer.of(spec, Files.readAllBytes(dir.resolve("tokenizer.json")));
  }

  /**
   * One thread: read, parse, tokenize title + text (the document text of the prepare job); the faster of two
   * passes, by wall clock and by CPU time separately.
   */
  static Rate singleThreadTokenize(Path corpus, TextTokenizer tokenizer, boolean jobParser) throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    LineParser parser = jobParser ? BeirReader.corpusParser() : null;
    double best = 0;
    double bestCpu = 0;
    double loadBefore = load();
    for (int pass = 0; pass < 2; pass++) {
      long start = System.nanoTime();
      long cpu = cpuNanos();
      long n = 0;
      long ids = 0;
      try (BufferedReader in = Files.newBufferedReader(corpus, StandardCharsets.UTF_8)) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          ids += tokenizer.encode(documentText(parser, mapper, TextLines.Line.valid(line), n)).length;
          n++;
        }
      }
      best = Math.max(best, n / ((System.nanoTime() - start) / 1e9));
      bestCpu = Math.max(bestCpu, n / ((cpuNanos() - cpu) / 1e9));
      if (ids == 0) {
        throw new IllegalStateException("no ids");
      }
    }
    return new Rate(best, bestCpu, loadBefore, load());
  }

  /**
   * The streaming part of the prepare job on Spark: lines read, parsed and tokenized in tasks, no shuffle and
   * no write (the rest of the job — duplicate checks, sorted shards, read-back — is in the whole-job figure).
   * The same work per document as {@link #singleThreadTokenize}: a line (here as the job reads it: Hadoop's
   * line reader, then the job's UTF-8 check and decoding, {@link TextLines#lines}), parsed (the job's parser or
   * a Jackson tree, see {@link #documentText}), its text tokenized. The job also numbers the lines
   * ({@code zipWithIndex}, a counting pass over the file before this one), which is not measured here. The faster of two passes, per core:
   * documents per wall-clock second divided by the cores, and documents per second of the tasks' own CPU
   * time (reading the lines included, Spark's scheduling and GC threads not). A null tokenizer measures
   * read + parse alone (title and text are still read out of the tree).
   */
  static Rate sparkTokenize(SparkSession spark, String corpus, TextTokenizer tokenizer, int cores, boolean jobParser) {
    var jsc = org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext());
    var broadcast = jsc.broadcast(java.util.Collections.singletonList(tokenizer));
    double best = 0;
    double bestCpu = 0;
    double loadBefore = load();
    for (int pass = 0; pass < 2; pass++) {
      long start = System.nanoTime();
      long[] counted = TextLines.lines(jsc, corpus, cores).mapPartitions(lines -> {
        long cpu = cpuNanos();
        ObjectMapper mapper = new ObjectMapper();
        LineParser parser = jobParser ? BeirReader.corpusParser() : null;
        TextTokenizer t = broadcast.value().get(0);
        long count = 0;
        while (lines.hasNext()) {
          String text = documentText(parser, mapper, lines.next(), count);
          if ((t == null ? text.length() : t.encode(text).length) > 0) {
            count++;
          }
        }
        return List.of(new long[] {count, cpuNanos() - cpu}).iterator();
      }).reduce((a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
      best = Math.max(best, counted[0] / ((System.nanoTime() - start) / 1e9) / cores);
      bestCpu = Math.max(bestCpu, counted[0] / (counted[1] / 1e9));
    }
    broadcast.destroy();
    return new Rate(best, bestCpu, loadBefore, load());
  }

  /**
   * A document's text: with {@code parser} (the prepare job's, {@link BeirReader#corpusParser}) the text of the
   * record row the job's flat map ({@link LineParser#call}) gives for the line, which is what the job
   * tokenizes; without, title + " " + text read out of the line's Jackson tree (what this benchmark measured
   * before the job's parser streamed). The two are the same for the generated corpus, whose titles and texts
   * are never blank.
   *
   * @param index the line's 0-based index (in the Spark stage, within its partition)
   */
  static String documentText(LineParser parser, ObjectMapper mapper, TextLines.Line line, long index) throws IOException {
    if (parser == null) {
      JsonNode node = mapper.readTree(line.text());
      return node.path("title").asText() + " " + node.path("text").asText();
    }
    Row row = parser.call(new Tuple2<>(line, index)).next();
    if (row.isNullAt(4)) {
      throw new IllegalStateException("line " + (index + 1) + " rejected by the prepare job's parser: " + row.getString(5));
    }
    return row.getString(4);
  }

  private static int cores(String master) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("local\\[(\\d+)\\]").matcher(master);
    if (m.matches()) {
      return Integer.parseInt(m.group(1));
    }
    if (master.equals("local[*]")) {
      return Runtime.getRuntime().availableProcessors();
    }
    throw new IllegalArgumentException("--master must be local[K] or local[*], got " + master);
  }

  /** One thread: read every line and parse it into a tree, twice; the faster pass counts (warm JIT). */
  static Rate baseline(Path corpus) throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    double best = 0;
    double bestCpu = 0;
    double loadBefore = load();
    for (int pass = 0; pass < 2; pass++) {
      long start = System.nanoTime();
      long cpu = cpuNanos();
      long n = 0;
      long chars = 0;
      try (BufferedReader in = Files.newBufferedReader(corpus, StandardCharsets.UTF_8)) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          JsonNode node = mapper.readTree(line);
          chars += node.path("text").asText().length();
          n++;
        }
      }
      double rate = n / ((System.nanoTime() - start) / 1e9);
      best = Math.max(best, rate);
      bestCpu = Math.max(bestCpu, n / ((cpuNanos() - cpu) / 1e9));
      if (chars == 0) {
        throw new IllegalStateException("no text parsed");
      }
    }
    return new Rate(best, bestCpu, loadBefore, load());
  }

  /** Writes the BEIR folder, streaming (nothing is held but the word list). */
  static void generate(Path folder, long docs) throws IOException {
    Files.createDirectories(folder.resolve("qrels"));
    SplittableRandom random = new SplittableRandom(20261127L);
    String[] words = new String[20_000];
    for (int i = 0; i < words.length; i++) {
      words[i] = word(i);
    }
    // Zipf(1) over the word list by inverse CDF on the harmonic numbers.
    double[] cdf = new double[words.length];
    double sum = 0;
    for (int i = 0; i < words.length; i++) {
      sum += 1.0 / (i + 1);
      cdf[i] = sum;
    }
    ObjectMapper mapper = new ObjectMapper();
    try (BufferedWriter out = Files.newBufferedWriter(folder.resolve("corpus.jsonl"), StandardCharsets.UTF_8)) {
      for (long d = 0; d < docs; d++) {
        var node = mapper.createObjectNode();
        node.put("_id", "d" + d);
        node.put("title", text(random, words, cdf, 2 + random.nextInt(4)));
        node.put("text", text(random, words, cdf, 20 + random.nextInt(61)));
        out.write(mapper.writeValueAsString(node));
        out.write('\n');
      }
    }
    long queries = Math.max(10, docs / 100);
    try (BufferedWriter q = Files.newBufferedWriter(folder.resolve("queries.jsonl"), StandardCharsets.UTF_8);
        BufferedWriter train = Files.newBufferedWriter(folder.resolve("qrels/train.tsv"), StandardCharsets.UTF_8);
        BufferedWriter test = Files.newBufferedWriter(folder.resolve("qrels/test.tsv"), StandardCharsets.UTF_8)) {
      train.write("query-id\tcorpus-id\tscore\n");
      test.write("query-id\tcorpus-id\tscore\n");
      for (long i = 0; i < queries; i++) {
        var node = mapper.createObjectNode();
        node.put("_id", "q" + i);
        node.put("text", text(random, words, cdf, 3 + random.nextInt(8)));
        q.write(mapper.writeValueAsString(node));
        q.write('\n');
        BufferedWriter qrels = i % 5 == 0 ? test : train;
        int judged = 1 + random.nextInt(3);
        for (int j = 0; j < judged; j++) {
          qrels.write("q" + i + "\td" + ((i * 97 + j * 7919) % docs) + "\t" + (1 + random.nextInt(2)) + "\n");
        }
      }
    }
  }

  private static String text(SplittableRandom random, String[] words, double[] cdf, int n) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      double u = random.nextDouble() * cdf[cdf.length - 1];
      int k = java.util.Arrays.binarySearch(cdf, u);
      k = k >= 0 ? k : -k - 1;
      if (i > 0) {
        b.append(' ');
      }
      b.append(words[Math.min(k, words.length - 1)]);
    }
    return b.toString();
  }

  /** A pronounceable pseudo-word for rank i, distinct for every i. */
  private static String word(int i) {
    String consonants = "bcdfghjklmnprstvz";
    String vowels = "aeiou";
    StringBuilder b = new StringBuilder();
    int x = i + 1;
    while (x > 0) {
      b.append(consonants.charAt(x % consonants.length()));
      x /= consonants.length();
      b.append(vowels.charAt(x % vowels.length()));
      x /= vowels.length();
    }
    return b.toString();
  }

  /**
   * Peak heap in use since reset: the heap's used bytes (live data and garbage not yet collected) sampled
   * every 20 ms by a daemon thread, so a short spike between samples can be missed.
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
            Thread.sleep(20);
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
      return new PeakHeap();
    }

    double peakMb() {
      running = false;
      return peak.get() / 1e6;
    }
  }
}
