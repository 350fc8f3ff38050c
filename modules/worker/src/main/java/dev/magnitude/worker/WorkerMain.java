package dev.magnitude.worker;

import dev.magnitude.core.json.ChecksummedJson;
import dev.magnitude.core.run.RunSpec;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * The worker process: {@code WorkerMain --spec <work>/runs/<run-id>/spec.json [--gpus <n>] [--threads <n>]
 * [--ignore-stdin]}.
 *
 * <p>stdout carries only the JSON event lines of {@link Events} (anything else a library prints there
 * is sent to stderr); logs go to stderr. Exit codes: 0 when every output is committed, 1 when the run
 * failed (see the {@code failed} event), 2 for bad arguments or an unreadable spec, 3 when the parent
 * went away.
 *
 * <p>The parent (the train job's task) keeps the worker's stdin open for its whole life; end of stdin
 * means the parent is gone, and the worker exits rather than train for no one. {@code --ignore-stdin}
 * turns this off for manual runs with stdin closed or at {@code /dev/null}.
 *
 * <p>{@code --gpus} is the number of GPUs the Spark task holds (their addresses are CUDA_VISIBLE_DEVICES);
 * 0, the default, trains on CPU. {@code --threads} bounds the spec's thread count by the task's CPUs.
 * Neither is part of the spec: a run's id does not depend on where it trains. PyTorch's thread counts are
 * set before the engine loads.
 */
public final class WorkerMain {
  static final int EXIT_FAILED = 1;
  static final int EXIT_USAGE = 2;
  static final int EXIT_ORPHANED = 3;
  private static final String USAGE =
      "usage: WorkerMain --spec <work>/runs/<run-id>/spec.json [--gpus <n>] [--threads <n>] [--ignore-stdin]";

  private WorkerMain() {}

  public static void main(String[] args) {
    PrintStream events = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    System.setOut(System.err);
    System.exit(run(args, events));
  }

  static int run(String[] args, PrintStream events) {
    String specUri = null;
    boolean watchStdin = true;
    int gpus = 0;
    Integer threads = null;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--spec") && i + 1 < args.length) {
        specUri = args[++i];
      } else if ((args[i].equals("--gpus") || args[i].equals("--threads")) && i + 1 < args.length
          && args[i + 1].matches("\\d{1,4}")) {
        int n = Integer.parseInt(args[i + 1]);
        if (args[i].equals("--gpus")) {
          gpus = n;
        } else {
          threads = Math.max(1, n);
        }
        i++;
      } else if (args[i].equals("--ignore-stdin")) {
        watchStdin = false;
      } else {
        System.err.println("unknown argument '" + args[i] + "'; " + USAGE);
        return EXIT_USAGE;
      }
    }
    if (specUri == null) {
      System.err.println(USAGE);
      return EXIT_USAGE;
    }
    Path specPath = new Path(specUri);
    Path runDir = specPath.getParent();
    String folderRunId = runDir == null ? specUri : runDir.getName();
    if (runDir == null || runDir.getParent() == null || runDir.getParent().getParent() == null) {
      events.println(Events.failed(folderRunId, "spec path " + specUri + " is not <work>/runs/<run-id>/spec.json"));
      return EXIT_USAGE;
    }
    String workDir = runDir.getParent().getParent().toString();
    Configuration conf = new Configuration();
    RunSpec spec;
    try (InputStream in = specPath.getFileSystem(conf).open(specPath)) {
      spec = ChecksummedJson.read(new String(in.readAllBytes(), StandardCharsets.UTF_8), RunSpec.class, specUri);
    } catch (ChecksummedJson.DamagedFileException e) {
      events.println(Events.failed(folderRunId, "cannot read the run spec " + specUri + ": " + e.getMessage()
          + "; delete it and run train again, which writes it anew"));
      return EXIT_USAGE;
    } catch (IOException | RuntimeException e) {
      events.println(Events.failed(folderRunId, "cannot read the run spec " + specUri + ": " + e.getMessage()));
      return EXIT_USAGE;
    }
    if (!spec.id().equals(folderRunId)) {
      events.println(
          Events.failed(
              folderRunId,
              "the spec in " + specUri + " describes run " + spec.id() + ", not " + folderRunId
                  + "; the train job writes each spec into runs/<its id>/"));
      return EXIT_USAGE;
    }
    Placement placement = new Placement(gpus, threads == null ? spec.training().threads() : threads);
    Worker.configureThreads(placement.threads());
    if (watchStdin) {
      watchStdin(spec.id());
    }
    RunResult result = Worker.run(spec, workDir, conf, events::println, placement);
    return result.succeeded() ? 0 : EXIT_FAILED;
  }

  /** Exits when stdin reaches end-of-file: the parent process is gone. */
  private static void watchStdin(String runId) {
    Thread watcher =
        new Thread(
            () -> {
              try {
                byte[] buffer = new byte[256];
                while (System.in.read(buffer) >= 0) {
                  // the parent writes nothing; anything it does write is ignored
                }
              } catch (IOException e) {
                // a broken stdin is a gone parent too
              }
              System.err.println(
                  "run " + runId + ": stdin closed, the parent process is gone; exiting"
                      + " (pass --ignore-stdin to run detached)");
              System.exit(EXIT_ORPHANED);
            },
            "stdin-watch");
    watcher.setDaemon(true);
    watcher.start();
  }
}
