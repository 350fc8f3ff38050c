package dev.magnitude.prepare;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the tests find the bundled samples. */
public final class BundledSamples {
  private BundledSamples() {}

  /** data/samples of the project: the first folder up from the working directory that holds it. */
  public static Path folder() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path samples = dir.resolve("data/samples");
      if (Files.isDirectory(samples)) {
        return samples;
      }
    }
    throw new IllegalStateException("no data/samples above " + Path.of("").toAbsolutePath());
  }
}
