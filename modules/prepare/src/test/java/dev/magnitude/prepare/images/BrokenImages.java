package dev.magnitude.prepare.images;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;

/**
 * A small coco dataset and a small captions-jsonl dataset with image files written by javax.imageio and one
 * or more entries of every kind the reader rejects. The comments are the expected outcome; the constants sum
 * them up.
 */
final class BrokenImages {
  private BrokenImages() {}

  static final String COCO_TRAIN = "annotations/captions_train.json";

  // Entry n of an array is line n (1-based); the comment's number is that line.
  static final String COCO =
      """
      {"info": {"description": "fixture", "year": 2024},
       "licenses": [{"id": 1, "name": "none"}],
       "images": [
        {"id": 1, "file_name": "blocks.png", "width": 20, "height": 10},
        {"id": 2, "file_name": "photo.jpg"},
        {"file_name": "noid.png"},
        {"id": 4},
        {"id": 5, "file_name": "../../../x.png"},
        {"id": 6, "file_name": "/etc/passwd"},
        {"id": 1, "file_name": "blocks.png"},
        {"id": 8, "file_name": "missing.png"},
        {"id": 9, "file_name": "broken.png"},
        {"id": "s10", "file_name": "sub/../blue.gif"},
        {"id": 11, "file_name": "folder"}
       ],
       "annotations": [
        {"id": 100, "image_id": 1, "caption": "A red and blue block."},
        {"id": 101, "image_id": 1, "caption": "Two colours side by side"},
        {"id": 102, "image_id": 2, "caption": "A photo"},
        {"id": 103, "image_id": "s10", "caption": "A blue gif"},
        {"id": 104, "image_id": 1, "caption": "   "},
        {"id": 105, "image_id": 1, "caption": "!!! ..."},
        {"id": 106, "image_id": 77, "caption": "nobody"},
        {"id": 107, "image_id": 8, "caption": "missing file"},
        {"id": 108, "image_id": 4, "caption": "no path"},
        {"image_id": 1, "caption": "no id"},
        {"id": 109, "caption": "no image id"},
        {"id": 100, "image_id": 2, "caption": "same id as the first"},
        {"id": 110, "image_id": 9, "caption": "broken"},
        {"id": 111, "image_id": 3, "caption": "the image without id"},
        {"id": 112, "image_id": 1, "caption": null}
       ]}
      """;

  static final List<String> COCO_QUARANTINE =
      List.of(
          // images
          "3 missing id",
          "4 missing image path",
          "5 image path leaves the dataset folder", // images/train/../../../x.png
          "6 image path leaves the dataset folder", // absolute
          "7 duplicate image id", // line 1 kept
          "8 image file not found",
          "9 undecodable image", // text bytes
          "11 not a regular file", // a folder
          // annotations
          "5 empty text",
          "6 text has no words",
          "7 caption names an unknown image", // no image 77
          "8 caption of a quarantined image", // image 8: file not found
          "9 caption of a quarantined image", // image 4: no path
          "10 missing id",
          "11 missing id", // no image_id
          "12 duplicate caption id", // 100 again
          "13 caption of a quarantined image", // image 9: undecodable
          "14 caption names an unknown image", // the image without an id cannot be named
          "15 empty text"); // null caption

  /** 11 image entries + 15 annotations. */
  static final long COCO_ROWS = 26;

  static final List<String> COCO_IMAGES =
      List.of("1|images/train/blocks.png|8|8", "2|images/train/photo.jpg|8|8", "s10|images/train/blue.gif|8|8");
  static final List<String> COCO_CAPTIONS =
      List.of("100|1|A red and blue block.", "101|1|Two colours side by side", "102|2|A photo", "103|s10|A blue gif");

  static final String MANIFEST_TRAIN = "train.jsonl";
  static final String MANIFEST_TEST = "test.jsonl";

