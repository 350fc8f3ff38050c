package dev.magnitude.jobs.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo sweep on a real multi-process Spark cluster: a standalone master and two workers, each its
 * own JVM on loopback, started from a SPARK_HOME folder whose jars/ holds the project's own Spark jars
 * (Spark, Scala, Hadoop, Parquet: the jobs module's runtime class path without what the application jar
 * carries). {@code jobs/magnitude} submits {@code magnitude-app.jar} with that SPARK_HOME's spark-submit,
 * in client mode; every executor is a JVM of its own that launches worker processes.
 *
 * <p>It shows: the worker processes load the trainer from the application jar Spark fetched into each
 * executor's folder (the executor's class loader, not the JVM class path); the four runs of a dataset
 * spread over both executors; and a worker process SIGKILLed after a checkpoint fails its task, which
 * Spark retries, and the retried worker resumes from the checkpoint and finishes.
 *
 * <p>Runs in Maven's integration-test phase (after package builds the application jar): {@code mvn verify}.
 */
class StandaloneClusterIT {
  static final List<String> OPENS = List.of(
      "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
      "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
      "--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
      "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
      "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
      "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED", "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
      "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED", "-Djdk.reflect.useDirectMethodHandle=false",
      "-Dio.netty.tryReflectionSetAccessible=true");
  /** Artifacts inside magnitude-app.jar, or passed with --jars: not part of the Spark distribution. */
  static final List<String> NOT_SPARK = List.of(
      "/ai/djl/", "/com/typesafe/config/", "/com/google/code/gson/",
      "/net/java/dev/jna/", "/org/apache/commons/commons-compress/");
  static final Pattern STARTED = Pattern.compile("\\[([^\\]]+)\\] worker process (\\d+) started; \\S+ from (\\S+)");

  @TempDir Path tmp;
  final List<Process> daemons = new ArrayList<>();

  @AfterEach
  void stopCluster() {
    daemons.forEach(Process::destroyForcibly);
  }

