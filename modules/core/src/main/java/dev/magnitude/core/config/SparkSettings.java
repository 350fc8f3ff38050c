package dev.magnitude.core.config;

import java.util.Map;

/**
 * {@code magnitude.spark}: the session the jobs create when not started by spark-submit.
 *
 * @param master e.g. {@code local[4]}; ignored when spark-submit already set spark.master
 * @param conf extra Spark settings (spark.* keys), applied as given
 */
public record SparkSettings(String master, String appName, Map<String, String> conf) {
  public SparkSettings {
    conf = Map.copyOf(conf);
  }
}
