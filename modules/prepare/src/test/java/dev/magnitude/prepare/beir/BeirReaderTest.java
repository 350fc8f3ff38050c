package dev.magnitude.prepare.beir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.magnitude.prepare.SharedSpark;
import dev.magnitude.prepare.TestRows;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(SharedSpark.class)
class BeirReaderTest {
  private static final List<String> SPLITS = List.of("train", "test");

  @TempDir Path tmp;

  @Test
  void quarantinesEveryBadRowWithItsReasonAndKeepsTheRest(SparkSession spark) {
    Path folder = BrokenBeir.write(tmp.resolve("broken"));
    try (BeirInput input = new BeirReader(spark).read(folder.toUri().toString(), SPLITS)) {
      assertThat(input.rowsIn()).isEqualTo(BrokenBeir.ROWS);

      Map<String, Long> byReason = TestRows.byReason(input.quarantine());
      assertThat(byReason).isEqualTo(new TreeMap<>(BrokenBeir.QUARANTINED_BY_REASON));

      // Where each rejected row came from: file, line and reason (see BrokenBeir's comments).
      List<String> rejected = TestRows.locations(input.quarantine());
      assertThat(rejected).containsExactly(
          "corpus.jsonl:3 invalid JSON",
          "corpus.jsonl:4 missing id",
          "corpus.jsonl:5 empty text",
          "corpus.jsonl:6 duplicate id",
          "corpus.jsonl:8 text has no words",
          "corpus.jsonl:11 invalid UTF-8",
          "qrels/train.tsv:4 duplicate judgement",
          "qrels/train.tsv:5 qrels names an unknown document",
          "qrels/train.tsv:6 qrels names an unknown query",
          "qrels/train.tsv:7 malformed qrels row",
          "qrels/train.tsv:8 score not an integer",
          "qrels/train.tsv:10 qrels names an unknown query",
          "qrels/train.tsv:11 invalid UTF-8",
          "queries.jsonl:3 query has no judgements in any split",
          "queries.jsonl:4 duplicate id",
          "queries.jsonl:5 empty text",
          "queries.jsonl:6 invalid JSON");
      Row raw = input.quarantine().filter("file = 'corpus.jsonl' and line = 6").first();
      assertThat(raw.getString(3)).isEqualTo("{\"_id\":\"d1\",\"text\":\"duplicate of d1\"}");
      // A line that is not UTF-8 keeps its lossy decoding as raw text.
      assertThat(input.quarantine().filter("file = 'corpus.jsonl' and line = 11").first().getString(3))
          .isEqualTo("{\"_id\":\"d6\",\"text\":\"caf\uFFFD au lait\"}");

      assertThat(TestRows.joined(input.documents())).containsExactly(
          "7|numeric id", "d1|Alpha first document", "d2|second document", "d5|Only title");
      assertThat(TestRows.joined(input.queries("train"))).containsExactly("q1|first query", "q2|second query");
      assertThat(TestRows.joined(input.queries("test"))).containsExactly("q1|first query", "q5|test query");
      assertThat(TestRows.joined(input.qrels("train"))).containsExactly("q1|d1|1", "q1|d2|2", "q2|d5|1");
      assertThat(TestRows.joined(input.qrels("test"))).containsExactly("q1|d1|1", "q5|7|2");

      // in = written + quarantined, per file.
      Map<String, Long> quarantined = input.quarantine().groupBy("file").count().collectAsList().stream()
          .collect(Collectors.toMap(r -> r.getString(0), r -> r.getLong(1)));
      Map<String, Long> written = Map.of(
          "corpus.jsonl", input.documents().count(),
          "queries.jsonl", input.queries().count(),
          "qrels/train.tsv", input.qrels("train").count(),
          "qrels/test.tsv", input.qrels("test").count());
      assertThat(written).isEqualTo(BrokenBeir.WRITTEN);
      for (String file : BrokenBeir.ROWS.keySet()) {
        assertThat(written.get(file) + quarantined.getOrDefault(file, 0L)).as(file).isEqualTo(BrokenBeir.ROWS.get(file));
      }
    }
  }

  /**
   * Judged non-relevant rows (relevance 0) are valid judgements: they are kept in the qrels (the trainer's
   * hard negatives), and a query judged only by such rows is a judged query.
   */
  @Test
  void judgedNonRelevantRowsAreKept(SparkSession spark) throws IOException {
    Path folder = tmp.resolve("graded");
    Files.createDirectories(folder.resolve("qrels"));
    Files.writeString(folder.resolve(BeirReader.CORPUS),
        "{\"_id\":\"d1\",\"text\":\"first document\"}\n{\"_id\":\"d2\",\"text\":\"second document\"}\n");
    Files.writeString(folder.resolve(BeirReader.QUERIES),
        "{\"_id\":\"q1\",\"text\":\"first query\"}\n{\"_id\":\"q2\",\"text\":\"second query\"}\n");
    Files.writeString(folder.resolve("qrels/train.tsv"), "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t0\nq2\td2\t0\n");
    try (BeirInput input = new BeirReader(spark).read(folder.toUri().toString(), List.of("train"))) {
      assertThat(TestRows.joined(input.qrels("train"))).containsExactly("q1|d1|1", "q1|d2|0", "q2|d2|0");
      assertThat(TestRows.joined(input.queries("train"))).containsExactly("q1|first query", "q2|second query");
      assertThat(input.quarantine().count()).isZero();
      assertThat(input.rowsIn()).containsEntry("qrels/train.tsv", 3L);
    }
  }

  @Test
  void missingQrelsFileIsNamedWithTheWayOut(SparkSession spark) {
    Path folder = BrokenBeir.write(tmp.resolve("broken"));
    assertThatThrownBy(() -> new BeirReader(spark).read(folder.toString(), List.of("train", "dev")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("qrels/dev.tsv not found at " + folder + "/qrels/dev.tsv")
        .hasMessageContaining("drop the split");
  }

  @Test
  void emptyCorpusIsAnErrorNamingTheFile(SparkSession spark) throws IOException {
    Path folder = BrokenBeir.write(tmp.resolve("broken"));
    Files.writeString(folder.resolve("corpus.jsonl"), "\n\n");
    assertThatThrownBy(() -> new BeirReader(spark).read(folder.toString(), SPLITS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("corpus.jsonl at " + folder + "/corpus.jsonl is empty (no rows)");
  }

}
