package dev.magnitude.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import org.junit.jupiter.api.Test;

/** The device rule, with the GPU count PyTorch would report given as a number (no GPU here). */
class PlacementTest {
  @Test
  void theGpuWhenTheTaskHasOneAndPyTorchSeesIt() {
    assertThat(new Placement(1, 2).device(1, "r")).isEqualTo(Device.gpu(0));
  }

  @Test
  void theCpuWhenTheRunAsksForNoGpuEvenIfOneIsVisible() {
    assertThat(new Placement(0, 2).device(1, "r")).isEqualTo(Device.cpu());
  }

  @Test
  void theCpuWhenPyTorchSeesNoGpu() {
    // CPU natives on a GPU node, or no driver: trains on CPU with a warning
    assertThat(new Placement(1, 2).device(0, "r")).isEqualTo(Device.cpu());
  }

  @Test
  void rejectsNonsense() {
    assertThatThrownBy(() -> new Placement(0, 0)).hasMessage("threads = 0: must be >= 1");
    assertThatThrownBy(() -> new Placement(-1, 1)).hasMessage("gpus = -1: must be >= 0");
  }
}
