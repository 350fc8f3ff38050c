package dev.magnitude.prepare.beir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A small BEIR folder with one or more rows of every kind the reader rejects. The line-by-line comments
 * are the expected outcome; {@link #QUARANTINED_BY_REASON} and {@link #ROWS} sum them up. {@link #BAD_BYTE}
 * in a line is written as the byte 0xFF, which is never valid UTF-8.
 */
public final class BrokenBeir {
  private BrokenBeir() {}

  /** Stands for the byte 0xFF in the texts below. */
  public static final String BAD_BYTE = "<0xFF>";

  static final String CORPUS =
      String.join("\n",
          "\uFEFF{\"_id\":\"d1\",\"title\":\"Alpha\",\"text\":\"first document\"}", // 1 valid (BOM stripped)
          "{\"_id\":\"d2\",\"text\":\"second document\"}", //                         2 valid
          "not json at all", //                                                         3 invalid JSON
          "{\"title\":\"no id\",\"text\":\"orphan\"}", //                                  4 missing id
          "{\"_id\":\"d3\",\"title\":\"\",\"text\":\"   \"}", //                            5 empty text
          "{\"_id\":\"d1\",\"text\":\"duplicate of d1\"}", //                              6 duplicate id (line 1 kept)
          "", //                                                                        7 blank: not a row
          "{\"_id\":\"d4\",\"text\":\"!!! ... ???\"}", //                                   8 text has no words
          "{\"_id\":\"d5\",\"title\":\"Only title\"}", //                                   9 valid: text "Only title"
          "{\"_id\":7,\"text\":\"numeric id\"}", //                                       10 valid: id "7"
          "{\"_id\":\"d6\",\"text\":\"caf" + BAD_BYTE + " au lait\"}") //                    11 invalid UTF-8
      + "\n";

  static final String QUERIES =
      String.join("\n",
          "{\"_id\":\"q1\",\"text\":\"first query\"}", //   1 valid (train, test)
          "{\"_id\":\"q2\",\"text\":\"second query\"}", //  2 valid (train)
          "{\"_id\":\"q3\",\"text\":\"never judged\"}", //  3 query has no judgements in any split
          "{\"_id\":\"q1\",\"text\":\"again\"}", //         4 duplicate id
          "{\"_id\":\"q4\",\"text\":\"\"}", //              5 empty text
          "[1, 2, 3]", //                                   6 invalid JSON (not an object)
          "{\"_id\":\"q5\",\"text\":\"test query\"}") //    7 valid (test)
      + "\n";

  static final String TRAIN_QRELS =
      String.join("\n",
          "query-id\tcorpus-id\tscore", // 1 header: not a row
          "q1\td1\t1", //                 2 valid
          "q1\td2\t2", //                 3 valid
          "q1\td1\t0", //                 4 duplicate judgement
          "q2\td9\t1", //                 5 unknown document
          "q9\td1\t1", //                 6 unknown query
          "q2\td2", //                    7 malformed
          "q2\td5\tone", //               8 score not an integer
          "q2\td5\t1", //                 9 valid
          "q4\td1\t1", //                10 unknown query (q4 was rejected: empty text)
          "q2\td" + BAD_BYTE + "\t1") //     11 invalid UTF-8
      + "\n";

  static final String TEST_QRELS =
      String.join("\n",
          "query-id\tcorpus-id\tscore", // 1 header
          "q5\t7\t2", //                  2 valid
          "q1\td1\t1") //                 3 valid (a query may be judged in several splits)
      + "\n";

  /** Rows read per file. */
  public static final Map<String, Long> ROWS =
      Map.of("corpus.jsonl", 10L, "queries.jsonl", 7L, "qrels/train.tsv", 10L, "qrels/test.tsv", 2L);
  /** Rows written per file (valid documents, judged queries, valid judgements). */
  public static final Map<String, Long> WRITTEN =
      Map.of("corpus.jsonl", 4L, "queries.jsonl", 3L, "qrels/train.tsv", 3L, "qrels/test.tsv", 2L);

  public static final Map<String, Long> QUARANTINED_BY_REASON =
      Map.ofEntries(
          Map.entry(Reasons.INVALID_UTF8, 2L),
          Map.entry(Reasons.INVALID_JSON, 2L),
          Map.entry(Reasons.MISSING_ID, 1L),
          Map.entry(Reasons.EMPTY_TEXT, 2L),
          Map.entry(Reasons.NO_WORDS, 1L),
          Map.entry(Reasons.DUPLICATE_ID, 2L),
          Map.entry(Reasons.MALFORMED_QRELS, 1L),
          Map.entry(Reasons.SCORE_NOT_INTEGER, 1L),
          Map.entry(Reasons.UNKNOWN_QUERY, 2L),
          Map.entry(Reasons.UNKNOWN_DOCUMENT, 1L),
          Map.entry(Reasons.DUPLICATE_JUDGEMENT, 1L),
          Map.entry(Reasons.NO_JUDGEMENTS, 1L));

  /** Writes the folder (splits train and test). */
  public static Path write(Path folder) {
    try {
      Files.createDirectories(folder.resolve("qrels"));
      Files.write(folder.resolve("corpus.jsonl"), bytes(CORPUS));
      Files.write(folder.resolve("queries.jsonl"), bytes(QUERIES));
      Files.write(folder.resolve("qrels/train.tsv"), bytes(TRAIN_QRELS));
      Files.write(folder.resolve("qrels/test.tsv"), bytes(TEST_QRELS));
      return folder;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The text as UTF-8, each {@link #BAD_BYTE} written as the byte 0xFF. */
  public static byte[] bytes(String text) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String[] parts = text.split(java.util.regex.Pattern.quote(BAD_BYTE), -1);
    for (int i = 0; i < parts.length; i++) {
      if (i > 0) {
        out.write(0xFF);
      }
      out.writeBytes(parts[i].getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }
}
