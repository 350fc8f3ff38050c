package dev.magnitude.jobs.train;

import dev.magnitude.jobs.support.JobError;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.spark.SparkConf;
import org.apache.spark.resource.ExecutorResourceRequests;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.resource.ResourceProfile;
import org.apache.spark.resource.ResourceProfileBuilder;
import org.apache.spark.resource.TaskResourceRequests;

/**
 * The GPUs and CPUs of the train job's tasks ({@code magnitude.train.gpus-per-run}, {@code worker.threads}),
 * how they are asked of Spark, and which of them each worker gets.
 *
 * <p>How a task gets its GPUs, checked on the driver before any task starts:
 *
 * <ul>
 *   <li>On a cluster (YARN, Kubernetes, standalone, {@code local-cluster}) with
 *       {@code spark.task.resource.gpu.amount} set: the session's default profile; every task of every
 *       job then holds that many GPUs.
 *   <li>On a cluster without it: a resource profile on the train stage alone, so that prepare and
 *       aggregate tasks stay GPU-free and run as many at once as there are cores. Its task requests are
 *       {@code gpus-per-run} GPUs and {@code worker.threads} CPUs; with dynamic allocation off (Spark
 *       supports only this task-level profile then, on YARN, Kubernetes and standalone) executors must
 *       have GPUs ({@code spark.executor.resource.gpu.amount}); with dynamic allocation on, the profile
 *       also asks for executors with {@code gpus-per-run} GPUs (found by
 *       {@code spark.executor.resource.gpu.discoveryScript}).
 *   <li>In local mode ({@code local}, {@code local[N]}): Spark 4.0 schedules no task resources there
 *       (a task asking for a GPU never starts) and refuses resource profiles. The job hands out the
 *       driver's GPUs ({@code spark.driver.resource.gpu.amount} and discovery script) itself: task p of
 *       the train stage gets addresses [p·g, (p+1)·g) for g = gpus-per-run, and there are at most
 *       (driver GPUs / g) tasks, so no two concurrent workers share a GPU.
 * </ul>
 *
 * <p>Worker threads are bounded by the task's CPUs ({@code TaskContext.cpus()}: spark.task.cpus, or the
 * profile's), so that Spark's count of busy cores is the truth.
 */
final class RunResources implements Serializable {
  static final String GPU = "gpu";
  static final String TASK_GPU_AMOUNT = "spark.task.resource.gpu.amount";
  static final String EXECUTOR_GPU_AMOUNT = "spark.executor.resource.gpu.amount";
  static final String EXECUTOR_GPU_SCRIPT = "spark.executor.resource.gpu.discoveryScript";
  static final String DRIVER_GPU_AMOUNT = "spark.driver.resource.gpu.amount";
  static final String DRIVER_GPU_SCRIPT = "spark.driver.resource.gpu.discoveryScript";
  static final String SCRIPT = "deploy/gpu/getGpusResources.sh";

  private final int gpusPerRun;
  private final int threads;
  /** Local mode: the driver's GPU addresses, handed out by partition; empty elsewhere. */
  private final List<String> localGpus;
  private final transient ResourceProfile profile;
  private final String description;

  private RunResources(int gpusPerRun, int threads, List<String> localGpus, ResourceProfile profile, String description) {
    this.gpusPerRun = gpusPerRun;
    this.threads = threads;
    this.localGpus = List.copyOf(localGpus);
    this.profile = profile;
    this.description = description;
  }

