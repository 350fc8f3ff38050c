package dev.magnitude.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnitude.jobs.cli.Cli;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spark's retry resumes a killed worker: {@code magnitude train} runs in its own JVM on a
 * {@code local[1,2]} master (two attempts per task, as spark.task.maxFailures = 2 on a cluster). Once
 * the run's first checkpoint exists, the test SIGKILLs the worker process of the first attempt; the
 * task fails with the worker's exit, Spark runs it again, the new worker resumes from the checkpoint,
 * and the run ends with the embeddings of the same run trained without interruption.
 *
 * <p>The train command runs in a child JVM because a Spark master's attempt count is fixed when its
 * context starts, and other tests of this JVM keep a {@code local[2]} session alive.
 */
class TrainRetryResumeTest {

  @TempDir Path tmp;

  static List<String> settings(Path work) {
    return List.of(
        "--work-dir", work.toString(),
        "-Dmagnitude.sweep.id=retry",
        "-Dmagnitude.sweep.variants=[dot]",
        "-Dmagnitude.datasets.synthetic.synthetic.documents=120",
        "-Dmagnitude.datasets.synthetic.synthetic.topics=8",
        "-Dmagnitude.datasets.synthetic.synthetic.train-queries=200",
        "-Dmagnitude.datasets.synthetic.synthetic.dev-queries=10",
        "-Dmagnitude.datasets.synthetic.synthetic.test-queries=20",
        "-Dmagnitude.train.encoder.embedding-dim=16",
        "-Dmagnitude.train.encoder.layers=1",
        "-Dmagnitude.train.encoder.heads=2",
        "-Dmagnitude.train.encoder.max-length=16",
        "-Dmagnitude.train.steps=100",
        "-Dmagnitude.train.warmup-steps=5",
        "-Dmagnitude.train.batch-size=8",
        "-Dmagnitude.train.checkpoint-every=10",
        "-Dmagnitude.train.worker.java-options=[\"-Xmx512m\",\"-XX:+UseSerialGC\"]");
  }

  @Test
  void aRetriedTaskResumesItsKilledWorkerToTheSameEmbeddings() throws Exception {
    Path work = Files.createDirectories(tmp.resolve("work"));
    List<String> prepare = new ArrayList<>(List.of("prepare"));
    prepare.addAll(settings(work));
    ByteArrayOutputStream prepareErr = new ByteArrayOutputStream();
    PrintStream err = new PrintStream(prepareErr, true, StandardCharsets.UTF_8);
    assertThat(Cli.run(prepare.toArray(String[]::new), System.out, err)).as(prepareErr.toString(StandardCharsets.UTF_8))
        .isZero();

    Path log = tmp.resolve("train.log");
    Process train = startTrain(work, log);
    StringBuilder why = new StringBuilder();
    long killedPid = killWorkerAfterFirstCheckpoint(train, work, new Random(77).nextInt(300), why);
    assertThat(train.waitFor(240, TimeUnit.SECONDS)).as("train finished; log:\n%s", tail(log)).isTrue();
    String output = Files.readString(log);
    assertThat(train.exitValue()).as("train exit; log:\n%s", tail(log)).isZero();

    assertThat(killedPid).as("a worker was killed mid-run: %s; log:\n%s", why, tail(log)).isPositive();
    assertThat(output).as("the first attempt failed with the killed worker's exit")
        .contains("(exit 137, attempt 1 of 2)");
    assertThat(output).as("the retry resumed").containsPattern("resuming from step \\d+");
    Path run = onlyRun(work);
    assertThat(run.resolve("_SUCCESS")).exists();

    // The same run without interruption: its worker, launched the way a task launches it, on a copy of
    // the prepared data and the spec the train job wrote.
    Path reference = Files.createDirectories(tmp.resolve("reference"));
    copyTree(work.resolve("prepared"), reference.resolve("prepared"));
    Path refRun = reference.resolve("runs").resolve(run.getFileName());
    Files.createDirectories(refRun);
    Files.copy(run.resolve("spec.json"), refRun.resolve("spec.json"));
    RunOutcome uninterrupted = new WorkerLauncher(List.of("-Xmx512m", "-XX:+UseSerialGC"), 1)
        .launch(run.getFileName().toString(), refRun.resolve("spec.json").toString(), List.of(), line -> {});
    assertThat(uninterrupted.succeeded()).as(String.join("\n", uninterrupted.lastLines())).isTrue();

    TreeMap<String, List<String>> resumed = embeddings(run);
    assertThat(resumed).isNotEmpty();
    assertThat(resumed).isEqualTo(embeddings(refRun));
  }

