package dev.magnitude.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnitude.core.json.Json;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.run.Variant;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** WorkerMain as a real child JVM, launched the way the train job launches it. */
class WorkerMainProcessTest {
  @TempDir Path tmp;

  @Test
  void trainsATinyRunAndPrintsOnlyEventLines() throws Exception {
    String work = tmp.resolve("work").toString();
    TinyRuns.prepare(work);
    RunSpec spec = TinyRuns.spec(Variant.COSINE, 3, 2);
    Path specFile = writeSpec(work, spec);

    Child child = Child.start(tmp, "--spec", specFile.toString());
    int exit = child.waitFor(180);

    assertThat(exit).as("exit code; stderr:\n%s", child.stderr()).isZero();
    List<JsonNode> events = child.events();
    assertThat(events).extracting(n -> n.path("event").asText())
        .containsExactly("start", "progress", "progress", "checkpoint", "progress", "checkpoint", "done");
    assertThat(events).allSatisfy(n -> assertThat(n.path("run").asText()).isEqualTo(spec.id()));
    assertThat(events.get(0).path("threads").asInt()).isEqualTo(1);
    assertThat(child.stderr()).as("the engine was told the spec's thread count")
        .contains("Number of intra-op threads is 1").contains("Number of inter-op threads is 1");
    assertThat(Path.of(new WorkDir(work).runSuccess(spec.id()))).exists();
  }

  @Test
  void unreadableSpecFailsWithAReason() throws Exception {
    Path specFile = tmp.resolve("work/runs/some-run/spec.json");
    Files.createDirectories(specFile.getParent());
    Files.writeString(specFile, "{not json");

    Child child = Child.start(tmp, "--spec", specFile.toString());

    assertThat(child.waitFor(60)).isEqualTo(WorkerMain.EXIT_USAGE);
    assertThat(child.events()).singleElement().satisfies(n -> {
      assertThat(n.path("event").asText()).isEqualTo("failed");
      assertThat(n.path("run").asText()).isEqualTo("some-run");
      assertThat(n.path("reason").asText()).startsWith("cannot read the run spec " + specFile);
    });
  }

  @Test
  void exitsWhenTheParentClosesStdin() throws Exception {
    String work = tmp.resolve("work").toString();
    TinyRuns.prepare(work);
    RunSpec spec = TinyRuns.spec(Variant.DOT, 100_000, 100_000);
    Path specFile = writeSpec(work, spec);

    Child child = Child.start(tmp, "--spec", specFile.toString());
    JsonNode first = child.nextEvent(120);
    assertThat(first).as("stderr:\n%s", child.stderr()).isNotNull();
    assertThat(first.path("event").asText()).isEqualTo("start");
    child.process.getOutputStream().close();

    assertThat(child.waitFor(60)).isEqualTo(WorkerMain.EXIT_ORPHANED);
    assertThat(child.stderr()).contains("stdin closed, the parent process is gone");
    assertThat(Path.of(new WorkDir(work).runSuccess(spec.id()))).doesNotExist();
  }

  static Path writeSpec(String work, RunSpec spec) throws IOException {
    Path file = Path.of(new WorkDir(work).spec(spec.id()));
    Files.createDirectories(file.getParent());
    Files.writeString(file, spec.canonicalJson());
    return file;
  }

  /** A WorkerMain child with stdout read line by line and stderr in a file. */
  static final class Child {
    final Process process;
    final Path stderrFile;
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    final List<String> all = new ArrayList<>();
    final Thread reader;

    private Child(Process process, Path stderrFile) {
      this.process = process;
      this.stderrFile = stderrFile;
      this.reader = new Thread(() -> {
        try (BufferedReader out = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = out.readLine()) != null) {
            synchronized (all) {
              all.add(line);
            }
            lines.add(line);
          }
        } catch (IOException e) {
          // the process died; waitFor reports it
        }
      });
      reader.setDaemon(true);
      reader.start();
    }

    static Child start(Path tmp, String... args) throws IOException {
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.add("-Xmx1g");
      command.add("-XX:+UseSerialGC");
      command.add("-cp");
      command.add(System.getProperty("java.class.path"));
      command.add(WorkerMain.class.getName());
      command.addAll(List.of(args));
      Path stderr = Files.createTempFile(tmp, "worker", ".stderr");
      ProcessBuilder pb = new ProcessBuilder(command).redirectError(stderr.toFile());
      pb.environment().put("DJL_OFFLINE", "true");
      return new Child(pb.start(), stderr);
    }

    int waitFor(int seconds) throws InterruptedException {
      if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("worker did not exit within " + seconds + " s; stderr:\n" + stderr());
      }
      reader.join(10_000);
      return process.exitValue();
    }

    JsonNode nextEvent(int seconds) throws Exception {
      String line = lines.poll(seconds, TimeUnit.SECONDS);
      return line == null ? null : Json.MAPPER.readTree(line);
    }

    List<JsonNode> events() throws IOException {
      List<JsonNode> nodes = new ArrayList<>();
      synchronized (all) {
        for (String line : all) {
          assertThat(line).as("every stdout line is an event").startsWith("{\"event\":");
          nodes.add(Json.MAPPER.readTree(line));
        }
      }
      return nodes;
    }

    String stderr() {
      try {
        return Files.readString(stderrFile);
      } catch (IOException e) {
        return "(stderr unreadable: " + e + ")";
      }
    }
  }
}
