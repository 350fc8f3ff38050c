package dev.magnitude.prepare.images;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.magnitude.core.config.ImageSpec;
import dev.magnitude.prepare.beir.BeirReader;
import dev.magnitude.prepare.io.SerializableHadoopConf;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapred.TextInputFormat;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * Reads an image-caption set with Spark and validates every entry; a bad entry never stops the job: it is
 * kept with its file, line, raw text and one of the {@link ImageReasons}, and ends up in the quarantine table.
 * Each split has one input file, relative to the dataset folder ({@link #files}).
 *
 * <p>Format {@code coco}: the COCO captions JSON of a split ({@link ImageSpec#cocoAnnotations(String)}),
 * {@code {"images": [{"id", "file_name", ...}], "annotations": [{"id", "image_id", "caption"}], ...}}, with
 * the image files under {@link ImageSpec#cocoImages(String)}{@code /file_name}; ids are integers or strings,
 * other fields (width, height, info, licenses) are not read. The file is parsed by Jackson's streaming parser
 * inside one Spark task ({@link CocoParser}): neither the driver nor that task holds the whole file. Rows are
 * the entries of both arrays; line = the entry's 1-based index in its array, raw = {@code images[i] <entry
 * as compact JSON>} or {@code annotations[i] ...} with i the 0-based index ({@code jq '.images[i]'} prints
 * it). A file that is not JSON, not a top-level object, or whose images or annotations is not an array, is an
 * {@link IllegalArgumentException} naming the file: such a file has no entries to quarantine. Invalid UTF-8
 * makes a file unparseable.
 *
 * <p>Format {@code captions-jsonl}: the manifest of a split ({@link ImageSpec#manifest(String)}), one line
 * {@code {"image": "<path relative to the dataset folder>", "captions": ["...", ...], "id": "<optional>"}}
 * per image. The image id is {@code id}, else the normalized path; caption k (from 0) has id {@code <image
 * id>#<k>}. Rows: blank lines none; a line whose image is identified 1 + its captions (their raw: {@code
 * captions[k] <caption as JSON>}); any other line 1 (see {@link ManifestParser}).
 *
 * <p>Rules, in this order (an entry gets the first reason that applies):
 *
 * <ol>
 *   <li>Per entry: {@link ImageReasons#INVALID_UTF8}, {@link ImageReasons#INVALID_JSON}, {@link
 *       ImageReasons#CAPTIONS_NOT_A_LIST} (captions-jsonl lines); {@link ImageReasons#MISSING_ID}, {@link
 *       ImageReasons#MISSING_IMAGE_PATH}, {@link ImageReasons#PATH_OUTSIDE_FOLDER} (images); {@link
 *       ImageReasons#MISSING_ID}, {@link ImageReasons#EMPTY_TEXT}, {@link ImageReasons#NO_WORDS} (captions).
 *   <li>Images: among the images still valid, every image of an id but the first by line is a {@link
 *       ImageReasons#DUPLICATE_IMAGE_ID}, per file. Then the remaining files are read and decoded in Spark
 *       tasks ({@link ImageFiles}, {@link ImageDecoder}): {@link ImageReasons#IMAGE_NOT_FOUND}, {@link
 *       ImageReasons#PATH_OUTSIDE_FOLDER} (a link out of the folder), {@link ImageReasons#NOT_A_REGULAR_FILE},
 *       {@link ImageReasons#IMAGE_TOO_LARGE}, {@link ImageReasons#UNDECODABLE_IMAGE}.
 *   <li>Captions still valid: {@link ImageReasons#UNKNOWN_IMAGE} (coco: no image entry of the file has the
 *       image_id), {@link ImageReasons#IMAGE_QUARANTINED} (no such entry is valid; captions-jsonl: the line's
 *       image was quarantined), then {@link ImageReasons#DUPLICATE_CAPTION_ID} per file, the first by line
 *       kept.
 * </ol>
 *
 * <p>Every row read ends up either written (an image of {@link ImageCaptionInput#images}, a caption of {@link
 * ImageCaptionInput#captions}) or quarantined, so for every file rows in = images + captions + quarantined.
 * Nothing is collected on the driver but per-file counts (and the message of an unparseable coco file).
 */
public final class ImageCaptionReader {
  public static final String COCO = "coco";
  public static final String CAPTIONS_JSONL = "captions-jsonl";

  private final SparkSession spark;

  public ImageCaptionReader(SparkSession spark) {
    this.spark = spark;
  }

  /**
   * The input file of each split, relative to the dataset folder: the captions JSON (coco) or the manifest
   * (captions-jsonl), splits in order.
   *
   * @throws IllegalArgumentException for another format
   */
  public static List<String> files(String format, List<String> splits, ImageSpec spec) {
    boolean coco = isCoco(format);
    return splits.stream().map(s -> coco ? spec.cocoAnnotations(s) : spec.manifest(s)).toList();
  }

  /**
   * Reads and validates the splits' files and decodes their images. The result caches its tables; close it
   * when done.
   *
   * @param format {@link #COCO} or {@link #CAPTIONS_JSONL}
   * @param folderUri Hadoop URI (or local path) of the dataset folder
   * @throws IllegalArgumentException when a file is missing, a coco file cannot be parsed, or a file has no
   *     rows
   */
  public ImageCaptionInput read(String format, String folderUri, List<String> splits, ImageSpec spec) {
    boolean coco = isCoco(format);
    String folder = folderUri.endsWith("/") ? folderUri.substring(0, folderUri.length() - 1) : folderUri;
    List<String> files = files(format, splits, spec);
    if (new HashSet<>(files).size() != files.size()) {
      throw new IllegalArgumentException("splits " + splits + " share input files " + files
          + "; each split needs its own file ({split} in the file name)");
    }
    String layout = coco
        ? "a coco dataset holds " + spec.cocoAnnotations("{split}") + " and the images under "
            + spec.cocoImages("{split}")
        : "a captions-jsonl dataset holds " + spec.manifest("{split}") + " and the images it names";
    BeirReader.requireFiles(spark, folder, files, splits, layout);

    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<SerializableHadoopConf> conf =
        jsc.broadcast(new SerializableHadoopConf(spark.sparkContext().hadoopConfiguration()));
    JavaRDD<Row> parsed = coco ? cocoEntries(jsc, folder, splits, spec, conf) : manifestEntries(jsc, folder, splits, spec);
    Dataset<Row> entries = spark.createDataFrame(parsed, Entries.SCHEMA).persist();
    try {
      requireParseable(entries, folder);
      Map<String, String> fileBySplit = new LinkedHashMap<>();
      for (int i = 0; i < splits.size(); i++) {
        fileBySplit.put(splits.get(i), files.get(i));
      }
      ImageCaptionInput input = validate(entries, folder, spec.size(), conf, fileBySplit);
      requireRows(input, folder, coco
          ? "a COCO captions JSON holds {\"images\": [...], \"annotations\": [...]}"
          : "a manifest holds one line {\"image\": \"<path>\", \"captions\": [...]} per image");
      return input;
    } finally {
      // validate filled the caches that are built from the entries.
      entries.unpersist();
    }
  }

  private static boolean isCoco(String format) {
    if (COCO.equals(format)) {
      return true;
    }
    if (CAPTIONS_JSONL.equals(format)) {
      return false;
    }
    throw new IllegalArgumentException(
        "image-caption format \"" + format + "\" is unknown; use " + COCO + " or " + CAPTIONS_JSONL);
  }

  private static JavaRDD<Row> cocoEntries(
      JavaSparkContext jsc, String folder, List<String> splits, ImageSpec spec, Broadcast<SerializableHadoopConf> conf) {
    List<CocoParser.CocoFile> files = new ArrayList<>();
    splits.forEach(s -> files.add(new CocoParser.CocoFile(s, spec.cocoAnnotations(s), spec.cocoImages(s))));
    // One task per file: a JSON document cannot be split; the shuffles that follow spread its entries.
    return jsc.parallelize(files, files.size()).flatMap(new CocoParser(folder, conf));
  }

  private static JavaRDD<Row> manifestEntries(JavaSparkContext jsc, String folder, List<String> splits, ImageSpec spec) {
    List<JavaRDD<Row>> parts = new ArrayList<>();
    for (String split : splits) {
      String file = spec.manifest(split);
      parts.add(lineBytes(jsc, folder + "/" + file).flatMap(new ManifestParser(file, split)));
    }
    @SuppressWarnings("unchecked")
    JavaRDD<Row> all = jsc.union(parts.toArray(new JavaRDD[0]));
    return all;
  }

  /**
   * The lines of a file as bytes, with their 0-based index, as {@link BeirReader#lines} reads them but
   * undecoded, so invalid UTF-8 is seen ({@code textFile} would replace it with U+FFFD).
   */
  static JavaPairRDD<byte[], Long> lineBytes(JavaSparkContext jsc, String path) {
    // The record reader reuses its Text, so each line is copied before it is kept.
    return jsc.hadoopFile(path, TextInputFormat.class, LongWritable.class, Text.class, 1)
        .map(pair -> Arrays.copyOf(pair._2().getBytes(), pair._2().getLength()))
        .zipWithIndex();
  }

  /** Fails, naming the file and Jackson's message, when a coco file could not be parsed. */
  private static void requireParseable(Dataset<Row> entries, String folder) {
    // This small job also fills the entries' cache.
    List<Row> errors = entries.filter(col("kind").equalTo(Entries.ERROR)).select("file", "raw").collectAsList();
    if (!errors.isEmpty()) {
      Row first = errors.get(0);
      throw new IllegalArgumentException(
          first.getString(0) + " at " + folder + "/" + first.getString(0) + " is not a COCO captions JSON ("
              + first.getString(1) + "); expected {\"images\": [...], \"annotations\": [...]}");
    }
  }

  private ImageCaptionInput validate(
      Dataset<Row> entries, String folder, int size, Broadcast<SerializableHadoopConf> conf,
      Map<String, String> fileBySplit) {
    Dataset<Row> imageEntries =
        withDuplicates(entries.filter(col("kind").equalTo(Entries.IMAGE)), ImageReasons.DUPLICATE_IMAGE_ID);
    // An explicit partition count: adaptive execution would coalesce these small rows into few tasks, but
    // each one costs a file read and a decode.
    int partitions = Math.max(1, spark.sparkContext().defaultParallelism()) * 4;
    JavaRDD<Row> decodedRows =
        imageEntries.filter(col("reason").isNull()).repartition(partitions).javaRDD()
            .mapPartitions(new ImageFiles(folder, size, conf));
    Dataset<Row> rejectedBefore =
        imageEntries.filter(col("reason").isNotNull())
            .select(col("file"), col("split"), col("line"), col("raw"), col("id"), col("link"), col("path"),
                lit(null).cast("int").as("width"), lit(null).cast("int").as("height"),
                lit(null).cast("binary").as("png"), col("reason"));
    Dataset<Row> images =
        withoutRawOfValid(spark.createDataFrame(decodedRows, Entries.DECODED).union(rejectedBefore)).persist();

    // Captions meet the image entries they link to in one window per (file, link) rather than in a join:
    // Spark's runtime bloom filter for such a join puts megabytes into every task of the plans that follow.
    Dataset<Row> links =
        images.filter(col("link").isNotNull())
            .select(col("file"), col("link"), lit(1).as("_image"),
                when(col("reason").isNull(), 1).otherwise(0).as("_valid"));
    WindowSpec byLink = Window.partitionBy(col("file"), col("link"));
    Column reason =
        when(col("reason").isNotNull(), col("reason"))
            .when(col("_images").equalTo(0), lit(ImageReasons.UNKNOWN_IMAGE))
            .when(col("_valid_images").equalTo(0), lit(ImageReasons.IMAGE_QUARANTINED));
    Dataset<Row> linked =
        entries.filter(col("kind").equalTo(Entries.CAPTION))
            .withColumn("_image", lit(0)).withColumn("_valid", lit(0))
            .unionByName(links, true)
            .withColumn("_images", sum("_image").over(byLink))
            .withColumn("_valid_images", max("_valid").over(byLink))
            .filter(col("_image").equalTo(0))
            .withColumn("reason", reason)
            .drop("_image", "_valid", "_images", "_valid_images");
    Dataset<Row> captions =
        withoutRawOfValid(withDuplicates(linked, ImageReasons.DUPLICATE_CAPTION_ID))
            .select("file", "split", "line", "raw", "id", "image_id", "text", "reason")
            .persist();

    // One job: it fills both caches and counts rows and rejections per file.
    Map<String, Long> rowsIn = new LinkedHashMap<>();
    Map<String, Long> rejected = new LinkedHashMap<>();
    fileBySplit.values().forEach(f -> {
      rowsIn.put(f, 0L);
      rejected.put(f, 0L);
    });
    Column isRejected = when(col("reason").isNotNull(), 1L).otherwise(0L);
    images.select(col("file"), isRejected.as("rejected"))
        .union(captions.select(col("file"), isRejected.as("rejected")))
        .groupBy("file").agg(count("*"), sum("rejected")).collectAsList()
        .forEach(r -> {
          rowsIn.put(r.getString(0), r.getLong(1));
          rejected.put(r.getString(0), r.getLong(2));
        });
    return new ImageCaptionInput(images, captions, fileBySplit, rowsIn, rejected);
  }

  /** Fails (closing {@code input}) when a file has no rows. */
  private static void requireRows(ImageCaptionInput input, String folder, String hint) {
    for (Map.Entry<String, Long> file : input.rowsIn().entrySet()) {
      if (file.getValue() == 0) {
        input.close();
        throw new IllegalArgumentException(
            file.getKey() + " at " + folder + "/" + file.getKey() + " is empty (no rows); " + hint);
      }
    }
  }

  /** Marks every valid row but the first (by line) of each (file, id) as {@code reason}. */
  private static Dataset<Row> withDuplicates(Dataset<Row> rows, String reason) {
    Column valid = col("reason").isNull();
    return rows.withColumn("_rank", row_number().over(Window.partitionBy(col("file"), col("id"), valid).orderBy("line")))
        .withColumn("reason", when(valid.and(col("_rank").gt(1)), lit(reason)).otherwise(col("reason")))
        .drop("_rank");
  }

  /** Only quarantined rows need their raw text. */
  private static Dataset<Row> withoutRawOfValid(Dataset<Row> checked) {
    return checked.withColumn("raw", when(col("reason").isNotNull(), col("raw")));
  }
}
