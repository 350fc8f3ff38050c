package dev.magnitude.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerLauncherTest {
  private final WorkerLauncher launcher = new WorkerLauncher(List.of("-Xmx64m"), 2, FakeWorker.class.getName());

  @Test
  void streamsEventsAsLinesAndReportsSuccess() throws Exception {
    List<String> log = new ArrayList<>();
    RunOutcome o = launcher.launch("run-a", "exit:0", List.of(), log::add);
    assertThat(o.succeeded()).isTrue();
    assertThat(o.exitCode()).isZero();
    assertThat(log).contains(
        "[run-a] started on cpu() with 1 thread(s), 10 steps",
        "[run-a] step 5/10  loss 1.5000  100 pairs/s",
        "[run-a] plain log line on stderr",
        "[run-a] done in 1.3 s");
    // threads bound the child's native thread pools; DJL must never try to download natives
    // a CPU run sees no GPU at all, whatever the executor's own CUDA_VISIBLE_DEVICES lists
    assertThat(log).contains("[run-a] env CUDA_VISIBLE_DEVICES= OMP_NUM_THREADS=2 DJL_OFFLINE=true");
  }

  @Test
  void failureKeepsTheLastLinesAndTheExitCode() throws Exception {
    RunOutcome o = launcher.launch("run-b", "exit:3", List.of(), line -> {});
    assertThat(o.succeeded()).isFalse();
    assertThat(o.exitCode()).isEqualTo(3);
    // 40 numbered lines then the failed event: the tail holds the last 25 lines, the failure last
    assertThat(o.lastLines()).hasSize(WorkerLauncher.TAIL_LINES);
    assertThat(o.lastLines().get(0)).isEqualTo("line 16");
    assertThat(o.lastLines().get(24)).contains("non-finite loss at step 7 (variant dot)");
  }

  @Test
  void gpuAddressesOfTheTaskBecomeCudaVisibleDevices() throws Exception {
    List<String> log = new ArrayList<>();
    launcher.launch("run-c", "exit:0", List.of("2", "5"), log::add);
    assertThat(log).contains("[run-c] env CUDA_VISIBLE_DEVICES=2,5 OMP_NUM_THREADS=2 DJL_OFFLINE=true");
  }

  @Test
  void placementBecomesTheWorkersGpusThreadsAndEnvironment() throws Exception {
    List<String> log = new ArrayList<>();
    RunOutcome o = launcher.launch("run-f", "hold:0", new WorkerPlacement(List.of("3"), 1), log::add, () -> false);
    assertThat(o.succeeded()).isTrue();
    assertThat(log).anyMatch(l -> l.startsWith("[run-f] placement CUDA_VISIBLE_DEVICES=3 args=--gpus 1 --threads 1 held"));
    assertThat(launcher.command("s", new WorkerPlacement(List.of(), 2))).endsWith("--spec", "s", "--gpus", "0", "--threads", "2");
  }

  @Test
  void classpathTakesTheContextClassLoaderJarsFirst(@TempDir Path dir) throws Exception {
    // On YARN the application jar (__app__.jar) is only known to the executor's class loader.
    Path appJar = Files.createFile(dir.resolve("__app__.jar"));
    ClassLoader previous = Thread.currentThread().getContextClassLoader();
    try (URLClassLoader executorLoader = new URLClassLoader(new URL[] {appJar.toUri().toURL()}, previous)) {
      Thread.currentThread().setContextClassLoader(executorLoader);
      List<String> cp = WorkerLauncher.classpath();
      assertThat(cp).contains(appJar.toString());
      List<String> systemEntries = List.of(System.getProperty("java.class.path").split(File.pathSeparator));
      assertThat(cp.indexOf(appJar.toString())).isLessThan(cp.indexOf(systemEntries.get(0)));
    } finally {
      Thread.currentThread().setContextClassLoader(previous);
    }
  }

  @Test
  void aWorkerThatCannotStartIsAFailedOutcome() throws Exception {
    WorkerLauncher broken = new WorkerLauncher(List.of("-XX:+NoSuchOption"), 1, FakeWorker.class.getName());
    RunOutcome o = broken.launch("run-d", "exit:0", List.of(), line -> {});
    assertThat(o.succeeded()).isFalse();
    assertThat(String.join("\n", o.lastLines())).contains("NoSuchOption");
  }

  @Test
  void aCancelledTaskKillsItsSilentWorker() {
    // the worker sleeps 60 s without output; the task is cancelled after about a second
    long start = System.nanoTime();
    AtomicBoolean cancelled = new AtomicBoolean();
    new Thread(() -> {
      try {
        Thread.sleep(1000);
      } catch (InterruptedException ignored) {
        // test over
      }
      cancelled.set(true);
    }).start();
    assertThatThrownBy(
            () -> launcher.launch("run-e", "sleep:60000", List.of(), line -> {}, cancelled::get))
        .isInstanceOf(InterruptedException.class)
        .hasMessage("run run-e cancelled; its worker was killed");
    assertThat((System.nanoTime() - start) / 1e9).isLessThan(30);
  }
}