  /**
   * Plans the train stage's resources, or throws a {@link JobError} naming the settings to fix.
   *
   * @param driverResources the driver's resources ({@code SparkContext.resources()}), used in local mode
   */
  static RunResources plan(
      String master, SparkConf conf, Map<String, ResourceInformation> driverResources, int gpusPerRun, int threads) {
    boolean local = master.equals("local") || master.startsWith("local[");
    if (local && conf.contains(TASK_GPU_AMOUNT)) {
      throw new JobError(TASK_GPU_AMOUNT + " = " + conf.get(TASK_GPU_AMOUNT) + " in local mode (" + master
          + "): Spark's local mode assigns no resources to tasks, so tasks asking for a GPU never start. Remove it;"
          + " with magnitude.train.gpus-per-run > 0 the train job hands the driver's GPUs ("
          + DRIVER_GPU_AMOUNT + ", " + DRIVER_GPU_SCRIPT + ") to its tasks itself");
    }
    if (gpusPerRun == 0) {
      return new RunResources(0, threads, List.of(), null,
          "CPU runs (magnitude.train.gpus-per-run = 0): workers see no GPU (CUDA_VISIBLE_DEVICES=\"\"), "
              + "threads bounded by spark.task.cpus = " + conf.get("spark.task.cpus", "1"));
    }
    return local ? local(master, driverResources, gpusPerRun, threads) : cluster(conf, gpusPerRun, threads);
  }

  private static RunResources local(
      String master, Map<String, ResourceInformation> driverResources, int gpusPerRun, int threads) {
    ResourceInformation gpu = driverResources.get(GPU);
    List<String> addresses = gpu == null ? List.of() : Arrays.asList(gpu.addresses());
    if (addresses.size() < gpusPerRun) {
      throw new JobError("magnitude.train.gpus-per-run = " + gpusPerRun + " but the driver of this local session ("
          + master + ") has " + addresses.size() + " GPU(s) " + addresses + "; in local mode the train job hands the"
          + " driver's GPUs to its tasks: set " + DRIVER_GPU_AMOUNT + "=<GPUs of this machine> and "
          + DRIVER_GPU_SCRIPT + "=" + SCRIPT + " (in magnitude.spark.conf), or gpus-per-run = 0 to train on CPU");
    }
    int slots = addresses.size() / gpusPerRun;
    return new RunResources(gpusPerRun, threads, addresses, null,
        "local mode: the driver's GPUs " + addresses + " handed out " + gpusPerRun + " per task, at most " + slots
            + " run(s) at once");
  }

  private static RunResources cluster(SparkConf conf, int gpusPerRun, int threads) {
    if (conf.contains(TASK_GPU_AMOUNT)) {
      double amount = conf.getDouble(TASK_GPU_AMOUNT, 0);
      if (amount < gpusPerRun) {
        throw new JobError(TASK_GPU_AMOUNT + " = " + conf.get(TASK_GPU_AMOUNT) + " gives each task fewer GPUs than"
            + " magnitude.train.gpus-per-run = " + gpusPerRun + "; set it to " + gpusPerRun
            + ", or remove it and the train stage asks for its GPUs through a resource profile");
      }
      return new RunResources(gpusPerRun, threads, List.of(), null,
          "each task holds " + TASK_GPU_AMOUNT + " = " + conf.get(TASK_GPU_AMOUNT) + " GPU(s) and spark.task.cpus = "
              + conf.get("spark.task.cpus", "1") + " CPU(s) (the session's default profile)");
    }
    boolean dynamic = conf.getBoolean("spark.dynamicAllocation.enabled", false);
    if (conf.contains("spark.executor.cores") && threads > conf.getInt("spark.executor.cores", 1)) {
      throw new JobError("magnitude.train.worker.threads = " + threads + " is more than spark.executor.cores = "
          + conf.get("spark.executor.cores") + ": the train tasks ask for that many CPUs and would never start;"
          + " lower the threads or raise spark.executor.cores");
    }
    TaskResourceRequests task = new TaskResourceRequests().cpus(threads).resource(GPU, gpusPerRun);
    ResourceProfileBuilder builder = new ResourceProfileBuilder().require(task);
    if (dynamic) {
      ExecutorResourceRequests executor = new ExecutorResourceRequests()
          .cores(conf.getInt("spark.executor.cores", threads))
          .resource(GPU, (long) Math.max(gpusPerRun, conf.getDouble(EXECUTOR_GPU_AMOUNT, gpusPerRun)),
              conf.get(EXECUTOR_GPU_SCRIPT, ""), conf.get("spark.executor.resource.gpu.vendor", ""));
      builder.require(executor);
    } else if (!conf.contains(EXECUTOR_GPU_AMOUNT)) {
      throw new JobError("magnitude.train.gpus-per-run = " + gpusPerRun + " but executors have no GPUs: set "
          + EXECUTOR_GPU_AMOUNT + "=<GPUs per executor> and " + EXECUTOR_GPU_SCRIPT + "=" + SCRIPT
          + " (on YARN and standalone; Kubernetes also needs spark.executor.resource.gpu.vendor=nvidia.com),"
          + " or gpus-per-run = 0 to train on CPU");
    }
    return new RunResources(gpusPerRun, threads, List.of(), builder.build(),
        "the train stage's resource profile: " + gpusPerRun + " GPU(s) and " + threads + " CPU(s) per task"
            + (dynamic ? ", on executors it asks for (dynamic allocation)" : ""));
  }