  /** Lines of train.jsonl, joined with '\n' after line 13 is made invalid UTF-8 (see {@link #write}). */
  static final List<String> MANIFEST =
      List.of(
          "{\"image\": \"pics/blocks.png\", \"captions\": [\"A red and blue block\", \"Colours\"]}", // 1: 3 valid
          "{\"image\": \"pics/photo.jpg\", \"id\": \"p1\", \"captions\": [\"A photo\", \"\"]}", //      2: 2 valid, empty text
          "not json", //                                                                   3: invalid JSON (1 row)
          "{\"captions\": [\"lonely\"]}", //                                                   4: missing image path (1 row)
          "{\"image\": \"../x.png\", \"captions\": [\"escape\"]}", //                           5: leaves + quarantined
          "{\"image\": \"/etc/passwd\", \"captions\": []}", //                                6: leaves the folder
          "{\"image\": \"a/../../x.png\", \"captions\": [\"c\"]}", //                           7: leaves + quarantined
          "{\"image\": \"pics/./blocks.png\", \"captions\": [\"again\"]}", //                  8: duplicate + quarantined
          "{\"image\": \"pics/missing.png\", \"captions\": [\"gone\"]}", //                    9: not found + quarantined
          "{\"image\": \"pics/broken.png\"}", //                                             10: undecodable
          "", //                                                                           11: blank, not a row
          "{\"image\": \"pics/blue.gif\", \"captions\": \"not a list\"}", //                 12: captions not a list
          "{\"image\": \"pics/blue.gif\", \"id\": \"\", \"captions\": [\"x\"]}", //            13: missing id
          "{\"image\": \"pics/blue.gif\", \"captions\": [\"caf?\"]}", //                     14: invalid UTF-8
          "{\"image\": \"pics/blue.gif\", \"captions\": [\"A blue gif\", \"...!!!\", null]}", // 15: 2 valid, no words, empty
          "{\"image\": \"pics/tile.bmp\", \"captions\": [\"A bitmap\"]}", //                  16: 2 valid
          "{\"image\": \"pics/huge.png\", \"captions\": [\"big\"]}"); //                      17: too large + quarantined

  static final List<String> MANIFEST_QUARANTINE =
      List.of(
          "2 empty text",
          "3 invalid JSON",
          "4 missing image path",
          "5 caption of a quarantined image",
          "5 image path leaves the dataset folder",
          "6 image path leaves the dataset folder",
          "7 caption of a quarantined image",
          "7 image path leaves the dataset folder",
          "8 caption of a quarantined image",
          "8 duplicate image id",
          "9 caption of a quarantined image",
          "9 image file not found",
          "10 undecodable image",
          "12 captions not a list",
          "13 missing id",
          "14 invalid UTF-8",
          "15 empty text",
          "15 text has no words",
          "17 caption of a quarantined image",
          "17 image too large");

  /** 3 + 3 + 1 + 1 + 2 + 1 + 2 + 2 + 2 + 1 + 1 + 1 + 1 + 4 + 2 + 2 (line 11 is blank). */
  static final long MANIFEST_ROWS = 29;

  static final List<String> MANIFEST_IMAGES =
      List.of("p1|pics/photo.jpg|8|8", "pics/blocks.png|pics/blocks.png|8|8", "pics/blue.gif|pics/blue.gif|8|8",
          "pics/tile.bmp|pics/tile.bmp|8|8");
  static final List<String> MANIFEST_CAPTIONS =
      List.of("p1#0|p1|A photo", "pics/blocks.png#0|pics/blocks.png|A red and blue block",
          "pics/blocks.png#1|pics/blocks.png|Colours", "pics/blue.gif#0|pics/blue.gif|A blue gif",
          "pics/tile.bmp#0|pics/tile.bmp|A bitmap");

  /** test.jsonl: the same image as train's line 1 (files are checked one by one), with a BOM. */
  static final String MANIFEST_TEST_CONTENT = "\uFEFF{\"image\": \"pics/blocks.png\", \"captions\": [\"Blocks\"]}\n";

  static final Map<String, Long> MANIFEST_ROWS_BY_FILE = Map.of(MANIFEST_TRAIN, MANIFEST_ROWS, MANIFEST_TEST, 2L);

