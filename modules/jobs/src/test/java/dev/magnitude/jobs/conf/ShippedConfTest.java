package dev.magnitude.jobs.conf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnitude.core.config.ConfigLoader;
import dev.magnitude.core.config.DatasetSpec;
import dev.magnitude.core.config.Settings;
import dev.magnitude.core.run.Variant;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The configuration files the project ships bind and validate against every module's reference.conf, as
 * jobs/demo layers them; MAGNITUDE_HOME is set by surefire as jobs/magnitude sets it.
 */
class ShippedConfTest {
  private static final Path ROOT = Path.of(System.getenv("MAGNITUDE_HOME"));

  @Test
  void theDemoLayersBindAndNameTheBundledSamples() {
    Settings settings = load("conf/local.conf", "conf/samples.conf", "conf/sweeps/demo.conf");

    assertThat(settings.sweep().datasets()).containsExactly("synthetic", "wordnet-similarity", "synthetic-images");
    // the four fixed variants and the learned one
    assertThat(settings.sweep().variants()).containsExactly(
        Variant.COSINE, Variant.QUERY_NORM, Variant.DOC_NORM, Variant.DOT, Variant.LEARNED);
    Map<String, String> formats = Map.of("wordnet-retrieval", "beir", "wordnet-similarity", "sts",
        "synthetic-sts", "sts", "synthetic-images", "coco");
    formats.forEach((name, format) -> {
      DatasetSpec dataset = settings.datasets().get(name);
      assertThat(dataset.format()).as(name).isEqualTo(format);
      assertThat(dataset.splits()).as(name).containsExactly("train", "dev", "test");
      assertThat(Path.of(dataset.path())).as(name).isEqualTo(ROOT.resolve("data/samples/" + name));
      assertThat(Files.isDirectory(Path.of(dataset.path()))).as(name).isTrue();
    });
    assertThat(settings.datasets().get("synthetic-images").task()).isEqualTo(DatasetSpec.Task.IMAGE_TEXT);
    assertThat(settings.datasets().get("wordnet-similarity").task()).isEqualTo(DatasetSpec.Task.STS);
  }

  @Test
  void everySweepFileBindsOverTheLocalProfile() throws Exception {
    try (var sweeps = Files.list(ROOT.resolve("conf/sweeps"))) {
      List<Path> files = sweeps.filter(p -> p.toString().endsWith(".conf")).sorted().toList();
      assertThat(files).isNotEmpty();
      for (Path sweep : files) {
        Settings settings = load("conf/local.conf", "conf/samples.conf", ROOT.relativize(sweep).toString());
        assertThat(settings.datasets().keySet()).as(sweep.toString()).containsAll(settings.sweep().datasets());
      }
    }
  }

  @Test
  void theClusterProfilesBindUnderEverySweepAndGiveEachRunOneGpuAndAWholeExecutor() throws Exception {
    List<String> sweeps;
    try (var files = Files.list(ROOT.resolve("conf/sweeps"))) {
      sweeps = files.filter(p -> p.toString().endsWith(".conf")).sorted().map(p -> ROOT.relativize(p).toString()).toList();
    }
    for (String profile : List.of("conf/yarn.conf", "conf/k8s.conf")) {
      for (String sweep : sweeps) {
        Settings settings = load(profile, "conf/samples.conf", sweep);
        assertThat(settings.train().gpusPerRun()).as(profile).isEqualTo(1);
        Map<String, String> spark = settings.spark().conf();
        assertThat(spark.keySet()).as(profile).allMatch(k -> k.startsWith("spark."));
        // the train stage's profile asks for worker.threads CPUs: more than an executor has never starts
        assertThat(settings.train().threads()).as(profile)
            .isEqualTo(Integer.parseInt(spark.get("spark.executor.cores")));
        assertThat(Double.parseDouble(spark.get("spark.executor.resource.gpu.amount"))).as(profile)
            .isEqualTo(settings.train().gpusPerRun());
        // the resource-profile route: prepare and aggregate tasks hold no GPU
        assertThat(spark).as(profile).doesNotContainKey("spark.task.resource.gpu.amount")
            .containsEntry("spark.dynamicAllocation.enabled", "false")
            .containsEntry("spark.executorEnv.DJL_OFFLINE", "true")
            .containsEntry("spark.executorEnv.PYTORCH_VERSION", "2.7.1")
            .containsEntry("spark.executorEnv.PYTORCH_FLAVOR", "cu128");
        assertThat(spark.get("spark.executor.resource.gpu.discoveryScript")).as(profile)
            .isEqualTo("/opt/magnitude/deploy/gpu/getGpusResources.sh");
      }
    }
    assertThat(Files.isExecutable(ROOT.resolve("deploy/gpu/getGpusResources.sh"))).isTrue();
    assertThat(load("conf/k8s.conf").spark().conf()).containsEntry("spark.executor.resource.gpu.vendor", "nvidia.com");
  }

  private static Settings load(String... files) {
    List<Path> paths = java.util.Arrays.stream(files).map(ROOT::resolve).toList();
    return new Settings(ConfigLoader.fromClasspath().load(paths, Map.of("magnitude.work-dir", "/tmp"))).validate();
  }
}