  /** The train stage's resource profile; empty = the session's default one. */
  Optional<ResourceProfile> profile() {
    return Optional.ofNullable(profile);
  }

  /** Most train tasks that may run at once: in local mode, the GPU sets of the driver. */
  int maxTasks() {
    return localGpus.isEmpty() ? Integer.MAX_VALUE : localGpus.size() / gpusPerRun;
  }

  String describe() {
    return description;
  }

  /**
   * Where the runs of one task train, or an IllegalStateException naming the settings to fix when the
   * task holds fewer GPUs than gpus-per-run.
   *
   * @param partition the task's partition (local mode hands out GPUs by it)
   * @param taskCpus {@code TaskContext.cpus()}: bounds the threads
   * @param taskResources {@code TaskContext.resourcesJMap()}
   * @param log the task's log: one line with the placement, and one when the threads are bounded
   */
  WorkerPlacement place(
      int partition, int taskCpus, Map<String, ResourceInformation> taskResources, Consumer<String> log) {
    int bounded = Math.max(1, Math.min(threads, taskCpus));
    if (bounded < threads) {
      log.accept("train task " + partition + ": worker threads bounded to " + bounded + " by the task's " + taskCpus
          + " CPU(s) (magnitude.train.worker.threads = " + threads + "; raise spark.task.cpus to give it more)");
    }
    List<String> gpus = gpus(partition, taskResources);
    log.accept("train task " + partition + ": workers train with " + bounded + " thread(s), "
        + (gpus.isEmpty() ? "no GPU (CUDA_VISIBLE_DEVICES=\"\")" : "GPU(s) " + String.join(",", gpus)
            + " (CUDA_VISIBLE_DEVICES=" + String.join(",", gpus) + ")"));
    return new WorkerPlacement(gpus, bounded);
  }

  private List<String> gpus(int partition, Map<String, ResourceInformation> taskResources) {
    if (gpusPerRun == 0) {
      return List.of();
    }
    if (!localGpus.isEmpty()) {
      int from = partition * gpusPerRun;
      if (from + gpusPerRun > localGpus.size()) {
        throw new IllegalStateException("train task " + partition + " has no GPU set of its own among the driver's "
            + localGpus + " (" + gpusPerRun + " per task); the train job makes at most " + maxTasks() + " tasks");
      }
      return localGpus.subList(from, from + gpusPerRun);
    }
    ResourceInformation gpu = taskResources.get(GPU);
    List<String> addresses = gpu == null ? List.of() : Arrays.asList(gpu.addresses());
    if (addresses.size() < gpusPerRun) {
      throw new IllegalStateException("magnitude.train.gpus-per-run = " + gpusPerRun + " but Spark gave train task "
          + partition + " " + addresses.size() + " GPU(s) " + addresses + ": executors need GPUs ("
          + EXECUTOR_GPU_AMOUNT + ", " + EXECUTOR_GPU_SCRIPT + "=" + SCRIPT + ") and tasks must ask for them ("
          + TASK_GPU_AMOUNT + " or the train stage's resource profile); or set gpus-per-run = 0 to train on CPU");
    }
    return addresses;
  }
}
