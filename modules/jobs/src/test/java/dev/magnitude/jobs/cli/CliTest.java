package dev.magnitude.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start-up errors: one line naming the key or path, exit code 2, nothing written. */
class CliTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final ReadOnlyFolders readOnly = new ReadOnlyFolders();

  @AfterEach
  void writableAgain() throws Exception {
    readOnly.restore();
  }

  private int run(String... args) {
    return Cli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String errorLine() {
    return err.toString(StandardCharsets.UTF_8).lines().findFirst().orElse("");
  }

  @Test
  void unknownCommandPrintsUsage() {
    assertThat(run("fly")).isEqualTo(2);
    assertThat(errorLine()).isEqualTo("magnitude: unknown command 'fly'");
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("usage: jobs/magnitude <command>");
  }

  @Test
  void unknownVariantNamesTheKey(@TempDir Path work) {
    assertThat(run("sweep", "--work-dir", work.toString(), "-Dmagnitude.sweep.variants=[cosine,l1]")).isEqualTo(2);
    assertThat(errorLine()).startsWith("magnitude: error: magnitude.sweep.variants = \"l1\"");
    assertThat(work).isEmptyDirectory();
  }

  @Test
  void unknownDatasetNamesTheKey(@TempDir Path work) {
    assertThat(run("train", "--work-dir", work.toString(), "-Dmagnitude.sweep.datasets=[nq]")).isEqualTo(2);
    assertThat(errorLine())
        .isEqualTo("magnitude: error: magnitude.sweep.datasets names unknown dataset 'nq'; configured datasets:"
            + " synthetic (define it under magnitude.datasets)");
    assertThat(work).isEmptyDirectory();
  }

  @Test
  void missingWorkDirectoryIsNamed(@TempDir Path dir) {
    Path missing = dir.resolve("no-such-work");
    assertThat(run("sweep", "--work-dir", missing.toString())).isEqualTo(2);
    assertThat(errorLine())
        .isEqualTo("magnitude: error: work directory " + missing
            + " does not exist (magnitude.work-dir); create it or pass --work-dir");
    assertThat(missing).doesNotExist();
  }

  /** Before {@link WorkDirCheck}, a work directory that is a file was reported as "does not exist". */
  @Test
  void workDirectoryThatIsAFileIsNamedAsSuch(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("work"), "not a folder");
    assertThat(run("status", "--work-dir", file.toString())).isEqualTo(2);
    assertThat(errorLine()).isEqualTo("magnitude: error: work directory " + file
        + " is a file, not a folder (magnitude.work-dir); pass a folder with --work-dir");
    Files.createDirectories(dir.resolve("w2"));
    Files.writeString(dir.resolve("w2/runs"), "");
    err.reset();
    assertThat(run("train", "--work-dir", dir.resolve("w2").toString())).isEqualTo(2);
    assertThat(errorLine()).startsWith("magnitude: error: file:" + dir.resolve("w2/runs")
        + " is a file, not a folder; Magnitude writes into a folder of that name");
  }

  /**
   * Before {@link WorkDirCheck}, a read-only work directory failed the prepare job deep inside Spark with a
   * stack trace of hundreds of lines; now it is one line before anything runs.
   */
  @Test
  void readOnlyWorkDirectoryIsOneLineBeforeAnyWork(@TempDir Path dir) throws Exception {
    Path work = dir.resolve("work");
    readOnly.make(work);
    assertThat(run("prepare", "--work-dir", work.toString())).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("magnitude: error: cannot write to file:" + work
        + ": permission denied (magnitude.work-dir); make it writable or pass another --work-dir"
        + System.lineSeparator());
    // status only reads
    assertThat(run("status", "--work-dir", work.toString())).isEqualTo(0);
  }

  /**
   * A read-only results folder used to be found only when the aggregate wrote its tables, after the whole sweep
   * had prepared and trained; now the sweep stops before it prepares anything.
   */
  @Test
  void readOnlyResultsFolderStopsTheSweepBeforeItPrepares(@TempDir Path dir) throws Exception {
    Path work = dir.resolve("work");
    readOnly.make(work.resolve("results/default"));
    assertThat(run("sweep", "--work-dir", work.toString())).isEqualTo(2);
    assertThat(errorLine()).isEqualTo("magnitude: error: cannot write to file:" + work.resolve("results/default")
        + ": permission denied (magnitude.work-dir); make it writable or pass another --work-dir");
    assertThat(work.resolve("prepared")).doesNotExist();
    assertThat(work.resolve("raw")).doesNotExist();
  }

  @Test
  void unreadableConfigFileIsNamed(@TempDir Path work) throws Exception {
    Path conf = work.resolve("broken.conf");
    Files.writeString(conf, "magnitude { train { steps = ");
    assertThat(run("train", "--conf", conf.toString(), "--work-dir", work.toString())).isEqualTo(2);
    assertThat(errorLine()).startsWith("magnitude: error: config file " + conf + " cannot be parsed");
    assertThat(run("train", "--conf", work.resolve("nope.conf").toString())).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("config file " + work.resolve("nope.conf") + " does not exist");
  }

  @Test
  void unknownKeyIsNamed(@TempDir Path work) {
    assertThat(run("train", "--work-dir", work.toString(), "-Dmagnitude.train.lr=0.1")).isEqualTo(2);
    assertThat(errorLine()).startsWith("magnitude: error: unknown key magnitude.train.lr; known keys under magnitude.train:");
  }

  /** Before, both ran on the defaults (500 steps), exit 0. */
  @Test
  void optionsOutsideMagnitudeAreErrorsNamingTheKeyMeant(@TempDir Path work) throws Exception {
    assertThat(run("train", "--work-dir", work.toString(), "-Dmagnitud.train.steps=5")).isEqualTo(2);
    assertThat(errorLine()).startsWith("magnitude: error: -Dmagnitud.train.steps=5 is neither a Magnitude setting")
        .endsWith("; did you mean magnitude.train.steps?");
    Path sweep = Files.writeString(work.resolve("sweep.conf"), "train.steps = 5\n");
    err.reset();
    assertThat(run("train", "--conf", sweep.toString(), "--work-dir", work.toString())).isEqualTo(2);
    assertThat(errorLine()).startsWith("magnitude: error: config file " + sweep + " line 1: top-level key train.steps")
        .endsWith("; did you mean magnitude.train.steps?");
    assertThat(work.resolve("runs")).doesNotExist();
  }

  @Test
  void systemPropertiesOfTheJvmAndSparkPassAndAreSet(@TempDir Path work) {
    String timezone = System.getProperty("user.timezone");
    try {
      assertThat(run("status", "--work-dir", work.toString(), "-Dspark.magnitude-cli-test=on",
          "-Duser.timezone=" + timezone)).isEqualTo(0);
      assertThat(System.getProperty("spark.magnitude-cli-test")).isEqualTo("on");
      assertThat(System.getProperty("user.timezone")).isEqualTo(timezone);
    } finally {
      System.clearProperty("spark.magnitude-cli-test");
    }
  }

  @Test
  void trainOnUnpreparedDataSaysWhatToRun(@TempDir Path work) {
    assertThat(run("train", "--work-dir", work.toString())).isEqualTo(2);
    assertThat(errorLine()).contains("dataset 'synthetic' is not prepared").contains("run `jobs/magnitude prepare` first");
  }

  @Test
  void inputThatCannotBePreparedIsOneLineNamingThePath(@TempDir Path work) {
    Path missing = work.resolve("no-beir-here");
    int code = run("prepare", "--work-dir", work.toString(),
        "-Dmagnitude.datasets.mine.format=beir",
        "-Dmagnitude.datasets.mine.path=" + missing,
        "-Dmagnitude.datasets.mine.splits=[test]",
        "-Dmagnitude.sweep.datasets=[mine]");
    assertThat(code).isEqualTo(2);
    assertThat(errorLine()).startsWith("magnitude: error: prepare mine: ").contains(missing.toString());
    assertThat(work.resolve("prepared/mine")).doesNotExist();
  }
}
