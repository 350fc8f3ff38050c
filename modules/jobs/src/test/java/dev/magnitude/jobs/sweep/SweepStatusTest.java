package dev.magnitude.jobs.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnitude.core.config.ConfigLoader;
import dev.magnitude.core.config.Settings;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.manifest.Manifest;
import dev.magnitude.core.manifest.TokenizerInfo;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.jobs.cli.Cli;
import dev.magnitude.prepare.io.HadoopFiles;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code status}: each run's state from the work directory alone. */
class SweepStatusTest {
  @TempDir Path dir;

  final HadoopFiles fs = new HadoopFiles(new Configuration());

  @Test
  void everyStateIsReadFromTheWorkDirectory() throws Exception {
    Path conf = dir.resolve("toy.conf");
    Files.writeString(conf, String.join("\n",
        "magnitude.datasets.toy {",
        "  format = synthetic, splits = [train, test]",
        "  synthetic { documents = 10, topics = 2, train-queries = 1, dev-queries = 1, test-queries = 1, seed = 5 }",
        "}",
        "magnitude.datasets.later {",
        "  format = synthetic, splits = [train, test]",
        "  synthetic { documents = 10, topics = 2, train-queries = 1, dev-queries = 1, test-queries = 1, seed = 6 }",
        "}",
        "magnitude.sweep { id = toy, datasets = [toy, later], variants = [cosine, query-norm, doc-norm, dot],"
            + " seeds = [1], eval-split = test }",
        "magnitude.train.steps = 500",
        ""));
    Path workDir = Files.createDirectories(dir.resolve("work"));
    Settings settings = new Settings(ConfigLoader.fromClasspath().load(List.of(conf),
        Map.of("magnitude.work-dir", workDir.toString()))).validate();
    WorkDir work = new WorkDir(workDir.toUri().toString());
    TokenizerInfo tokenizer = new TokenizerInfo("builtin", "builtin-0123456789ab", 30, 8, 0);
    Manifest manifest = new Manifest("toy", "synthetic", 1, tokenizer, List.of("train", "test"), Map.of(), Map.of(), "h");
    fs.writeAtomically(work.manifest("toy"), manifest.toJson());
    fs.writeString(work.dataset("toy") + "/" + WorkDir.SUCCESS, "");
    List<RunSpec> runs = RunPlanner.plan(settings, work, fs, d -> d.equals("toy"));
    String done = runs.get(0).id();
    String running = runs.get(1).id();
    String failed = runs.get(2).id();
    String interrupted = runs.get(3).id();

    Instant now = Instant.ofEpochSecond(Instant.now().getEpochSecond()); // the command below reads the real clock
    Clock clock = Clock.fixed(now, ZoneOffset.UTC);
    fs.writeString(work.runSuccess(done), "");
    // a sweep trains `running` and beat 30 s ago
    RunLocks other = new RunLocks(work, fs.conf(), "nightly", Duration.ofMinutes(10),
        Clock.fixed(now.minusSeconds(30), ZoneOffset.UTC), System.err);
    assertThat(other.tryAcquire(running)).isEmpty();
    fs.writeString(work.checkpoints(running) + "/step-100.ckpt", "");
    fs.writeString(work.checkpoints(running) + "/step-200.ckpt", "");
    fs.writeString(work.failure(failed), "{\"run\": \"" + failed + "\", \"exitCode\": 3, "
        + "\"lastLines\": [\"starting\", \"non-finite loss at step 7 (variant doc-norm)\"]}");
    // `interrupted` was being trained by a sweep that died 20 min ago, after its step-300 checkpoint
    RunLocks dead = new RunLocks(work, fs.conf(), "killed", Duration.ofMinutes(10),
        Clock.fixed(now.minusSeconds(1200), ZoneOffset.UTC), System.err);
    assertThat(dead.tryAcquire(interrupted)).isEmpty();
    fs.writeString(work.checkpoints(interrupted) + "/step-300.ckpt", "");

    List<SweepStatus.Entry> entries = SweepStatus.of(settings, work, fs, clock);

    assertThat(entries).extracting(SweepStatus.Entry::state).containsExactly(
        SweepStatus.State.DONE, SweepStatus.State.RUNNING, SweepStatus.State.FAILED, SweepStatus.State.PENDING,
        SweepStatus.State.PENDING, SweepStatus.State.PENDING, SweepStatus.State.PENDING, SweepStatus.State.PENDING);
    assertThat(entries.get(0).detail()).isEmpty();
    assertThat(entries.get(1).detail())
        .isEqualTo("checkpoint at step 200 of 500; lock " + other.owner() + ", heartbeat 30 s ago");
    assertThat(entries.get(2).detail()).isEqualTo("exit 3: non-finite loss at step 7 (variant doc-norm)");
    assertThat(entries.get(3).detail()).isEqualTo("checkpoint at step 300 of 500; stale lock of " + dead.owner()
        + " (heartbeat 20 min ago; the next sweep takes it over)");
    assertThat(entries.subList(4, 8)).allSatisfy(e -> {
      assertThat(e.runId()).isEmpty();
      assertThat(e.dataset()).isEqualTo("later");
      assertThat(e.detail()).isEqualTo("dataset not prepared");
    });
    assertThat(entries.subList(4, 8)).extracting(SweepStatus.Entry::variant)
        .containsExactly("cosine", "query-norm", "doc-norm", "dot");

    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    SweepStatus.print("toy", entries, new PrintStream(printed, true, StandardCharsets.UTF_8));
    List<String> lines = printed.toString(StandardCharsets.UTF_8).lines().toList();
    assertThat(lines.get(0)).isEqualTo("sweep toy: 8 runs: 1 done, 1 running, 1 failed, 5 pending");
    assertThat(lines.get(2)).startsWith("done     " + done);
    assertThat(lines.get(9)).startsWith("pending  later/dot/s1 ").endsWith("dataset not prepared");

    // the command: no Spark session, exit 0, the same table
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = Cli.run(new String[] {"status", "--conf", conf.toString(), "--work-dir", workDir.toString()},
        new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
    assertThat(code).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .startsWith("sweep toy: 8 runs: 1 done, 1 running, 1 failed, 5 pending")
        .contains("failed   " + failed);
  }
}
