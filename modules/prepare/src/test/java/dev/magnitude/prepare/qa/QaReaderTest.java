package dev.magnitude.prepare.qa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.magnitude.prepare.SharedSpark;
import dev.magnitude.prepare.TestRows;
import dev.magnitude.prepare.beir.BrokenBeir;
import dev.magnitude.prepare.beir.Reasons;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(SharedSpark.class)
class QaReaderTest {
  private static final List<String> SPLITS = List.of("train", "test");

  /** A QA folder in BEIR layout; the comments are the expected outcome. */
  static final String CORPUS = String.join("\n",
      "{\"_id\":\"p1\",\"title\":\"Paris\",\"text\":\"Paris is the capital of France.\"}",
      "{\"_id\":\"p2\",\"title\":\"Everest\",\"text\":\"Mount Everest is the highest mountain above sea level.\"}",
      "{\"_id\":\"p3\",\"text\":\"Water boils at 100 degrees Celsius at sea level.\"}") + "\n";

  static final String QUERIES = String.join("\n",
      "{\"_id\":\"q1\",\"text\":\"capital of france\",\"answers\":[\"Paris\",\" Paris \",\"paris\"]}", // 1 valid
      "{\"_id\":\"q2\",\"text\":\"highest mountain\",\"answers\":[\"Mount Everest\",\"Everest\"]}", //  2 valid
      "{\"_id\":\"q3\",\"text\":\"boiling point of water\",\"answers\":[\"100 degrees Celsius\"]}", // 3 valid (test)
      "{\"_id\":\"q4\",\"text\":\"no answers field\"}", //                                           4 missing answers
      "{\"_id\":\"q5\",\"text\":\"answers is a string\",\"answers\":\"Paris\"}", //                   5 missing answers
      "{\"_id\":\"q6\",\"text\":\"empty answers\",\"answers\":[]}", //                                6 missing answers
      "{\"_id\":\"q7\",\"text\":\"a number among answers\",\"answers\":[\"Paris\",7]}", //            7 missing answers
      "{\"_id\":\"q8\",\"text\":\"a blank answer\",\"answers\":[\"Paris\",\"  \"]}", //               8 missing answers
      "{\"_id\":\"q1\",\"text\":\"again\",\"answers\":[\"x\"]}", //                                   9 duplicate id
      "{\"_id\":\"q9\",\"text\":\"\",\"answers\":[\"x\"]}", //                                       10 empty text (first)
      "{\"_id\":\"q10\",\"text\":\"never judged\",\"answers\":[\"y\"]}", //                          11 no judgements
      "{\"_id\":\"q11\",\"text\":\"na" + BrokenBeir.BAD_BYTE + "ve\",\"answers\":[\"z\"]}") //        12 invalid UTF-8
      + "\n";

  static final String TRAIN_QRELS = String.join("\n",
      "query-id\tcorpus-id\tscore", // 1 header
      "q1\tp1\t1", //                 2 valid
      "q2\tp2\t1", //                 3 valid
      "q4\tp1\t1") //                 4 unknown query (q4 was rejected: missing answers)
      + "\n";

  static final String TEST_QRELS = String.join("\n",
      "query-id\tcorpus-id\tscore", // 1 header
      "q3\tp3\t1", //                 2 valid
      "q1\tp1\t1") //                 3 valid
      + "\n";

  @TempDir Path tmp;

  /** Writes the QA folder (splits train and test). */
  static Path write(Path folder) throws IOException {
    Files.createDirectories(folder.resolve("qrels"));
    Files.write(folder.resolve("corpus.jsonl"), BrokenBeir.bytes(CORPUS));
    Files.write(folder.resolve("queries.jsonl"), BrokenBeir.bytes(QUERIES));
    Files.write(folder.resolve("qrels/train.tsv"), BrokenBeir.bytes(TRAIN_QRELS));
    Files.write(folder.resolve("qrels/test.tsv"), BrokenBeir.bytes(TEST_QRELS));
    return folder;
  }

