package dev.magnitude.samples;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What every sample generator shares: deterministic files (UTF-8, '\n' line ends, keys in insertion
 * order), the hash split, the STS-B row layout and the licence texts bundled as resources.
 */
final class SampleFiles {
  static final List<String> SPLITS = List.of("train", "dev", "test");
  /** STS-B header, the layout of format sts. */
  static final String STS_HEADER = "genre\tfilename\tyear\tid\tscore\tsentence1\tsentence2";

  private static final ObjectMapper JSON = new ObjectMapper();

  private SampleFiles() {}

  /**
   * The split of an id: the first four bytes of SHA-256(id) as an unsigned number, modulo 100; below 70
   * is train, below 85 dev, the rest test. Depends on the id alone, so adding items never moves others.
   */
  static String splitOf(String id) {
    byte[] h = sha256(id.getBytes(StandardCharsets.UTF_8));
    long v = ((h[0] & 0xffL) << 24) | ((h[1] & 0xffL) << 16) | ((h[2] & 0xffL) << 8) | (h[3] & 0xffL);
    long bucket = v % 100;
    return bucket < 70 ? "train" : bucket < 85 ? "dev" : "test";
  }

  static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** One compact JSON object (keys in the map's order) without a line end. */
  static String json(Map<String, ?> object) {
    try {
      return JSON.writeValueAsString(object);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not serializable as JSON: " + object, e);
    }
  }

  /** One compact JSON object of string members, {@code keysAndValues} alternating key and value, in that order. */
  static String jsonObject(String... keysAndValues) {
    if (keysAndValues.length % 2 != 0) {
      throw new IllegalArgumentException("keys and values must alternate; got " + keysAndValues.length + " strings");
    }
    Map<String, String> o = new java.util.LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      o.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return json(o);
  }

  /** Writes lines, each followed by '\n', creating parent folders. */
  static void writeLines(Path file, List<String> lines) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (String line : lines) {
      sb.append(line).append('\n');
    }
    writeString(file, sb.toString());
  }

  static void writeString(Path file, String text) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Files.write(file, text.getBytes(StandardCharsets.UTF_8));
  }

  /** One STS-B row; tabs, line breaks and double quotes in the sentences become spaces or single quotes. */
  static String stsRow(String genre, String filename, String year, String id, double score, String s1, String s2) {
    return String.join(
        "\t", genre, filename, year, id, String.format(Locale.ROOT, "%.2f", score), stsText(s1), stsText(s2));
  }

  /** Quotes would be taken for CSV quoting by some TSV readers, so the samples carry none. */
  static String stsText(String s) {
    return s.replaceAll("[\\t\\r\\n]+", " ").replace('"', '\'').trim();
  }

  /** A licence text bundled next to this class (resources dev/magnitude/samples/). */
  static String resource(String name) {
    try (InputStream in = SampleFiles.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource dev/magnitude/samples/" + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Usage error for a main: the message and the usage line, exit status 2. */
  static void usage(String message, String usage) {
    System.err.println(message);
    System.err.println("usage: " + usage);
    System.exit(2);
  }
}
