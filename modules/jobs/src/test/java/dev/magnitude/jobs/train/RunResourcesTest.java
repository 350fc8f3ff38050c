package dev.magnitude.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.magnitude.jobs.support.JobError;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.resource.ResourceProfile;
import org.junit.jupiter.api.Test;

/** The train stage's resource plan on each kind of master, and what each task's workers get. */
class RunResourcesTest {
  private static final Map<String, ResourceInformation> NONE = Map.of();

  private static Map<String, ResourceInformation> gpus(String... addresses) {
    return Map.of("gpu", new ResourceInformation("gpu", addresses));
  }

  @Test
  void onAClusterWithoutATaskGpuAmountTheTrainStageAsksThroughATaskProfile() {
    SparkConf conf = new SparkConf(false).set("spark.executor.resource.gpu.amount", "4");
    RunResources r = RunResources.plan("yarn", conf, NONE, 1, 3);
    ResourceProfile p = r.profile().orElseThrow();
    assertThat(p.taskResourcesJMap().get("gpu").amount()).isEqualTo(1.0);
    assertThat(p.taskResourcesJMap().get("cpus").amount()).isEqualTo(3.0);
    assertThat(p.executorResourcesJMap()).isEmpty(); // task-level only: dynamic allocation is off
    assertThat(r.maxTasks()).isEqualTo(Integer.MAX_VALUE);
  }

  @Test
  void withDynamicAllocationTheProfileAlsoAsksForGpuExecutors() {
    SparkConf conf = new SparkConf(false)
        .set("spark.dynamicAllocation.enabled", "true")
        .set("spark.executor.resource.gpu.discoveryScript", "/opt/getGpusResources.sh");
    ResourceProfile p = RunResources.plan("k8s://https://api:6443", conf, NONE, 1, 2).profile().orElseThrow();
    assertThat(p.executorResourcesJMap().get("gpu").amount()).isEqualTo(1);
    assertThat(p.executorResourcesJMap().get("gpu").discoveryScript()).isEqualTo("/opt/getGpusResources.sh");
    assertThat(p.executorResourcesJMap().get("cores").amount()).isEqualTo(2);
  }

  @Test
  void aSessionWideTaskGpuAmountIsUsedAsItIsWhenItIsEnough() {
    SparkConf conf = new SparkConf(false).set("spark.task.resource.gpu.amount", "1");
    assertThat(RunResources.plan("spark://m:7077", conf, NONE, 1, 1).profile()).isEmpty();
    assertThatThrownBy(() -> RunResources.plan("yarn", new SparkConf(false).set("spark.task.resource.gpu.amount", "0.5"),
            NONE, 1, 1))
        .isInstanceOf(JobError.class)
        .hasMessageContaining("spark.task.resource.gpu.amount = 0.5 gives each task fewer GPUs than"
            + " magnitude.train.gpus-per-run = 1");
  }

  @Test
  void aClusterWithoutExecutorGpusIsRefusedWithTheSettingsToSet() {
    assertThatThrownBy(() -> RunResources.plan("yarn", new SparkConf(false), NONE, 1, 1))
        .isInstanceOf(JobError.class)
        .hasMessageContaining("executors have no GPUs: set spark.executor.resource.gpu.amount=<GPUs per executor>"
            + " and spark.executor.resource.gpu.discoveryScript=deploy/gpu/getGpusResources.sh");
  }

  @Test
  void localModeRefusesTaskGpuAmountsWhichWouldNeverBeScheduled() {
    // verified on Spark 4.0.1: local mode offers tasks no resources, so such a task waits forever
    SparkConf conf = new SparkConf(false).set("spark.task.resource.gpu.amount", "1");
    assertThatThrownBy(() -> RunResources.plan("local[4]", conf, gpus("0"), 1, 1))
        .isInstanceOf(JobError.class)
        .hasMessageContaining("local mode assigns no resources to tasks");
  }

  @Test
  void localModeHandsOutTheDriversGpusByPartition() {
    RunResources r = RunResources.plan("local[4]", new SparkConf(false), gpus("0", "1", "2", "3", "4"), 2, 1);
    assertThat(r.maxTasks()).isEqualTo(2); // 5 GPUs make two sets of 2; the fifth stays idle
    assertThat(r.place(0, 1, NONE, l -> {}).gpus()).containsExactly("0", "1");
    assertThat(r.place(1, 1, NONE, l -> {}).gpus()).containsExactly("2", "3");
  }

  @Test
  void aTaskWithoutTheGpusItNeedsFailsNamingTheSettings() {
    RunResources r = RunResources.plan("yarn", new SparkConf(false).set("spark.executor.resource.gpu.amount", "1"),
        NONE, 1, 1);
    assertThat(r.place(3, 1, gpus("7"), l -> {}).cudaVisibleDevices()).isEqualTo("7");
    assertThatThrownBy(() -> r.place(3, 1, NONE, l -> {}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("magnitude.train.gpus-per-run = 1 but Spark gave train task 3 0 GPU(s) []")
        .hasMessageContaining("spark.executor.resource.gpu.amount")
        .hasMessageContaining("spark.executor.resource.gpu.discoveryScript=deploy/gpu/getGpusResources.sh");
  }

  @Test
  void cpuRunsSeeNoGpuAndThreadsAreBoundedByTheTasksCpus() {
    RunResources r = RunResources.plan("local[4]", new SparkConf(false), gpus("0"), 0, 4);
    List<String> log = new ArrayList<>();
    WorkerPlacement p = r.place(0, 2, gpus("0"), log::add);
    assertThat(p.cudaVisibleDevices()).isEmpty();
    assertThat(p.threads()).isEqualTo(2);
    assertThat(log).contains("train task 0: worker threads bounded to 2 by the task's 2 CPU(s)"
        + " (magnitude.train.worker.threads = 4; raise spark.task.cpus to give it more)");
    assertThat(r.place(0, 8, NONE, l -> {}).threads()).isEqualTo(4);
  }
}
