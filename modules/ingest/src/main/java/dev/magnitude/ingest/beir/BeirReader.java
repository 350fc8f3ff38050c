package dev.magnitude.ingest.beir;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.createStructField;
import static org.apache.spark.sql.types.DataTypes.createStructType;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.magnitude.ingest.tokenize.BuiltinTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * Reads a BEIR folder ({@code corpus.jsonl}, {@code queries.jsonl}, {@code qrels/<split>.tsv}) with Spark
 * and validates every row. A bad row never stops the job: it is kept with its file, 1-based line number,
 * raw text and one of the {@link Reasons}, and ends up in the quarantine table.
 *
 * <p>Rules, applied in this order (a row gets the first reason that applies):
 *
 * <ol>
 *   <li>Rows are non-blank lines; blank lines are skipped and are not rows. Line numbers count every
 *       physical line. Line 1 of a qrels file is its header when its first field is {@code query-id}.
 *   <li>corpus/queries: {@link Reasons#INVALID_JSON}, {@link Reasons#MISSING_ID}, {@link
 *       Reasons#EMPTY_TEXT}, {@link Reasons#NO_WORDS}; then among the rows still valid, every row of an id
 *       but the first by line number is a {@link Reasons#DUPLICATE_ID}. A document's text is {@code title
 *       + " " + text}, or the one of them that is not blank.
 *   <li>qrels: {@link Reasons#MALFORMED_QRELS}, {@link Reasons#SCORE_NOT_INTEGER}, {@link
 *       Reasons#UNKNOWN_QUERY} (not a valid query), {@link Reasons#UNKNOWN_DOCUMENT} (not a valid
 *       document), then {@link Reasons#DUPLICATE_JUDGEMENT} for repeated (query, document) pairs of a file.
 *   <li>queries: a valid query no valid qrels row of the given splits judges is {@link
 *       Reasons#NO_JUDGEMENTS}.
 * </ol>
 *
 * <p>Lines are read with Hadoop's text input format ('\n', '\r' or "\r\n" line ends, UTF-8, compressed
 * files by extension), numbered with {@code zipWithIndex}, which follows the file's split order. Nothing
 * is collected on the driver but per-file row counts.
 */
public final class BeirReader {
  public static final String CORPUS = "corpus.jsonl";
  public static final String QUERIES = "queries.jsonl";
  /** Longer raw lines are cut to this many characters in the quarantine table. */
  public static final int MAX_RAW_CHARS = 100_000;

  // Every column is nullable, like the prepared tables written from them (see PreparedSchemas).

  /** Parsed corpus or query row; {@code reason} is null while the row is valid. */
  static final StructType RECORD =
      createStructType(
          List.of(
              createStructField("file", StringType, true),
              createStructField("line", LongType, true),
              createStructField("raw", StringType, true),
              createStructField("id", StringType, true),
              createStructField("text", StringType, true),
              createStructField("reason", StringType, true)));

  /** Parsed qrels row; {@code reason} is null while the row is valid. */
  static final StructType JUDGEMENT =
      createStructType(
          List.of(
              createStructField("file", StringType, true),
              createStructField("line", LongType, true),
              createStructField("raw", StringType, true),
              createStructField("split", StringType, true),
              createStructField("query_id", StringType, true),
              createStructField("doc_id", StringType, true),
              createStructField("relevance", IntegerType, true),
              createStructField("reason", StringType, true)));

  private final SparkSession spark;

  public BeirReader(SparkSession spark) {
    this.spark = spark;
  }

  /** Path of a split's qrels file relative to the BEIR folder. */
  public static String qrelsFile(String split) {
    return "qrels/" + split + ".tsv";
  }

  /**
   * Reads and validates the folder. The result caches its tables; close it when done.
   *
   * @param folderUri Hadoop URI (or local path) of the BEIR folder
   * @param splits the splits whose qrels to read
   * @throws IllegalArgumentException when a file is missing, or corpus.jsonl or queries.jsonl has no rows
   */
  public BeirInput read(String folderUri, List<String> splits) {
    String folder = folderUri.endsWith("/") ? folderUri.substring(0, folderUri.length() - 1) : folderUri;
    List<String> files = new ArrayList<>(List.of(CORPUS, QUERIES));
    splits.forEach(s -> files.add(qrelsFile(s)));
    requireFiles(folder, files, splits);

    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Dataset<Row> documents =
        withoutRawOfValid(withDuplicates(records(jsc, folder, CORPUS, true), "id", Reasons.DUPLICATE_ID)).persist();
    Dataset<Row> queriesChecked = withDuplicates(records(jsc, folder, QUERIES, false), "id", Reasons.DUPLICATE_ID);
    Dataset<Row> judgements =
        withoutRawOfValid(judgements(jsc, folder, splits, validIds(queriesChecked), validIds(documents))).persist();
    Dataset<Row> queries = withoutRawOfValid(withoutJudgements(queriesChecked, judgements)).persist();

    // One job: it fills the caches and counts rows and rejections per file.
    Map<String, Long> rowsIn = new LinkedHashMap<>();
    Map<String, Long> rejected = new LinkedHashMap<>();
    files.forEach(f -> {
      rowsIn.put(f, 0L);
      rejected.put(f, 0L);
    });
    Column isRejected = when(col("reason").isNotNull(), 1L).otherwise(0L);
    documents.select(col("file"), isRejected.as("rejected"))
        .union(queries.select(col("file"), isRejected.as("rejected")))
        .union(judgements.select(col("file"), isRejected.as("rejected")))
        .groupBy("file").agg(count("*"), sum("rejected")).collectAsList()
        .forEach(r -> {
          rowsIn.put(r.getString(0), r.getLong(1));
          rejected.put(r.getString(0), r.getLong(2));
        });
    BeirInput input = new BeirInput(documents, queries, judgements, splits, rowsIn, rejected);
    for (String file : List.of(CORPUS, QUERIES)) {
      if (rowsIn.get(file) == 0) {
        input.close();
        throw new IllegalArgumentException(
            file + " at " + folder + "/" + file + " is empty (no rows); a BEIR " + file
                + " holds one JSON object per line with \"_id\" and \"text\"");
      }
    }
    return input;
  }

  private void requireFiles(String folder, List<String> files, List<String> splits) {
    try {
      FileSystem fs = new Path(folder).getFileSystem(spark.sparkContext().hadoopConfiguration());
      for (String file : files) {
        Path path = new Path(folder + "/" + file);
        if (!fs.isFile(path)) {
          throw new IllegalArgumentException(
              file + " not found at " + path + "; a BEIR folder holds corpus.jsonl, queries.jsonl and "
                  + "qrels/<split>.tsv for each split prepared (" + String.join(", ", splits)
                  + "): add the file or drop the split from the dataset's splits");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list BEIR folder " + folder + ": " + e.getMessage(), e);
    }
  }

  private Dataset<Row> records(JavaSparkContext jsc, String folder, String file, boolean corpus) {
    JavaRDD<Row> rows = lines(jsc, folder, file).flatMap(new RecordParser(file, corpus));
    return spark.createDataFrame(rows, RECORD);
  }

  /**
   * The lines of one file with their 0-based index. One partition per Hadoop split (files larger than a
   * block are still read in parallel), so a small file needs no extra job to number its lines.
   */
  private static JavaPairRDD<String, Long> lines(JavaSparkContext jsc, String folder, String file) {
    return jsc.textFile(folder + "/" + file, 1).zipWithIndex();
  }

  private Dataset<Row> judgements(
      JavaSparkContext jsc, String folder, List<String> splits, Dataset<Row> queryIds, Dataset<Row> docIds) {
    List<JavaRDD<Row>> parts = new ArrayList<>();
    for (String split : splits) {
      String file = qrelsFile(split);
      parts.add(lines(jsc, folder, file).flatMap(new JudgementParser(file, split)));
    }
    @SuppressWarnings("unchecked")
    JavaRDD<Row> all = jsc.union(parts.toArray(new JavaRDD[0]));
    Dataset<Row> parsed = spark.createDataFrame(all, JUDGEMENT);

    Dataset<Row> known =
        parsed
            .join(queryIds.select(col("id").as("_known_query")), col("query_id").equalTo(col("_known_query")), "left")
            .join(docIds.select(col("id").as("_known_doc")), col("doc_id").equalTo(col("_known_doc")), "left");
    Column reason =
        when(col("reason").isNotNull(), col("reason"))
            .when(col("_known_query").isNull(), lit(Reasons.UNKNOWN_QUERY))
            .when(col("_known_doc").isNull(), lit(Reasons.UNKNOWN_DOCUMENT));
    Dataset<Row> checked = known.withColumn("reason", reason).drop("_known_query", "_known_doc");
    // Tab cannot occur inside a qrels field, so the pair key is unambiguous.
    Dataset<Row> pairs = checked.withColumn("_pair", concat_ws("\t", col("query_id"), col("doc_id")));
    return withDuplicates(pairs, "file", "_pair", Reasons.DUPLICATE_JUDGEMENT).drop("_pair");
  }

  /** Only quarantined rows need their raw line; dropping the others' halves what the cache holds. */
  private static Dataset<Row> withoutRawOfValid(Dataset<Row> checked) {
    return checked.withColumn("raw", when(col("reason").isNotNull(), col("raw")));
  }

  /** Valid ids of checked records. */
  private static Dataset<Row> validIds(Dataset<Row> checked) {
    return checked.filter(col("reason").isNull()).select("id");
  }

  /** Marks every valid row but the first (by line) of each key as {@code reason}. */
  private static Dataset<Row> withDuplicates(Dataset<Row> rows, String key, String reason) {
    return withDuplicates(rows, null, key, reason);
  }

  private static Dataset<Row> withDuplicates(Dataset<Row> rows, String group, String key, String reason) {
    Column valid = col("reason").isNull();
    WindowSpec byKey =
        group == null
            ? Window.partitionBy(col(key), valid).orderBy(col("line"))
            : Window.partitionBy(col(group), col(key), valid).orderBy(col("line"));
    return rows.withColumn("_rank", row_number().over(byKey))
        .withColumn("reason", when(valid.and(col("_rank").gt(1)), lit(reason)).otherwise(col("reason")))
        .drop("_rank");
  }

  /** Queries no valid judgement names become {@link Reasons#NO_JUDGEMENTS}. */
  private static Dataset<Row> withoutJudgements(Dataset<Row> queries, Dataset<Row> judgements) {
    Dataset<Row> judged =
        judgements.filter(col("reason").isNull()).select(col("query_id").as("_judged")).distinct();
    return queries
        .join(judged, col("id").equalTo(col("_judged")), "left")
        .withColumn(
            "reason",
            when(col("reason").isNull().and(col("_judged").isNull()), lit(Reasons.NO_JUDGEMENTS))
                .otherwise(col("reason")))
        .drop("_judged");
  }

  static String raw(String line) {
    if (line.length() <= MAX_RAW_CHARS) {
      return line;
    }
    return line.substring(0, MAX_RAW_CHARS) + "... [" + (line.length() - MAX_RAW_CHARS) + " more characters]";
  }

  /** The line without a leading byte-order mark (only line 1 can carry one). */
  private static String stripBom(String line, long number) {
    return number == 1 && line.startsWith("\uFEFF") ? line.substring(1) : line;
  }

  /** Parses corpus.jsonl or queries.jsonl lines. */
  static final class RecordParser implements FlatMapFunction<Tuple2<String, Long>, Row> {
    private static final long serialVersionUID = 1L;
    private final String file;
    private final boolean corpus;

    RecordParser(String file, boolean corpus) {
      this.file = file;
      this.corpus = corpus;
    }

    @Override
    public Iterator<Row> call(Tuple2<String, Long> indexed) {
      long number = indexed._2() + 1;
      String line = stripBom(indexed._1(), number);
      if (line.isBlank()) {
        return Collections.emptyIterator();
      }
      return List.of(parse(line, number)).iterator();
    }

    Row parse(String line, long number) {
      JsonNode node;
      try {
        node = Mapper.INSTANCE.readTree(line);
      } catch (IOException e) {
        return invalid(line, number, Reasons.INVALID_JSON);
      }
      if (node == null || !node.isObject()) {
        return invalid(line, number, Reasons.INVALID_JSON);
      }
      String id = idOf(node.get("_id"));
      if (id == null) {
        return invalid(line, number, Reasons.MISSING_ID);
      }
      String text = stringOf(node.get("text"));
      if (corpus) {
        String title = stringOf(node.get("title"));
        text = title.isBlank() ? text : text.isBlank() ? title : title + " " + text;
      }
      String reason = null;
      if (text.isBlank()) {
        reason = Reasons.EMPTY_TEXT;
      } else if (BuiltinTokenizer.words(text).isEmpty()) {
        reason = Reasons.NO_WORDS;
      }
      return RowFactory.create(file, number, raw(line), id, reason == null ? text : null, reason);
    }

    private Row invalid(String line, long number, String reason) {
      return RowFactory.create(file, number, raw(line), null, null, reason);
    }

    private static String idOf(JsonNode id) {
      if (id == null || !(id.isTextual() || id.isIntegralNumber())) {
        return null;
      }
      String s = id.asText();
      return s.isBlank() ? null : s;
    }

    private static String stringOf(JsonNode value) {
      return value == null || value.isNull() || !value.isValueNode() ? "" : value.asText();
    }
  }

  /** Parses qrels/&lt;split&gt;.tsv lines: {@code query-id<TAB>corpus-id<TAB>score}. */
  static final class JudgementParser implements FlatMapFunction<Tuple2<String, Long>, Row> {
    private static final long serialVersionUID = 1L;
    private final String file;
    private final String split;

    JudgementParser(String file, String split) {
      this.file = file;
      this.split = split;
    }

    @Override
    public Iterator<Row> call(Tuple2<String, Long> indexed) {
      long number = indexed._2() + 1;
      String line = stripBom(indexed._1(), number);
      if (line.isBlank() || (number == 1 && line.split("\t", -1)[0].trim().equalsIgnoreCase("query-id"))) {
        return Collections.emptyIterator();
      }
      return List.of(parse(line, number)).iterator();
    }

    Row parse(String line, long number) {
      String[] fields = line.split("\t", -1);
      if (fields.length != 3 || fields[0].isBlank() || fields[1].isBlank()) {
        return RowFactory.create(file, number, raw(line), split, null, null, null, Reasons.MALFORMED_QRELS);
      }
      String queryId = fields[0].trim();
      String docId = fields[1].trim();
      try {
        int score = Integer.parseInt(fields[2].trim());
        return RowFactory.create(file, number, raw(line), split, queryId, docId, score, null);
      } catch (NumberFormatException e) {
        return RowFactory.create(file, number, raw(line), split, queryId, docId, null, Reasons.SCORE_NOT_INTEGER);
      }
    }
  }

  /** One strict JSON mapper per JVM (driver and executors). */
  private static final class Mapper {
    static final ObjectMapper INSTANCE =
        JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
  }
}
