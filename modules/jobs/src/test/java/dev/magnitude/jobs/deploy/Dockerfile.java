package dev.magnitude.jobs.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of deploy/docker/Dockerfile the manifests depend on: ENV values, ARG defaults, and which
 * repository file each path in the image comes from (COPY). Continuation lines are joined; instructions
 * other than ENV, ARG and COPY are skipped.
 */
record Dockerfile(Map<String, String> env, Map<String, String> args, List<String[]> copies, List<String> copiedFromStage) {

  static Dockerfile read(Path file) throws IOException {
    Map<String, String> env = new LinkedHashMap<>();
    Map<String, String> args = new LinkedHashMap<>();
    List<String[]> copies = new ArrayList<>();
    List<String> fromStage = new ArrayList<>();
    StringBuilder joined = new StringBuilder();
    for (String raw : Files.readAllLines(file)) {
      String line = raw.strip();
      if (line.startsWith("#") && joined.isEmpty()) {
        continue;
      }
      if (line.endsWith("\\")) {
        joined.append(line, 0, line.length() - 1).append(' ');
        continue;
      }
      String instruction = joined.append(line).toString().strip();
      joined.setLength(0);
      if (instruction.isEmpty()) {
        continue;
      }
      String[] words = instruction.split("\\s+");
      switch (words[0]) {
        case "ENV" -> put(env, words, file);
        case "ARG" -> put(args, words, file);
        case "COPY" -> {
          List<String> operands = new ArrayList<>();
          boolean stage = false;
          for (int i = 1; i < words.length; i++) {
            if (words[i].startsWith("--from=")) {
              stage = true;
            } else if (!words[i].startsWith("--")) {
              operands.add(words[i]);
            }
          }
          if (operands.size() != 2) {
            throw new IllegalArgumentException(file + ": COPY with other than one source: " + instruction);
          }
          if (stage) {
            fromStage.add(operands.get(1));
          } else {
            copies.add(new String[] {operands.get(0), operands.get(1)});
          }
        }
        default -> { }
      }
    }
    return new Dockerfile(env, args, copies, fromStage);
  }

  private static void put(Map<String, String> into, String[] words, Path file) {
    for (int i = 1; i < words.length; i++) {
      int eq = words[i].indexOf('=');
      if (eq < 0 && words[0].equals("ENV")) {
        throw new IllegalArgumentException(file + ": ENV without '=': " + String.join(" ", words));
      }
      into.put(eq < 0 ? words[i] : words[i].substring(0, eq), eq < 0 ? "" : words[i].substring(eq + 1));
    }
  }

  String arg(String name) {
    return args.get(name);
  }

  /** The Spark version of the base image (ARG SPARK_IMAGE = apache/spark:VERSION-...). */
  String sparkVersion() {
    String image = args.get("SPARK_IMAGE");
    if (image == null || !image.startsWith("apache/spark:")) {
      throw new IllegalStateException("ARG SPARK_IMAGE is not an apache/spark image: " + image);
    }
    return image.substring("apache/spark:".length()).split("-")[0];
  }

  /** The repository sources of the COPY instructions that copy from the build context. */
  List<String> sources() {
    return copies.stream().map(c -> c[0]).toList();
  }

  /** The repository path an absolute path in the image comes from, or null if no COPY puts it there. */
  String repoPath(String imagePath) {
    for (String[] c : copies) {
      String src = c[0];
      String dest = c[1];
      if (dest.endsWith("/") && src.endsWith("/") && imagePath.startsWith(dest)) {
        return src + imagePath.substring(dest.length());
      }
      if (dest.endsWith("/") && !src.endsWith("/")
          && imagePath.equals(dest + src.substring(src.lastIndexOf('/') + 1))) {
        return src;
      }
      if (!dest.endsWith("/") && imagePath.equals(dest)) {
        return src;
      }
    }
    return null;
  }
}
