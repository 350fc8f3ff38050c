package dev.magnitude.prepare.qa;

import dev.magnitude.prepare.beir.BeirReader;
import dev.magnitude.prepare.beir.Reasons;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/**
 * Reads a QA dataset (format {@code qa}: retrieval whose queries carry gold answer strings) with Spark. The
 * folder has the BEIR layout ({@link BeirReader}) and every query of {@code queries.jsonl} also carries
 * {@code "answers"}, a non-empty list of non-blank strings:
 *
 * <pre>
 * corpus.jsonl      {"_id": "p1", "title": "Paris", "text": "Paris is the capital of France."}
 * queries.jsonl     {"_id": "q1", "text": "what is the capital of france", "answers": ["Paris"]}
 * qrels/&lt;split&gt;.tsv query-id&lt;TAB&gt;corpus-id&lt;TAB&gt;score, header optional
 * </pre>
 *
 * <p>Every BEIR rule applies, in the same single validation pass, with one more for queries: a query whose
 * {@code answers} is missing, not a list, empty, or holds an entry that is not a string or is blank is
 * {@link Reasons#MISSING_ANSWERS} (after {@link Reasons#NO_WORDS}, before {@link Reasons#DUPLICATE_ID}). Such
 * a query is not a valid query, so qrels rows naming it are {@link Reasons#UNKNOWN_QUERY}. Answers are
 * trimmed; repeated answers of a query are kept once.
 */
public final class QaReader {
  private final SparkSession spark;

  public QaReader(SparkSession spark) {
    this.spark = spark;
  }

  /** The input files of a QA folder for {@code splits}, relative to the folder (the BEIR files). */
  public static List<String> files(List<String> splits) {
    return BeirReader.files(splits);
  }

  /**
   * Reads and validates the folder. The result caches its tables; close it when done.
   *
   * @param folderUri Hadoop URI (or local path) of the QA folder
   * @param splits the splits whose qrels to read
   * @throws IllegalArgumentException when a file is missing, or corpus.jsonl or queries.jsonl has no rows
   */
  public QaInput read(String folderUri, List<String> splits) {
    return new QaInput(new BeirReader(spark).read(folderUri, splits, true));
  }
}
