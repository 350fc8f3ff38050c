package dev.magnitude.prepare.beir;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;

import dev.magnitude.prepare.io.RawInput;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A validated input folder (BEIR, or another layout validated by {@link BeirReader#validate}): the valid
 * rows per table and every rejected row. Holds cached Spark datasets; {@link #close()} releases them.
 */
public final class BeirInput implements RawInput {
  private final Dataset<Row> documents;
  private final Dataset<Row> queries;
  private final Dataset<Row> judgements;
  private final Files files;
  private final List<String> splits;
  private final Map<String, Long> rowsIn;
  private final Map<String, Long> rejectedIn;

  /**
   * The input files by role, relative to the folder: the documents' file, each split's queries file
   * (several splits may share one) and each split's qrels file, splits in order, training split first.
   */
  public record Files(String corpus, Map<String, String> queries, Map<String, String> qrels) {
    public Files {
      queries = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(queries));
      qrels = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(qrels));
      if (!queries.keySet().equals(qrels.keySet())) {
        throw new IllegalArgumentException("queries files for splits " + queries.keySet()
            + " but qrels files for splits " + qrels.keySet());
      }
    }

    public List<String> splits() {
      return List.copyOf(qrels.keySet());
    }

    /** Every file once: corpus, queries files, qrels files. */
    public List<String> all() {
      List<String> all = new ArrayList<>();
      all.add(corpus);
      queries.values().stream().filter(f -> !all.contains(f)).forEach(all::add);
      qrels.values().stream().filter(f -> !all.contains(f)).forEach(all::add);
      return all;
    }
  }

  BeirInput(
      Dataset<Row> documents,
      Dataset<Row> queries,
      Dataset<Row> judgements,
      Files files,
      Map<String, Long> rowsIn,
      Map<String, Long> rejectedIn) {
    this.documents = documents;
    this.queries = queries;
    this.judgements = judgements;
    this.files = files;
    this.splits = files.splits();
    this.rowsIn = Map.copyOf(rowsIn);
    this.rejectedIn = Map.copyOf(rejectedIn);
  }

  /** Valid documents: {@code id, text} (text = title + " " + text). */
  public Dataset<Row> documents() {
    return documents.filter(col("reason").isNull()).select("id", "text");
  }

  /**
   * Valid queries judged in at least one split: {@code id, text}. With one queries file per split, an id
   * found in several of them is here once per file.
   */
  public Dataset<Row> queries() {
    return queries.filter(col("reason").isNull()).select("id", "text");
  }

  /**
   * Queries with at least one valid judgement in {@code split}: {@code id, text}; with one queries file per
   * split, only the queries of that split's file.
   */
  public Dataset<Row> queries(String split) {
    requireSplit(split);
    Dataset<Row> judged = qrels(split).select(col("query_id").as("_judged"));
    return queries
        .filter(col("reason").isNull().and(col("split").isNull().or(col("split").equalTo(split))))
        .select("id", "text")
        .join(judged, col("id").equalTo(col("_judged")), "left_semi");
  }

  /**
   * The answers of {@link #queries(String) queries(split)}: {@code query_id, answer}, one row per distinct
   * answer of a query (trimmed). Empty unless the folder was read with answers required (format qa).
   */
  public Dataset<Row> answers(String split) {
    Dataset<Row> judged = queries(split).select(col("id").as("_judged"));
    return queries
        .filter(col("reason").isNull().and(col("answers").isNotNull())
            .and(col("split").isNull().or(col("split").equalTo(split))))
        .join(judged, col("id").equalTo(col("_judged")), "left_semi")
        .select(col("id").as("query_id"), explode(col("answers")).as("answer"));
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
  @Override
  public Dataset<Row> quarantine() {
    return rejected(documents).union(rejected(queries)).union(rejected(judgements));
  }

  /**
   * Rows read per input file ({@link #files()}; BEIR: corpus.jsonl, queries.jsonl, qrels/&lt;split&gt;.tsv):
   * non-blank lines, without a qrels header.
   */
  @Override
  public Map<String, Long> rowsIn() {
    return rowsIn;
  }

  /** Rows of {@link #quarantine()} per input file. */
  @Override
  public Map<String, Long> rejectedIn() {
    return rejectedIn;
  }

  public List<String> splits() {
    return splits;
  }

  /** The input files by role. */
  public Files files() {
    return files;
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
