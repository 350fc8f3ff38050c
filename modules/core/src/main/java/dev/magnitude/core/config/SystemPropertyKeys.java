package dev.magnitude.core.config;

import java.util.List;

/**
 * The {@code -D} options that are not Magnitude settings but system properties of the JVM, of Spark or of
 * Hadoop (and of the libraries the jobs run), recognised by their first segments. The command line sets them
 * as system properties of the driver before a job starts; every other {@code -D} option must be a known key
 * under {@code magnitude}.
 */
public final class SystemPropertyKeys {
  private SystemPropertyKeys() {}

  /**
   * Prefixes of system properties: the JVM's own ({@code java.}, {@code javax.}, {@code jdk.}, {@code sun.},
   * {@code user.}, {@code file.}, {@code line.}, {@code os.}, {@code path.}, {@code native.}), Spark's and
   * Hadoop's, and those of the libraries in the driver: DJL ({@code ai.djl.}), Netty, Log4j 2, SLF4J, JNA.
   */
  public static final List<String> PREFIXES =
      List.of(
          "java.", "javax.", "jdk.", "sun.", "user.", "file.", "line.", "os.", "path.", "native.", "spark.", "hadoop.",
          "ai.djl.", "io.netty.", "log4j.", "log4j2.", "slf4j.", "jna.");

  /** Whether {@code key} starts with one of {@link #PREFIXES}. */
  public static boolean isSystemProperty(String key) {
    return PREFIXES.stream().anyMatch(key::startsWith);
  }
}
