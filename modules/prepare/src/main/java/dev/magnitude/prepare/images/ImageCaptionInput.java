package dev.magnitude.prepare.images;

import static org.apache.spark.sql.functions.col;

import dev.magnitude.prepare.io.RawInput;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A validated image-caption set ({@link ImageCaptionReader}): the valid images and captions per split and
 * every rejected row. Holds cached Spark datasets (the images with their PNG bytes); {@link #close()}
 * releases them.
 */
public final class ImageCaptionInput implements RawInput {
  private final Dataset<Row> images;
  private final Dataset<Row> captions;
  private final Map<String, String> fileBySplit;
  private final Map<String, Long> rowsIn;
  private final Map<String, Long> rejectedIn;

  /**
   * @param images {@link Entries#DECODED} rows, valid and rejected
   * @param captions caption rows (file, split, line, raw, id, image_id, text, reason), valid and rejected
   * @param fileBySplit the input file of each split, splits in order
   */
  ImageCaptionInput(
      Dataset<Row> images,
      Dataset<Row> captions,
      Map<String, String> fileBySplit,
      Map<String, Long> rowsIn,
      Map<String, Long> rejectedIn) {
    this.images = images;
    this.captions = captions;
    this.fileBySplit = Collections.unmodifiableMap(new LinkedHashMap<>(fileBySplit));
    this.rowsIn = Map.copyOf(rowsIn);
    this.rejectedIn = Map.copyOf(rejectedIn);
  }

  /**
   * Valid images of {@code split}, with the columns of {@link dev.magnitude.prepare.io.PreparedSchemas#IMAGES}:
   * id, file (the image's path relative to the dataset folder, normalized), width and height (both the
   * configured size), png (RGB PNG bytes).
   */
  public Dataset<Row> images(String split) {
    requireSplit(split);
    return images.filter(col("reason").isNull().and(col("split").equalTo(split)))
        .select(col("id"), col("path").as("file"), col("width"), col("height"), col("png"));
  }

  /**
   * Valid captions of {@code split}, each of a valid image of the split: id, image_id, text (the columns of
   * {@link dev.magnitude.prepare.io.PreparedSchemas#CAPTIONS} but token_ids, which the prepare job adds).
   */
  public Dataset<Row> captions(String split) {
    requireSplit(split);
    return captions.filter(col("reason").isNull().and(col("split").equalTo(split))).select("id", "image_id", "text");
  }

  /** The input file of {@code split} (coco: its captions JSON; captions-jsonl: its manifest), relative to the folder. */
  public String file(String split) {
    requireSplit(split);
    return fileBySplit.get(split);
  }

  public List<String> splits() {
    return List.copyOf(fileBySplit.keySet());
  }

  /**
   * Every rejected row of every file: {@code file, line, reason, raw}; line is the 1-based line
   * (captions-jsonl) or the 1-based index of the entry in its array (coco).
   */
  @Override
  public Dataset<Row> quarantine() {
    return rejected(images).union(rejected(captions));
  }

  /**
   * Rows read per input file: coco: the entries of images and annotations; captions-jsonl: per non-blank
   * line its image and its captions, or 1 for a line that identifies no image.
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

  private static Dataset<Row> rejected(Dataset<Row> checked) {
    return checked.filter(col("reason").isNotNull()).select("file", "line", "reason", "raw");
  }

  private void requireSplit(String split) {
    if (!fileBySplit.containsKey(split)) {
      throw new IllegalArgumentException(
          "split '" + split + "' was not read; this input has splits " + String.join(", ", fileBySplit.keySet()));
    }
  }

  @Override
  public void close() {
    images.unpersist();
    captions.unpersist();
  }
}
