package dev.magnitude.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnitude.core.config.ConfigLoader;
import dev.magnitude.core.config.Settings;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.resource.ResourceProfile;
import org.junit.jupiter.api.Test;

/**
 * The shipped cluster profiles (conf/yarn.conf, conf/k8s.conf) planned as the train job plans them on
 * the driver: the train stage gets a task profile of one GPU and worker.threads CPUs, which fits the
 * executors the profile asks for, so the planner accepts them and no train task waits forever.
 */
class ClusterProfileResourcesTest {
  private static final Path ROOT = Path.of(System.getenv("MAGNITUDE_HOME"));

  @Test
  void eachClusterProfilePlansOneGpuTaskThatFitsItsExecutors() {
    Map<String, String> masters = Map.of("conf/yarn.conf", "yarn", "conf/k8s.conf", "k8s://https://kubernetes.default.svc:443");
    masters.forEach((file, master) -> {
      Settings s = new Settings(ConfigLoader.fromClasspath().load(List.of(ROOT.resolve(file)), Map.of())).validate();
      assertThat(s.spark().master()).as(file).isEqualTo(master);
      SparkConf conf = new SparkConf(false);
      s.spark().conf().forEach(conf::set);
      RunResources plan = RunResources.plan(master, conf, Map.of(), s.train().gpusPerRun(), s.train().threads());
      ResourceProfile p = plan.profile().orElseThrow();
      double taskGpus = p.taskResourcesJMap().get("gpu").amount();
      double taskCpus = p.taskResourcesJMap().get("cpus").amount();
      assertThat(taskGpus).as(file).isEqualTo(1.0);
      assertThat(taskCpus).as(file).isEqualTo(s.train().threads());
      // fits one executor: its cores and GPUs
      assertThat(taskCpus).as(file).isLessThanOrEqualTo(conf.getInt("spark.executor.cores", 1));
      assertThat(taskGpus).as(file).isLessThanOrEqualTo(conf.getDouble("spark.executor.resource.gpu.amount", 0));
      // each worker trains with all its threads: placement bounds nothing
      WorkerPlacement w = plan.place(0, (int) taskCpus, Map.of("gpu",
          new org.apache.spark.resource.ResourceInformation("gpu", new String[] {"3"})), l -> {});
      assertThat(w.gpus()).as(file).containsExactly("3");
      assertThat(w.threads()).as(file).isEqualTo(s.train().threads());
    });
  }
}
