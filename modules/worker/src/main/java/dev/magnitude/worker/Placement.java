package dev.magnitude.worker;

import ai.djl.Device;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a worker trains: the device and the thread count, given what its Spark task holds. Not part of
 * the run's spec, so a run trained on a GPU has the id (and the spec) of the same run on CPU.
 *
 * @param gpus GPUs the task was given (its addresses are the worker's CUDA_VISIBLE_DEVICES); 0 = CPU
 * @param threads PyTorch intra- and inter-op threads (the spec's, bounded by the task's CPUs)
 */
public record Placement(int gpus, int threads) {
  private static final Logger LOG = LoggerFactory.getLogger(Placement.class);

  public Placement {
    if (gpus < 0) {
      throw new IllegalArgumentException("gpus = " + gpus + ": must be >= 0");
    }
    if (threads < 1) {
      throw new IllegalArgumentException("threads = " + threads + ": must be >= 1");
    }
  }

  /**
   * The training device: the first visible GPU when the task was given GPUs and PyTorch sees one,
   * else the CPU. A task with GPUs whose PyTorch sees none trains on CPU with a warning: the worker has
   * the CPU natives or the node no NVIDIA driver (README, section GPUs).
   *
   * @param visibleGpus {@code Engine.getInstance().getGpuCount()}: the GPUs in CUDA_VISIBLE_DEVICES
   */
  public Device device(int visibleGpus, String runId) {
    if (gpus > 0 && visibleGpus > 0) {
      LOG.info("run {}: training on {} ({} GPU(s) visible, gpus-per-run = {})", runId, Device.gpu(0), visibleGpus, gpus);
      return Device.gpu(0);
    }
    if (gpus > 0) {
      LOG.warn("run {}: the task was given {} GPU(s) (CUDA_VISIBLE_DEVICES={}) but PyTorch sees none; training on"
          + " CPU. A GPU node needs the NVIDIA driver and CUDA natives of libtorch 2.7.1 (cu128): see README, GPUs",
          runId, gpus, System.getenv("CUDA_VISIBLE_DEVICES"));
    } else {
      LOG.info("run {}: training on {} (gpus-per-run = 0)", runId, Device.cpu());
    }
    return Device.cpu();
  }
}
