package dev.magnitude.worker;

import java.lang.ref.WeakReference;

/**
 * Runs the garbage collector for real, so that direct ByteBuffers nothing references any more are
 * freed (their cleaners run on the reference-handler thread right after the collection). Tests put it
 * between a forward and its backward: on DJL's PyTorch engine an array created from Java data is a
 * view of such a buffer, and a gradient that depends on a closed one reads freed memory.
 */
public final class ForcedGc {
  private ForcedGc() {}

  public static void collect() {
    WeakReference<Object> canary = new WeakReference<>(new Object());
    for (int i = 0; i < 3 || (canary.get() != null && i < 20); i++) {
      System.gc();
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the garbage collector", e);
      }
    }
    if (canary.get() != null) {
      throw new IllegalStateException("System.gc() did not collect an unreachable object; run without -XX:+DisableExplicitGC");
    }
  }
}
