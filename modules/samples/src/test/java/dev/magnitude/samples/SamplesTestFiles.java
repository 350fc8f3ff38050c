package dev.magnitude.samples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Every regular file under a folder with its bytes, by relative path, for byte-for-byte comparisons. */
final class SamplesTestFiles {
  private SamplesTestFiles() {}

  static Map<String, byte[]> contents(Path root) {
    Map<String, byte[]> out = new TreeMap<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        out.put(root.relativize(p).toString(), Files.readAllBytes(p));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  static Path wordNetMini() {
    try {
      return Path.of(SamplesTestFiles.class.getResource("/wordnet-mini/data.noun").toURI()).getParent();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
