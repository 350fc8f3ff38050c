package dev.magnitude.prepare.sts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.magnitude.core.config.StsSpec;
import dev.magnitude.prepare.SharedSpark;
import dev.magnitude.prepare.TestRows;
import dev.magnitude.prepare.io.PreparedSchemas;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(SharedSpark.class)
class StsReaderTest {
  private static final List<String> SPLITS = List.of("train", "dev");

  @TempDir Path tmp;

  @Test
  void readsTheStsBLayout(SparkSession spark) {
    Path folder = StsFixtures.writeClean(tmp.resolve("stsb"));
    assertThat(StsReader.files(SPLITS, StsFixtures.STSB)).containsExactly("train.tsv", "dev.tsv");
    try (StsInput input = new StsReader(spark).read(folder.toUri().toString(), SPLITS, StsFixtures.STSB)) {
      assertThat(input.rowsIn()).isEqualTo(Map.of("train.tsv", 4L, "dev.tsv", 2L));
      assertThat(input.rejectedIn()).isEqualTo(Map.of("train.tsv", 0L, "dev.tsv", 0L));
      assertThat(input.quarantine().count()).isZero();
      assertThat(input.file("dev")).isEqualTo("dev.tsv");
      assertThat(input.splits()).containsExactly("train", "dev");
      // id: the line number (the header is line 1)
      assertThat(TestRows.joined(input.pairs("train"))).containsExactly(
          "2|A girl is brushing a horse.|A girl brushes the horse.|5.0",
          "3|A cook slices an onion.|Someone is cutting an onion.|3.8",
          "4|Markets rally after the vote.|Rain is expected this weekend.|0.4",
          "5|\"Quotes\" stay in a sentence.|An unbalanced \" stays too.|2.25");
      assertThat(TestRows.joined(input.pairs("dev"))).containsExactly(
          "2|A man is playing a flute.|A man plays the flute.|4.2",
          "3|The council met on Monday.|The bridge reopened on Monday.|1.0");
      assertThat(input.pairs("dev").schema().fieldNames()).containsExactly("id", "text_a", "text_b", "score");
      assertThat(input.quarantine().schema().fieldNames()).containsExactly(PreparedSchemas.QUARANTINE.fieldNames());
      assertThatThrownBy(() -> input.pairs("test")).hasMessageContaining("this input has splits train, dev");
    }
  }

  @Test
  void quarantinesEveryBadRowWithItsReasonAndKeepsTheRest(SparkSession spark) {
    Path folder = StsFixtures.writeBroken(tmp.resolve("broken"));
    try (StsInput input = new StsReader(spark).read(folder.toString(), SPLITS, StsFixtures.STSB)) {
      assertThat(input.rowsIn()).isEqualTo(StsFixtures.BROKEN_ROWS);
      assertThat(TestRows.byReason(input.quarantine())).isEqualTo(new TreeMap<>(StsFixtures.BROKEN_BY_REASON));
      assertThat(TestRows.locations(input.quarantine())).containsExactly(
          "dev.tsv:3 empty text",
          "train.tsv:3 malformed row",
          "train.tsv:4 empty text",
          "train.tsv:5 text has no words",
          "train.tsv:6 score not a number",
          "train.tsv:7 score not a number",
          "train.tsv:8 score out of range",
          "train.tsv:9 score out of range",
          "train.tsv:11 invalid UTF-8",
          "train.tsv:13 score not a number");
      assertThat(input.quarantine().filter("line = 11").first().getString(3))
          .isEqualTo("main-news\theadlines\t2013\t0014\t2.0\tCaf\uFFFD opens.\tA caf\u00e9 opens.");
      assertThat(TestRows.joined(input.pairs("train"))).containsExactly(
          "12|The bound is valid.|The bound is valid!|5.0",
          "14|Zero is valid.|So is its padding.|0.0",
          "2|A dog runs.|A dog is running.|4.0");
      assertThat(TestRows.joined(input.pairs("dev"))).containsExactly("2|A bird sings.|A bird is singing.|3.0");

      // in = valid + quarantined, per file.
      Map<String, Long> quarantined = input.quarantine().groupBy("file").count().collectAsList().stream()
          .collect(Collectors.toMap(r -> r.getString(0), r -> r.getLong(1)));
      Map<String, Long> valid = Map.of("train.tsv", input.pairs("train").count(), "dev.tsv", input.pairs("dev").count());
      assertThat(valid).isEqualTo(StsFixtures.BROKEN_VALID);
      assertThat(input.rejectedIn()).isEqualTo(quarantined);
      for (String file : StsFixtures.BROKEN_ROWS.keySet()) {
        assertThat(valid.get(file) + quarantined.get(file)).as(file).isEqualTo(StsFixtures.BROKEN_ROWS.get(file));
      }
    }
  }

