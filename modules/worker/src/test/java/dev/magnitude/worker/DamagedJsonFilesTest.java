package dev.magnitude.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnitude.core.json.ChecksummedJson;
import dev.magnitude.core.json.Json;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.manifest.Manifest;
import dev.magnitude.core.manifest.TokenizerInfo;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.run.TrainedNormalization;
import dev.magnitude.core.run.Variant;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JSON files a worker reads back to decide something carry a checksum of their content ({@link
 * ChecksummedJson}); each is changed here in place, without the .crc side files a local Hadoop file system
 * would check, as s3a or a copy that drops hidden files would hand it back.
 */
class DamagedJsonFilesTest {
  @TempDir Path tmp;

  /** Every test runs this 2-step dot run. */
  private final RunSpec spec = TinyRuns.spec(Variant.DOT, 2, 2);

  /** A work directory with the tiny dataset prepared. */
  private String preparedWork() throws IOException {
    String work = tmp.resolve("work").toString();
    TinyRuns.prepare(work);
    return work;
  }

  /**
   * Before, a finished run returned whatever its normalization.json said (here step 3 of a 2-step run) as its
   * result; now the run fails, naming the file and what to do, and doing it repairs the file.
   */
  @Test
  void aDamagedNormalizationOfAFinishedRunFailsItAndRetrainingRewritesIt() throws IOException {
    String work = preparedWork();
    RunResult first = Worker.run(spec, work, PreparedFixture.conf(), line -> {});
    assertThat(first.succeeded()).isTrue();
    WorkDir dir = new WorkDir(work);
    Path file = Path.of(dir.normalization(spec.id()));
    String written = Files.readString(file);
    assertThat(ChecksummedJson.verified(written, file.toString())).isSameAs(written);
    assertThat(Json.MAPPER.readTree(written).path("sha256").asText()).hasSize(64);
    damage(file, "\"step\":2", "\"step\":3");

    RunResult again = Worker.run(spec, work, PreparedFixture.conf(), line -> {});
    assertThat(again.succeeded()).isFalse();
    assertThat(again.failureReason())
        .startsWith(file + " is damaged: its content has SHA-256 ")
        .endsWith("; delete " + dir.runSuccess(spec.id()) + " and train the run again: it exports again from its"
            + " last checkpoint and rewrites the file");

    Files.delete(Path.of(dir.runSuccess(spec.id())));
    RunResult repaired = Worker.run(spec, work, PreparedFixture.conf(), line -> {});
    assertThat(repaired.succeeded()).isTrue();
    assertThat(repaired.firstStep()).as("re-exported, not trained").isEqualTo(3);
    assertThat(ChecksummedJson.read(Files.readString(file), TrainedNormalization.class, file.toString()))
        .isEqualTo(first.normalization());
  }

  /**
   * Before, a manifest changed in place was used as it was (the tokenizer and vocabulary checks read it); now
   * the run fails before it trains, naming the file and saying to prepare the dataset again.
   */
  @Test
  void aDamagedManifestFailsTheRunBeforeItTrains() throws IOException {
    String work = preparedWork();
    WorkDir dir = new WorkDir(work);
    Path file = Path.of(dir.manifest(TinyRuns.DATASET));
    Manifest manifest = new Manifest(TinyRuns.DATASET, "beir", 1,
        new TokenizerInfo("builtin", "builtin-test", TinyRuns.VOCABULARY, 8), List.of("train", "test"), Map.of(), Map.of(), "h");
    Files.writeString(file, ChecksummedJson.seal(manifest.toJson()));
    damage(file, "\"vocabularySize\" : " + TinyRuns.VOCABULARY, "\"vocabularySize\" : 4");

    TinyRuns.EventLog log = new TinyRuns.EventLog();
    RunResult result = Worker.run(spec, work, PreparedFixture.conf(), log);
    assertThat(result.succeeded()).isFalse();
    assertThat(result.failureReason()).startsWith(file + " is damaged:")
        .endsWith("; prepare dataset tiny again (jobs/magnitude prepare --force)");
    assertThat(log.of("progress")).isEmpty();
  }

  /** Before, this was reported as a spec of another run ("describes run ..., not ..."); now it is called damaged. */
  @Test
  void aDamagedSpecIsRefusedByTheWorkerProcess() throws IOException {
    Path file = tmp.resolve("work/runs/" + spec.id() + "/spec.json");
    Files.createDirectories(file.getParent());
    Files.writeString(file, ChecksummedJson.seal(spec.canonicalJson()));
    damage(file, "\"steps\":2", "\"steps\":20");

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = WorkerMain.run(new String[] {"--spec", file.toString(), "--ignore-stdin"},
        new PrintStream(out, true, StandardCharsets.UTF_8));
    assertThat(code).isEqualTo(WorkerMain.EXIT_USAGE);
    JsonNode failed = Json.MAPPER.readTree(out.toString(StandardCharsets.UTF_8));
    assertThat(failed.path("reason").asText())
        .startsWith("cannot read the run spec " + file + ": " + file + " is damaged: its content has SHA-256 ")
        .endsWith("; delete it and run train again, which writes it anew");
  }

  /** Replaces {@code from} by {@code to} in the file, leaving its sha256 member as it was. */
  private static void damage(Path file, String from, String to) throws IOException {
    String text = Files.readString(file);
    assertThat(text).contains(from);
    Files.writeString(file, text.replace(from, to));
    Files.deleteIfExists(file.resolveSibling("." + file.getFileName() + ".crc"));
  }
}
