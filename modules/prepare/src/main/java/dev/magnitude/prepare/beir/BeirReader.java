package dev.magnitude.prepare.beir;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.createArrayType;
import static org.apache.spark.sql.types.DataTypes.createStructField;
import static org.apache.spark.sql.types.DataTypes.createStructType;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.magnitude.prepare.io.DatasetFiles;
import dev.magnitude.prepare.io.RawInput;
import dev.magnitude.prepare.io.RowCounts;
import dev.magnitude.prepare.io.StrictJson;
import dev.magnitude.prepare.io.TextLines;
import dev.magnitude.prepare.tokenize.BuiltinTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

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
 *       Every file: a line whose bytes are not UTF-8 is {@link Reasons#INVALID_UTF8}.
 *   <li>corpus/queries: {@link Reasons#INVALID_JSON}, {@link Reasons#MISSING_ID}, {@link
 *       Reasons#EMPTY_TEXT}, {@link Reasons#NO_WORDS}, with answers required (format qa, {@link
 *       dev.magnitude.prepare.qa.QaReader}) queries {@link Reasons#MISSING_ANSWERS}; then among the rows
 *       still valid, every row of an id but the first by line number is a {@link Reasons#DUPLICATE_ID}. A
 *       document's text is {@code title + " " + text}, or the one of them that is not blank.
 *   <li>qrels: {@link Reasons#MALFORMED_QRELS}, {@link Reasons#SCORE_NOT_INTEGER}, {@link
 *       Reasons#UNKNOWN_QUERY} (not a valid query), {@link Reasons#UNKNOWN_DOCUMENT} (not a valid
 *       document), then {@link Reasons#DUPLICATE_JUDGEMENT} for repeated (query, document) pairs of a file.
 *   <li>queries: a valid query no valid qrels row of the given splits judges is {@link
 *       Reasons#NO_JUDGEMENTS}.
 * </ol>
 *
 * <p>The same rules serve other formats: a reader of another layout (MS MARCO) parses its lines with {@link
 * #record} and {@link #judgement} into {@link #RECORD} and {@link #JUDGEMENT} rows and hands them to {@link
 * #validate}. Queries may then carry the split they belong to (one queries file per split): such a query
 * is known only to, and judged only by, the qrels of its split.
 *
 * <p>Lines are read by {@link TextLines#read} (Hadoop's text input format: '\n', '\r' or "\r\n" line
 * ends, compressed files by extension; UTF-8 checked), numbered with {@code zipWithIndex}, which follows the
 * file's split order. Nothing is collected on the driver but per-file row counts.
 */
public final class BeirReader {
  public static final String CORPUS = "corpus.jsonl";
  public static final String QUERIES = "queries.jsonl";
  /** Longer raw lines are cut to this many characters in the quarantine table. */
  public static final int MAX_RAW_CHARS = 100_000;

  // Every column is nullable, like the prepared tables written from them (see PreparedSchemas).

  /**
   * Parsed corpus or query row; {@code reason} is null while the row is valid; {@code split} is null but for
   * queries read from a per-split file; {@code answers} (distinct, trimmed) is null but for valid queries read
   * with answers required (format qa).
   */
  public static final StructType RECORD =
      createStructType(
          List.of(
              createStructField("file", StringType, true),
              createStructField("line", LongType, true),
              createStructField("raw", StringType, true),
              createStructField("id", StringType, true),
              createStructField("text", StringType, true),
              createStructField("reason", StringType, true),
              createStructField("split", StringType, true),
              createStructField("answers", createArrayType(StringType, true), true)));

  /** Parsed qrels row; {@code reason} is null while the row is valid. */
  public static final StructType JUDGEMENT =
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
    return read(folderUri, splits, false);
  }

  /**
   * Reads and validates the folder, the queries with or without answers. The result caches its tables;
   * close it when done.
   *
   * @param folderUri Hadoop URI (or local path) of the BEIR folder
   * @param splits the splits whose qrels to read
   * @param withAnswers whether every query must carry {@code "answers"}, a non-empty list of non-blank strings
   *     (format qa; else {@link Reasons#MISSING_ANSWERS}); the answers are then in {@link BeirInput#answers}
   * @throws IllegalArgumentException when a file is missing, or corpus.jsonl or queries.jsonl has no rows
   */
  public BeirInput read(String folderUri, List<String> splits, boolean withAnswers) {
    String folder = folderUri.endsWith("/") ? folderUri.substring(0, folderUri.length() - 1) : folderUri;
    requireFiles(spark, folder, files(splits), splits,
        withAnswers
            ? "a QA folder holds corpus.jsonl, queries.jsonl (with \"answers\") and qrels/<split>.tsv"
            : "a BEIR folder holds corpus.jsonl, queries.jsonl and qrels/<split>.tsv");

    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Dataset<Row> corpus =
        spark.createDataFrame(lines(jsc, folder, CORPUS).flatMap(new RecordParser(CORPUS, true, false)), RECORD);
    Dataset<Row> queries = spark.createDataFrame(
        lines(jsc, folder, QUERIES).flatMap(new RecordParser(QUERIES, false, withAnswers)), RECORD);
    List<JavaRDD<Row>> parts = new ArrayList<>();
    for (String split : splits) {
      String file = qrelsFile(split);
      parts.add(lines(jsc, folder, file).flatMap(new JudgementParser(file, split)));
    }
    @SuppressWarnings("unchecked")
    JavaRDD<Row> all = jsc.union(parts.toArray(new JavaRDD[0]));
    Map<String, String> queryFiles = new LinkedHashMap<>();
    Map<String, String> qrelsFiles = new LinkedHashMap<>();
    splits.forEach(s -> {
      queryFiles.put(s, QUERIES);
      qrelsFiles.put(s, qrelsFile(s));
    });
    BeirInput input =
        validate(spark, corpus, queries, spark.createDataFrame(all, JUDGEMENT),
            new BeirInput.Files(CORPUS, queryFiles, qrelsFiles));
    String hint = "a BEIR %s holds one JSON object per line with \"_id\" and \"text\""
        + (withAnswers ? " (QA queries also \"answers\")" : "");
    requireRows(input, folder, CORPUS, String.format(hint, CORPUS));
    requireRows(input, folder, QUERIES, String.format(hint, QUERIES));
    return input;
  }

  /** The input files of a BEIR folder for {@code splits}, relative to the folder. */
  public static List<String> files(List<String> splits) {
    List<String> files = new ArrayList<>(List.of(CORPUS, QUERIES));
    splits.forEach(s -> files.add(qrelsFile(s)));
    return files;
  }

  /**
   * Applies the cross-row rules to parsed rows and counts rows per file, in one Spark job; the per-row rules
   * ({@link #record}, {@link #judgement}) were applied by the parsers. Duplicate ids are looked for within
   * each file, duplicate judgements within each qrels file; a query with a split is known to, and judged
   * by, that split's qrels only, a query without one by every split's.
   *
   * @param corpus {@link #RECORD} rows of the documents
   * @param queries {@link #RECORD} rows of the queries
   * @param judgements {@link #JUDGEMENT} rows of every split's qrels
   * @param files the input files by role, relative to the folder; every one is counted, read or not
   * @return the validated input; it caches its tables, close it when done
   */
  public static BeirInput validate(
      SparkSession spark, Dataset<Row> corpus, Dataset<Row> queries, Dataset<Row> judgements, BeirInput.Files files) {
    Dataset<Row> documents = withoutRawOfValid(withDuplicates(corpus, "file", "id", Reasons.DUPLICATE_ID)).persist();
    Dataset<Row> queriesChecked = withDuplicates(queries, "file", "id", Reasons.DUPLICATE_ID);
    Dataset<Row> judgementsChecked =
        withoutRawOfValid(checkJudgements(judgements, queriesChecked, validIds(documents))).persist();
    Dataset<Row> queriesJudged = withoutRawOfValid(withoutJudgements(queriesChecked, judgementsChecked)).persist();

    // One job: it fills the caches and counts rows and rejections per file.
    RowCounts counts = RowCounts.of(
        documents.select("file", "reason")
            .union(queriesJudged.select("file", "reason"))
            .union(judgementsChecked.select("file", "reason")),
        files.all());
    return new BeirInput(documents, queriesJudged, judgementsChecked, files, counts.rowsIn(), counts.rejectedIn());
  }

  /**
   * Fails (closing {@code input}) when {@code file} has no rows.
   *
   * @param hint what the file should hold, for the message
   */
  public static void requireRows(RawInput input, String folder, String file, String hint) {
    if (input.rowsIn().getOrDefault(file, 0L) == 0) {
      input.close();
      throw new IllegalArgumentException(file + " at " + folder + "/" + file + " is empty (no rows); " + hint);
    }
  }

  /**
   * Fails when a file is missing, or is not a regular file inside the dataset folder once links are resolved
   * ({@link DatasetFiles#requireFiles}).
   *
   * @param layout what the folder holds, for the message, e.g. "a BEIR folder holds corpus.jsonl, ..."
   */
  public static void requireFiles(SparkSession spark, String folder, List<String> files, List<String> splits, String layout) {
    try {
      FileSystem fs = new Path(folder).getFileSystem(spark.sparkContext().hadoopConfiguration());
      DatasetFiles.requireFiles(fs, folder, files, splits, layout);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list folder " + folder + ": " + e.getMessage(), e);
    }
  }

  /**
   * The lines of one file with their 0-based index, UTF-8 checked ({@link TextLines#read}). One partition per
   * Hadoop split (files larger than a block are still read in parallel), so a small file needs no extra job
   * to number its lines.
   */
  public static JavaPairRDD<TextLines.Line, Long> lines(JavaSparkContext jsc, String folder, String file) {
    return TextLines.read(jsc, folder + "/" + file);
  }

  /** Unknown queries and documents, then duplicate judgements, among judgements valid so far. */
  private static Dataset<Row> checkJudgements(Dataset<Row> parsed, Dataset<Row> queriesChecked, Dataset<Row> docIds) {
    Dataset<Row> validQueries = queriesChecked.filter(col("reason").isNull());
    // Known query: a valid query without a split (once per id) or a valid query of the judgement's split.
    Dataset<Row> anySplit =
        validQueries.filter(col("split").isNull()).select(col("id").as("_any_query")).distinct();
    Dataset<Row> ofSplit =
        validQueries.filter(col("split").isNotNull())
            .select(col("id").as("_split_query"), col("split").as("_query_split")).distinct();
    Dataset<Row> known =
        parsed
            .join(anySplit, col("query_id").equalTo(col("_any_query")), "left")
            .join(ofSplit, col("query_id").equalTo(col("_split_query")).and(col("split").equalTo(col("_query_split"))), "left")
            .join(docIds.select(col("id").as("_known_doc")), col("doc_id").equalTo(col("_known_doc")), "left");
    Column reason =
        when(col("reason").isNotNull(), col("reason"))
            .when(col("_any_query").isNull().and(col("_split_query").isNull()), lit(Reasons.UNKNOWN_QUERY))
            .when(col("_known_doc").isNull(), lit(Reasons.UNKNOWN_DOCUMENT));
    Dataset<Row> checked =
        known.withColumn("reason", reason).drop("_any_query", "_split_query", "_query_split", "_known_doc");
    // Tab cannot occur inside a qrels field, so the pair key is unambiguous.
    Dataset<Row> pairs = checked.withColumn("_pair", concat_ws("\t", col("query_id"), col("doc_id")));
    return withDuplicates(pairs, "file", "_pair", Reasons.DUPLICATE_JUDGEMENT).drop("_pair");
  }

  /** Only quarantined rows need their raw line; dropping the others' halves what the cache holds. */
  public static Dataset<Row> withoutRawOfValid(Dataset<Row> checked) {
    return checked.withColumn("raw", when(col("reason").isNotNull(), col("raw")));
  }

  /** Valid ids of checked records. */
  private static Dataset<Row> validIds(Dataset<Row> checked) {
    return checked.filter(col("reason").isNull()).select("id");
  }

  /** Marks every valid row but the first (by line) of each key of a group as {@code reason}. */
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

  /**
   * Queries no valid judgement names become {@link Reasons#NO_JUDGEMENTS}: for a query with a split, no
   * judgement of its split.
   */
  private static Dataset<Row> withoutJudgements(Dataset<Row> queries, Dataset<Row> judgements) {
    Dataset<Row> valid = judgements.filter(col("reason").isNull());
    Dataset<Row> judgedAny = valid.select(col("query_id").as("_judged_any")).distinct();
    Dataset<Row> judgedIn =
        valid.select(col("query_id").as("_judged_in"), col("split").as("_judged_split")).distinct();
    Column judged =
        when(col("split").isNull(), col("_judged_any").isNotNull()).otherwise(col("_judged_in").isNotNull());
    return queries
        .join(judgedAny, col("id").equalTo(col("_judged_any")), "left")
        .join(judgedIn, col("id").equalTo(col("_judged_in")).and(col("split").equalTo(col("_judged_split"))), "left")
        .withColumn("reason", when(col("reason").isNull().and(not(judged)), lit(Reasons.NO_JUDGEMENTS))
            .otherwise(col("reason")))
        .drop("_judged_any", "_judged_in", "_judged_split");
  }

  /**
   * A corpus or query row under the per-row rules: {@link Reasons#MISSING_ID} (null or blank id), {@link
   * Reasons#EMPTY_TEXT}, {@link Reasons#NO_WORDS}. Id and text are taken as given.
   *
   * @param rawLine the line as read (cut by {@link #raw})
   * @param split the query's split when its file holds one split's queries, else null
   */
  public static Row record(String file, long line, String rawLine, String id, String text, String split) {
    return record(file, line, rawLine, id, text, split, false);
  }

  /**
   * {@link #record}, told whether the text is known to be ASCII: then {@link BuiltinTokenizer#hasAsciiWord}
   * answers {@link BuiltinTokenizer#hasWord} without checking the whole text again.
   */
  private static Row record(
      String file, long line, String rawLine, String id, String text, String split, boolean asciiText) {
    if (id == null || id.isBlank()) {
      return rejectedRecord(file, line, rawLine, Reasons.MISSING_ID, split);
    }
    String reason = null;
    if (text == null || text.isBlank()) {
      reason = Reasons.EMPTY_TEXT;
    } else if (!(asciiText ? BuiltinTokenizer.hasAsciiWord(text) : BuiltinTokenizer.hasWord(text))) {
      reason = Reasons.NO_WORDS;
    }
    return RowFactory.create(file, line, raw(rawLine), id, reason == null ? text : null, reason, split, null);
  }

  /** A {@link #RECORD} row rejected before its fields were read, e.g. {@link Reasons#INVALID_UTF8}. */
  public static Row rejectedRecord(String file, long line, String rawLine, String reason, String split) {
    return RowFactory.create(file, line, raw(rawLine), null, null, reason, split, null);
  }

  /**
   * A qrels row under the per-row rules: {@link Reasons#MALFORMED_QRELS} when an id is null or blank, else
   * {@link Reasons#SCORE_NOT_INTEGER} when the score is not an integer. Ids and score are trimmed.
   */
  public static Row judgement(
      String file, long line, String rawLine, String split, String queryId, String docId, String score) {
    if (queryId == null || queryId.isBlank() || docId == null || docId.isBlank()) {
      return malformedJudgement(file, line, rawLine, split);
    }
    String q = queryId.trim();
    String d = docId.trim();
    try {
      return RowFactory.create(file, line, raw(rawLine), split, q, d, Integer.parseInt(score.trim()), null);
    } catch (NumberFormatException | NullPointerException e) {
      return RowFactory.create(file, line, raw(rawLine), split, q, d, null, Reasons.SCORE_NOT_INTEGER);
    }
  }

  /** A qrels row that does not have the layout's fields: {@link Reasons#MALFORMED_QRELS}. */
  public static Row malformedJudgement(String file, long line, String rawLine, String split) {
    return rejectedJudgement(file, line, rawLine, split, Reasons.MALFORMED_QRELS);
  }

  /** A {@link #JUDGEMENT} row rejected before its fields were read, e.g. {@link Reasons#INVALID_UTF8}. */
  public static Row rejectedJudgement(String file, long line, String rawLine, String split, String reason) {
    return RowFactory.create(file, line, raw(rawLine), split, null, null, null, reason);
  }

  /** The line as stored in the quarantine table: cut to {@link #MAX_RAW_CHARS} characters. */
  public static String raw(String line) {
    if (line.length() <= MAX_RAW_CHARS) {
      return line;
    }
    return line.substring(0, MAX_RAW_CHARS) + "... [" + (line.length() - MAX_RAW_CHARS) + " more characters]";
  }

  /** The line without a leading byte-order mark (only line 1 can carry one). */
  public static String stripBom(String line, long number) {
    return number == 1 && line.startsWith("\uFEFF") ? line.substring(1) : line;
  }

  /**
   * The parser of corpus.jsonl lines as {@link #read} uses it: {@link LineParser#parse} gives a {@link #RECORD}
   * row whose {@code text} (column 4) is the document text, or null when the row is rejected. For benchmarks.
   */
  public static LineParser corpusParser() {
    return new RecordParser(CORPUS, true, false);
  }

  /** Parses corpus.jsonl or queries.jsonl lines. */
  static final class RecordParser extends LineParser {
    private static final long serialVersionUID = 1L;
    private final String file;
    private final boolean corpus;
    private final boolean withAnswers;

    /** @param withAnswers whether a query must carry answers (format qa) */
    RecordParser(String file, boolean corpus, boolean withAnswers) {
      this.file = file;
      this.corpus = corpus;
      this.withAnswers = withAnswers;
    }

    @Override
    public Row reject(String line, long number, String reason) {
      return invalid(line, number, reason);
    }

    /**
     * {@link #parseScanned} when the line is one object of string members without escapes (nearly every line
     * of a real corpus), else {@link #parseFlat} when it is a flat object whose fields this parser reads are
     * strings, else {@link #parseTree}; all three give the same row for a line the cheaper one takes.
     */
    @Override
    public Row parse(String line, long number) {
      if (withAnswers) {
        return parseTree(line, number);
      }
      Row row = parseScanned(line, number);
      if (row == null) {
        row = parseFlat(line, number);
      }
      return row != null ? row : parseTree(line, number);
    }

    /**
     * The row of a line of the commonest shape, found without a JSON parser: one object whose members are all
     * {@code "name": "string"} (JSON whitespace between tokens), no string holding a backslash or a char below
     * U+0020, no name twice; null for any other line, which {@link #parseFlat} then reads. A member other than
     * {@code _id}, {@code title} and {@code text} may also be an empty object, as BEIR's {@code "metadata":
     * {}} (which {@link #parseFlat} leaves to the tree). For such a line the
     * text between a string's quotes is the string's value, so that the scan is whole-string searches: one
     * {@code indexOf('\\')} rules escapes out, and since no string then holds a quote, each string ends at
     * the next {@code '"'} ({@code indexOf}, a vectorized search on Latin-1 strings); the chars below U+0020
     * are looked for in the line's bytes sixteen at a time ({@link #charKinds}), and only a line holding one (a
     * tab between tokens) has its strings checked char by char. The row is {@link #parseFlat}'s: the same
     * rules, through {@link #record} and {@link #invalid}; the same pass tells whether the line is ASCII, which
     * spares {@link BuiltinTokenizer#hasWord} its own. The document text is {@code title + " " + text} of two
     * substrings: on Java 17 a StringBuilder of exact capacity appending the line's ranges measured slower
     * (about 60 against 45 ns a line). Package-private for the tests.
     */
    Row parseScanned(String line, long number) {
      int n = line.length();
      if (n >= MAX_FLAT_CHARS || line.indexOf('\\') >= 0) {
        return null;
      }
      int kinds = charKinds(line);
      boolean controls = (kinds & CONTROL) != 0;
      int i = skipWhitespace(line, 0);
      if (i == n || line.charAt(i) != '{') {
        return null;
      }
      i = skipWhitespace(line, i + 1);
      int idFrom = -1;
      int idTo = -1;
      int titleFrom = -1;
      int titleTo = -1;
      int textFrom = -1;
      int textTo = -1;
      boolean titleSeen = false;
      boolean others = false;
      if (i < n && line.charAt(i) == '}') {
        i++;
      } else {
        while (true) {
          if (i == n || line.charAt(i) != '"') {
            return null;
          }
          int nameFrom = i + 1;
          int nameTo = line.indexOf('"', nameFrom);
          if (nameTo < 0 || nameTo - nameFrom > MAX_SCANNED_NAME_CHARS) {
            return null;
          }
          i = skipWhitespace(line, nameTo + 1);
          if (i == n || line.charAt(i) != ':') {
            return null;
          }
          i = skipWhitespace(line, i + 1);
          int length = nameTo - nameFrom;
          boolean isId = length == 3 && line.startsWith("_id", nameFrom);
          boolean isText = !isId && length == 4 && line.startsWith("text", nameFrom);
          boolean isTitle = !isId && !isText && length == 5 && line.startsWith("title", nameFrom);
          int valueFrom = i + 1;
          int valueTo;
          if (i < n && line.charAt(i) == '"') {
            valueTo = line.indexOf('"', valueFrom);
            if (valueTo < 0 || controls && hasControl(line, valueFrom, valueTo)) {
              return null;
            }
          } else if (i < n && line.charAt(i) == '{' && !isId && !isText && !isTitle) {
            // An empty object, as BEIR's "metadata": {} (no row reads a member but _id, title and text).
            valueTo = skipWhitespace(line, valueFrom);
            if (valueTo == n || line.charAt(valueTo) != '}') {
              return null;
            }
          } else {
            return null;
          }
          if (controls && hasControl(line, nameFrom, nameTo)) {
            return null;
          }
          if (isId) {
            if (idFrom >= 0) {
              return null;
            }
            idFrom = valueFrom;
            idTo = valueTo;
          } else if (isText) {
            if (textFrom >= 0) {
              return null;
            }
            textFrom = valueFrom;
            textTo = valueTo;
          } else if (isTitle) {
            if (titleSeen) {
              return null;
            }
            titleSeen = true; // queries have no title, but a second one still makes the line invalid
            if (corpus) {
              titleFrom = valueFrom;
              titleTo = valueTo;
            }
          } else {
            if (others && namedBefore(line, nameFrom, nameTo)) {
              return null;
            }
            others = true;
          }
          i = skipWhitespace(line, valueTo + 1);
          if (i == n) {
            return null;
          }
          char c = line.charAt(i);
          if (c == '}') {
            i++;
            break;
          }
          if (c != ',') {
            return null;
          }
          i = skipWhitespace(line, i + 1);
        }
      }
      if (skipWhitespace(line, i) != n) {
        return null;
      }
      if (idFrom < 0 || isBlank(line, idFrom, idTo)) {
        return invalid(line, number, Reasons.MISSING_ID);
      }
      String id = line.substring(idFrom, idTo);
      // parseFlat's document text, from the line: title + " " + text, or the one that is not blank.
      String text = textFrom < 0 ? "" : line.substring(textFrom, textTo);
      if (titleFrom >= 0 && !isBlank(line, titleFrom, titleTo)) {
        String title = line.substring(titleFrom, titleTo);
        text = text.isBlank() ? title : title + " " + text;
      }
      return record(file, number, line, id, text, null, (kinds & NOT_ASCII) == 0);
    }

    /**
     * The row of a line that is one JSON object of scalar fields, no field name twice, with {@code _id},
     * {@code title} and {@code text} strings or absent, parsed by streaming its tokens (no tree: building
     * one costs more than reading the tokens); null for any other line, which {@link #parseTree} then
     * judges, so that every rule and reason stays that of the tree (invalid JSON, trailing tokens, duplicate
     * names, numeric ids, nested values, ...). Why the restriction: for strings the token's text is what
     * {@code asText()} of the tree gives, for the other kinds only the tree's formatting is the rule.
     */
    Row parseFlat(String line, long number) {
      if (line.length() >= MAX_FLAT_CHARS) {
        return null;
      }
      String id = null;
      String title = null;
      String text = null;
      String[] names = new String[4]; // the field names so far, without a list per line
      int fields = 0;
      try (JsonParser p = StrictJson.MAPPER.getFactory().createParser(line)) {
        if (p.nextToken() != JsonToken.START_OBJECT) {
          return null;
        }
        for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
          if (t != JsonToken.FIELD_NAME) {
            return null;
          }
          String name = p.currentName();
          for (int i = 0; i < fields; i++) {
            if (names[i].equals(name)) {
              return null;
            }
          }
          if (fields == names.length) {
            names = java.util.Arrays.copyOf(names, 2 * fields);
          }
          names[fields++] = name;
          JsonToken value = p.nextToken();
          if (value == null || value.isStructStart()) {
            return null;
          }
          boolean read = name.equals("_id") || name.equals("text") || (corpus && name.equals("title"));
          if (read) {
            if (value != JsonToken.VALUE_STRING) {
              return null;
            }
            switch (name) {
              case "_id" -> id = p.getText();
              case "text" -> text = p.getText();
              default -> title = p.getText();
            }
          }
        }
        if (p.nextToken() != null) {
          return null;
        }
      } catch (IOException e) {
        return null;
      }
      if (id == null || id.isBlank()) {
        return invalid(line, number, Reasons.MISSING_ID);
      }
      text = text == null ? "" : text;
      if (corpus) {
        title = title == null ? "" : title;
        text = title.isBlank() ? text : text.isBlank() ? title : title + " " + text;
      }
      return record(file, number, line, id, text, null);
    }

    /**
     * Longer lines go to the tree: a string field the flat parse skips is not checked against Jackson's
     * string length limit (20,000,000 chars), which would make the tree reject the line.
     */
    private static final int MAX_FLAT_CHARS = 1_000_000;

    /**
     * Longer names go to Jackson, whose limit on a name's length (50,000 chars) would make it reject the line;
     * no corpus has names this long.
     */
    private static final int MAX_SCANNED_NAME_CHARS = 1_000;

    /** The index of the first char at or after {@code i} that is not JSON whitespace, or the length. */
    private static int skipWhitespace(String line, int i) {
      int n = line.length();
      while (i < n) {
        char c = line.charAt(i);
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
          return i;
        }
        i++;
      }
      return n;
    }

    /** {@link #charKinds}: the line holds a char below U+0020. */
    static final int CONTROL = 1;
    /** {@link #charKinds}: the line holds a char of U+0080 or above. */
    static final int NOT_ASCII = 2;

    /**
     * Which of {@link #CONTROL} and {@link #NOT_ASCII} the line holds, in one pass over its ISO-8859-1 bytes
     * (for a Latin-1 string a plain copy), read as longs, eight bytes each. The bytes keep every char below
     * U+0100 and stand for each other char, or surrogate pair, by one {@code '?'}: so they hold a byte below
     * 0x20 exactly when the line holds such a char (a byte {@code b} below 0x20 is one where {@code b - 0x20}
     * borrows and {@code b}'s top bit is clear), and the line is ASCII when they are as many as its chars, none
     * is 0x80 or above, and none is a {@code '?'} or else the chars say so. Package-private for the tests.
     */
    static int charKinds(String line) {
      byte[] bytes = line.getBytes(StandardCharsets.ISO_8859_1);
      int n = bytes.length;
      long controls = 0;
      long all = 0;
      long questions = 0;
      int i = 0;
      for (; i + 16 <= n; i += 16) { // two longs a step: measured 15-20 % faster than one
        long x = (long) LONGS.get(bytes, i);
        long y = (long) LONGS.get(bytes, i + 8);
        controls |= ((x - SPACES) & ~x) | ((y - SPACES) & ~y);
        all |= x | y;
        long q = x ^ QUESTION_MARKS;
        long r = y ^ QUESTION_MARKS;
        questions |= ((q - ONES) & ~q) | ((r - ONES) & ~r);
      }
      for (; i < n; i++) {
        byte b = bytes[i];
        controls |= b >= 0 && b < 0x20 ? HIGH : 0;
        all |= b; // a byte of 0x80 or above is negative: every bit of the long is set
        questions |= b == '?' ? HIGH : 0;
      }
      boolean ascii = n == line.length() && (all & HIGH) == 0 && ((questions & HIGH) == 0 || isAscii(line));
      return ((controls & HIGH) != 0 ? CONTROL : 0) | (ascii ? 0 : NOT_ASCII);
    }

    /** Whether every char of the line is below U+0080, char by char (for lines holding a {@code '?'}). */
    private static boolean isAscii(String line) {
      for (int i = 0; i < line.length(); i++) {
        if (line.charAt(i) >= 0x80) {
          return false;
        }
      }
      return true;
    }

    /** Whether chars {@code from} to {@code to} (exclusive) of the line hold one below U+0020. */
    private static boolean hasControl(String line, int from, int to) {
      for (int i = from; i < to; i++) {
        if (line.charAt(i) < 0x20) {
          return true;
        }
      }
      return false;
    }

    /**
     * Whether a member before the one whose name is chars {@code nameFrom} to {@code nameTo} of the line has
     * the same name. Only for a line scanned so far by {@link #parseScanned}, whose members up to there are
     * {@code "name" : value ,} with a value that is a string without quotes or an empty object: so the walk
     * needs no checks.
     */
    private static boolean namedBefore(String line, int nameFrom, int nameTo) {
      int length = nameTo - nameFrom;
      int open = skipWhitespace(line, skipWhitespace(line, 0) + 1); // past '{'
      while (open + 1 < nameFrom) {
        int close = line.indexOf('"', open + 1);
        if (close - open - 1 == length && line.regionMatches(open + 1, line, nameFrom, length)) {
          return true;
        }
        int value = skipWhitespace(line, skipWhitespace(line, close + 1) + 1); // past ':'
        int end = line.charAt(value) == '"' ? line.indexOf('"', value + 1) : line.indexOf('}', value);
        open = skipWhitespace(line, skipWhitespace(line, end + 1) + 1); // past ','
      }
      return false;
    }

    /** {@link String#isBlank} of chars {@code from} to {@code to} of the line, without the substring. */
    private static boolean isBlank(String line, int from, int to) {
      // No supplementary code point is whitespace, nor is a surrogate: char by char is isBlank's rule.
      for (int i = from; i < to; i++) {
        if (!Character.isWhitespace(line.charAt(i))) {
          return false;
        }
      }
      return true;
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long SPACES = 0x2020202020202020L;
    private static final long QUESTION_MARKS = 0x3F3F3F3F3F3F3F3FL;
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGH = 0x8080808080808080L;

    /** The row of any line, from its Jackson tree. Package-private for the tests. */
    Row parseTree(String line, long number) {
      JsonNode node;
      try {
        node = StrictJson.MAPPER.readTree(line);
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
      Row record = record(file, number, line, id, text, null);
      if (!withAnswers || !record.isNullAt(5)) {
        return record;
      }
      List<String> answers = answersOf(node.get("answers"));
      return answers == null
          ? invalid(line, number, Reasons.MISSING_ANSWERS)
          : RowFactory.create(file, number, raw(line), id, text, null, null, CollectionConverters.asScala(answers).toSeq());
    }

    private Row invalid(String line, long number, String reason) {
      return rejectedRecord(file, number, line, reason, null);
    }

    /** The distinct trimmed answers, or null unless {@code answers} is a non-empty list of non-blank strings. */
    private static List<String> answersOf(JsonNode answers) {
      if (answers == null || !answers.isArray() || answers.isEmpty()) {
        return null;
      }
      LinkedHashSet<String> distinct = new LinkedHashSet<>();
      for (JsonNode answer : answers) {
        if (!answer.isTextual() || answer.asText().isBlank()) {
          return null;
        }
        distinct.add(answer.asText().strip());
      }
      return List.copyOf(distinct);
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
  static final class JudgementParser extends LineParser {
    private static final long serialVersionUID = 1L;
    private final String file;
    private final String split;

    JudgementParser(String file, String split) {
      this.file = file;
      this.split = split;
    }

    @Override
    public Row reject(String line, long number, String reason) {
      return rejectedJudgement(file, number, line, split, reason);
    }

    /** The header line {@code query-id<TAB>corpus-id<TAB>score}. */
    @Override
    protected boolean skip(String line, long number) {
      return number == 1 && line.split("\t", -1)[0].trim().equalsIgnoreCase("query-id");
    }

    @Override
    public Row parse(String line, long number) {
      String[] fields = line.split("\t", -1);
      if (fields.length != 3) {
        return malformedJudgement(file, number, line, split);
      }
      return judgement(file, number, line, split, fields[0], fields[1], fields[2]);
    }
  }
}