  @Test
  void theDemoSweepRunsOnAStandaloneClusterAndAKilledWorkerResumesOnRetry() throws Exception {
    Path repo = Path.of(System.getenv("MAGNITUDE_HOME"));
    // Set by the integration-test execution only; under -Dtest=... Maven's unit-test phase runs it too, early
    assumeTrue(System.getProperty("magnitude-test.jobs-target") != null, "runs in mvn verify, after package");
    Path target = Path.of(System.getProperty("magnitude-test.jobs-target"));
    assertThat(target.resolve("magnitude-app.jar")).as("built by mvn package").exists();
    Path sparkHome = sparkHome(target, tmp.resolve("spark-home"));
    // the daemons' and the driver's logs stay for a look after a failure; the work goes with the test
    Path logs = target.resolve("cluster-it");
    if (Files.exists(logs)) {
      try (Stream<Path> old = Files.walk(logs)) {
        old.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    Files.createDirectories(logs);

    int masterPort = freePort();
    String master = "spark://127.0.0.1:" + masterPort;
    Path masterLog = logs.resolve("master.log");
    daemons.add(daemon(sparkHome, masterLog, "org.apache.spark.deploy.master.Master",
        "--host", "127.0.0.1", "--port", Integer.toString(masterPort), "--webui-port", Integer.toString(freePort())));
    await(masterLog, "I have been elected leader", Duration.ofMinutes(2));
    List<Path> workerDirs = new ArrayList<>();
    for (int w = 1; w <= 2; w++) {
      Path dir = Files.createDirectories(logs.resolve("worker-" + w));
      workerDirs.add(dir);
      Path log = logs.resolve("worker-" + w + ".log");
      daemons.add(daemon(sparkHome, log, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
          "--cores", "2", "--memory", "2g", "--webui-port", Integer.toString(freePort()),
          "--work-dir", dir.toString(), master));
      await(log, "Successfully registered with master", Duration.ofMinutes(2));
    }

    Path work = Files.createDirectories(tmp.resolve("work"));
    List<String> command = new ArrayList<>(List.of(
        repo.resolve("jobs/magnitude").toString(), "sweep",
        "--conf", repo.resolve("conf/samples.conf").toString(),
        "--conf", repo.resolve("conf/sweeps/demo.conf").toString(),
        "--work-dir", work.toString(),
        // the demo sweep, shortened: a one-layer encoder, 60 steps, a checkpoint every 10
        "-Dmagnitude.train.steps=60", "-Dmagnitude.train.warmup-steps=5", "-Dmagnitude.train.checkpoint-every=10",
        "-Dmagnitude.train.batch-size=16", "-Dmagnitude.train.encoder.layers=1",
        "-Dmagnitude.train.encoder.embedding-dim=32", "-Dmagnitude.train.encoder.heads=2",
        "-Dmagnitude.train.worker.java-options=[\"-Xmx384m\",\"-XX:+UseSerialGC\"]",
        "-Dmagnitude.aggregate.bootstrap.samples=100"));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(logs.resolve("driver.log").toFile());
    pb.environment().put("SPARK_HOME", sparkHome.toString());
    pb.environment().put("MAGNITUDE_NO_BUILD", "1");
    pb.environment().put("MAGNITUDE_DRIVER_MEMORY", "1g");
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    // two executors of two task slots each; a failed task is tried twice, as the retry needs
    Path properties = Files.writeString(tmp.resolve("spark.properties"), String.join("\n",
        "spark.executor.cores 2", "spark.cores.max 4", "spark.executor.memory 768m", "spark.task.maxFailures 2",
        "spark.ui.enabled false", "spark.executor.extraJavaOptions " + String.join(" ", OPENS), ""));
    pb.environment().put("MAGNITUDE_SUBMIT_OPTIONS", "--master " + master + " --properties-file " + properties);
    Process sweep = pb.start();

    // Kill one worker process after its run's first checkpoint, while the run goes on.
    String killed = null;
    long deadline = System.nanoTime() + Duration.ofMinutes(20).toNanos();
    while (sweep.isAlive() && System.nanoTime() < deadline) {
      if (killed == null) {
        killed = killOneAfterACheckpoint(workerDirs, work);
      }
      Thread.sleep(200);
    }
    boolean finished = !sweep.isAlive();
    if (!finished) {
      sweep.destroyForcibly();
    }
    String driver = Files.readString(logs.resolve("driver.log"));
    assertThat(finished).as("the sweep finished within 20 minutes; driver log:\n%s", tail(driver)).isTrue();
    assertThat(sweep.exitValue()).as("sweep exit code; driver log:\n%s", tail(driver)).isZero();
    assertThat(killed).as("a worker process was killed mid-run").isNotNull();

    // every run of the demo sweep finished, and the results were written
    Matcher planned = Pattern.compile("train: (\\d+) runs planned").matcher(driver);
    assertThat(planned.find()).as("driver log:\n%s", tail(driver)).isTrue();
    int runCount = Integer.parseInt(planned.group(1));
    assertThat(runCount).isGreaterThanOrEqualTo(12); // 3 datasets × the demo's variants
    // (a retried task reports the runs its first attempt finished as skipped)
    assertThat(driver).containsPattern("train: \\d+ trained, \\d+ skipped \\(already finished\\), 0 failed")
        .doesNotContain("FAILED");
    try (Stream<Path> runs = Files.list(work.resolve("runs"))) {
      List<Path> all = runs.filter(Files::isDirectory).toList();
      assertThat(all).hasSize(runCount).allSatisfy(r -> assertThat(r.resolve("_SUCCESS")).exists());
    }
    assertThat(work.resolve("results/demo/summary.md")).exists();

    // the workers were launched from the application jar in each executor's own folder
    Map<String, Set<String>> runsByExecutor = new TreeMap<>();
    Map<String, Integer> starts = new HashMap<>();
    for (Path executorLog : executorLogs(workerDirs)) {
      Matcher m = STARTED.matcher(Files.readString(executorLog));
      while (m.find()) {
        runsByExecutor.computeIfAbsent(executorLog.getParent().toString(), k -> new HashSet<>()).add(m.group(1));
        starts.merge(m.group(1), 1, Integer::sum);
        String jar = m.group(3);
        assertThat(jar).endsWith("magnitude-app.jar").contains(executorLog.getParent().toUri().getPath());
      }
    }
    assertThat(runsByExecutor).as("executors that launched workers").hasSize(2);
    assertThat(runsByExecutor.values()).allSatisfy(runs -> assertThat(runs).isNotEmpty());
    assertThat(starts.keySet()).hasSize(runCount);
    // the killed run was started twice (Spark's retry) and its second worker resumed from a checkpoint
    assertThat(starts.get(killed)).isEqualTo(2);
    String killedRun = killed;
    assertThat(starts).allSatisfy((run, n) -> assertThat(n).as(run).isEqualTo(run.equals(killedRun) ? 2 : 1));
    String all = String.join("\n", executorLogs(workerDirs).stream().map(StandaloneClusterIT::read).toList());
    assertThat(all).containsPattern(
        "\\[" + Pattern.quote(killed) + "\\] started on .*, resuming from the checkpoint of step \\d+");
  }

  /** SIGKILLs the worker process of a running run that has a checkpoint; its run id, or null if none yet. */
  private static String killOneAfterACheckpoint(List<Path> workerDirs, Path work) throws IOException {
    for (Path log : executorLogs(workerDirs)) {
      Matcher m = STARTED.matcher(read(log));
      while (m.find()) {
        String run = m.group(1);
        Path runDir = work.resolve("runs").resolve(run);
        if (Files.exists(runDir.resolve("_SUCCESS")) || !hasCheckpoint(runDir)) {
          continue;
        }
        var process = ProcessHandle.of(Long.parseLong(m.group(2)));
        if (process.isPresent() && process.get().isAlive() && process.get().destroyForcibly()) {
          return run;
        }
      }
    }
    return null;
  }

  private static boolean hasCheckpoint(Path runDir) throws IOException {
    Path checkpoints = runDir.resolve("checkpoints");
    if (!Files.isDirectory(checkpoints)) {
      return false;
    }
    try (Stream<Path> files = Files.list(checkpoints)) {
      return files.anyMatch(f -> f.getFileName().toString().matches("step-\\d+\\.ckpt"));
    }
  }

  /** The stderr files of every executor: {@code <worker dir>/<app id>/<executor id>/stderr}. */
  private static List<Path> executorLogs(List<Path> workerDirs) throws IOException {
    List<Path> logs = new ArrayList<>();
    for (Path dir : workerDirs) {
      try (Stream<Path> files = Files.walk(dir, 3)) {
        files.filter(f -> f.getFileName().toString().equals("stderr")).forEach(logs::add);
      }
    }
    return logs;
  }

  /**
   * A Spark distribution's layout from the project's own jars: jars/ (the runtime class path of the jobs
   * module without Magnitude and what the application jar carries) and bin/spark-submit.
   */
  private static Path sparkHome(Path target, Path home) throws IOException {
    Path jars = Files.createDirectories(home.resolve("jars"));
    for (String entry : Files.readString(target.resolve("classpath.txt")).trim().split(java.io.File.pathSeparator)) {
      Path jar = Path.of(entry);
      boolean magnitude = jar.getFileName().toString().startsWith("magnitude-");
      if (!magnitude && NOT_SPARK.stream().noneMatch(entry::contains) && entry.endsWith(".jar")) {
        Files.createSymbolicLink(jars.resolve(jar.getFileName()), jar);
      }
    }
    // a distribution has RELEASE; Spark's launcher takes jars/ from such a home (and the build tree otherwise)
    Files.writeString(home.resolve("RELEASE"), "Spark 4.0.1 (the Magnitude project's own jars)\n");
    Path bin = Files.createDirectories(home.resolve("bin"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // What the distribution's spark-submit amounts to: SparkSubmit on jars/*, with the module flags.
    String script = "#!/usr/bin/env bash\n"
        + "exec " + java + " " + String.join(" ", OPENS) + " -Xmx${MAGNITUDE_DRIVER_MEMORY:-1g}"
        + " -cp \"$SPARK_HOME/jars/*\" org.apache.spark.deploy.SparkSubmit \"$@\"\n";
    Path submit = Files.writeString(bin.resolve("spark-submit"), script);
    Files.setPosixFilePermissions(submit, PosixFilePermissions.fromString("rwxr-xr-x"));
    return home;
  }

  /** A master or worker JVM on jars/*, logging to a file. */
  private static Process daemon(Path sparkHome, Path log, String mainClass, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(OPENS);
    cmd.add("-Xmx512m");
    cmd.add("-cp");
    cmd.add(sparkHome.resolve("jars") + "/*");
    cmd.add(mainClass);
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("SPARK_HOME", sparkHome.toString());
    pb.environment().put("SPARK_SCALA_VERSION", "2.13");
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.environment().put("DJL_OFFLINE", "true");
    return pb.start();
  }

  private static void await(Path log, String text, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.exists(log) && read(log).contains(text)) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no '" + text + "' in " + log + " after " + timeout + ":\n" + tail(read(log)));
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException | java.io.UncheckedIOException e) {
      return ""; // not written yet, or caught mid-character
    }
  }

  private static String tail(String text) {
    String[] lines = text.split("\n");
    return String.join("\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 60), lines.length));
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
