package dev.magnitude.worker.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class NativeAllocatorTest {
  @Test
  void glibcAcceptsTheThresholdsOnceAndLaterCallsAgree() {
    // glibc systems (the workers' Linux hosts) have ld-linux; musl or other systems may legitimately refuse.
    assumeTrue(System.getProperty("os.name").toLowerCase().contains("linux")
        && (Files.exists(Path.of("/lib64/ld-linux-x86-64.so.2")) || Files.exists(Path.of("/lib/ld-linux-aarch64.so.1"))));
    assertThat(NativeAllocator.keepFreedMemory()).isTrue();
    assertThat(NativeAllocator.keepFreedMemory()).isTrue();
  }
}
