package dev.magnitude.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.magnitude.jobs.support.JobError;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GPU placement through a real Spark scheduler with fake GPU addresses (no machine here has a GPU): a
 * driver whose discovery script reports GPUs 0 and 1 trains two GPU runs and two CPU runs with fake
 * workers that echo their CUDA_VISIBLE_DEVICES.
 */
class GpuPlacementTest {
  private static final Pattern PLACEMENT =
      Pattern.compile("\\[(\\S+)\\] placement CUDA_VISIBLE_DEVICES=(\\S*) args=(.*) held (\\d+)-(\\d+)");

  record Seen(String devices, String args, long start, long end) {}

  @Test
  void eachConcurrentGpuRunSeesOneGpuOfItsOwnAndCpuRunsSeeNone(@TempDir Path dir) throws Exception {
    Path script = dir.resolve("getGpus.sh");
    Files.writeString(script, "#!/bin/sh\necho '{\"name\":\"gpu\",\"addresses\":[\"0\",\"1\"]}'\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    // the --add-opens flags surefire gives this JVM, which Spark needs on Java 17 (DESIGN.md)
    ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("--add-opens") || a.startsWith("-D") && !a.startsWith("-Dmaven"))
        .forEach(cmd::add);
    cmd.addAll(List.of("-Xmx512m", "-cp", System.getProperty("java.class.path"), FakeGpuDriver.class.getName(),
        script.toString(), dir.toString()));
    Path err = dir.resolve("driver.err");
    Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String log = Files.readString(err);
    assertThat(p.exitValue()).as(log).isZero();
    assertThat(out).contains("outcome gpu1-a true", "outcome gpu1-b true", "outcome gpu0-a true", "outcome gpu0-b true");

    Map<String, Seen> seen = new TreeMap<>();
    Matcher m = PLACEMENT.matcher(log);
    while (m.find()) {
      seen.put(m.group(1), new Seen(m.group(2), m.group(3), Long.parseLong(m.group(4)), Long.parseLong(m.group(5))));
    }
    assertThat(seen).as(log).containsOnlyKeys("gpu1-a", "gpu1-b", "gpu0-a", "gpu0-b");
    Seen a = seen.get("gpu1-a");
    Seen b = seen.get("gpu1-b");
    // two tasks on local[2] held their GPU at the same time, so they must hold different ones
    assertThat(a.start()).isLessThan(b.end());
    assertThat(b.start()).isLessThan(a.end());
    assertThat(List.of(a.devices(), b.devices())).containsExactlyInAnyOrder("0", "1");
    assertThat(a.args()).isEqualTo("--gpus 1 --threads 1");
    assertThat(seen.get("gpu0-a").devices()).isEmpty();
    assertThat(seen.get("gpu0-b").devices()).isEmpty();
    assertThat(seen.get("gpu0-a").args()).isEqualTo("--gpus 0 --threads 1");
    assertThat(log).contains("train: local mode: the driver's GPUs [0, 1] handed out 1 per task, at most 2 run(s) at once");
  }

  @Test
  void aGpuRunWithoutGpusStopsBeforeAnyTaskAndNamesTheSettings(@TempDir Path dir) {
    // the tests' shared session: local, and its driver has no GPUs
    SparkSession spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false").getOrCreate();
    WorkerLauncher launcher = new WorkerLauncher(List.of(), 1, FakeWorker.class.getName());
    List<PlannedRun> runs = List.of(new PlannedRun("r", "exit:0", dir.resolve("r/_SUCCESS").toString()));
    PrintStream log = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    assertThatThrownBy(() -> TrainJob.launch(spark, FakeGpuDriver.settings(1), launcher, runs, log))
        .isInstanceOf(JobError.class)
        .hasMessageContaining("magnitude.train.gpus-per-run = 1 but the driver of this local session")
        .hasMessageContaining("has 0 GPU(s)")
        .hasMessageContaining("spark.driver.resource.gpu.amount=")
        .hasMessageContaining("spark.driver.resource.gpu.discoveryScript=deploy/gpu/getGpusResources.sh");
  }
}