  @Test
  void queriesNeedAnswersAndEveryRowIsAccountedFor(SparkSession spark) throws IOException {
    Path folder = write(tmp.resolve("qa"));
    assertThat(QaReader.files(SPLITS)).containsExactly("corpus.jsonl", "queries.jsonl", "qrels/train.tsv", "qrels/test.tsv");
    try (QaInput input = new QaReader(spark).read(folder.toUri().toString(), SPLITS)) {
      Map<String, Long> rows = Map.of("corpus.jsonl", 3L, "queries.jsonl", 12L, "qrels/train.tsv", 3L, "qrels/test.tsv", 2L);
      assertThat(input.rowsIn()).isEqualTo(rows);
      assertThat(TestRows.locations(input.quarantine())).containsExactly(
          "qrels/train.tsv:4 qrels names an unknown query",
          "queries.jsonl:4 missing answers",
          "queries.jsonl:5 missing answers",
          "queries.jsonl:6 missing answers",
          "queries.jsonl:7 missing answers",
          "queries.jsonl:8 missing answers",
          "queries.jsonl:9 duplicate id",
          "queries.jsonl:10 empty text",
          "queries.jsonl:11 query has no judgements in any split",
          "queries.jsonl:12 invalid UTF-8");
      assertThat(TestRows.byReason(input.quarantine())).isEqualTo(new TreeMap<>(Map.of(
          Reasons.MISSING_ANSWERS, 5L, Reasons.DUPLICATE_ID, 1L, Reasons.EMPTY_TEXT, 1L, Reasons.NO_JUDGEMENTS, 1L,
          Reasons.INVALID_UTF8, 1L, Reasons.UNKNOWN_QUERY, 1L)));

      assertThat(TestRows.joined(input.beir().queries("train")))
          .containsExactly("q1|capital of france", "q2|highest mountain");
      // Answers are trimmed and kept once per query: " Paris " is "Paris" again, "paris" differs in case.
      assertThat(TestRows.joined(input.answers("train")))
          .containsExactly("q1|Paris", "q1|paris", "q2|Everest", "q2|Mount Everest");
      assertThat(TestRows.joined(input.answers("test")))
          .containsExactly("q1|Paris", "q1|paris", "q3|100 degrees Celsius");
      assertThat(input.answers("test").schema().fieldNames()).containsExactly("query_id", "answer");

      // in = written + quarantined, per file.
      Map<String, Long> quarantined = input.quarantine().groupBy("file").count().collectAsList().stream()
          .collect(Collectors.toMap(r -> r.getString(0), r -> r.getLong(1)));
      Map<String, Long> written = Map.of(
          "corpus.jsonl", input.beir().documents().count(),
          "queries.jsonl", input.beir().queries().count(),
          "qrels/train.tsv", input.beir().qrels("train").count(),
          "qrels/test.tsv", input.beir().qrels("test").count());
      assertThat(written).isEqualTo(Map.of("corpus.jsonl", 3L, "queries.jsonl", 3L, "qrels/train.tsv", 2L, "qrels/test.tsv", 2L));
      assertThat(input.rejectedIn()).isEqualTo(Map.of("corpus.jsonl", 0L, "queries.jsonl", 9L, "qrels/train.tsv", 1L, "qrels/test.tsv", 0L));
      for (String file : rows.keySet()) {
        assertThat(written.get(file) + quarantined.getOrDefault(file, 0L)).as(file).isEqualTo(rows.get(file));
      }
    }
  }

  @Test
  void aBeirFolderReadAsBeirHasNoAnswers(SparkSession spark) throws IOException {
    Path folder = write(tmp.resolve("qa"));
    try (var beir = new dev.magnitude.prepare.beir.BeirReader(spark).read(folder.toString(), SPLITS)) {
      // Without the answers rule q4..q8 are valid queries; q4 is judged, the rest are not.
      assertThat(TestRows.joined(beir.queries("train"))).containsExactly(
          "q1|capital of france", "q2|highest mountain", "q4|no answers field");
      assertThat(beir.answers("train").count()).isZero();
    }
  }

  @Test
  void missingFilesNameTheQaLayout(SparkSession spark) throws IOException {
    Path folder = write(tmp.resolve("qa"));
    assertThatThrownBy(() -> new QaReader(spark).read(folder.toString(), List.of("train", "dev")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("qrels/dev.tsv not found at " + folder + "/qrels/dev.tsv")
        .hasMessageContaining("a QA folder holds corpus.jsonl, queries.jsonl (with \"answers\")");
  }
}
