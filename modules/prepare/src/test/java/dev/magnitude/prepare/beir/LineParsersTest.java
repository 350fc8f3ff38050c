package dev.magnitude.prepare.beir;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnitude.prepare.io.TextLines;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import scala.Tuple2;

/** The per-line rules of the BEIR reader, without Spark. */
class LineParsersTest {
  private final BeirReader.RecordParser corpus = new BeirReader.RecordParser("corpus.jsonl", true, false);
  private final BeirReader.RecordParser queries = new BeirReader.RecordParser("queries.jsonl", false, false);
  private final BeirReader.RecordParser qaQueries = new BeirReader.RecordParser("queries.jsonl", false, true);
  private final BeirReader.JudgementParser qrels = new BeirReader.JudgementParser("qrels/test.tsv", "test");

  /** (id, text, reason) of one corpus line; RECORD columns are file, line, raw, id, text, reason. */
  private static List<Object> record(BeirReader.RecordParser parser, String line) {
    Row r = parser.parse(line, 5);
    return List.of(String.valueOf(r.get(3)), String.valueOf(r.get(4)), String.valueOf(r.get(5)));
  }

  @Test
  void corpusLines() {
    assertThat(record(corpus, "{\"_id\":\"a\",\"title\":\"T\",\"text\":\"body\"}")).containsExactly("a", "T body", "null");
    assertThat(record(corpus, "{\"_id\":\"a\",\"title\":\"  \",\"text\":\"body\"}")).containsExactly("a", "body", "null");
    assertThat(record(corpus, "{\"_id\":12,\"text\":\"numbers are ids\"}")).containsExactly("12", "numbers are ids", "null");
    // Strict JSON: duplicate keys and trailing tokens make the line invalid, not silently last-wins.
    assertThat(record(corpus, "{\"_id\":\"a\",\"_id\":\"b\",\"text\":\"x\"}").get(2)).isEqualTo(Reasons.INVALID_JSON);
    assertThat(record(corpus, "{\"_id\":\"a\",\"text\":\"x\"} {}").get(2)).isEqualTo(Reasons.INVALID_JSON);
    assertThat(record(corpus, "\"just a string\"").get(2)).isEqualTo(Reasons.INVALID_JSON);
    assertThat(record(corpus, "{\"_id\":1.5,\"text\":\"x\"}").get(2)).isEqualTo(Reasons.MISSING_ID);
    assertThat(record(corpus, "{\"_id\":\" \",\"text\":\"x\"}").get(2)).isEqualTo(Reasons.MISSING_ID);
    assertThat(record(corpus, "{\"_id\":\"a\",\"text\":{\"nested\":1}}").get(2)).isEqualTo(Reasons.EMPTY_TEXT);
    assertThat(record(corpus, "{\"_id\":\"a\",\"text\":\"-- ** --\"}").get(2)).isEqualTo(Reasons.NO_WORDS);
    // Queries have no title: a title alone is not a query text.
    assertThat(record(queries, "{\"_id\":\"q\",\"title\":\"T\"}").get(2)).isEqualTo(Reasons.EMPTY_TEXT);
  }

  @Test
  void blankLinesAreNotRowsAndLineOneMayCarryAByteOrderMark() throws Exception {
    assertThat(collect(corpus.call(line("   ", 3L)))).isEmpty();
    List<Row> first = collect(corpus.call(line("\uFEFF{\"_id\":\"a\",\"text\":\"x\"}", 0L)));
    assertThat(first).singleElement().satisfies(r -> {
      assertThat(r.getLong(1)).isEqualTo(1);
      assertThat(r.getString(3)).isEqualTo("a");
      assertThat(r.isNullAt(5)).isTrue();
    });
  }

  @Test
  void rawTextOfHugeLinesIsCut() {
    String huge = "x".repeat(BeirReader.MAX_RAW_CHARS + 10);
    Row r = corpus.parse(huge, 1);
    assertThat(r.getString(2)).startsWith("xxx").endsWith("... [10 more characters]");
    assertThat(r.getString(2)).hasSize(BeirReader.MAX_RAW_CHARS + "... [10 more characters]".length());
  }

