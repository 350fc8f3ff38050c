package dev.magnitude.jobs.cli;

import dev.magnitude.core.config.DatasetSpec;
import dev.magnitude.core.config.Settings;
import dev.magnitude.core.config.SparkSettings;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.manifest.Manifest;
import dev.magnitude.jobs.aggregate.AggregateJob;
import dev.magnitude.jobs.support.JobContext;
import dev.magnitude.jobs.support.JobError;
import dev.magnitude.jobs.sweep.SweepStatus;
import dev.magnitude.jobs.train.RunOutcome;
import dev.magnitude.jobs.train.TrainJob;
import dev.magnitude.prepare.PrepareJob;
import dev.magnitude.prepare.io.HadoopFiles;
import java.io.PrintStream;
import java.time.Clock;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** Runs one command against a validated configuration, in a Spark session it opens and closes. */
final class Commands {
  private Commands() {}

  static int run(String command, Settings settings, boolean force, PrintStream out, PrintStream err) {
    WorkDir work = WorkDirCheck.require(settings.workDir(), settings.sweep().id(), command, new Configuration());
    if (command.equals("status")) {
      return status(settings, work, out);
    }
    // A session that already exists (a notebook, a test suite) is used and left open.
    boolean ownSession = SparkSession.getDefaultSession().isEmpty();
    SparkSession spark = session(settings.spark());
    try {
      JobContext context = JobContext.of(spark, settings, work, err);
      return switch (command) {
        case "prepare" -> prepare(context, force);
        case "train" -> train(context);
        case "aggregate" -> aggregate(context, out);
        case "sweep" -> sweep(context, force, out);
        default -> throw new IllegalStateException(command);
      };
    } finally {
      if (ownSession) {
        spark.stop();
      }
    }
  }

  /**
   * Lists the sweep's runs without a Spark session; the file system gets the {@code spark.hadoop.*}
   * settings of magnitude.spark.conf, as the jobs' sessions do.
   */
  static int status(Settings settings, WorkDir work, PrintStream out) {
    Configuration conf = new Configuration();
    settings.spark().conf().forEach((k, v) -> {
      if (k.startsWith("spark.hadoop.")) {
        conf.set(k.substring("spark.hadoop.".length()), v);
      }
    });
    HadoopFiles fs = new HadoopFiles(conf);
    SweepStatus.print(settings.sweep().id(), SweepStatus.of(settings, work, fs, Clock.systemUTC()), out);
    return 0;
  }

  /** A session with the configured master, unless spark-submit already chose one. */
  static SparkSession session(SparkSettings s) {
    SparkConf conf = new SparkConf();
    if (!conf.contains("spark.master")) {
      conf.setMaster(s.master());
    }
    if (!conf.contains("spark.app.name")) {
      conf.setAppName(s.appName());
    }
    s.conf().forEach(conf::set);
    return SparkSession.builder().config(conf).getOrCreate();
  }

  static int prepare(JobContext c, boolean force) {
    for (String name : c.settings().sweep().datasets()) {
      DatasetSpec dataset = c.settings().datasets().get(name);
      Manifest m;
      try {
        m = new PrepareJob(c.spark()).prepare(c.work(), dataset, force);
      } catch (IllegalArgumentException e) {
        // PrepareJob's contract: input that cannot be prepared (a missing or empty file, no valid row)
        throw new JobError("prepare " + name + ": " + e.getMessage(), e);
      }
      c.log().printf("prepare: %s ready: %s (%d rows quarantined)%n", name, m.tables(), m.quarantined());
    }
    return 0;
  }

  static int train(JobContext c) {
    TrainJob.Result result = new TrainJob(c).run();
    c.log().printf("train: %d trained, %d skipped (already finished), %d failed, %d left to another sweep%n",
        result.trained(), result.skipped(), result.failed().size(), result.heldElsewhere().size());
    if (result.failed().isEmpty()) {
      return 0;
    }
    for (RunOutcome f : result.failed()) {
      c.log().printf("train: run %s FAILED (exit %d); see %s; last output:%n",
          f.runId(), f.exitCode(), c.work().failure(f.runId()));
      f.lastLines().forEach(l -> c.log().println("    " + l));
    }
    return 1;
  }

  static int aggregate(JobContext c, PrintStream out) {
    AggregateJob.Result result = new AggregateJob(c).run();
    out.println(result.summary());
    out.println("results: " + result.resultsDir());
    return result.leftOut().isEmpty() ? 0 : 1;
  }

  /** prepare → train → aggregate; the results are written even when a run failed (it is listed as left out). */
  static int sweep(JobContext c, boolean force, PrintStream out) {
    prepare(c, force);
    int trained = train(c);
    int aggregated = aggregate(c, out);
    return Math.max(trained, aggregated);
  }
}