  private static Process startTrain(Path work, Path log) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-opens") || a.startsWith("-Djdk.reflect") || a.startsWith("-Dio.netty")) {
        command.add(a); // what spark-submit adds on Java 17
      }
    }
    command.addAll(List.of("-Xmx1g", "-cp", System.getProperty("java.class.path"), Cli.class.getName(), "train"));
    command.addAll(settings(work));
    command.add("-Dmagnitude.spark.master=local[1,2]");
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("DJL_OFFLINE", "true");
    return pb.start();
  }

  /**
   * Waits for the first checkpoint of the run, waits {@code delayMillis} more (the worker trains on),
   * then SIGKILLs the worker process under {@code train}: its only child JVM (local mode starts no
   * other processes). Returns its pid, or -1 with the reason in {@code why}.
   */
  private static long killWorkerAfterFirstCheckpoint(Process train, Path work, int delayMillis, StringBuilder why)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (System.nanoTime() < deadline && train.isAlive()) {
      if (hasCheckpoint(work)) {
        Thread.sleep(delayMillis);
        List<ProcessHandle> workers = train.toHandle().descendants()
            .filter(p -> p.info().command().orElse("").endsWith("java"))
            .toList();
        if (workers.size() != 1) {
          why.append("expected one worker process under the train JVM, found ").append(workers.size());
          return -1;
        }
        if (Files.exists(onlyRun(work).resolve("_SUCCESS"))) {
          why.append("the run finished before the kill");
          return -1;
        }
        workers.get(0).destroyForcibly(); // SIGKILL
        return workers.get(0).pid();
      }
      Thread.sleep(20);
    }
    why.append("no checkpoint appeared while train ran");
    return -1;
  }

  private static boolean hasCheckpoint(Path work) throws IOException {
    Path runs = work.resolve("runs");
    if (!Files.isDirectory(runs)) {
      return false;
    }
    try (Stream<Path> files = Files.walk(runs)) {
      return files.anyMatch(p -> p.getFileName().toString().matches("step-\\d+\\.ckpt"));
    }
  }

  private static Path onlyRun(Path work) throws IOException {
    try (Stream<Path> runs = Files.list(work.resolve("runs"))) {
      List<Path> all = runs.filter(Files::isDirectory).toList();
      assertThat(all).hasSize(1);
      return all.get(0);
    }
  }

  /** Every embeddings file of a run, by its path in the run: "id=[vector] norm" per row, in order. */
  private static TreeMap<String, List<String>> embeddings(Path run) throws IOException {
    TreeMap<String, List<String>> out = new TreeMap<>();
    Configuration conf = new Configuration();
    try (Stream<Path> files = Files.walk(run.resolve("embeddings"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".parquet")).toList()) {
        List<String> rows = new ArrayList<>();
        try (ParquetReader<GenericRecord> reader = AvroParquetReader.<GenericRecord>builder(
            HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(f.toUri()), conf)).withConf(conf).build()) {
          GenericRecord r;
          while ((r = reader.read()) != null) {
            rows.add(r.get("id") + "=" + r.get("vector") + " " + r.get("norm"));
          }
        }
        out.put(run.relativize(f).toString(), rows);
      }
    }
    return out;
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : files.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
