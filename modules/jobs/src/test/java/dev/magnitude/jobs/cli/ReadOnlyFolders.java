package dev.magnitude.jobs.cli;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * Folders this process cannot write to, made for a test and made writable again by {@link #restore()}: mode
 * 555, and where that does not stop the process (root) also the immutable attribute ({@code chattr +i}). A
 * test that cannot get such a folder on this machine is skipped.
 */
final class ReadOnlyFolders {
  private final List<Path> made = new ArrayList<>();

  void make(Path folder) throws IOException, InterruptedException {
    Files.createDirectories(folder);
    made.add(folder);
    Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("r-xr-xr-x"));
    if (!writable(folder)) {
      return;
    }
    chattr("+i", folder);
    assumeTrue(!writable(folder), "cannot make a read-only folder here (root without chattr +i)");
  }

  void restore() throws IOException, InterruptedException {
    for (Path folder : made) {
      chattr("-i", folder);
      Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    made.clear();
  }

  private static boolean writable(Path folder) {
    Path probe = folder.resolve("probe");
    try {
      Files.createFile(probe);
      Files.delete(probe);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void chattr(String flag, Path folder) throws IOException, InterruptedException {
    try {
      new ProcessBuilder("chattr", flag, folder.toString()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
    } catch (IOException e) {
      // no chattr on this machine: the folder stays as mode bits made it
    }
  }
}
