package dev.magnitude.jobs.train;

import dev.magnitude.core.config.TrainSettings;
import dev.magnitude.core.run.Variant;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * A driver with fake GPUs, run in its own JVM by {@link GpuPlacementTest} (one SparkContext per JVM, and
 * the other tests' session has no driver GPUs): {@code FakeGpuDriver <discovery script> <work dir>}.
 *
 * <p>A local[2] session whose driver has GPUs 0 and 1 (from the script) trains two runs with
 * gpus-per-run = 1, then two with 0, through {@link TrainJob#launch} with {@link FakeWorker}s that hold
 * their placement for a while. Worker lines go to stderr; each outcome to stdout as
 * {@code outcome <run> <succeeded>}.
 */
public final class FakeGpuDriver {
  public static void main(String[] args) throws Exception {
    SparkSession spark = SparkSession.builder()
        .master("local[2]")
        .appName("fake-gpus")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.resource.gpu.amount", "2")
        .config("spark.driver.resource.gpu.discoveryScript", args[0])
        .getOrCreate();
    PrintStream log = new PrintStream(System.err, true, StandardCharsets.UTF_8);
    try {
      WorkerLauncher launcher = new WorkerLauncher(List.of("-Xmx32m"), 1, FakeWorker.class.getName());
      for (int gpus : new int[] {1, 0}) {
        List<PlannedRun> runs = List.of(
            new PlannedRun("gpu" + gpus + "-a", "hold:1500", args[1] + "/none-a/_SUCCESS"),
            new PlannedRun("gpu" + gpus + "-b", "hold:1500", args[1] + "/none-b/_SUCCESS"));
        for (RunOutcome o : TrainJob.launch(spark, settings(gpus), launcher, runs, log)) {
          System.out.println("outcome " + o.runId() + " " + o.succeeded());
        }
      }
    } finally {
      spark.stop();
    }
  }

  static TrainSettings settings(int gpusPerRun) {
    return new TrainSettings("transformer", 16, 1, 2, 8, "", 3, 4, 1e-3, 0, Map.of(Variant.DOT, 1.0), 5, 0, 1,
        List.of(), 0, TrainSettings.DEFAULT_STS_POSITIVE_THRESHOLD, gpusPerRun);
  }
}
