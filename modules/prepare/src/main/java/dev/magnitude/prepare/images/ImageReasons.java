package dev.magnitude.prepare.images;

import dev.magnitude.prepare.beir.Reasons;
import java.util.List;

/**
 * Why an image-caption input row was quarantined (formats {@code coco} and {@code captions-jsonl}): the
 * {@code reason} column of data-schemas/quarantine.avsc. Fixed strings, so quarantine tables can be grouped
 * by reason; the raw row says which value was wrong. The caption text rules are BEIR's, with BEIR's strings
 * ({@link Reasons#EMPTY_TEXT}, {@link Reasons#NO_WORDS}), so a reason means the same in every format.
 *
 * <p>An entry gets the first reason that applies, in the order of this class.
 */
public final class ImageReasons {
  private ImageReasons() {}

  /** captions-jsonl: the line's bytes are not valid UTF-8. */
  public static final String INVALID_UTF8 = "invalid UTF-8";
  /** captions-jsonl: the line is not one JSON object (or has duplicate keys or trailing tokens). */
  public static final String INVALID_JSON = Reasons.INVALID_JSON;
  /** captions-jsonl: {@code captions} is present but not an array. */
  public static final String CAPTIONS_NOT_A_LIST = "captions not a list";
  /**
   * coco: an image's {@code id}, or an annotation's {@code id} or {@code image_id}, is absent, null, blank or
   * neither a string nor an integer; captions-jsonl: the optional {@code id} is present and such.
   */
  public static final String MISSING_ID = Reasons.MISSING_ID;
  /** coco: {@code file_name} absent, null, blank or not a string; captions-jsonl: the same of {@code image}. */
  public static final String MISSING_IMAGE_PATH = "missing image path";
  /**
   * The image path is absolute (a leading '/' or '\', a URI scheme such as {@code file:/} or {@code
   * s3a://}, a drive letter) or, once '.' and '..' segments are resolved on the path string, leaves the dataset
   * folder (coco: the path is {@code coco-images/file_name}); checked before the files are read. Or, when the
   * file is read, its real path (symbolic links resolved, {@link dev.magnitude.prepare.io.DatasetFiles}) is
   * outside the real path of the dataset folder: a link inside the folder to a file elsewhere.
   */
  public static final String PATH_OUTSIDE_FOLDER = "image path leaves the dataset folder";
  /**
   * An earlier image entry of the same file (by line) with the same id passed the checks above; the first
   * is kept. Checked before the image files are read.
   */
  public static final String DUPLICATE_IMAGE_ID = "duplicate image id";
  /** Nothing at the image path, or a link to nothing. */
  public static final String IMAGE_NOT_FOUND = "image file not found";
  /** A folder, a FIFO, a device or a socket at the image path (links resolved), inside the dataset folder. */
  public static final String NOT_A_REGULAR_FILE = "not a regular file";
  /** The image file is larger than {@link ImageDecoder#MAX_BYTES} or {@link ImageDecoder#MAX_PIXELS}. */
  public static final String IMAGE_TOO_LARGE = "image too large";
  /** javax.imageio cannot decode the file (not PNG, JPEG, GIF or BMP, truncated, CMYK JPEG, ...). */
  public static final String UNDECODABLE_IMAGE = "undecodable image";
  /** A caption whose text is blank (or not a string). */
  public static final String EMPTY_TEXT = Reasons.EMPTY_TEXT;
  /** A caption without a word (no run of letters or digits), so it would tokenize to nothing. */
  public static final String NO_WORDS = Reasons.NO_WORDS;
  /** coco: the annotation's {@code image_id} is the id of no image entry of the file. */
  public static final String UNKNOWN_IMAGE = "caption names an unknown image";
  /** The caption's image entry was quarantined (coco: every image entry with its {@code image_id} was). */
  public static final String IMAGE_QUARANTINED = "caption of a quarantined image";
  /** coco: an earlier valid annotation of the file (by index) has the same id; the first is kept. */
  public static final String DUPLICATE_CAPTION_ID = "duplicate caption id";

  public static final List<String> ALL =
      List.of(
          INVALID_UTF8, INVALID_JSON, CAPTIONS_NOT_A_LIST, MISSING_ID, MISSING_IMAGE_PATH, PATH_OUTSIDE_FOLDER,
          DUPLICATE_IMAGE_ID, IMAGE_NOT_FOUND, NOT_A_REGULAR_FILE, IMAGE_TOO_LARGE, UNDECODABLE_IMAGE, EMPTY_TEXT, NO_WORDS,
          UNKNOWN_IMAGE, IMAGE_QUARANTINED, DUPLICATE_CAPTION_ID);
}
