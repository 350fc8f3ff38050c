package dev.magnitude.jobs.train;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnitude.core.json.Json;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Serializable;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Starts one run's worker JVM ({@code dev.magnitude.worker.WorkerMain --spec <uri>}) from inside a
 * Spark task, streams its progress into the task's log, and waits for it.
 *
 * <p>Why a process: DJL's PyTorch gradient collector is process-global, so two trainings cannot share
 * a JVM; a process also isolates native crashes and pins its own GPU and threads
 * ({@link WorkerPlacement}).
 *
 * <p>The child's classpath is the executor's context class loader URLs followed by
 * {@code java.class.path}: on YARN the application jar is {@code __app__.jar} in the container folder
 * and is not on the system class path. The child's stdin stays open for its whole life; the worker
 * exits when it reaches end-of-file, so a worker never outlives a killed executor. A cancelled task
 * (interrupt) destroys the child.
 */
public final class WorkerLauncher implements Serializable {
  public static final String WORKER_MAIN = "dev.magnitude.worker.WorkerMain";
  static final int TAIL_LINES = 25;
  static final long CANCEL_POLL_MILLIS = 200;

  private final List<String> javaOptions;
  private final int threads;
  private final String mainClass;

  /**
   * @param javaOptions JVM options of the worker (heap, GC)
   * @param threads intra-op threads; also OMP_NUM_THREADS and MKL_NUM_THREADS of the child
   */
  public WorkerLauncher(List<String> javaOptions, int threads) {
    this(javaOptions, threads, WORKER_MAIN);
  }

  /** With another main class taking {@code --spec <uri>}: tests launch a fake worker. */
  WorkerLauncher(List<String> javaOptions, int threads, String mainClass) {
    this.javaOptions = List.copyOf(javaOptions);
    this.threads = threads;
    this.mainClass = mainClass;
  }

  /**
   * Runs the worker to its end, with the launcher's threads.
   *
   * @param gpuAddresses the task's GPU addresses (empty on CPU); they become CUDA_VISIBLE_DEVICES
   * @param log receives one human-readable line per worker event and every non-JSON output line
   */
  public RunOutcome launch(String runId, String specUri, List<String> gpuAddresses, Consumer<String> log)
      throws InterruptedException {
    Thread caller = Thread.currentThread();
    return launch(runId, specUri, new WorkerPlacement(gpuAddresses, threads), log, caller::isInterrupted);
  }

  /** {@link #launch(String, String, WorkerPlacement, Consumer, BooleanSupplier)} with the launcher's threads. */
  public RunOutcome launch(
      String runId, String specUri, List<String> gpuAddresses, Consumer<String> log, BooleanSupplier cancelled)
      throws InterruptedException {
    return launch(runId, specUri, new WorkerPlacement(gpuAddresses, threads), log, cancelled);
  }