  @Test
  void qrelsLines() throws Exception {
    // columns: file, line, raw, split, query_id, doc_id, relevance, reason
    assertThat(collect(qrels.call(line("query-id\tcorpus-id\tscore", 0L)))).isEmpty();
    assertThat(qrels.parse(" q1 \t d1 \t 2 ", 2).toSeq().mkString("|"))
        .isEqualTo("qrels/test.tsv|2| q1 \t d1 \t 2 |test|q1|d1|2|null");
    assertThat(qrels.parse("q1\td1\t-1", 2).getInt(6)).isEqualTo(-1);
    assertThat(qrels.parse("q1 d1 1", 2).getString(7)).isEqualTo(Reasons.MALFORMED_QRELS);
    assertThat(qrels.parse("q1\td1\t1\t", 2).getString(7)).isEqualTo(Reasons.MALFORMED_QRELS);
    assertThat(qrels.parse("\td1\t1", 2).getString(7)).isEqualTo(Reasons.MALFORMED_QRELS);
    assertThat(qrels.parse("q1\td1\t1.0", 2).getString(7)).isEqualTo(Reasons.SCORE_NOT_INTEGER);
    // A header-like line that is not line 1 is data, and a malformed one.
    assertThat(collect(qrels.call(line("query-id\tcorpus-id\tscore", 4L))))
        .singleElement().satisfies(r -> assertThat(r.getString(7)).isEqualTo(Reasons.SCORE_NOT_INTEGER));
  }

  @Test
  void aLineThatIsNotUtf8IsRejectedWithItsLossyText() throws Exception {
    // A valid JSON line and a valid qrels line, but for the byte the decoder could not read.
    Tuple2<TextLines.Line, Long> json = new Tuple2<>(new TextLines.Line("{\"_id\":\"a\",\"text\":\"caf\uFFFD\"}", false), 1L);
    assertThat(collect(corpus.call(json))).singleElement().satisfies(r -> {
      assertThat(r.getLong(1)).isEqualTo(2);
      assertThat(r.getString(2)).isEqualTo("{\"_id\":\"a\",\"text\":\"caf\uFFFD\"}");
      assertThat(r.isNullAt(3)).isTrue();
      assertThat(r.getString(5)).isEqualTo(Reasons.INVALID_UTF8);
    });
    Tuple2<TextLines.Line, Long> judgement = new Tuple2<>(new TextLines.Line("q1\td\uFFFD\t1", false), 6L);
    assertThat(collect(qrels.call(judgement))).singleElement().satisfies(r -> {
      assertThat(r.toSeq().mkString("|")).isEqualTo("qrels/test.tsv|7|q1\td\uFFFD\t1|test|null|null|null|invalid UTF-8");
    });
    // A blank line or the qrels header is no row, whatever its bytes.
    assertThat(collect(qrels.call(new Tuple2<>(new TextLines.Line("query-id\tcorpus-id\tscore\uFFFD", false), 0L))))
        .isEmpty();
  }

  @Test
  void qaQueriesNeedANonEmptyListOfNonBlankStrings() {
    Row ok = qaQueries.parse("{\"_id\":\"q\",\"text\":\"who\",\"answers\":[\" Paris \",\"paris\",\"Paris\"]}", 3);
    assertThat(ok.isNullAt(5)).isTrue();
    assertThat(ok.getList(7)).containsExactly("Paris", "paris"); // trimmed, exact duplicates dropped
    for (String answers : List.of("", ",\"answers\":null", ",\"answers\":\"Paris\"", ",\"answers\":[]",
        ",\"answers\":[\"Paris\",1]", ",\"answers\":[\"Paris\",\" \"]", ",\"answers\":[[\"Paris\"]]")) {
      Row r = qaQueries.parse("{\"_id\":\"q\",\"text\":\"who\"" + answers + "}", 3);
      assertThat(r.getString(5)).as(answers).isEqualTo(Reasons.MISSING_ANSWERS);
    }
    // Earlier rules come first; plain BEIR queries ignore answers.
    assertThat(qaQueries.parse("{\"_id\":\"q\",\"text\":\"\"}", 3).getString(5)).isEqualTo(Reasons.EMPTY_TEXT);
    assertThat(queries.parse("{\"_id\":\"q\",\"text\":\"who\",\"answers\":[\"x\"]}", 3).isNullAt(7)).isTrue();
  }

  private static Tuple2<TextLines.Line, Long> line(String text, long index) {
    return new Tuple2<>(TextLines.Line.valid(text), index);
  }

  private static List<Row> collect(java.util.Iterator<Row> rows) {
    List<Row> out = new ArrayList<>();
    rows.forEachRemaining(out::add);
    return out;
  }
}
