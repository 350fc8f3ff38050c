package dev.magnitude.jobs.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnitude.jobs.cli.Cli;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sweep killed at any stage and started again ends with the results of a sweep that was never
 * interrupted. The sweep runs as {@code jobs/magnitude sweep} would, in a JVM of its own, which the test
 * SIGKILLs (no shutdown hook runs: a node lost, an OOM kill) while it prepares, while it trains (after a
 * checkpoint), and while it aggregates; each time the next sweep is started on the same work directory.
 * The worker processes of a killed sweep end by themselves (their stdin closes), the killed sweep's run
 * locks are taken over at once (their process is gone), and training resumes from the checkpoints.
 */
class SweepInterruptionTest {
  @TempDir Path tmp;

  static List<String> args(Path work) {
    return List.of(
        "sweep",
        "--work-dir", work.toString(),
        "-Dmagnitude.spark.master=local[2]",
        "-Dmagnitude.sweep.id=interrupted",
        "-Dmagnitude.sweep.variants=[cosine,dot]",
        "-Dmagnitude.datasets.synthetic.synthetic.documents=160",
        "-Dmagnitude.datasets.synthetic.synthetic.topics=8",
        "-Dmagnitude.datasets.synthetic.synthetic.train-queries=240",
        "-Dmagnitude.datasets.synthetic.synthetic.dev-queries=10",
        "-Dmagnitude.datasets.synthetic.synthetic.test-queries=40",
        "-Dmagnitude.train.encoder.embedding-dim=16",
        "-Dmagnitude.train.encoder.layers=1",
        "-Dmagnitude.train.encoder.heads=2",
        "-Dmagnitude.train.encoder.max-length=16",
        "-Dmagnitude.train.steps=80",
        "-Dmagnitude.train.warmup-steps=5",
        "-Dmagnitude.train.batch-size=8",
        "-Dmagnitude.train.checkpoint-every=10",
        "-Dmagnitude.train.worker.java-options=[\"-Xmx384m\",\"-XX:+UseSerialGC\"]",
        "-Dmagnitude.aggregate.bootstrap.samples=100");
  }

  @Test
  void aSweepKilledWhilePreparingTrainingOrAggregatingEndsAsAnUninterruptedOneDoes() throws Exception {
    Path reference = Files.createDirectories(tmp.resolve("reference"));
    Process whole = start(reference, tmp.resolve("reference.log"));
    assertThat(whole.waitFor(10, TimeUnit.MINUTES)).isTrue();
    assertThat(whole.exitValue()).as(tail(tmp.resolve("reference.log"))).isZero();

    Path work = Files.createDirectories(tmp.resolve("work"));
    Map<String, Predicate<Path>> stages = new java.util.LinkedHashMap<>();
    stages.put("preparing", w -> !glob(w.resolve("prepared"), ".synthetic.tmp-").isEmpty());
    stages.put("training", w -> anyCheckpoint(w) && !allFinished(w));
    stages.put("aggregating", w -> read(tmp.resolve("aggregating.log")).contains("aggregate: scoring"));
    List<String> killed = new ArrayList<>();
    for (Map.Entry<String, Predicate<Path>> stage : stages.entrySet()) {
      Path log = tmp.resolve(stage.getKey() + ".log");
      Process sweep = start(work, log);
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
      while (sweep.isAlive() && System.nanoTime() < deadline && !stage.getValue().test(work)) {
        Thread.sleep(50);
      }
      assertThat(sweep.isAlive()).as("the sweep was still %s when the kill came; log:\n%s", stage.getKey(), tail(log))
          .isTrue();
      List<ProcessHandle> workers = sweep.toHandle().descendants().toList();
      sweep.destroyForcibly(); // SIGKILL
      sweep.waitFor();
      for (ProcessHandle w : workers) {
        assertThat(w.onExit().get(60, TimeUnit.SECONDS).isAlive()).as("orphaned worker %d", w.pid()).isFalse();
      }
      killed.add(stage.getKey());
    }
    assertThat(killed).containsExactly("preparing", "training", "aggregating");

    Process last = start(work, tmp.resolve("last.log"));
    assertThat(last.waitFor(10, TimeUnit.MINUTES)).isTrue();
    assertThat(last.exitValue()).as(tail(tmp.resolve("last.log"))).isZero();
    assertThat(read(tmp.resolve("training.log"))).as("the killed training had started a run")
        .contains("started on");

    Map<String, String> expected = csvTables(reference.resolve("results/interrupted"));
    assertThat(expected).containsKeys("run_metrics.csv", "query_metrics.csv", "doc_norm_effects.csv");
    assertThat(csvTables(work.resolve("results/interrupted"))).isEqualTo(expected);
  }

  /** {@code jobs/magnitude sweep} in a JVM of its own, as the launcher starts it. */
  private static Process start(Path work, Path log) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-opens") || a.startsWith("-Djdk.reflect") || a.startsWith("-Dio.netty")) {
        command.add(a);
      }
    }
    command.addAll(List.of("-Xmx1g", "-cp", System.getProperty("java.class.path"), Cli.class.getName()));
    command.addAll(args(work));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("DJL_OFFLINE", "true");
    return pb.start();
  }

  /** Every CSV table of a results folder, by file name. */
  private static Map<String, String> csvTables(Path results) throws IOException {
    Map<String, String> tables = new TreeMap<>();
    try (Stream<Path> files = Files.list(results)) {
      for (Path f : files.filter(f -> f.toString().endsWith(".csv")).toList()) {
        tables.put(f.getFileName().toString(), Files.readString(f));
      }
    }
    return tables;
  }

  private static List<Path> glob(Path dir, String prefix) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.getFileName().toString().startsWith(prefix)).toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  private static boolean anyCheckpoint(Path work) {
    for (Path run : glob(work.resolve("runs"), "")) {
      if (!glob(run.resolve("checkpoints"), "step-").isEmpty()) {
        return true;
      }
    }
    return false;
  }

  private static boolean allFinished(Path work) {
    List<Path> runs = glob(work.resolve("runs"), "");
    return !runs.isEmpty() && runs.stream().allMatch(r -> Files.exists(r.resolve("_SUCCESS")));
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException | java.io.UncheckedIOException e) {
      return "";
    }
  }

  private static String tail(Path log) {
    String[] lines = read(log).split("\n");
    return String.join("\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 40), lines.length));
  }
}
