package dev.magnitude.jobs;

import dev.magnitude.core.config.DatasetSpec;
import dev.magnitude.core.config.Settings;
import dev.magnitude.core.config.SparkSettings;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.manifest.Manifest;
import dev.magnitude.ingest.PrepareJob;
import dev.magnitude.jobs.aggregate.AggregateJob;
import dev.magnitude.jobs.support.Fs;
import dev.magnitude.jobs.support.JobError;
import dev.magnitude.jobs.train.RunOutcome;
import dev.magnitude.jobs.train.TrainJob;
import java.io.PrintStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** Runs one command against a validated configuration, in a Spark session it opens and closes. */
final class Commands {
  private Commands() {}

  static int run(String command, Settings settings, boolean force, PrintStream out, PrintStream err) {
    Fs precheck = new Fs(new Configuration());
    String root = settings.workDir();
    if (!precheck.isDirectory(root)) {
      throw new JobError(
          "work directory " + root + " does not exist (magnitude.work-dir); create it or pass --work-dir");
    }
    WorkDir work = new WorkDir(precheck.qualify(root));
    // A session that already exists (a notebook, a test suite) is used and left open.
    boolean ownSession = SparkSession.getDefaultSession().isEmpty();
    SparkSession spark = session(settings.spark());
    try {
      Fs fs = new Fs(spark.sparkContext().hadoopConfiguration());
      return switch (command) {
        case "prepare" -> prepare(spark, settings, work, force, err);
        case "train" -> train(spark, settings, work, fs, err);
        case "aggregate" -> aggregate(spark, settings, work, fs, out, err);
        case "sweep" -> sweep(spark, settings, work, fs, force, out, err);
        default -> throw new IllegalStateException(command);
      };
    } finally {
      if (ownSession) {
        spark.stop();
      }
    }
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

  static int prepare(SparkSession spark, Settings settings, WorkDir work, boolean force, PrintStream err) {
    for (String name : settings.sweep().datasets()) {
      DatasetSpec dataset = settings.datasets().get(name);
      Manifest m = new PrepareJob(spark).prepare(work, dataset, force);
      err.printf("prepare: %s ready: %s (%d rows quarantined)%n", name, m.tables(), m.quarantined());
    }
    return 0;
  }

  static int train(SparkSession spark, Settings settings, WorkDir work, Fs fs, PrintStream err) {
    TrainJob.Result result = new TrainJob(spark, settings, work, fs, err).run();
    err.printf("train: %d trained, %d skipped (already finished), %d failed%n",
        result.trained(), result.skipped(), result.failed().size());
    if (result.failed().isEmpty()) {
      return 0;
    }
    for (RunOutcome f : result.failed()) {
      err.printf("train: run %s FAILED (exit %d); see %s; last output:%n", f.runId(), f.exitCode(), work.failure(f.runId()));
      f.lastLines().forEach(l -> err.println("    " + l));
    }
    return 1;
  }

  static int aggregate(SparkSession spark, Settings settings, WorkDir work, Fs fs, PrintStream out, PrintStream err) {
    AggregateJob.Result result = new AggregateJob(spark, settings, work, fs, err).run();
    out.println(result.summary());
    out.println("results: " + result.resultsDir());
    return result.leftOut().isEmpty() ? 0 : 1;
  }

  static int sweep(
      SparkSession spark, Settings settings, WorkDir work, Fs fs, boolean force, PrintStream out, PrintStream err) {
    prepare(spark, settings, work, force, err);
    int trained = train(spark, settings, work, fs, err);
    int aggregated = aggregate(spark, settings, work, fs, out, err);
    return Math.max(trained, aggregated);
  }
}
