package dev.magnitude.jobs.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;

/**
 * The body of a train task: runs each of its runs in a worker process, one after the other.
 *
 * <p>A failed worker fails the task while Spark has attempts left, so Spark's retry starts the run
 * again; on the last attempt the failure is returned as an outcome instead, so one broken run never
 * aborts the others. A run whose {@code _SUCCESS} exists is skipped (a retried task does not redo what
 * it already finished). Its workers get the task's GPUs and threads ({@link RunResources#place}).
 */
final class RunTask implements FlatMapFunction<Iterator<PlannedRun>, RunOutcome> {
  private final WorkerLauncher launcher;
  private final int maxAttempts;
  private final RunResources resources;

  RunTask(WorkerLauncher launcher, int maxAttempts, RunResources resources) {
    this.launcher = launcher;
    this.maxAttempts = maxAttempts;
    this.resources = resources;
  }

  @Override
  public Iterator<RunOutcome> call(Iterator<PlannedRun> runs) throws Exception {
    TaskContext task = TaskContext.get();
    int attempt = task == null ? 0 : task.attemptNumber();
    WorkerPlacement placement = task == null
        ? resources.place(0, launcher.threads(), Map.of(), System.err::println)
        : resources.place(task.partitionId(), task.cpus(), task.resourcesJMap(), System.err::println);
    List<RunOutcome> outcomes = new ArrayList<>();
    while (runs.hasNext()) {
      PlannedRun run = runs.next();
      if (finished(run.successPath())) {
        outcomes.add(new RunOutcome(run.runId(), true, true, 0, List.of(), 0));
        continue;
      }
      Thread taskThread = Thread.currentThread();
      RunOutcome outcome = launcher.launch(run.runId(), run.specUri(), placement, System.err::println,
          () -> taskThread.isInterrupted() || (task != null && task.isInterrupted()));
      if (!outcome.succeeded() && attempt + 1 < maxAttempts) {
        throw new IllegalStateException(
            "run " + run.runId() + " failed (exit " + outcome.exitCode() + ", attempt " + (attempt + 1) + " of "
                + maxAttempts + "); last output:\n  " + String.join("\n  ", outcome.lastLines()));
      }
      outcomes.add(outcome);
    }
    return outcomes.iterator();
  }

  private static boolean finished(String successPath) {
    try {
      Path p = new Path(successPath);
      return p.getFileSystem(new Configuration()).exists(p);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot check " + successPath, e);
    }
  }
}
