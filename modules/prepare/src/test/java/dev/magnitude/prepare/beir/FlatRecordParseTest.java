package dev.magnitude.prepare.beir;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * The streaming parse of corpus and query lines gives every line the row of the Jackson tree parse (same id,
 * text, reason and raw text): on hand-picked lines for each rule and on random mutations of them.
 */
class FlatRecordParseTest {
  private final BeirReader.RecordParser corpus = new BeirReader.RecordParser("corpus.jsonl", true, false);
  private final BeirReader.RecordParser queries = new BeirReader.RecordParser("queries.jsonl", false, false);

  static final List<String> LINES = List.of(
      "{\"_id\":\"d1\",\"title\":\"A Title\",\"text\":\"Some body text, with punctuation.\"}",
      "{\"_id\":\"d2\",\"text\":\"no title\"}",
      "{\"_id\":\"d3\",\"title\":\"only a title\"}",
      "{\"_id\":\"d4\",\"title\":\"  \",\"text\":\"  \"}",
      "{\"_id\":\"d5\",\"title\":\"\",\"text\":\"-- ** --\"}",
      "{\"_id\":\"d6\",\"title\":\"T\",\"text\":\"caf\\u00e9 \\ud83d\\ude00 na\\u0308ive \\n\\t\\\"quoted\\\" \\\\ / \\/\"}",
      "{\"_id\":\"d7\",\"title\":\"\u2014 \u2026\",\"text\":\"\u00bd \u0130 \uff21\uff22 \u03a3\u0391\u03a3\"}",
      "{\"_id\":\"d8\",\"text\":\"\u2014 \u2026 \u2014\"}",
      "{\"_id\":\"d9\",\"text\":\"\u00a0\u200b\"}",
      "{\"_id\":12,\"text\":\"numbers are ids\"}",
      "{\"_id\":-7,\"text\":\"negative\"}",
      "{\"_id\":123456789012345678901234567890,\"text\":\"big\"}",
      "{\"_id\":1.5,\"text\":\"x\"}",
      "{\"_id\":true,\"text\":\"x\"}",
      "{\"_id\":null,\"text\":\"x\"}",
      "{\"_id\":\" \",\"text\":\"x\"}",
      "{\"text\":\"no id\"}",
      "{\"_id\":\"a\",\"text\":null,\"title\":\"T\"}",
      "{\"_id\":\"a\",\"text\":12.50,\"title\":true}",
      "{\"_id\":\"a\",\"text\":1e3}",
      "{\"_id\":\"a\",\"text\":{\"nested\":1}}",
      "{\"_id\":\"a\",\"text\":[\"x\"]}",
      "{\"_id\":\"a\",\"text\":\"x\",\"meta\":{\"k\":[1,2,{\"k\":null}]}}",
      "{\"_id\":\"a\",\"text\":\"x\",\"meta\":{\"k\":1,\"k\":2}}",
      "{\"_id\":\"a\",\"text\":\"x\",\"n\":1,\"b\":false,\"z\":null,\"f\":-0.5e-7}",
      "{\"_id\":\"a\",\"_id\":\"b\",\"text\":\"x\"}",
      "{\"_id\":\"a\",\"x\":1,\"x\":1,\"text\":\"x\"}",
      "{\"_id\":\"a\",\"text\":\"x\"} {}",
      "{\"_id\":\"a\",\"text\":\"x\"}   ",
      "  {\"_id\":\"a\",\"text\":\"x\"}",
      "{\"_id\":\"a\",\"text\":\"x\"",
      "{\"_id\":\"a\",\"text\":\"x\",}",
      "{\"_id\":\"a\" \"text\":\"x\"}",
      "{'_id':'a','text':'x'}",
      "{\"_id\":\"a\",\"text\":\"x\"} // comment",
      "{\"_id\":\"a\",\"text\":\"bad \\q escape\"}",
      "{\"_id\":\"a\",\"text\":\"raw\ttab\"}",
      "{\"_id\":\"a\",\"text\":\"x\",\"url\":\"raw\ttab in a field not read\"}",
      "{\"_id\":\"a\",\"url\":\"http://x/y?q=\\u00e9\\\"\",\"text\":\"x\",\"title\":\"t\",\"other\":\"\\q\"}",
      "{\"url\":\"http://x/y\",\"_id\":\"a\",\"text\":\"x\",\"title\":\"t\"}",
      "{\"_id\":\"a\",\"text\":01}",
      "{\"_id\":\"a\",\"text\":NaN}",
      "{}",
      "[]",
      "[{\"_id\":\"a\",\"text\":\"x\"}]",
      "\"just a string\"",
      "42",
      "null",
      "not json at all");

  /** Every column of the row: file, line, raw, id, text, reason, split, answers. */
  private static List<Object> columns(Row r) {
    List<Object> out = new ArrayList<>();
    for (int i = 0; i < r.length(); i++) {
      out.add(r.get(i));
    }
    return out;
  }

  private void assertSameAsTree(String line) {
    for (BeirReader.RecordParser parser : List.of(corpus, queries)) {
      assertThat(columns(parser.parse(line, 3))).as(line).isEqualTo(columns(parser.parseTree(line, 3)));
    }
  }

  @Test
  void handPickedLinesGetTheTreeParsesRow() {
    LINES.forEach(this::assertSameAsTree);
    // The lines cover every reason of the per-row rules and valid rows, so the comparison is not vacuous.
    List<Object> reasons = new ArrayList<>();
    LINES.forEach(l -> reasons.add(corpus.parse(l, 3).get(5)));
    assertThat(reasons).contains(null, Reasons.INVALID_JSON, Reasons.MISSING_ID, Reasons.EMPTY_TEXT, Reasons.NO_WORDS);
  }

  @Test
  void flatLinesAreParsedAsTheTreeReadsThem() {
    Row r = corpus.parse(LINES.get(5), 3);
    assertThat(r.getString(3)).isEqualTo("d6");
    assertThat(r.getString(4)).isEqualTo("T caf\u00e9 \ud83d\ude00 na\u0308ive \n\t\"quoted\" \\ / /");
    assertThat(r.isNullAt(5)).isTrue();
    assertThat(queries.parse(LINES.get(0), 3).getString(4)).isEqualTo("Some body text, with punctuation.");
    assertThat(corpus.parse("{\"_id\":\"a\",\"_id\":\"b\",\"text\":\"x\"}", 3).getString(5))
        .isEqualTo(Reasons.INVALID_JSON);
  }

  @Test
  void mutatedLinesGetTheTreeParsesRow() {
    Random random = new Random(20261127L);
    String pieces = "{}[]\",:\\ 0a-.eE\u00e9\u2014tn";
    for (int k = 0; k < 20_000; k++) {
      StringBuilder line = new StringBuilder(LINES.get(random.nextInt(LINES.size())));
      int edits = 1 + random.nextInt(3);
      for (int e = 0; e < edits && line.length() > 0; e++) {
        int at = random.nextInt(line.length());
        switch (random.nextInt(3)) {
          case 0 -> line.deleteCharAt(at);
          case 1 -> line.insert(at, pieces.charAt(random.nextInt(pieces.length())));
          default -> line.setCharAt(at, pieces.charAt(random.nextInt(pieces.length())));
        }
      }
      assertSameAsTree(line.toString());
    }
  }
}
