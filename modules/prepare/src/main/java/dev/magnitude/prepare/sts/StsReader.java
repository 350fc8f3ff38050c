package dev.magnitude.prepare.sts;

import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.createStructField;
import static org.apache.spark.sql.types.DataTypes.createStructType;

import dev.magnitude.core.config.StsSpec;
import dev.magnitude.prepare.beir.BeirReader;
import dev.magnitude.prepare.beir.LineParser;
import dev.magnitude.prepare.beir.Reasons;
import dev.magnitude.prepare.io.RowCounts;
import dev.magnitude.prepare.io.TextLines;
import dev.magnitude.prepare.tokenize.BuiltinTokenizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * Reads an STS dataset (format {@code sts}: sentence pairs with a gold similarity score) with Spark and
 * validates every row. One delimited text file per split, named by {@link StsSpec#file(String)} relative to
 * the dataset folder; compressed files are read by extension ({@code train.tsv.gz} with {@code file =
 * "{split}.tsv.gz"}).
 *
 * <p>Layouts, set by {@link StsSpec}:
 *
 * <pre>
 * STS-B (the default: file = "{split}.tsv", delimiter tab, header = true)
 *   genre  filename  year  id  score  sentence1  sentence2      (header row; any other columns are ignored)
 *   main-captions  MSRvid  2012test  0001  5.000  A man is playing a flute.  A man plays the flute.
 * CSV (delimiter ",", header or not)
 *   "A man, a plan.","A plan, a man.",4.2                       (header = false: sentence1 = "0", ...)
 * </pre>
 *
 * <p>With {@code header = true} the first non-blank line names the columns (trimmed names, exact match);
 * {@code sentence1}, {@code sentence2} and {@code score} name them. With {@code header = false} they are
 * 0-based column indices. Fields are split by {@link StsFields}: tab-separated fields are literal; with
 * another delimiter, fields may be double-quoted with {@code ""} escapes, and a quoted field may not span
 * lines (a line is a row).
 *
 * <p>Rules, applied in this order (a row gets the first reason that applies; a bad row never stops the job,
 * it is quarantined with its file, line and raw text):
 *
 * <ol>
 *   <li>Rows are the non-blank lines but the header; line numbers count every physical line; a byte-order
 *       mark on line 1 is dropped.
 *   <li>{@link Reasons#INVALID_UTF8}: the line's bytes are not UTF-8.
 *   <li>{@link Reasons#MALFORMED_ROW}: fewer fields than the three columns need, or an unclosed or
 *       ill-closed quoted field. Extra fields are allowed.
 *   <li>{@link Reasons#EMPTY_TEXT}: either sentence blank; {@link Reasons#NO_WORDS}: either sentence holds no
 *       word (the builtin tokenizer's rule).
 *   <li>{@link Reasons#SCORE_NOT_A_NUMBER}: the score is not a decimal number (NaN and Infinity are not);
 *       {@link Reasons#SCORE_OUT_OF_RANGE}: below {@code score-min} or above {@code score-max}.
 * </ol>
 *
 * <p>A valid row is the pair {@code (id, text_a, text_b, score)}: id is its 1-based line number in its file
 * (as a string), the sentences are taken as given, the score as read. Pairs are not deduplicated.
 *
 * <p>File problems fail the read with an {@link IllegalArgumentException} that names the file: a missing
 * file, a file without a header row (empty or blank) when one is expected, a header row that is not UTF-8 or
 * lacks a named column (the message lists the columns found), a file without rows. Nothing is collected on
 * the driver but the header rows and per-file row counts.
 */
public final class StsReader {
  /** Parsed row; {@code reason} is null while the row is valid, {@code raw} null once it is validated. */
  static final StructType PAIR =
      createStructType(
          List.of(
              createStructField("file", StringType, true),
              createStructField("line", LongType, true),
              createStructField("raw", StringType, true),
              createStructField("split", StringType, true),
              createStructField("id", StringType, true),
              createStructField("text_a", StringType, true),
              createStructField("text_b", StringType, true),
              createStructField("score", DoubleType, true),
              createStructField("reason", StringType, true)));

  private final SparkSession spark;

  public StsReader(SparkSession spark) {
    this.spark = spark;
  }

  /** The input files for {@code splits}, relative to the dataset folder. */
  public static List<String> files(List<String> splits, StsSpec spec) {
    return splits.stream().map(spec::file).toList();
  }

  /**
   * Reads and validates one file per split. The result caches its table; close it when done.
   *
   * @param folderUri Hadoop URI (or local path) of the dataset folder
   * @param splits the splits to read
   * @param spec the files' layout
   * @throws IllegalArgumentException when a file is missing, has no header row or rows, or its header row
   *     lacks a named column
   */
  public StsInput read(String folderUri, List<String> splits, StsSpec spec) {
    String folder = folderUri.endsWith("/") ? folderUri.substring(0, folderUri.length() - 1) : folderUri;
    BeirReader.requireFiles(spark, folder, files(splits, spec), splits,
        "an STS folder holds one file per split named by sts.file = \"" + spec.file() + "\"");

    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Map<String, String> files = new LinkedHashMap<>();
    List<JavaRDD<Row>> parts = new ArrayList<>();
    for (String split : splits) {
      String file = spec.file(split);
      files.put(split, file);
      parts.add(BeirReader.lines(jsc, folder, file).flatMap(parser(folder, split, spec)));
    }
    @SuppressWarnings("unchecked")
    JavaRDD<Row> all = jsc.union(parts.toArray(new JavaRDD[0]));
    Dataset<Row> pairs = BeirReader.withoutRawOfValid(spark.createDataFrame(all, PAIR)).persist();
    // One job: it fills the cache and counts rows and rejections per file.
    StsInput input = new StsInput(pairs, files, RowCounts.of(pairs.select("file", "reason"), List.copyOf(files.values())));
    for (String file : files.values()) {
      BeirReader.requireRows(input, folder, file, spec.header()
          ? "an STS file holds a header row and then one sentence pair per line"
          : "an STS file holds one sentence pair per line");
    }
    return input;
  }

  /** The parser of one split's file; with a header, reads the header row on the driver to find the columns. */
  private PairParser parser(String folder, String split, StsSpec spec) {
    String file = spec.file(split);
    char delimiter = spec.delimiter().charAt(0);
    if (!spec.header()) {
      return new PairParser(file, split, delimiter, 0, Integer.parseInt(spec.sentence1()),
          Integer.parseInt(spec.sentence2()), Integer.parseInt(spec.score()), spec.scoreMin(), spec.scoreMax());
    }
    String path = folder + "/" + file;
    Tuple2<TextLines.Line, Long> header = TextLines.firstNonBlank(spark.sparkContext().hadoopConfiguration(), path);
    if (header == null) {
      throw new IllegalArgumentException(file + " at " + path
          + " is empty (no header row); an STS file with header = true starts with a row naming its columns");
    }
    long number = header._2();
    if (!header._1().utf8()) {
      throw new IllegalArgumentException(file + " at " + path + ": the header row (line " + number
          + ") is not valid UTF-8: " + header._1().text());
    }
    List<String> columns = StsFields.split(BeirReader.stripBom(header._1().text(), number), delimiter);
    if (columns == null) {
      throw new IllegalArgumentException(file + " at " + path + ": the header row (line " + number
          + ") has an unclosed or ill-closed quoted field: " + header._1().text());
    }
    columns = columns.stream().map(String::strip).toList();
    List<String> missing = new ArrayList<>();
    for (String[] named : new String[][] {
        {"sentence1", spec.sentence1()}, {"sentence2", spec.sentence2()}, {"score", spec.score()}}) {
      if (!columns.contains(named[1])) {
        missing.add("sts." + named[0] + " = \"" + named[1] + "\"");
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(file + " at " + path + ": the header row (line " + number
          + ") has no column " + String.join(", ", missing) + "; columns found: " + String.join(", ", columns)
          + " (delimiter \"" + spec.delimiter() + "\"); name columns of the header, or set header = false and "
          + "give 0-based column indices");
    }
    return new PairParser(file, split, delimiter, number, columns.indexOf(spec.sentence1()),
        columns.indexOf(spec.sentence2()), columns.indexOf(spec.score()), spec.scoreMin(), spec.scoreMax());
  }

  /** Parses the rows of one split's file into {@link #PAIR} rows. */
  static final class PairParser extends LineParser {
    private static final long serialVersionUID = 1L;
    /** A plain decimal number; Double.parseDouble alone would also take NaN, Infinity, hex and "1d". */
    private static final Pattern NUMBER = Pattern.compile("[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?");
    private final String file;
    private final String split;
    private final char delimiter;
    private final long headerLine;
    private final int sentence1;
    private final int sentence2;
    private final int score;
    private final double scoreMin;
    private final double scoreMax;

    /** @param headerLine the header row's 1-based line number, 0 when there is none */
    PairParser(String file, String split, char delimiter, long headerLine, int sentence1, int sentence2, int score,
        double scoreMin, double scoreMax) {
      this.file = file;
      this.split = split;
      this.delimiter = delimiter;
      this.headerLine = headerLine;
      this.sentence1 = sentence1;
      this.sentence2 = sentence2;
      this.score = score;
      this.scoreMin = scoreMin;
      this.scoreMax = scoreMax;
    }

    @Override
    protected boolean skip(String line, long number) {
      return number == headerLine;
    }

    @Override
    public Row parse(String line, long number) {
      List<String> fields = StsFields.split(line, delimiter);
      if (fields == null || fields.size() <= Math.max(score, Math.max(sentence1, sentence2))) {
        return reject(line, number, Reasons.MALFORMED_ROW);
      }
      String a = fields.get(sentence1);
      String b = fields.get(sentence2);
      if (a.isBlank() || b.isBlank()) {
        return reject(line, number, Reasons.EMPTY_TEXT);
      }
      if (!BuiltinTokenizer.hasWord(a) || !BuiltinTokenizer.hasWord(b)) {
        return reject(line, number, Reasons.NO_WORDS);
      }
      String s = fields.get(score).strip();
      double value = NUMBER.matcher(s).matches() ? Double.parseDouble(s) : Double.NaN;
      if (!Double.isFinite(value)) { // not a number, or too large for a double
        return reject(line, number, Reasons.SCORE_NOT_A_NUMBER);
      }
      if (value < scoreMin || value > scoreMax) {
        return reject(line, number, Reasons.SCORE_OUT_OF_RANGE);
      }
      return RowFactory.create(file, number, BeirReader.raw(line), split, Long.toString(number), a, b, value, null);
    }

    @Override
    public Row reject(String line, long number, String reason) {
      return RowFactory.create(file, number, BeirReader.raw(line), split, null, null, null, null, reason);
    }
  }
}
