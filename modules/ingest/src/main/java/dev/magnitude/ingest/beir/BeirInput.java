package dev.magnitude.ingest.beir;

import static org.apache.spark.sql.functions.col;

import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A validated BEIR folder, as {@link BeirReader} returns it: the valid rows per table and every rejected
 * row. Holds cached Spark datasets; {@link #close()} releases them.
 */
public final class BeirInput implements AutoCloseable {
  private final Dataset<Row> documents;
  private final Dataset<Row> queries;
  private final Dataset<Row> judgements;
  private final List<String> splits;
  private final Map<String, Long> rowsIn;
  private final Map<String, Long> rejectedIn;

  BeirInput(
      Dataset<Row> documents,
      Dataset<Row> queries,
      Dataset<Row> judgements,
      List<String> splits,
      Map<String, Long> rowsIn,
      Map<String, Long> rejectedIn) {
    this.documents = documents;
    this.queries = queries;
    this.judgements = judgements;
    this.splits = List.copyOf(splits);
    this.rowsIn = Map.copyOf(rowsIn);
    this.rejectedIn = Map.copyOf(rejectedIn);
  }

  /** Valid documents: {@code id, text} (text = title + " " + text). */
  public Dataset<Row> documents() {
    return documents.filter(col("reason").isNull()).select("id", "text");
  }

  /** Valid queries judged in at least one split: {@code id, text}. */
  public Dataset<Row> queries() {
    return queries.filter(col("reason").isNull()).select("id", "text");
  }

  /** Queries with at least one valid judgement in {@code split}: {@code id, text}. */
  public Dataset<Row> queries(String split) {
    requireSplit(split);
    Dataset<Row> judged = qrels(split).select(col("query_id").as("_judged"));
    return queries().join(judged, col("id").equalTo(col("_judged")), "left_semi");
  }

  /** Valid judgements of {@code split}: {@code query_id, doc_id, relevance}. */
  public Dataset<Row> qrels(String split) {
    requireSplit(split);
    return judgements
        .filter(col("reason").isNull().and(col("split").equalTo(split)))
        .select("query_id", "doc_id", "relevance");
  }

  /** Valid judgements of every split: {@code split, query_id, doc_id, relevance}. */
  public Dataset<Row> judgements() {
    return judgements.filter(col("reason").isNull()).select("split", "query_id", "doc_id", "relevance");
  }

  /** Every rejected row of every file: {@code file, line, reason, raw} (file relative to the folder). */
  public Dataset<Row> quarantine() {
    return rejected(documents).union(rejected(queries)).union(rejected(judgements));
  }

  /**
   * Rows read per input file (corpus.jsonl, queries.jsonl, qrels/&lt;split&gt;.tsv): non-blank lines,
   * without the qrels header.
   */
  public Map<String, Long> rowsIn() {
    return rowsIn;
  }

  /** Rows of {@link #quarantine()} per input file. */
  public Map<String, Long> rejectedIn() {
    return rejectedIn;
  }

  public List<String> splits() {
    return splits;
  }

  private static Dataset<Row> rejected(Dataset<Row> checked) {
    return checked.filter(col("reason").isNotNull()).select("file", "line", "reason", "raw");
  }

  private void requireSplit(String split) {
    if (!splits.contains(split)) {
      throw new IllegalArgumentException(
          "split '" + split + "' was not read; this input has splits " + String.join(", ", splits));
    }
  }

  @Override
  public void close() {
    documents.unpersist();
    queries.unpersist();
    judgements.unpersist();
  }
}
