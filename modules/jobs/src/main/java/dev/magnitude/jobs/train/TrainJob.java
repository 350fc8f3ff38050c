package dev.magnitude.jobs.train;

import dev.magnitude.core.config.Settings;
import dev.magnitude.core.config.TrainSettings;
import dev.magnitude.core.json.ChecksummedJson;
import dev.magnitude.core.json.Json;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.jobs.support.JobContext;
import dev.magnitude.jobs.sweep.RunLocks;
import dev.magnitude.jobs.sweep.RunPlanner;
import dev.magnitude.prepare.io.HadoopFiles;
import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * The train job: expands the sweep into runs, drops the finished ones, writes each pending run's
 * spec.json and gives each run one Spark task, which trains it in a worker process
 * ({@link WorkerLauncher}). Failed runs get a {@code failure.json} with the worker's last lines.
 */
public final class TrainJob {
  /**
   * What the job did: the outcome of every planned run it trained or found finished, in plan order, and
   * the runs it left to another sweep that holds their locks (run id → lock owner).
   */
  public record Result(List<RunSpec> planned, List<RunOutcome> outcomes, Map<String, String> heldElsewhere) {
    public List<RunOutcome> failed() {
      return outcomes.stream().filter(o -> !o.succeeded()).toList();
    }

    public long trained() {
      return outcomes.stream().filter(o -> o.succeeded() && !o.skipped()).count();
    }

    public long skipped() {
      return outcomes.stream().filter(RunOutcome::skipped).count();
    }
  }

  private final SparkSession spark;
  private final Settings settings;
  private final WorkDir work;
  private final HadoopFiles fs;
  private final PrintStream log;

  public TrainJob(JobContext context) {
    this.spark = context.spark();
    this.settings = context.settings();
    this.work = context.work();
    this.fs = context.fs();
    this.log = context.log();
  }

  public Result run() {
    List<RunSpec> planned = RunPlanner.plan(settings, work, fs);
    Map<String, RunOutcome> outcomes = new LinkedHashMap<>();
    List<PlannedRun> pending = new ArrayList<>();
    for (RunSpec spec : planned) {
      String id = spec.id();
      if (fs.exists(work.runSuccess(id))) {
        outcomes.put(id, new RunOutcome(id, true, true, 0, List.of(), 0));
        continue;
      }
      // The id is the spec's hash, so an existing spec.json is this spec: it is kept as it is (a
      // damaged one makes the worker fail with the reason; deleting it has it written again).
      if (!fs.exists(work.spec(id))) {
        fs.writeAtomically(work.spec(id), ChecksummedJson.seal(spec.canonicalJson()));
      }
      pending.add(new PlannedRun(id, work.spec(id), work.runSuccess(id)));
    }
    log.printf(
        "train: %d runs planned, %d already finished, %d to train%n", planned.size(), outcomes.size(), pending.size());
    if (pending.isEmpty()) {
      log.println("train: every run is finished; nothing to train");
      return new Result(planned, List.copyOf(outcomes.values()), Map.of());
    }
    Map<String, String> heldElsewhere = new LinkedHashMap<>();
    try (RunLocks locks = new RunLocks(
        work, fs.conf(), settings.sweep().id(), settings.lockStaleAfter(), Clock.systemUTC(), log)) {
      List<PlannedRun> mine = new ArrayList<>();
      for (PlannedRun run : pending) {
        Optional<RunLocks.Holder> holder = locks.tryAcquire(run.runId());
        if (holder.isPresent()) {
          heldElsewhere.put(run.runId(), holder.get().owner());
          log.printf("train: run %s is being trained by %s (lock %s); left to it%n",
              run.runId(), holder.get().owner(), locks.path(run.runId()));
        } else if (fs.exists(work.runSuccess(run.runId()))) {
          locks.release(run.runId()); // finished by another sweep after we listed it
          outcomes.put(run.runId(), new RunOutcome(run.runId(), true, true, 0, List.of(), 0));
        } else {
          mine.add(run);
        }
      }
      if (!mine.isEmpty()) {
        locks.startHeartbeats();
        for (RunOutcome o : launch(mine)) {
          outcomes.put(o.runId(), o);
          recordFailure(o);
        }
      }
    }
    List<RunOutcome> ordered =
        planned.stream().map(s -> outcomes.get(s.id())).filter(java.util.Objects::nonNull).toList();
    return new Result(planned, ordered, heldElsewhere);
  }

  private List<RunOutcome> launch(List<PlannedRun> pending) {
    TrainSettings train = settings.train();
    WorkerLauncher launcher = new WorkerLauncher(train.workerJavaOptions(), train.threads());
    return launch(spark, train, launcher, pending, log);
  }

  /**
   * Trains the pending runs, each task's runs one after the other in worker processes, on the GPUs and
   * CPUs {@link RunResources} plans (a {@link dev.magnitude.jobs.support.JobError} when they cannot be had).
   */
  static List<RunOutcome> launch(
      SparkSession spark, TrainSettings train, WorkerLauncher launcher, List<PlannedRun> pending, PrintStream log) {
    SparkContext sc = spark.sparkContext();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(sc);
    RunResources resources =
        RunResources.plan(sc.master(), sc.conf(), jsc.resources(), train.gpusPerRun(), train.threads());
    int slices = train.parallelism() == 0 ? pending.size() : Math.min(train.parallelism(), pending.size());
    slices = Math.min(slices, resources.maxTasks());
    int attempts = maxAttempts(sc);
    log.printf("train: %s%n", resources.describe());
    log.printf("train: launching %d worker process(es) in %d task(s), up to %d attempt(s) each%n",
        pending.size(), slices, attempts);
    JavaRDD<PlannedRun> runs = jsc.parallelize(pending, slices);
    if (resources.profile().isPresent()) {
      runs = runs.withResources(resources.profile().get());
    }
    jsc.setJobGroup("magnitude-train", "train " + pending.size() + " runs", true);
    try {
      return runs.mapPartitions(new RunTask(launcher, attempts, resources)).collect();
    } finally {
      jsc.clearJobGroup();
    }
  }

  private void recordFailure(RunOutcome o) {
    if (o.succeeded()) {
      fs.delete(work.failure(o.runId())); // a failure of an earlier attempt is history now
      return;
    }
    Map<String, Object> failure = new LinkedHashMap<>();
    failure.put("run", o.runId());
    failure.put("exitCode", o.exitCode());
    failure.put("lastLines", o.lastLines());
    fs.writeAtomically(work.failure(o.runId()), Json.writePretty(failure));
  }

  /**
   * Attempts Spark gives a task: {@code local[N,F]} gives F, plain {@code local[N]} one, a cluster
   * spark.task.maxFailures (default 4).
   */
  static int maxAttempts(SparkContext sc) {
    String master = sc.master();
    if (master.startsWith("local[") || master.equals("local")) {
      Matcher m = Pattern.compile("local\\[[^,\\]]+,\\s*(\\d+)\\]").matcher(master);
      return m.matches() ? Integer.parseInt(m.group(1)) : 1;
    }
    return sc.conf().getInt("spark.task.maxFailures", 4);
  }
}