  /** Writes the coco dataset (split train) into {@code folder} and a valid image at {@code folder/../x.png}. */
  static Path writeCoco(Path folder) {
    try {
      Path images = Files.createDirectories(folder.resolve("images/train"));
      Files.createDirectories(folder.resolve("annotations"));
      Files.writeString(folder.resolve(COCO_TRAIN), COCO, StandardCharsets.UTF_8);
      writeImages(images);
      Files.createDirectories(images.resolve("folder"));
      Files.write(folder.resolveSibling("x.png"), blocksPng());
      return folder;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes the captions-jsonl dataset (splits train, test) into {@code folder}, and {@code folder/../x.png}. */
  static Path writeManifest(Path folder) {
    try {
      writeImages(Files.createDirectories(folder.resolve("pics")));
      Files.write(folder.resolveSibling("x.png"), blocksPng());
      byte[] train = (String.join("\n", MANIFEST) + "\n").getBytes(StandardCharsets.UTF_8);
      // Line 14's '?' becomes 0xC3, a UTF-8 lead byte followed by a quote: invalid UTF-8.
      int at = indexOf(train, "caf?".getBytes(StandardCharsets.UTF_8)) + 3;
      train[at] = (byte) 0xC3;
      Files.write(folder.resolve(MANIFEST_TRAIN), train);
      Files.writeString(folder.resolve(MANIFEST_TEST), MANIFEST_TEST_CONTENT, StandardCharsets.UTF_8);
      return folder;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void writeImages(Path dir) throws IOException {
    Files.write(dir.resolve("blocks.png"), blocksPng());
    Files.write(dir.resolve("photo.jpg"), photoJpeg());
    Files.write(dir.resolve("blue.gif"), solid(12, 12, Color.BLUE, "gif"));
    Files.write(dir.resolve("tile.bmp"), solid(9, 9, Color.YELLOW, "bmp"));
    Files.writeString(dir.resolve("broken.png"), "not an image");
    Files.write(dir.resolve("huge.png"), hugePngHeader());
  }

  /**
   * The start of a 10000×10000 RGB PNG (signature and IHDR chunk, no pixel data): 100 megapixels, more than
   * {@link ImageDecoder#MAX_PIXELS}, which the decoder sees from the header alone.
   */
  static byte[] hugePngHeader() {
    ByteBuffer ihdr = ByteBuffer.allocate(17).put("IHDR".getBytes(StandardCharsets.US_ASCII))
        .putInt(10_000).putInt(10_000).put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
    CRC32 crc = new CRC32();
    crc.update(ihdr.array());
    return ByteBuffer.allocate(8 + 4 + 17 + 4)
        .put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'})
        .putInt(13).put(ihdr.array()).putInt((int) crc.getValue())
        .array();
  }

  /** 20×10 PNG: green | red | blue | green, 5 columns each. */
  static byte[] blocksPng() {
    BufferedImage image = new BufferedImage(20, 10, BufferedImage.TYPE_INT_RGB);
    Color[] bands = {Color.GREEN, Color.RED, Color.BLUE, Color.GREEN};
    for (int y = 0; y < 10; y++) {
      for (int x = 0; x < 20; x++) {
        image.setRGB(x, y, bands[x / 5].getRGB());
      }
    }
    return encode(image, "png");
  }

  /** 24×16 JPEG with a gradient. */
  static byte[] photoJpeg() {
    BufferedImage image = new BufferedImage(24, 16, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 16; y++) {
      for (int x = 0; x < 24; x++) {
        image.setRGB(x, y, new Color(x * 10, y * 15, 128).getRGB());
      }
    }
    return encode(image, "jpeg");
  }

  static byte[] solid(int width, int height, Color color, String format) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    ImageDecoderTest.fill(image, 0, width, 0, height, color);
    return encode(image, format);
  }

  static byte[] encode(BufferedImage image, String format) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image, format, out)) {
        throw new IllegalStateException("no " + format + " writer");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new IllegalArgumentException("not found");
  }
}
