package dev.magnitude.prepare.images;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Turns an image file into the stored image: decoded with javax.imageio (PNG, JPEG, GIF (first frame), BMP;
 * EXIF orientation is not applied), centre-cropped to a square of side min(width, height) (the offset
 * rounded down), composited on white (alpha is dropped), scaled to {@code size}×{@code size} and encoded as
 * an 8-bit RGB PNG.
 *
 * <p>Scaling: a downscale halves the square with bilinear interpolation while it is at least twice the
 * target, then takes one bilinear step to the target (so every source pixel contributes, unlike a single
 * bilinear step); an upscale is one bicubic step. Java2D's software loops are used, so the same file gives
 * byte-identical PNG bytes on every run (the PNG writer adds no timestamp).
 *
 * <p>Stateless and thread-safe; runs inside Spark tasks.
 */
public final class ImageDecoder {
  /** Larger files are {@link ImageReasons#IMAGE_TOO_LARGE}, without being read. */
  public static final long MAX_BYTES = 64L << 20;
  /** Images with more pixels are {@link ImageReasons#IMAGE_TOO_LARGE}, read only up to their header. */
  public static final long MAX_PIXELS = 50_000_000L;

  static {
    // Decode from memory, without temporary files.
    ImageIO.setUseCache(false);
  }

  private ImageDecoder() {}

  /**
   * The stored image, or the reason it cannot be: {@code png} is null exactly when {@code reason} is not.
   *
   * @param png RGB PNG bytes of side {@code size}
   */
  public record Result(byte[] png, String reason) {}

  /** Decodes, crops, scales and encodes one image file's bytes. */
  public static Result decode(byte[] file, int size) {
    BufferedImage image;
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(file))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        return new Result(null, ImageReasons.UNDECODABLE_IMAGE);
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        if ((long) reader.getWidth(0) * reader.getHeight(0) > MAX_PIXELS) {
          return new Result(null, ImageReasons.IMAGE_TOO_LARGE);
        }
        image = reader.read(0);
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      // Broken files surface as IIOException, but also as runtime exceptions from inside the codecs.
      return new Result(null, ImageReasons.UNDECODABLE_IMAGE);
    }
    if (image == null || image.getWidth() < 1 || image.getHeight() < 1) {
      return new Result(null, ImageReasons.UNDECODABLE_IMAGE);
    }
    return new Result(png(square(image, size)), null);
  }

  /** The centre square of {@code image} on white, scaled to {@code size}×{@code size}, as TYPE_INT_RGB. */
  public static BufferedImage square(BufferedImage image, int size) {
    int w = image.getWidth();
    int h = image.getHeight();
    int side = Math.min(w, h);
    BufferedImage current = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = current.createGraphics();
    try {
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, side, side);
      g.drawImage(image, -((w - side) / 2), -((h - side) / 2), null);
    } finally {
      g.dispose();
    }
    while (current.getWidth() / 2 >= size) {
      current = scaled(current, current.getWidth() / 2);
    }
    return current.getWidth() == size ? current : scaled(current, size);
  }

  /** 8-bit RGB PNG bytes of the image. */
  public static byte[] png(BufferedImage rgb) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(rgb, "png", out)) {
        throw new IllegalStateException("no PNG writer in javax.imageio");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode a PNG in memory", e);
    }
    return out.toByteArray();
  }

  private static BufferedImage scaled(BufferedImage square, int side) {
    BufferedImage out = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION,
          side > square.getWidth()
              ? RenderingHints.VALUE_INTERPOLATION_BICUBIC
              : RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
      g.drawImage(square, 0, 0, side, side, null);
    } finally {
      g.dispose();
    }
    return out;
  }
}
