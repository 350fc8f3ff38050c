package dev.magnitude.jobs.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.magnitude.core.config.ConfigLoader;
import dev.magnitude.core.config.Settings;
import dev.magnitude.jobs.cli.Cli;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes manifests (deploy/k8s/*.yaml), the image (deploy/docker/Dockerfile) and the cluster
 * profile (conf/k8s.conf) agree: what the manifests run exists in the image and in the repository, binds
 * as the CLI binds it, and asks Kubernetes for what the profile asks Spark for. Nothing here needs a
 * cluster; a manifest that drifts from the profile fails here rather than as a pod that never schedules.
 */
class DeployManifestsTest {
  private static final Path ROOT = Path.of(System.getenv("MAGNITUDE_HOME"));
  private static final String CLI = "dev.magnitude.jobs.cli.Cli";
  private static final Set<String> COMMANDS = Set.of("prepare", "train", "aggregate", "sweep", "status");
  /**
   * Conf files the manifests name that are written on another branch (the paper sweep); once present
   * they are bound like the others. Remove an entry when its file is merged.
   */
  private static final Set<String> PENDING = Set.of();

  private static Map<String, Map<String, Object>> byKind;
  private static Dockerfile docker;
  private static Settings k8s;

  @BeforeAll
  static void load() throws IOException {
    byKind = new TreeMap<>();
    List<Path> files;
    try (Stream<Path> s = Files.list(ROOT.resolve("deploy/k8s"))) {
      files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(files).isNotEmpty();
    for (Path file : files) {
      for (Object doc : MiniYaml.parseAll(Files.readString(file))) {
        Map<String, Object> m = map(doc, file.getFileName().toString());
        assertThat(str(m, "apiVersion")).as(file.toString()).isNotEmpty();
        Object previous = byKind.put(str(m, "kind"), m);
        assertThat(previous).as("one " + str(m, "kind") + " under deploy/k8s").isNull();
      }
    }
    docker = Dockerfile.read(ROOT.resolve("deploy/docker/Dockerfile"));
    k8s = bind(List.of("conf/k8s.conf"), Map.of());
  }

  @Test
  void everyManifestHasTheKindsExpectedInOneNamespace() {
    assertThat(byKind).containsOnlyKeys("ServiceAccount", "Role", "RoleBinding", "PersistentVolumeClaim", "Pod",
        "SparkApplication", "CronJob");
    assertThat(str(byKind.get("SparkApplication"), "apiVersion")).isEqualTo("sparkoperator.k8s.io/v1beta2");
    byKind.forEach((kind, m) -> {
      if (!kind.equals("Pod")) { // the executor template: Spark names and places executors
        assertThat(str(m, "metadata.namespace")).as(kind).isEqualTo(namespace());
      }
    });
  }

  @Test
  void theSparkApplicationRunsTheCliFromTheImageOnConfFilesThatBind() throws Exception {
    Map<String, Object> app = byKind.get("SparkApplication");
    assertMainClass(str(app, "spec.mainClass"));
    assertThat(str(app, "spec.mainApplicationFile")).startsWith("local://");
    assertThat(docker.repoPath(str(app, "spec.mainApplicationFile").substring("local://".length())))
        .isEqualTo("modules/jobs/target/magnitude-app.jar");
    assertThat(str(app, "spec.sparkVersion")).isEqualTo(org.apache.spark.package$.MODULE$.SPARK_VERSION())
        .isEqualTo(docker.sparkVersion());
    assertCliArguments(strings(app, "spec.arguments"), mountPath(app, "spec.driver.volumeMounts"));
    assertThat(str(app, "spec.driver.serviceAccount")).isEqualTo(serviceAccount());
  }

  @Test
  void theSparkApplicationsExecutorsAreWhatTheProfileAsksFor() {
    Map<String, String> spark = k8s.spark().conf();
    Map<String, Object> executor = map(get(byKind.get("SparkApplication"), "spec.executor"), "spec.executor");
    assertThat(str(executor, "cores")).isEqualTo(spark.get("spark.executor.cores"))
        .isEqualTo(String.valueOf(k8s.train().threads()));
    assertThat(str(executor, "memory")).isEqualTo(spark.get("spark.executor.memory"));
    assertThat(str(executor, "memoryOverhead")).isEqualTo(spark.get("spark.executor.memoryOverhead"));
    assertThat(str(executor, "gpu.name")).isEqualTo(spark.get("spark.executor.resource.gpu.vendor") + "/gpu");
    assertThat(Integer.parseInt(str(executor, "gpu.quantity"))).isEqualTo(k8s.train().gpusPerRun())
        .isEqualTo((int) Double.parseDouble(spark.get("spark.executor.resource.gpu.amount")));
    assertThat(spark).doesNotContainKey("spark.task.resource.gpu.amount");
  }

  @Test
  void theExecutorTemplateIsInTheImageWhereTheProfileSaysAndAsksForTheSameGpus() {
    Map<String, String> spark = k8s.spark().conf();
    assertThat(docker.repoPath(spark.get("spark.kubernetes.executor.podTemplateFile")))
        .isEqualTo("deploy/k8s/executor-pod-template.yaml");
    assertThat(docker.repoPath(spark.get("spark.executor.resource.gpu.discoveryScript")))
        .isEqualTo("deploy/gpu/getGpusResources.sh");
    Map<String, Object> pod = byKind.get("Pod");
    List<Object> containers = list(get(pod, "spec.containers"), "spec.containers");
    assertThat(containers).hasSize(1);
    Map<String, Object> executor = map(containers.get(0), "container");
    assertThat(str(executor, "name")).isEqualTo(spark.get("spark.kubernetes.executor.podTemplateContainerName"));
    String gpuResource = spark.get("spark.executor.resource.gpu.vendor") + "/gpu";
    assertThat(map(get(executor, "resources.limits"), "limits"))
        .containsEntry(gpuResource, spark.get("spark.executor.resource.gpu.amount"));
    assertThat(list(get(pod, "spec.tolerations"), "tolerations"))
        .anySatisfy(t -> assertThat(str(map(t, "toleration"), "key")).isEqualTo(gpuResource));
    // executors read and write the same work directory as the driver
    assertThat(claim(pod)).isEqualTo(claim(byKind.get("SparkApplication"))).isEqualTo(claim(byKind.get("CronJob")))
        .isEqualTo(str(byKind.get("PersistentVolumeClaim"), "metadata.name"));
    assertThat(mountPath(executor, "volumeMounts")).isEqualTo(mountPath(byKind.get("SparkApplication"),
        "spec.driver.volumeMounts"));
  }

  @Test
  void theImageCarriesTheLibtorchAndEnvironmentTheProfileNames() {
    Map<String, String> spark = k8s.spark().conf();
    for (String key : List.of("DJL_OFFLINE", "PYTORCH_LIBRARY_PATH", "PYTORCH_VERSION", "PYTORCH_FLAVOR")) {
      assertThat(docker.env().get(key)).as(key).isEqualTo(spark.get("spark.executorEnv." + key)).isNotNull();
    }
    String lib = docker.env().get("PYTORCH_LIBRARY_PATH");
    assertThat(docker.copiedFromStage()).as("COPY --from targets").anyMatch(lib::startsWith);
    assertThat(docker.arg("LIBTORCH_URL")).contains("libtorch-cxx11-abi-shared-with-deps-"
        + docker.env().get("PYTORCH_VERSION") + "%2B" + docker.env().get("PYTORCH_FLAVOR") + ".zip")
        .contains("/" + docker.env().get("PYTORCH_FLAVOR") + "/");
    for (String source : docker.sources()) {
      if (!source.startsWith("modules/jobs/target/")) { // build outputs: mvn -Papp package
        assertThat(ROOT.resolve(source)).as("COPY source").exists();
      }
    }
  }

  @Test
  void theCronJobSubmitsTheSameSweepAsTheSparkApplicationAsAClientModeDriver() throws Exception {
    Map<String, Object> cron = byKind.get("CronJob");
    assertCron(str(cron, "spec.schedule"));
    assertThat(str(cron, "spec.concurrencyPolicy")).isEqualTo("Forbid"); // the pod is the driver: no overlap
    Map<String, Object> pod = map(get(cron, "spec.jobTemplate.spec.template.spec"), "pod spec");
    assertThat(str(pod, "serviceAccountName")).isEqualTo(serviceAccount());
    Map<String, Object> container = map(list(get(pod, "containers"), "containers").get(0), "container");
    List<String> argv = new ArrayList<>(strings(container, "command"));
    argv.addAll(strings(container, "args"));
    assertThat(argv.get(0)).isEqualTo("/opt/spark/bin/spark-submit");
    Map<String, String> options = new LinkedHashMap<>();
    Map<String, String> conf = new LinkedHashMap<>();
    int i = 1;
    for (; i < argv.size() && argv.get(i).startsWith("--"); i += 2) {
      if (argv.get(i).equals("--conf")) {
        String[] kv = argv.get(i + 1).split("=", 2);
        conf.put(kv[0], kv[1]);
      } else {
        options.put(argv.get(i), argv.get(i + 1));
      }
    }
    assertThat(options).containsEntry("--master", k8s.spark().master()).containsEntry("--deploy-mode", "client");
    assertMainClass(options.get("--class"));
    assertThat(argv.get(i)).startsWith("local://");
    assertThat(docker.repoPath(argv.get(i).substring("local://".length())))
        .isEqualTo("modules/jobs/target/magnitude-app.jar");
    List<String> cliArgs = argv.subList(i + 1, argv.size());
    assertThat(cliArgs).isEqualTo(strings(byKind.get("SparkApplication"), "spec.arguments"));
    String image = str(byKind.get("SparkApplication"), "spec.image");
    assertThat(str(container, "image")).isEqualTo(image);
    assertThat(conf).containsEntry("spark.kubernetes.container.image", image)
        .containsEntry("spark.kubernetes.namespace", namespace())
        .containsEntry("spark.executor.instances", str(byKind.get("SparkApplication"), "spec.executor.instances"));
    // client mode: executors reach the driver at the pod's IP, and the pod owns them
    Map<String, String> fieldRefs = new LinkedHashMap<>();
    for (Object e : list(get(container, "env"), "env")) {
      fieldRefs.put("$(" + str(map(e, "env"), "name") + ")", str(map(e, "env"), "valueFrom.fieldRef.fieldPath"));
    }
    assertThat(fieldRefs.get(conf.get("spark.driver.host"))).isEqualTo("status.podIP");
    assertThat(fieldRefs.get(conf.get("spark.kubernetes.driver.pod.name"))).isEqualTo("metadata.name");
    assertCliArguments(cliArgs, mountPath(container, "volumeMounts"));
  }

  @Test
  void theDriversRoleBindsToItsServiceAccountAndGrantsWhatSparkUses() {
    Map<String, Object> binding = byKind.get("RoleBinding");
    Map<String, Object> subject = map(list(get(binding, "subjects"), "subjects").get(0), "subject");
    assertThat(str(subject, "kind")).isEqualTo("ServiceAccount");
    assertThat(str(subject, "name")).isEqualTo(serviceAccount());
    assertThat(str(subject, "namespace")).isEqualTo(namespace());
    assertThat(str(binding, "roleRef.kind")).isEqualTo("Role");
    assertThat(str(binding, "roleRef.name")).isEqualTo(str(byKind.get("Role"), "metadata.name"));
    Map<String, Set<String>> granted = new TreeMap<>();
    for (Object r : list(get(byKind.get("Role"), "rules"), "rules")) {
      Map<String, Object> rule = map(r, "rule");
      assertThat(strings(rule, "apiGroups")).containsExactly(""); // the core group only
      assertThat(strings(rule, "verbs")).doesNotContain("*");
      for (String resource : strings(rule, "resources")) {
        granted.computeIfAbsent(resource, k -> new java.util.TreeSet<>()).addAll(strings(rule, "verbs"));
      }
    }
    assertThat(granted).containsOnlyKeys("pods", "services", "configmaps", "persistentvolumeclaims");
    assertThat(granted.get("pods")).contains("create", "get", "list", "watch", "delete");
    assertThat(granted.get("configmaps")).contains("create", "delete");
    assertThat(granted.get("services")).contains("create", "delete");
  }

  @Test
  void theCronCheckRefusesBadSchedules() {
    assertCron("*/15 0-6,22 1 1-12/2 1-5");
    for (String bad : List.of("0 24 * * 0", "60 2 * * *", "0 2 * *", "0 2 0 * *", "0 2 * 13 *", "0 2 * * 8",
        "*/0 * * * *", "5-1 * * * *", "a * * * *")) {
      assertThatThrownBy(() -> assertCron(bad)).as(bad).isInstanceOf(AssertionError.class);
    }
  }

  /** The CLI's arguments: a command, then conf files in the image that bind as the CLI binds them. */
  private static void assertCliArguments(List<String> args, String dataMount) {
    assertThat(COMMANDS).contains(args.get(0));
    List<Path> confs = new ArrayList<>();
    Map<String, String> overrides = new LinkedHashMap<>();
    for (int i = 1; i < args.size(); i += 2) {
      String value = args.get(i + 1);
      switch (args.get(i)) {
        case "--conf" -> {
          String repo = docker.repoPath(value);
          assertThat(repo).as(value).startsWith("conf/");
          if (Files.exists(ROOT.resolve(repo))) {
            confs.add(ROOT.resolve(repo));
          } else {
            assertThat(PENDING).as(repo + " named by a manifest is not in the repository").contains(repo);
          }
        }
        case "--work-dir" -> {
          assertThat(value).as("work dir on the shared volume").startsWith(dataMount + "/");
          overrides.put("magnitude.work-dir", value);
        }
        default -> throw new AssertionError("unknown CLI option " + args.get(i) + " in " + args);
      }
    }
    assertThat(confs.get(0)).isEqualTo(ROOT.resolve("conf/k8s.conf"));
    Settings s = new Settings(ConfigLoader.fromClasspath().load(confs, overrides)).validate();
    assertThat(s.train().gpusPerRun()).isEqualTo(k8s.train().gpusPerRun());
  }

  private static void assertMainClass(String name) throws Exception {
    assertThat(name).isEqualTo(CLI);
    Method main = Class.forName(name).getMethod("main", String[].class);
    assertThat(Modifier.isStatic(main.getModifiers()) && Modifier.isPublic(main.getModifiers())).isTrue();
  }

  /** Five cron fields within range: lists of *, n, a-b, each with an optional /step. */
  static void assertCron(String schedule) {
    String[] fields = schedule.trim().split("\\s+");
    assertThat(fields).as("cron fields of '" + schedule + "'").hasSize(5);
    int[][] bounds = {{0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 7}};
    Pattern part = Pattern.compile("(\\*|(\\d+)(?:-(\\d+))?)(?:/(\\d+))?");
    for (int f = 0; f < 5; f++) {
      for (String p : fields[f].split(",", -1)) {
        Matcher m = part.matcher(p);
        assertThat(m.matches()).as("cron field '" + p + "' of '" + schedule + "'").isTrue();
        if (m.group(2) != null) {
          int from = Integer.parseInt(m.group(2));
          int to = m.group(3) == null ? from : Integer.parseInt(m.group(3));
          assertThat(from).as(p).isBetween(bounds[f][0], bounds[f][1]);
          assertThat(to).as(p).isBetween(from, bounds[f][1]);
        }
        if (m.group(4) != null) {
          assertThat(Integer.parseInt(m.group(4))).as(p).isPositive();
        }
      }
    }
  }

  private static Settings bind(List<String> files, Map<String, String> overrides) {
    List<Path> paths = files.stream().map(ROOT::resolve).toList();
    return new Settings(ConfigLoader.fromClasspath().load(paths, overrides)).validate();
  }

  private static String namespace() {
    return str(byKind.get("ServiceAccount"), "metadata.namespace");
  }

  private static String serviceAccount() {
    return str(byKind.get("ServiceAccount"), "metadata.name");
  }

  /** The claim of the one volume a manifest's pod spec mounts. */
  private static String claim(Map<String, Object> m) {
    String path = switch (str(m, "kind")) {
      case "Pod" -> "spec.volumes";
      case "SparkApplication" -> "spec.volumes";
      case "CronJob" -> "spec.jobTemplate.spec.template.spec.volumes";
      default -> throw new IllegalArgumentException(str(m, "kind"));
    };
    List<Object> volumes = list(get(m, path), path);
    assertThat(volumes).as(path).hasSize(1);
    return str(map(volumes.get(0), "volume"), "persistentVolumeClaim.claimName");
  }

  private static String mountPath(Map<String, Object> m, String path) {
    List<Object> mounts = list(get(m, path), path);
    assertThat(mounts).as(path).hasSize(1);
    return str(map(mounts.get(0), "mount"), "mountPath");
  }

  static Object get(Map<String, Object> m, String dotted) {
    Object node = m;
    for (String key : dotted.split("\\.")) {
      node = map(node, dotted).get(key);
      if (node == null) {
        throw new AssertionError("no " + dotted + " (missing " + key + ")");
      }
    }
    return node;
  }

  static String str(Map<String, Object> m, String dotted) {
    Object v = get(m, dotted);
    if (!(v instanceof String s)) {
      throw new AssertionError(dotted + " is not a scalar: " + v);
    }
    return s;
  }

  static List<String> strings(Map<String, Object> m, String dotted) {
    return list(get(m, dotted), dotted).stream().map(v -> (String) v).toList();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object node, String what) {
    if (!(node instanceof Map)) {
      throw new AssertionError(what + " is not a mapping: " + node);
    }
    return (Map<String, Object>) node;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object node, String what) {
    if (!(node instanceof List)) {
      throw new AssertionError(what + " is not a sequence: " + node);
    }
    return (List<Object>) node;
  }
}
