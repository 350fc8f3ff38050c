package dev.magnitude.jobs.support;

import dev.magnitude.core.config.Settings;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.prepare.io.HadoopFiles;
import java.io.PrintStream;
import org.apache.spark.sql.SparkSession;

/**
 * What every job of one command shares: the Spark session, the validated settings, the work directory
 * (qualified), its file system, and where progress lines go.
 */
public record JobContext(SparkSession spark, Settings settings, WorkDir work, HadoopFiles fs, PrintStream log) {
  /** A context whose file system is the session's Hadoop configuration. */
  public static JobContext of(SparkSession spark, Settings settings, WorkDir work, PrintStream log) {
    return new JobContext(spark, settings, work, new HadoopFiles(spark.sparkContext().hadoopConfiguration()), log);
  }
}
