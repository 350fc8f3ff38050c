package dev.magnitude.prepare.msmarco;

import dev.magnitude.prepare.beir.BrokenBeir;
import dev.magnitude.prepare.beir.Reasons;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Small MS MARCO passage folders in the real layout (collection.tsv, queries.&lt;split&gt;.tsv,
 * qrels.&lt;split&gt;.tsv; no headers), splits train and dev. The broken one holds every kind of row the
 * reader rejects; its line-by-line comments are the expected outcome, summed up in the maps below.
 */
final class MsMarcoFixtures {
  private MsMarcoFixtures() {}

  /** A clean folder: 5 passages, 2 train and 1 dev queries, 2 train and 2 dev judgements. */
  static Path writeClean(Path folder) {
    return write(folder, Map.of(
        "collection.tsv", lines(
            "0\tThe Manhattan Project produced the first atomic bombs during World War II.",
            "1\tThe Eiffel Tower is a wrought iron lattice tower in Paris, France.",
            "2\tPenicillin was discovered by Alexander Fleming in 1928.",
            "3\tThe Amazon is the largest river by discharge volume of water in the world.",
            "4\tFleming noticed that mould killed the bacteria in a Petri dish."),
        "queries.train.tsv", lines(
            "1048585\twhat was the manhattan project",
            "2\twhere is the eiffel tower"),
        "queries.dev.tsv", lines(
            "1048578\twho discovered penicillin"),
        // Official train qrels are tab-separated, many TREC qrels space-separated: both are read.
        "qrels.train.tsv", lines(
            "1048585\t0\t0\t1",
            "2\t0\t1\t1"),
        "qrels.dev.tsv", lines(
            "1048578 0 2 1",
            "1048578 0 4 1")));
  }

  static final String BROKEN_COLLECTION = lines(
      "\uFEFF0\tfirst passage about rivers", //  1 valid (BOM stripped)
      "1\tsecond passage about mountains", //    2 valid
      "\tpassage without an id", //              3 missing id
      "2", //                                    4 empty text (no tab, no passage)
      "3\t   ", //                               5 empty text
      "0\tduplicate of passage zero", //         6 duplicate id (line 1 kept)
      "", //                                     7 blank: not a row
      "4\t!!! ??? ...", //                       8 text has no words
      "5\tthird passage\twith a tab inside", //  9 valid: the text is everything after the first tab
      "6\tfourth passage", //                  10 valid
      "7\tna" + BrokenBeir.BAD_BYTE + "ve passage"); // 11 invalid UTF-8 (the byte 0xFF)

  static final String BROKEN_TRAIN_QUERIES = lines(
      "10\tfirst train query", //         1 valid
      "11\tsecond train query", //        2 valid
      "12\tnever judged query", //        3 query has no judgements (in its split)
      "10\tagain", //                     4 duplicate id
      "13\t", //                          5 empty text
      " \tno id", //                      6 missing id
      "14\tjudged only by dev qrels"); // 7 query has no judgements: dev qrels cannot judge a train query

  static final String BROKEN_DEV_QUERIES = lines(
      "20\tdev query", //                        1 valid
      "21\t???", //                              2 text has no words
      "10\ttrain query asked again in dev"); //  3 valid: ids are unique per file, this is dev's query 10

  static final String BROKEN_TRAIN_QRELS = lines(
      "10\t0\t0\t1", //    1 valid
      "10 0 1 2", //       2 valid (space-separated)
      "10\t0\t0\t0", //    3 duplicate judgement
      "11\t0\t9\t1", //    4 unknown document
      "99\t0\t0\t1", //    5 unknown query
      "11\t0\t1", //       6 malformed (three fields)
      "11\t0\t5\tone", //  7 score not an integer
      "11\t0\t5\t1", //    8 valid
      "20\t0\t0\t1", //    9 unknown query (20 is a dev query)
      "13\t0\t0\t1", //   10 unknown query (13 was rejected: empty text)
      ""); //             11 blank: not a row

  static final String BROKEN_DEV_QRELS = lines(
      "20 0 6 1", //  1 valid
      "10 0 0 1", //  2 valid (dev's query 10)
      "14 0 0 1"); // 3 unknown query (14 is a train query)

  /** Rows read per file. */
  static final Map<String, Long> ROWS = Map.of(
      "collection.tsv", 10L, "queries.train.tsv", 7L, "queries.dev.tsv", 3L, "qrels.train.tsv", 10L,
      "qrels.dev.tsv", 3L);
  /** Rows written per file (valid documents, judged queries, valid judgements). */
  static final Map<String, Long> WRITTEN = Map.of(
      "collection.tsv", 4L, "queries.train.tsv", 2L, "queries.dev.tsv", 2L, "qrels.train.tsv", 3L,
      "qrels.dev.tsv", 2L);

  static final Map<String, Long> QUARANTINED_BY_REASON = Map.ofEntries(
      Map.entry(Reasons.INVALID_UTF8, 1L),
      Map.entry(Reasons.MISSING_ID, 2L),
      Map.entry(Reasons.EMPTY_TEXT, 3L),
      Map.entry(Reasons.NO_WORDS, 2L),
      Map.entry(Reasons.DUPLICATE_ID, 2L),
      Map.entry(Reasons.NO_JUDGEMENTS, 2L),
      Map.entry(Reasons.DUPLICATE_JUDGEMENT, 1L),
      Map.entry(Reasons.UNKNOWN_DOCUMENT, 1L),
      Map.entry(Reasons.UNKNOWN_QUERY, 4L),
      Map.entry(Reasons.MALFORMED_QRELS, 1L),
      Map.entry(Reasons.SCORE_NOT_INTEGER, 1L));

  static Path writeBroken(Path folder) {
    return write(folder, Map.of(
        "collection.tsv", BROKEN_COLLECTION,
        "queries.train.tsv", BROKEN_TRAIN_QUERIES,
        "queries.dev.tsv", BROKEN_DEV_QUERIES,
        "qrels.train.tsv", BROKEN_TRAIN_QRELS,
        "qrels.dev.tsv", BROKEN_DEV_QRELS));
  }

  private static String lines(String... lines) {
    return String.join("\n", lines) + "\n";
  }

  private static Path write(Path folder, Map<String, String> files) {
    try {
      Files.createDirectories(folder);
      for (Map.Entry<String, String> f : files.entrySet()) {
        Files.write(folder.resolve(f.getKey()), BrokenBeir.bytes(f.getValue()));
      }
      return folder;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
