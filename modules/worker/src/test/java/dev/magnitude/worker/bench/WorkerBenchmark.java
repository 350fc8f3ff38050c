package dev.magnitude.worker.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnitude.core.config.TrainSettings;
import dev.magnitude.core.json.Json;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.run.EncoderSpec;
import dev.magnitude.core.run.EvalSet;
import dev.magnitude.core.run.LearnedNormalization;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.run.TrainingSpec;
import dev.magnitude.core.run.Variant;
import dev.magnitude.worker.PreparedFixture;
import dev.magnitude.worker.WorkerMain;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Times worker processes at the demo's size (E = 64, 2 layers, 4 heads, S = 32, B = 32, 1 thread):
 * JVM start to the start event and to the first step, steady ms/step, and the whole run, for N
 * workers side by side (the demo runs 4 on 2 cores). Not a test: run it by hand,
 * {@code jobs/bench trainer dev.magnitude.worker.bench.WorkerBenchmark [workers] [steps] [encoders]}.
 *
 * <p>{@code encoders}: comma-separated {@code kind} or {@code kind:towers} (default {@code transformer}), e.g.
 * {@code transformer,bag,bag:separate}: the workers of each run one after the other, and each line after the
 * first gives its mean ms/step relative to the first encoder's, measured in this one invocation.
 */
public final class WorkerBenchmark {
  private WorkerBenchmark() {}

  public static void main(String[] args) throws Exception {
    int workers = args.length > 0 ? Integer.parseInt(args[0]) : 1;
    int steps = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    List<String> encoders = List.of((args.length > 2 ? args[2] : "transformer").split(","));
    Path root = Files.createTempDirectory("magnitude-bench");
    String work = root.resolve("work").toString();
    PreparedFixture.synthetic(work, "bench", 2000, 1000, 800, 200, 1, 500);
    double first = Double.NaN;
    List<String> summary = new ArrayList<>();
    for (String encoder : encoders) {
      String[] kindTowers = encoder.split(":");
      EncoderSpec spec = new EncoderSpec(kindTowers[0], 64, 2, 4, 32, 2000, "bench", null,
          kindTowers.length > 1 ? kindTowers[1] : EncoderSpec.SHARED);
      double msPerStep = run(root, work, workers, steps, spec);
      first = Double.isNaN(first) ? msPerStep : first;
      summary.add(String.format(Locale.ROOT, "%s: %.1f ms/step mean over %d worker(s); %.2f × the %s ms/step",
          encoder, msPerStep, workers, msPerStep / first, encoders.get(0)));
    }
    summary.forEach(System.out::println);
  }

  /** Runs {@code workers} workers of {@code encoder} side by side; prints their reports; their mean ms/step. */
  private static double run(Path root, String work, int workers, int steps, EncoderSpec encoder) throws Exception {
    List<Process> processes = new ArrayList<>();
    List<Thread> readers = new ArrayList<>();
    List<String> reports = new ArrayList<>();
    // the four fixed variants, then learned (with the default initial α)
    Variant[] variants = Variant.values();
    for (int w = 0; w < workers; w++) {
      Variant variant = variants[w % variants.length];
      TrainingSpec training = new TrainingSpec(steps, 32, 1e-3, 10, 0.05, steps, 1.0, 1);
      RunSpec spec =
          new RunSpec(
              "bench", "h", variant, 13 + w,
              encoder,
              variant.isLearned() ? training.withLearned(new LearnedNormalization(TrainSettings.DEFAULT_ALPHA_INIT)) : training,
              List.of(new EvalSet("bench", "test")));
      Path specFile = Path.of(new WorkDir(work).spec(spec.id()));
      Files.createDirectories(specFile.getParent());
      Files.writeString(specFile, spec.canonicalJson());
      List<String> command =
          List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g", "-XX:+UseSerialGC",
              "-cp", System.getProperty("java.class.path"), WorkerMain.class.getName(), "--spec", specFile.toString());
      ProcessBuilder pb = new ProcessBuilder(command).redirectError(root.resolve("worker-" + w + ".stderr").toFile());
      pb.environment().put("DJL_OFFLINE", "true");
      long launched = System.nanoTime();
      Process p = pb.start();
      processes.add(p);
      Thread reader = new Thread(() -> reports.add(measure(spec, p, launched, steps)));
      reader.start();
      readers.add(reader);
    }
    for (Thread t : readers) {
      t.join();
    }
    for (Process p : processes) {
      p.waitFor();
    }
    System.out.println(encoder.kind() + " (" + encoder.towers() + " towers): " + workers
        + " worker(s) side by side, " + steps + " steps each; work dir " + root);
    double sum = 0;
    for (String report : reports) {
      System.out.println(report);
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9.]+) ms/step").matcher(report);
      sum += m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }
    return sum / reports.size();
  }

  private static String measure(RunSpec spec, Process p, long launched, int steps) {
    double startEvent = -1;
    double firstStep = -1;
    double done = -1;
    int firstMeasuredStep = -1;
    double firstMeasuredAt = -1;
    int lastStep = -1;
    double lastAt = -1;
    String failure = null;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        double at = (System.nanoTime() - launched) / 1e9;
        JsonNode e = Json.MAPPER.readTree(line);
        switch (e.path("event").asText()) {
          case "start" -> startEvent = at;
          case "progress" -> {
            int step = e.path("step").asInt();
            if (firstStep < 0) {
              firstStep = at;
            }
            // Steady state: from the second progress line on (the first includes warm-up allocations).
            if (firstMeasuredStep < 0 && step > 1 && step < steps) {
              firstMeasuredStep = step;
              firstMeasuredAt = at;
            } else if (step < steps || lastStep < 0) {
              lastStep = step;
              lastAt = at;
            }
          }
          case "done" -> done = at;
          case "failed" -> failure = e.path("reason").asText();
          default -> { }
        }
      }
    } catch (Exception e) {
      failure = e.toString();
    }
    if (failure != null) {
      return spec.id() + ": FAILED " + failure;
    }
    double msPerStep = 1000 * (lastAt - firstMeasuredAt) / (lastStep - firstMeasuredStep);
    return String.format(Locale.ROOT,
        "%s: start event %.2f s, first progress %.2f s after launch; %.1f ms/step (steps %d..%d); done %.2f s",
        spec.id(), startEvent, firstStep, msPerStep, firstMeasuredStep, lastStep, done);
  }
}
