package dev.magnitude.prepare.beir;

import java.util.List;

/**
 * Why an input row was quarantined: the {@code reason} column of data-schemas/quarantine.avsc. Fixed
 * strings, so quarantine tables can be grouped by reason; the raw row says which value was wrong. MS MARCO
 * input ({@link dev.magnitude.prepare.msmarco.MsMarcoReader}) is checked under the same rules and reasons;
 * corpus means its collection.tsv, queries its queries.&lt;split&gt;.tsv files. QA input ({@link
 * dev.magnitude.prepare.qa.QaReader}) adds {@link #MISSING_ANSWERS}; STS input ({@link
 * dev.magnitude.prepare.sts.StsReader}) uses {@link #INVALID_UTF8}, {@link #MALFORMED_ROW}, {@link
 * #EMPTY_TEXT}, {@link #NO_WORDS}, {@link #SCORE_NOT_A_NUMBER} and {@link #SCORE_OUT_OF_RANGE}. Few-shot labelled
 * texts ({@link dev.magnitude.prepare.fewshot.LabelledTexts}) use {@link #INVALID_UTF8}, {@link #INVALID_JSON},
 * {@link #MISSING_ID}, {@link #EMPTY_TEXT}, {@link #NO_WORDS}, {@link #MISSING_LABEL} and {@link #DUPLICATE_ID}.
 */
public final class Reasons {
  private Reasons() {}

  /**
   * every line-based file: the line's bytes are not valid UTF-8 (the raw text is a lossy decoding, each
   * malformed byte sequence shown as U+FFFD). Checked before every other rule.
   */
  public static final String INVALID_UTF8 = "invalid UTF-8";
  /** corpus/queries: the line is not one JSON object (or has duplicate keys or trailing tokens). */
  public static final String INVALID_JSON = "invalid JSON";
  /** corpus/queries: {@code _id} absent, null, blank, or neither a string nor an integer. */
  public static final String MISSING_ID = "missing id";
  /** corpus: title and text both blank; queries: text blank; STS: either sentence blank. */
  public static final String EMPTY_TEXT = "empty text";
  /**
   * corpus/queries: the text holds no word (no run of letters or digits) so it would tokenize to nothing;
   * STS: either sentence holds no word.
   */
  public static final String NO_WORDS = "text has no words";
  /** corpus/queries: an earlier valid row of the file has the same id (the first by line number is kept). */
  public static final String DUPLICATE_ID = "duplicate id";
  /** qrels: not three tab-separated fields (MS MARCO: four fields), or a blank query or corpus id. */
  public static final String MALFORMED_QRELS = "malformed qrels row";
  /** qrels: the score field is not an integer. */
  public static final String SCORE_NOT_INTEGER = "score not an integer";
  /** qrels: the query id is not a valid query of queries.jsonl (MS MARCO: of the split's queries file). */
  public static final String UNKNOWN_QUERY = "qrels names an unknown query";
  /** qrels: the corpus id is not a valid document of corpus.jsonl. */
  public static final String UNKNOWN_DOCUMENT = "qrels names an unknown document";
  /** qrels: an earlier valid row of the same file judges the same (query, document) pair. */
  public static final String DUPLICATE_JUDGEMENT = "duplicate judgement";
  /**
   * queries: a valid query that no valid qrels row of any prepared split judges (MS MARCO: of its own
   * split).
   */
  public static final String NO_JUDGEMENTS = "query has no judgements in any split";

  /**
   * QA queries: the {@code answers} field is missing, not a list, an empty list, or holds an entry that is not
   * a string or is blank. Checked after {@link #NO_WORDS}, before {@link #DUPLICATE_ID}.
   */
  public static final String MISSING_ANSWERS = "missing answers";
  /**
   * STS: fewer fields than the score and sentence columns need, or a double-quoted field (delimiters other
   * than tab) that is not closed on its line or is followed by something other than the delimiter.
   */
  public static final String MALFORMED_ROW = "malformed row";
  /**
   * STS: the score field is not a decimal number ({@code [+-]digits[.digits][e[+-]digits]}, surrounding
   * spaces allowed); NaN and Infinity are not numbers.
   */
  public static final String SCORE_NOT_A_NUMBER = "score not a number";
  /** STS: the score is below {@code score-min} or above {@code score-max} (both bounds are valid). */
  public static final String SCORE_OUT_OF_RANGE = "score out of range";
  /**
   * Few-shot labelled texts: the {@code label} field is absent, null, blank, or neither a string nor an integer.
   * Checked after {@link #NO_WORDS}, before {@link #DUPLICATE_ID}.
   */
  public static final String MISSING_LABEL = "missing label";

  public static final List<String> ALL =
      List.of(
          INVALID_UTF8, INVALID_JSON, MISSING_ID, EMPTY_TEXT, NO_WORDS, DUPLICATE_ID, MALFORMED_QRELS,
          SCORE_NOT_INTEGER, UNKNOWN_QUERY, UNKNOWN_DOCUMENT, DUPLICATE_JUDGEMENT, NO_JUDGEMENTS, MISSING_ANSWERS,
          MALFORMED_ROW, SCORE_NOT_A_NUMBER, SCORE_OUT_OF_RANGE, MISSING_LABEL);
}
