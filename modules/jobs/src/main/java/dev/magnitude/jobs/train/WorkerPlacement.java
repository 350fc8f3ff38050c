package dev.magnitude.jobs.train;

import java.util.List;

/**
 * Where one worker process trains: the GPU addresses of its Spark task and its thread count.
 *
 * @param gpus the task's GPU addresses, its CUDA_VISIBLE_DEVICES; empty = CPU, and the worker then sees
 *     no GPU at all (CUDA_VISIBLE_DEVICES=""), so a CPU run never takes memory on a GPU another task holds
 * @param threads PyTorch threads, OMP_NUM_THREADS and MKL_NUM_THREADS of the worker
 */
public record WorkerPlacement(List<String> gpus, int threads) {
  public WorkerPlacement {
    gpus = List.copyOf(gpus);
    if (threads < 1) {
      throw new IllegalArgumentException("threads = " + threads + ": must be >= 1");
    }
  }

  /** The worker's CUDA_VISIBLE_DEVICES: the addresses comma-joined, "" on CPU. */
  public String cudaVisibleDevices() {
    return String.join(",", gpus);
  }
}
