package dev.magnitude.prepare;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One local[2] SparkSession for the whole test run (UI off, 2 shuffle partitions), resolved as a test
 * parameter: {@code @ExtendWith(SharedSpark.class)} and a {@code SparkSession} parameter. It lives in the
 * root extension context's store, so JUnit stops it once, after the last test.
 */
public final class SharedSpark implements ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedSpark.class);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == SparkSession.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return context.getRoot().getStore(NAMESPACE)
        .getOrComputeIfAbsent("spark", key -> new Session(create()), Session.class).spark();
  }

  private static SparkSession create() {
    return SparkSession.builder()
        .master("local[2]")
        .appName("magnitude-prepare-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .getOrCreate();
  }

  private record Session(SparkSession spark) implements ExtensionContext.Store.CloseableResource {
    @Override
    public void close() {
      spark.stop();
    }
  }
}
