package dev.magnitude.worker.train;

import com.sun.jna.Library;
import com.sun.jna.Native;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the C allocator from handing libtorch's freed tensor memory back to the operating system after every
 * step. libtorch allocates CPU tensors with malloc; a training step allocates and frees the same few dozen
 * multi-megabyte arrays (activations, S × S attention scores, gradients) every time. With glibc's defaults a
 * freed block at the top of a thread's heap beyond the trim threshold is returned to the system, and the next
 * step's allocation faults the pages in again, each one zeroed by the kernel: at the benchmark's default size
 * (E = 64, B = 64, S = 64) page faults and page clearing were about 6 % of the step's samples ({@code perf}),
 * and the step's CPU time fell by about that much with the thresholds below. The memory a worker keeps is its
 * own peak, which it needs again at the next step anyway.
 *
 * <p>Linux with glibc only ({@code mallopt} through JNA, which DJL brings); elsewhere, or when the call fails, it
 * does nothing and says so in the log. Results do not depend on it.
 */
public final class NativeAllocator {
  private static final Logger LOG = LoggerFactory.getLogger(NativeAllocator.class);
  // glibc malloc.h
  private static final int M_TRIM_THRESHOLD = -1;
  private static final int M_TOP_PAD = -2;
  private static final int M_MMAP_THRESHOLD = -3;
  /** Freed memory beyond this at the top of a heap is returned to the system: effectively never. */
  private static final int TRIM_THRESHOLD = 1 << 30;
  /** Extra memory requested each time a heap grows. */
  private static final int TOP_PAD = 64 << 20;
  /** Blocks from this size on are mapped on their own; glibc's largest allowed value (64-bit: 32 MB). */
  private static final int MMAP_THRESHOLD = 32 << 20;
  private static boolean tuned;

  private NativeAllocator() {}

  /** The glibc entry point. */
  interface C extends Library {
    int mallopt(int param, int value);
  }

  /**
   * Sets the thresholds once per process (later calls do nothing).
   *
   * @return whether glibc accepted all three settings
   */
  public static synchronized boolean keepFreedMemory() {
    if (tuned) {
      return true;
    }
    if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
      LOG.info("not on Linux: the C allocator keeps its defaults");
      return false;
    }
    try {
      C c = Native.load("c", C.class);
      // mallopt answers 1 on success, 0 on error (e.g. a value out of range, or a C library without it).
      boolean ok = c.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
          & c.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
          & c.mallopt(M_TOP_PAD, TOP_PAD) == 1;
      tuned = ok;
      if (!ok) {
        LOG.info("mallopt refused a setting: the C allocator keeps (some of) its defaults");
      }
      return ok;
    } catch (LinkageError | RuntimeException e) { // no JNA on the class path, no libc, no mallopt
      LOG.info("cannot call mallopt ({}): the C allocator keeps its defaults", e.toString());
      return false;
    }
  }
}
