package dev.magnitude.prepare.sts;

import dev.magnitude.core.config.DatasetSpec;
import dev.magnitude.core.config.StsSpec;
import dev.magnitude.prepare.beir.BrokenBeir;
import dev.magnitude.prepare.beir.Reasons;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Small STS folders in the STS-B layout (tab-separated, header row genre, filename, year, id, score,
 * sentence1, sentence2; rows copied in layout, sentences invented) and a header-less CSV one. The broken
 * ones hold every kind of row the reader rejects; the line-by-line comments are the expected outcome.
 * {@link BrokenBeir#BAD_BYTE} is written as the byte 0xFF.
 */
final class StsFixtures {
  private StsFixtures() {}

  /** The STS-B layout: the reader's defaults with the header of the sentence-transformers stsbenchmark files. */
  static final StsSpec STSB = DatasetSpec.DEFAULT_STS;
  /** Header-less CSV: sentences in columns 0 and 1, score in 2. */
  static final StsSpec CSV = new StsSpec("sts-{split}.csv", ",", false, "0", "1", "2", 0, 5);

  static final String HEADER = "genre\tfilename\tyear\tid\tscore\tsentence1\tsentence2";

  static final String CLEAN_TRAIN = lines(
      HEADER,
      "main-captions\tMSRvid\t2012test\t0001\t5.000\tA girl is brushing a horse.\tA girl brushes the horse.",
      "main-captions\tMSRvid\t2012test\t0004\t3.800\tA cook slices an onion.\tSomeone is cutting an onion.",
      "main-news\theadlines\t2013\t0042\t0.400\tMarkets rally after the vote.\tRain is expected this weekend.",
      // Tab-separated fields are literal: quotes, even unbalanced ones, are part of the sentence.
      "main-forums\tanswers-forums\t2015\t0093\t2.250\t\"Quotes\" stay in a sentence.\tAn unbalanced \" stays too.");

  static final String CLEAN_DEV = lines(
      HEADER,
      "main-captions\tMSRvid\t2012test\t0005\t4.200\tA man is playing a flute.\tA man plays the flute.",
      "main-news\tdeft-news\t2014\t0017\t1.000\tThe council met on Monday.\tThe bridge reopened on Monday.");

  static final String BROKEN_TRAIN = lines(
      "\uFEFF" + HEADER, //                                                                  1 header (BOM dropped)
      "main-captions\tMSRvid\t2012test\t0001\t4.000\tA dog runs.\tA dog is running.", //        2 valid
      "main-captions\tMSRvid\t2012test\t0002\t4.000\tOnly one sentence here.", //               3 malformed row
      "main-captions\tMSRvid\t2012test\t0003\t1.000\tA cat sleeps.\t   ", //                     4 empty text
      "main-captions\tMSRvid\t2012test\t0006\t1.000\t!!! ???\tA cat sleeps.", //                5 text has no words
      "main-news\theadlines\t2013\t0010\thigh\tPrices rise.\tPrices go up.", //                 6 score not a number
      "main-news\theadlines\t2013\t0011\tNaN\tPrices rise.\tPrices go up.", //                  7 score not a number
      "main-news\theadlines\t2013\t0012\t5.5\tPrices rise.\tPrices go up.", //                  8 score out of range
      "main-news\theadlines\t2013\t0013\t-0.1\tPrices rise.\tPrices fall.", //                  9 score out of range
      "", //                                                                                   10 blank: not a row
      "main-news\theadlines\t2013\t0014\t2.0\tCaf" + BrokenBeir.BAD_BYTE + " opens.\tA caf\u00e9 opens.", // 11 invalid UTF-8
      "main-news\theadlines\t2013\t0015\t5\tThe bound is valid.\tThe bound is valid!", //        12 valid (score-max)
      "main-news\theadlines\t2013\t0016\tInfinity\tPrices rise.\tPrices go up.", //             13 score not a number
      "main-news\theadlines\t2013\t0017\t 0 \tZero is valid.\tSo is its padding.\textra"); //   14 valid (extra field)

  static final String BROKEN_DEV = lines(
      HEADER, //                                                                         1 header
      "main-captions\tMSRvid\t2012test\t0020\t3.000\tA bird sings.\tA bird is singing.", // 2 valid
      "main-captions\tMSRvid\t2012test\t0021\t3.000\t\t"); //                       3 empty text (a line of tabs alone is blank)

  /** Rows read per file. */
  static final Map<String, Long> BROKEN_ROWS = Map.of("train.tsv", 12L, "dev.tsv", 2L);
  /** Valid pairs per file. */
  static final Map<String, Long> BROKEN_VALID = Map.of("train.tsv", 3L, "dev.tsv", 1L);

  static final Map<String, Long> BROKEN_BY_REASON = Map.of(
      Reasons.MALFORMED_ROW, 1L,
      Reasons.EMPTY_TEXT, 2L,
      Reasons.NO_WORDS, 1L,
      Reasons.SCORE_NOT_A_NUMBER, 3L,
      Reasons.SCORE_OUT_OF_RANGE, 2L,
      Reasons.INVALID_UTF8, 1L);

  static final String BROKEN_CSV = lines(
      "\"A man, with a comma.\",\"A man with a comma.\",4.5", // 1 valid: quoted fields hold the delimiter
      "\"He said \"\"hi\"\".\",She said hi.,1", //               2 valid: "" is one quote
      "plain,unquoted \"inner\" quotes,2.5", //                  3 valid: quotes inside an unquoted field are literal
      "\"an unclosed quote,second,3", //                        4 malformed row (a quoted field may not span lines)
      "and its end\",second,3", //                              5 valid: its own row; the quote is literal here
      "\"closed\"x,b,1", //                                     6 malformed row (text after the closing quote)
      "only,two"); //                                           7 malformed row (two fields)

  static Path writeClean(Path folder) {
    return write(folder, Map.of("train.tsv", CLEAN_TRAIN, "dev.tsv", CLEAN_DEV));
  }

  static Path writeBroken(Path folder) {
    return write(folder, Map.of("train.tsv", BROKEN_TRAIN, "dev.tsv", BROKEN_DEV));
  }

  static String lines(String... lines) {
    return String.join("\n", lines) + "\n";
  }

  static Path write(Path folder, Map<String, String> files) {
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
