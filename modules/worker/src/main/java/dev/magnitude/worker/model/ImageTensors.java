package dev.magnitude.worker.model;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;

/**
 * Decodes the prepared PNG bytes of an image into the image encoder's input: float32 CHW (channel R, G,
 * B; then rows; then columns), each value the 8-bit sample divided by 255, so in [0, 1]. Deterministic:
 * no resizing, colour management or augmentation (the prepare job already resized and cropped).
 */
public final class ImageTensors {
  private ImageTensors() {}

  /** A decoded image. @param chw 3 × height × width values in [0, 1] */
  public record Decoded(int width, int height, float[] chw) {}

  /**
   * @throws IllegalArgumentException if the bytes are not an image ImageIO can read
   */
  public static Decoded decode(byte[] png) {
    BufferedImage image;
    try {
      image = ImageIO.read(new ByteArrayInputStream(png));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot decode image bytes: " + e.getMessage(), e);
    }
    if (image == null) {
      throw new IllegalArgumentException("the image bytes are in no format ImageIO can read (PNG expected)");
    }
    int w = image.getWidth();
    int h = image.getHeight();
    float[] chw = new float[3 * h * w];
    int plane = h * w;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int rgb = image.getRGB(x, y);
        int i = y * w + x;
        chw[i] = ((rgb >> 16) & 0xFF) / 255f;
        chw[plane + i] = ((rgb >> 8) & 0xFF) / 255f;
        chw[2 * plane + i] = (rgb & 0xFF) / 255f;
      }
    }
    return new Decoded(w, h, chw);
  }
}
