package dev.magnitude.prepare.images;

import static org.apache.spark.sql.types.DataTypes.BinaryType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.createStructField;
import static org.apache.spark.sql.types.DataTypes.createStructType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnitude.prepare.beir.BeirReader;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/**
 * The rows the parsers of both formats emit: one per image entry, caption or (coco) unparseable file, with
 * the per-entry rules applied; the cross-entry rules come later in {@link ImageCaptionReader}.
 */
final class Entries {
  private Entries() {}

  static final String IMAGE = "image";
  static final String CAPTION = "caption";
  /** A coco file Jackson cannot parse: raw holds the parser's message; the read fails. */
  static final String ERROR = "error";

  /**
   * file and line: where the entry is (line: 1-based line, or coco's 1-based index in its array); raw: the
   * entry's text for the quarantine; kind: {@link #IMAGE}, {@link #CAPTION} or {@link #ERROR}; id: of the
   * image or caption; image_id: a caption's image; link: the key that ties captions to their image entry
   * (coco: the image id; captions-jsonl: the line, so a duplicate line's captions follow their own image);
   * path: an image's path relative to the dataset folder, normalized; text: a valid caption's text;
   * reason: null while the entry is valid.
   */
  static final StructType SCHEMA =
      createStructType(
          List.of(
              createStructField("file", StringType, true),
              createStructField("split", StringType, true),
              createStructField("line", LongType, true),
              createStructField("raw", StringType, true),
              createStructField("kind", StringType, true),
              createStructField("id", StringType, true),
              createStructField("image_id", StringType, true),
              createStructField("link", StringType, true),
              createStructField("path", StringType, true),
              createStructField("text", StringType, true),
              createStructField("reason", StringType, true)));

  /** Image entries once their files were read: the columns of {@link #SCHEMA} an image uses, and the PNG. */
  static final StructType DECODED =
      createStructType(
          List.of(
              createStructField("file", StringType, true),
              createStructField("split", StringType, true),
              createStructField("line", LongType, true),
              createStructField("raw", StringType, true),
              createStructField("id", StringType, true),
              createStructField("link", StringType, true),
              createStructField("path", StringType, true),
              createStructField("width", IntegerType, true),
              createStructField("height", IntegerType, true),
              createStructField("png", BinaryType, true),
              createStructField("reason", StringType, true)));

  static Row image(String file, String split, long line, String raw, String id, String link, String path, String reason) {
    return RowFactory.create(file, split, line, BeirReader.raw(raw), IMAGE, id, null, link, path, null, reason);
  }

  /**
   * A caption under BEIR's record rules ({@link ImageReasons#MISSING_ID} for a missing id, {@link
   * ImageReasons#EMPTY_TEXT}, {@link ImageReasons#NO_WORDS}), applied by {@link BeirReader#record}.
   */
  static Row caption(String file, String split, long line, String raw, String id, String imageId, String link, String text) {
    Row record = BeirReader.record(file, line, raw, id, text, split);
    return RowFactory.create(
        file, split, line, record.getString(2), CAPTION, id, imageId, link, null, record.getString(4), record.getString(5));
  }

  /** A caption rejected before its text is looked at. */
  static Row rejectedCaption(String file, String split, long line, String raw, String id, String reason) {
    return RowFactory.create(file, split, line, BeirReader.raw(raw), CAPTION, id, null, null, null, null, reason);
  }

  static Row error(String file, String split, String message) {
    return RowFactory.create(file, split, 0L, message, ERROR, null, null, null, null, null, null);
  }

  /** An id: a non-blank string or an integer, as text; else null. */
  static String idOf(JsonNode id) {
    if (id == null || !(id.isTextual() || id.isIntegralNumber())) {
      return null;
    }
    String s = id.asText();
    return s.isBlank() ? null : s;
  }

  /** A non-blank string, else null. */
  static String pathOf(JsonNode path) {
    return path == null || !path.isTextual() || path.asText().isBlank() ? null : path.asText();
  }

  /** A caption's text: a scalar as text, anything else (null, array, object) as "" (so: empty text). */
  static String textOf(JsonNode value) {
    return value == null || value.isNull() || !value.isValueNode() ? "" : value.asText();
  }
}
