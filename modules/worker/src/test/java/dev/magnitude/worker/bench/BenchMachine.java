package dev.magnitude.worker.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What a benchmark prints about the machine it ran on: the CPU model, cores, vector extensions, load. */
final class BenchMachine {
  private BenchMachine() {}

  /** "Intel(R) Xeon(R) …, 2 cores, avx2 avx512f, load average 1.52 1.10 0.80". */
  static String describe() {
    String model = "unknown CPU";
    String flags = "";
    try {
      List<String> cpuinfo = Files.readAllLines(Path.of("/proc/cpuinfo"));
      for (String line : cpuinfo) {
        if (line.startsWith("model name") && model.equals("unknown CPU")) {
          model = line.substring(line.indexOf(':') + 1).trim();
        }
        if (line.startsWith("flags") && flags.isEmpty()) {
          StringBuilder vector = new StringBuilder();
          for (String f : line.substring(line.indexOf(':') + 1).trim().split("\\s+")) {
            if (f.equals("avx2") || f.equals("fma") || f.equals("avx512f") || f.equals("avx512_bf16")
                || f.equals("amx_tile")) {
              vector.append(vector.length() == 0 ? "" : " ").append(f);
            }
          }
          flags = vector.toString();
        }
      }
    } catch (IOException e) {
      model = "unknown CPU (" + e.getMessage() + ")";
    }
    return model + ", " + Runtime.getRuntime().availableProcessors() + " cores, " + (flags.isEmpty() ? "no avx2"
        : flags) + ", load average " + loadAverage();
  }

  static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return parts[0] + " " + parts[1] + " " + parts[2];
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** {@code --name value} pairs. */
  static java.util.Map<String, String> options(String[] args) {
    java.util.Map<String, String> options = new java.util.TreeMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --name value, got " + args[i]);
      }
      options.put(args[i].substring(2), args[i + 1]);
    }
    return options;
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    java.util.Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
}
