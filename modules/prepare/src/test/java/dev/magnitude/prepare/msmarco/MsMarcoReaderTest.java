package dev.magnitude.prepare.msmarco;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.magnitude.prepare.SharedSpark;
import dev.magnitude.prepare.TestRows;
import dev.magnitude.prepare.beir.Reasons;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(SharedSpark.class)
class MsMarcoReaderTest {
  private static final List<String> SPLITS = List.of("train", "dev");

  @TempDir Path tmp;

  @Test
  void linesAreParsedByTheSharedRules() {
    MsMarcoReader.RecordParser collection = new MsMarcoReader.RecordParser("collection.tsv", null);
    Row r = collection.parse(" 7 \tsome passage ", 3);
    assertThat(List.of(r.getString(3), r.getString(4))).containsExactly("7", "some passage ");
    assertThat(r.isNullAt(5)).isTrue();
    assertThat(collection.parse("7", 1).getString(5)).isEqualTo(Reasons.EMPTY_TEXT);
    assertThat(collection.parse("\tx", 1).getString(5)).isEqualTo(Reasons.MISSING_ID);
    assertThat(new MsMarcoReader.RecordParser("queries.dev.tsv", "dev").parse("1\tq", 1).getString(6)).isEqualTo("dev");

    MsMarcoReader.JudgementParser qrels = new MsMarcoReader.JudgementParser("qrels.dev.tsv", "dev");
    for (String line : List.of("1\t0\t7\t2", "1 0 7 2", " 1  Q0\t7 2\r")) {
      Row j = qrels.parse(line, 1);
      assertThat(List.of(j.getString(3), j.getString(4), j.getString(5), j.get(6))).as(line)
          .containsExactly("dev", "1", "7", 2);
      assertThat(j.isNullAt(7)).isTrue();
    }
    assertThat(qrels.parse("1\t7\t2", 1).getString(7)).isEqualTo(Reasons.MALFORMED_QRELS);
    assertThat(qrels.parse("1\t0\t7\t2\t9", 1).getString(7)).isEqualTo(Reasons.MALFORMED_QRELS);
    assertThat(qrels.parse("1\t0\t7\t2.5", 1).getString(7)).isEqualTo(Reasons.SCORE_NOT_INTEGER);
  }

  @Test
  void quarantinesEveryBadRowWithItsReasonAndKeepsTheRest(SparkSession spark) {
    Path folder = MsMarcoFixtures.writeBroken(tmp.resolve("broken"));
    try (var input = new MsMarcoReader(spark).read(folder.toUri().toString(), SPLITS)) {
      assertThat(input.rowsIn()).isEqualTo(MsMarcoFixtures.ROWS);

      Map<String, Long> byReason = TestRows.byReason(input.quarantine());
      assertThat(byReason).isEqualTo(new TreeMap<>(MsMarcoFixtures.QUARANTINED_BY_REASON));

      List<String> rejected = TestRows.locations(input.quarantine());
      assertThat(rejected).containsExactly(
          "collection.tsv:3 missing id",
          "collection.tsv:4 empty text",
          "collection.tsv:5 empty text",
          "collection.tsv:6 duplicate id",
          "collection.tsv:8 text has no words",
          "collection.tsv:11 invalid UTF-8",
          "qrels.dev.tsv:3 qrels names an unknown query",
          "qrels.train.tsv:3 duplicate judgement",
          "qrels.train.tsv:4 qrels names an unknown document",
          "qrels.train.tsv:5 qrels names an unknown query",
          "qrels.train.tsv:6 malformed qrels row",
          "qrels.train.tsv:7 score not an integer",
          "qrels.train.tsv:9 qrels names an unknown query",
          "qrels.train.tsv:10 qrels names an unknown query",
          "queries.dev.tsv:2 text has no words",
          "queries.train.tsv:3 query has no judgements in any split",
          "queries.train.tsv:4 duplicate id",
          "queries.train.tsv:5 empty text",
          "queries.train.tsv:6 missing id",
          "queries.train.tsv:7 query has no judgements in any split");
      assertThat(input.quarantine().filter("file = 'collection.tsv' and line = 6").first().getString(3))
          .isEqualTo("0\tduplicate of passage zero");
      assertThat(input.quarantine().filter("file = 'collection.tsv' and line = 11").first().getString(3))
          .isEqualTo("7\tna\uFFFDve passage");

      assertThat(TestRows.joined(input.documents())).containsExactly(
          "0|first passage about rivers", "1|second passage about mountains", "5|third passage\twith a tab inside",
          "6|fourth passage");
      assertThat(TestRows.joined(input.queries("train"))).containsExactly("10|first train query", "11|second train query");
      assertThat(TestRows.joined(input.queries("dev"))).containsExactly("10|train query asked again in dev", "20|dev query");
      assertThat(TestRows.joined(input.qrels("train"))).containsExactly("10|0|1", "10|1|2", "11|5|1");
      assertThat(TestRows.joined(input.qrels("dev"))).containsExactly("10|0|1", "20|6|1");

      // in = written + quarantined, per file.
      Map<String, Long> quarantined = input.quarantine().groupBy("file").count().collectAsList().stream()
          .collect(Collectors.toMap(r -> r.getString(0), r -> r.getLong(1)));
      Map<String, Long> written = Map.of(
          "collection.tsv", input.documents().count(),
          "queries.train.tsv", input.queries("train").count(),
          "queries.dev.tsv", input.queries("dev").count(),
          "qrels.train.tsv", input.qrels("train").count(),
          "qrels.dev.tsv", input.qrels("dev").count());
      assertThat(written).isEqualTo(MsMarcoFixtures.WRITTEN);
      assertThat(input.rejectedIn()).isEqualTo(quarantined);
      for (String file : MsMarcoFixtures.ROWS.keySet()) {
        assertThat(written.get(file) + quarantined.getOrDefault(file, 0L)).as(file)
            .isEqualTo(MsMarcoFixtures.ROWS.get(file));
      }
    }
  }

  @Test
  void missingOrEmptyFilesAreNamed(SparkSession spark) throws IOException {
    Path folder = MsMarcoFixtures.writeClean(tmp.resolve("clean"));
    assertThatThrownBy(() -> new MsMarcoReader(spark).read(folder.toString(), List.of("train", "test")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("queries.test.tsv not found at " + folder + "/queries.test.tsv")
        .hasMessageContaining("collection.tsv, queries.<split>.tsv and qrels.<split>.tsv")
        .hasMessageContaining("drop the split");
    Files.writeString(folder.resolve("queries.dev.tsv"), "\n");
    assertThatThrownBy(() -> new MsMarcoReader(spark).read(folder.toString(), SPLITS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("queries.dev.tsv at " + folder + "/queries.dev.tsv is empty (no rows)");
  }

}
