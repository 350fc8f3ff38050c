package dev.magnitude.prepare.msmarco;

import dev.magnitude.prepare.beir.BeirInput;
import dev.magnitude.prepare.beir.BeirReader;
import dev.magnitude.prepare.beir.LineParser;
import dev.magnitude.prepare.beir.Reasons;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Reads an MS MARCO passage folder with Spark and validates every row under the same rules as {@link
 * BeirReader} (the same {@link Reasons}, applied by {@link BeirReader#record}, {@link BeirReader#judgement}
 * and {@link BeirReader#validate}), giving the same {@link BeirInput}:
 *
 * <pre>
 * collection.tsv          pid&lt;TAB&gt;passage, no header
 * queries.&lt;split&gt;.tsv     qid&lt;TAB&gt;query, no header, one file per split (queries.train.tsv, queries.dev.tsv)
 * qrels.&lt;split&gt;.tsv       qid 0 pid rel, TREC style: four fields separated by tabs or spaces, no header
 * </pre>
 *
 * <p>Rules that differ from BEIR's only in syntax: the id is the text before the first tab, trimmed, and
 * the text is everything after it ({@link Reasons#MISSING_ID} when the id is blank, {@link
 * Reasons#EMPTY_TEXT} when there is no tab or nothing after it); a qrels row that is not four fields is
 * {@link Reasons#MALFORMED_QRELS} (the second field, TREC's iteration, is not read). A query belongs to
 * the split of its file: the qrels of that split alone may judge it, so a query no row of its split's
 * qrels judges is {@link Reasons#NO_JUDGEMENTS}, and a qrels row naming a query of another split's file is
 * {@link Reasons#UNKNOWN_QUERY}. Duplicate ids are looked for within each file. A line of any file whose
 * bytes are not UTF-8 is {@link Reasons#INVALID_UTF8}.
 */
public final class MsMarcoReader {
  public static final String COLLECTION = "collection.tsv";

  private final SparkSession spark;

  public MsMarcoReader(SparkSession spark) {
    this.spark = spark;
  }

  /** The queries file of a split, relative to the folder. */
  public static String queriesFile(String split) {
    return "queries." + split + ".tsv";
  }

  /** The qrels file of a split, relative to the folder. */
  public static String qrelsFile(String split) {
    return "qrels." + split + ".tsv";
  }

  /** The input files for {@code splits}, relative to the folder. */
  public static List<String> files(List<String> splits) {
    return inputFiles(splits).all();
  }

  private static BeirInput.Files inputFiles(List<String> splits) {
    Map<String, String> queries = new LinkedHashMap<>();
    Map<String, String> qrels = new LinkedHashMap<>();
    splits.forEach(s -> {
      queries.put(s, queriesFile(s));
      qrels.put(s, qrelsFile(s));
    });
    return new BeirInput.Files(COLLECTION, queries, qrels);
  }

  /**
   * Reads and validates the folder. The result caches its tables; close it when done.
   *
   * @param folderUri Hadoop URI (or local path) of the MS MARCO folder
   * @param splits the splits whose queries and qrels to read
   * @throws IllegalArgumentException when a file is missing, or collection.tsv or a queries file has no rows
   */
  public BeirInput read(String folderUri, List<String> splits) {
    String folder = folderUri.endsWith("/") ? folderUri.substring(0, folderUri.length() - 1) : folderUri;
    BeirInput.Files files = inputFiles(splits);
    BeirReader.requireFiles(spark, folder, files.all(), splits,
        "an MS MARCO passage folder holds collection.tsv, queries.<split>.tsv and qrels.<split>.tsv");

    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Dataset<Row> corpus =
        spark.createDataFrame(
            BeirReader.lines(jsc, folder, COLLECTION).flatMap(new RecordParser(COLLECTION, null)), BeirReader.RECORD);
    List<JavaRDD<Row>> queryParts = new ArrayList<>();
    List<JavaRDD<Row>> qrelsParts = new ArrayList<>();
    for (String split : splits) {
      queryParts.add(BeirReader.lines(jsc, folder, queriesFile(split)).flatMap(new RecordParser(queriesFile(split), split)));
      qrelsParts.add(BeirReader.lines(jsc, folder, qrelsFile(split)).flatMap(new JudgementParser(qrelsFile(split), split)));
    }
    BeirInput input =
        BeirReader.validate(
            spark,
            corpus,
            spark.createDataFrame(union(jsc, queryParts), BeirReader.RECORD),
            spark.createDataFrame(union(jsc, qrelsParts), BeirReader.JUDGEMENT),
            files);
    BeirReader.requireRows(input, folder, COLLECTION, "an MS MARCO collection.tsv holds one pid<TAB>passage per line");
    for (String split : splits) {
      BeirReader.requireRows(input, folder, queriesFile(split), "an MS MARCO queries file holds one qid<TAB>query per line");
    }
    return input;
  }

  @SuppressWarnings("unchecked")
  private static JavaRDD<Row> union(JavaSparkContext jsc, List<JavaRDD<Row>> parts) {
    return jsc.union(parts.toArray(new JavaRDD[0]));
  }

  /** Parses {@code id<TAB>text} lines of collection.tsv or a queries file. */
  static final class RecordParser extends LineParser {
    private static final long serialVersionUID = 1L;
    private final String file;
    private final String split;

    /** @param split the split of a queries file; null for the collection */
    RecordParser(String file, String split) {
      this.file = file;
      this.split = split;
    }

    @Override
    public Row reject(String line, long number, String reason) {
      return BeirReader.rejectedRecord(file, number, line, reason, split);
    }

    @Override
    public Row parse(String line, long number) {
      int tab = line.indexOf('\t');
      String id = (tab < 0 ? line : line.substring(0, tab)).trim();
      String text = tab < 0 ? null : line.substring(tab + 1);
      return BeirReader.record(file, number, line, id, text, split);
    }
  }

  /** Parses TREC-style qrels lines: {@code qid iteration pid rel}, separated by tabs or spaces. */
  static final class JudgementParser extends LineParser {
    private static final long serialVersionUID = 1L;
    private static final Pattern FIELDS = Pattern.compile("[ \t]+");
    private final String file;
    private final String split;

    JudgementParser(String file, String split) {
      this.file = file;
      this.split = split;
    }

    @Override
    public Row reject(String line, long number, String reason) {
      return BeirReader.rejectedJudgement(file, number, line, split, reason);
    }

    @Override
    public Row parse(String line, long number) {
      String[] fields = FIELDS.split(line.strip());
      if (fields.length != 4) {
        return BeirReader.malformedJudgement(file, number, line, split);
      }
      return BeirReader.judgement(file, number, line, split, fields[0], fields[2], fields[3]);
    }
  }
}