  @Test
  void readsHeaderlessCsvByColumnIndex(SparkSession spark) {
    Path folder = StsFixtures.write(tmp.resolve("csv"), Map.of("sts-train.csv", StsFixtures.BROKEN_CSV));
    try (StsInput input = new StsReader(spark).read(folder.toString(), List.of("train"), StsFixtures.CSV)) {
      assertThat(input.rowsIn()).isEqualTo(Map.of("sts-train.csv", 7L));
      assertThat(input.rejectedIn()).isEqualTo(Map.of("sts-train.csv", 3L));
      assertThat(TestRows.locations(input.quarantine())).containsExactly(
          "sts-train.csv:4 malformed row", "sts-train.csv:6 malformed row", "sts-train.csv:7 malformed row");
      assertThat(TestRows.joined(input.pairs("train"))).containsExactly(
          "1|A man, with a comma.|A man with a comma.|4.5",
          "2|He said \"hi\".|She said hi.|1.0",
          "3|plain|unquoted \"inner\" quotes|2.5",
          "5|and its end\"|second|3.0");
    }
  }

  @Test
  void compressedFilesAreReadLikePlainOnes(SparkSession spark) throws IOException {
    Path folder = tmp.resolve("gz");
    Files.createDirectories(folder);
    for (String split : SPLITS) {
      String text = split.equals("train") ? StsFixtures.BROKEN_TRAIN : StsFixtures.BROKEN_DEV;
      try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(folder.resolve(split + ".tsv.gz")))) {
        out.write(dev.magnitude.prepare.beir.BrokenBeir.bytes(text));
      }
    }
    StsSpec gz = new StsSpec("{split}.tsv.gz", "\t", true, "sentence1", "sentence2", "score", 0, 5);
    try (StsInput input = new StsReader(spark).read(folder.toString(), SPLITS, gz)) {
      assertThat(input.rowsIn()).isEqualTo(Map.of("train.tsv.gz", 12L, "dev.tsv.gz", 2L));
      assertThat(TestRows.locations(input.quarantine())).hasSize(10).contains("train.tsv.gz:11 invalid UTF-8");
      assertThat(TestRows.joined(input.pairs("train").select("id"))).containsExactly("12", "14", "2");
    }
  }

  @Test
  void headerProblemsNameTheFileAndTheColumnsFound(SparkSession spark) throws IOException {
    Path folder = StsFixtures.writeClean(tmp.resolve("stsb"));
    StsSpec wrong = new StsSpec("{split}.tsv", "\t", true, "sentence1", "sentence_b", "label", 0, 5);
    assertThatThrownBy(() -> new StsReader(spark).read(folder.toString(), SPLITS, wrong))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("train.tsv at " + folder + "/train.tsv: the header row (line 1) has no column "
            + "sts.sentence2 = \"sentence_b\", sts.score = \"label\"; columns found: genre, filename, year, id, score, "
            + "sentence1, sentence2");

    Files.writeString(folder.resolve("dev.tsv"), "\n \n");
    assertThatThrownBy(() -> new StsReader(spark).read(folder.toString(), SPLITS, StsFixtures.STSB))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("dev.tsv at " + folder + "/dev.tsv is empty (no header row)");

    Files.writeString(folder.resolve("dev.tsv"), StsFixtures.HEADER + "\n");
    assertThatThrownBy(() -> new StsReader(spark).read(folder.toString(), SPLITS, StsFixtures.STSB))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("dev.tsv at " + folder + "/dev.tsv is empty (no rows)");

    assertThatThrownBy(() -> new StsReader(spark).read(folder.toString(), List.of("train", "test"), StsFixtures.STSB))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("test.tsv not found at " + folder + "/test.tsv")
        .hasMessageContaining("sts.file = \"{split}.tsv\"")
        .hasMessageContaining("drop the split");
  }
}
