package dev.magnitude.jobs.support;

import org.apache.spark.sql.SparkSession;

/**
 * The one SparkSession of the aggregate and scorer tests: local[2], UI off, two shuffle partitions. Created on
 * first use (holder idiom) and never stopped between tests or classes; the JVM's exit stops it.
 */
public final class TestSpark {
  private TestSpark() {}

  public static SparkSession session() {
    return Holder.SPARK;
  }

  private static final class Holder {
    static final SparkSession SPARK =
        SparkSession.builder()
            .master("local[2]")
            .appName("magnitude-aggregate-tests")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .getOrCreate();
  }
}