  /**
   * Runs the worker to its end, or until {@code cancelled} turns true: then the worker is killed and
   * an InterruptedException is thrown. A silent worker blocks the output reader, so a watcher thread
   * polls {@code cancelled} (a killed Spark task) every {@value #CANCEL_POLL_MILLIS} ms.
   */
  public RunOutcome launch(
      String runId, String specUri, WorkerPlacement placement, Consumer<String> log, BooleanSupplier cancelled)
      throws InterruptedException {
    long start = System.nanoTime();
    List<String> command = command(specUri, placement);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    environment(pb.environment(), placement);
    Deque<String> tail = new ArrayDeque<>();
    Process process;
    try {
      process = pb.start();
    } catch (IOException e) {
      return new RunOutcome(runId, false, false, -1, List.of("cannot start worker: " + e.getMessage()), 0);
    }
    log.accept("[" + runId + "] worker process " + process.pid() + " started; " + mainClass + " from "
        + codeSource(mainClass));
    Thread killer = new Thread(process::destroyForcibly, "kill-worker-" + runId);
    Runtime.getRuntime().addShutdownHook(killer);
    Thread watcher = watch(process, cancelled, runId);
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        synchronized (tail) {
          tail.addLast(line);
          if (tail.size() > TAIL_LINES) {
            tail.removeFirst();
          }
        }
        log.accept("[" + runId + "] " + describe(line));
        if (Thread.currentThread().isInterrupted()) {
          throw new InterruptedException("task cancelled");
        }
      }
      int exit = process.waitFor();
      if (cancelled.getAsBoolean()) {
        throw new InterruptedException("run " + runId + " cancelled; its worker was killed");
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      return new RunOutcome(runId, exit == 0, false, exit, List.copyOf(tail), seconds);
    } catch (IOException e) {
      process.destroyForcibly();
      tail.addLast("lost the worker's output: " + e.getMessage());
      return new RunOutcome(runId, false, false, -1, List.copyOf(tail), (System.nanoTime() - start) / 1e9);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      throw e;
    } finally {
      watcher.interrupt();
      try {
        Runtime.getRuntime().removeShutdownHook(killer);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs anyway
      }
    }
  }

  private static Thread watch(Process process, BooleanSupplier cancelled, String runId) {
    Thread watcher = new Thread(() -> {
      try {
        while (process.isAlive()) {
          if (cancelled.getAsBoolean()) {
            process.destroyForcibly();
            return;
          }
          Thread.sleep(CANCEL_POLL_MILLIS);
        }
      } catch (InterruptedException done) {
        // the launch is over
      }
    }, "watch-worker-" + runId);
    watcher.setDaemon(true);
    watcher.start();
    return watcher;
  }

  /** The worker's command line; {@code --gpus} and {@code --threads} carry the placement. */
  List<String> command(String specUri, WorkerPlacement placement) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(javaOptions);
    cmd.add("-cp");
    cmd.add(String.join(File.pathSeparator, classpath()));
    cmd.add(mainClass);
    cmd.add("--spec");
    cmd.add(specUri);
    cmd.add("--gpus");
    cmd.add(Integer.toString(placement.gpus().size()));
    cmd.add("--threads");
    cmd.add(Integer.toString(placement.threads()));
    return cmd;
  }

  /**
   * The worker's environment: CUDA_VISIBLE_DEVICES is always set, to the task's addresses or to "" for a
   * CPU run (an executor's own CUDA_VISIBLE_DEVICES may list every GPU of the node, held by other tasks).
   */
  void environment(Map<String, String> env, WorkerPlacement placement) {
    env.putIfAbsent("DJL_OFFLINE", "true");
    env.put("OMP_NUM_THREADS", Integer.toString(placement.threads()));
    env.put("MKL_NUM_THREADS", Integer.toString(placement.threads()));
    env.put("CUDA_VISIBLE_DEVICES", placement.cudaVisibleDevices());
  }

  /** Intra-op threads the worker is configured with, before the task's CPUs bound them. */
  int threads() {
    return threads;
  }

  /**
   * Where the executor's class loader finds a class: on a cluster the application jar Spark fetched into
   * the executor's folder, the first entry of the worker's classpath.
   */
  static String codeSource(String className) {
    try {
      var source = Class.forName(className, false, Thread.currentThread().getContextClassLoader())
          .getProtectionDomain().getCodeSource();
      return source == null ? "(unknown)" : String.valueOf(source.getLocation());
    } catch (ClassNotFoundException | LinkageError e) {
      return "(not on the executor's class path: " + e + ")";
    }
  }

  /** The context class loader's URLs (application jars on a cluster), then java.class.path. */
  static List<String> classpath() {
    Set<String> entries = new LinkedHashSet<>();
    List<ClassLoader> loaders = new ArrayList<>();
    for (ClassLoader cl = Thread.currentThread().getContextClassLoader(); cl != null; cl = cl.getParent()) {
      loaders.add(0, cl);
    }
    for (ClassLoader cl : loaders) {
      if (cl instanceof URLClassLoader ucl) {
        for (URL url : ucl.getURLs()) {
          if ("file".equals(url.getProtocol())) {
            try {
              entries.add(Paths.get(url.toURI()).toString());
            } catch (URISyntaxException | IllegalArgumentException e) {
              entries.add(url.getPath());
            }
          }
        }
      }
    }
    for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (!e.isBlank()) {
        entries.add(e);
      }
    }
    entries.removeIf(e -> !new File(e).exists());
    return new ArrayList<>(entries);
  }

  /** A worker JSON event as one short line; other output as it is. */
  static String describe(String line) {
    if (!line.startsWith("{")) {
      return line;
    }
    try {
      JsonNode e = Json.MAPPER.readTree(line);
      String event = e.path("event").asText();
      return switch (event) {
        case "progress" -> String.format(
            Locale.ROOT,
            "step %d/%d  loss %.4f  %.0f pairs/s",
            e.path("step").asInt(),
            e.path("steps").asInt(),
            e.path("loss").asDouble(),
            e.path("pairsPerSecond").asDouble());
        case "start" -> "started on " + e.path("device").asText() + " with " + e.path("threads").asInt() + " thread(s), "
            + e.path("steps").asInt() + " steps"
            + (e.path("firstStep").asInt(1) > 1
                ? ", resuming from the checkpoint of step " + (e.path("firstStep").asInt() - 1) : "");
        case "checkpoint" -> "checkpoint at step " + e.path("step").asInt();
        case "done" -> String.format(Locale.ROOT, "done in %.1f s", e.path("seconds").asDouble());
        case "failed" -> "FAILED: " + e.path("reason").asText();
        default -> line;
      };
    } catch (IOException | RuntimeException e) {
      return line;
    }
  }
}
