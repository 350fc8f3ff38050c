package dev.magnitude.worker.data;

import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.schema.Tables;
import dev.magnitude.worker.RunFailure;
import dev.magnitude.worker.model.ImageTensors;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training data of an image-text run: the images of one split that have at least one caption,
 * decoded to CHW floats ({@link ImageTensors}), each with its captions' token ids. Images keep the
 * table's order, captions theirs, so the data is the same on every read. All images must be square and
 * of one size (the prepare job makes them so). Held in memory: 3 × size² floats per image.
 */
public final class ImageCaptions {
  private final List<String> imageIds;
  private final List<float[]> pixels;
  private final List<List<int[]>> captions;
  private final int size;

  private ImageCaptions(List<String> imageIds, List<float[]> pixels, List<List<int[]>> captions, int size) {
    this.imageIds = imageIds;
    this.pixels = pixels;
    this.captions = captions;
    this.size = size;
  }

  /**
   * In-memory data, in the given order.
   *
   * @param pixels per image, 3 × size × size values
   * @param captions per image, at least one token-id list
   */
  public static ImageCaptions of(List<String> imageIds, List<float[]> pixels, List<List<int[]>> captions, int size) {
    if (imageIds.size() != pixels.size() || imageIds.size() != captions.size()) {
      throw new IllegalArgumentException("image ids, pixels and captions must have one entry per image");
    }
    for (int i = 0; i < captions.size(); i++) {
      if (captions.get(i).isEmpty()) {
        throw new IllegalArgumentException("image " + imageIds.get(i) + " has no caption");
      }
    }
    return new ImageCaptions(List.copyOf(imageIds), List.copyOf(pixels), List.copyOf(captions), size);
  }

  /**
   * Reads {@code <dataset>/<split>/images} and {@code captions}.
   *
   * @throws RunFailure if an image cannot be decoded, images differ in size or are not square, or no
   *     image has a caption
   */
  public static ImageCaptions load(PreparedTables tables, WorkDir work, String dataset, String split, int vocabularySize)
      throws IOException {
    Map<String, List<int[]>> byImage = new HashMap<>();
    tables.readCaptions(work.table(dataset, split, Tables.CAPTIONS), vocabularySize,
        c -> byImage.computeIfAbsent(c.imageId(), k -> new ArrayList<>()).add(c.tokens()));
    Map<String, float[]> decoded = new LinkedHashMap<>();
    int[] size = {-1};
    String folder = work.table(dataset, split, Tables.IMAGES);
    tables.readImages(folder, image -> {
      if (!byImage.containsKey(image.id())) {
        return;
      }
      ImageTensors.Decoded d = decode(image, folder);
      if (d.width() != d.height() || (size[0] >= 0 && d.width() != size[0])) {
        throw new RunFailure("image " + image.id() + " of " + folder + " is " + d.width() + "×" + d.height()
            + " but the images must be square and of one size" + (size[0] >= 0 ? " (" + size[0] + ")" : "")
            + "; prepare the dataset again");
      }
      size[0] = d.width();
      decoded.put(image.id(), d.chw());
    });
    if (decoded.isEmpty()) {
      throw new RunFailure("dataset " + dataset + " split " + split + " has no image with a caption ("
          + folder + "); prepare the dataset with captions");
    }
    List<String> ids = new ArrayList<>(decoded.keySet());
    List<float[]> pixels = new ArrayList<>(decoded.values());
    List<List<int[]>> captions = new ArrayList<>();
    ids.forEach(id -> captions.add(List.copyOf(byImage.get(id))));
    return new ImageCaptions(ids, pixels, captions, size[0]);
  }

  static ImageTensors.Decoded decode(ImageRow image, String folder) {
    try {
      return ImageTensors.decode(image.png());
    } catch (IllegalArgumentException e) {
      throw new RunFailure("image " + image.id() + " of " + folder + ": " + e.getMessage(), e);
    }
  }

  /** Images with at least one caption. */
  public int size() {
    return imageIds.size();
  }

  /** Side of the square images, in pixels. */
  public int imageSize() {
    return size;
  }

  public String imageId(int i) {
    return imageIds.get(i);
  }

  public float[] pixels(int i) {
    return pixels.get(i);
  }

  /** The captions of image i (at least one). */
  public List<int[]> captions(int i) {
    return captions.get(i);
  }
}
