package dev.magnitude.prepare.images;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ImageDecoderTest {
  @Test
  void cropsTheCentreSquareAndScalesItToTheSize() throws IOException {
    // 20×10: green | red | blue | green, 5 columns each. The centre 10×10 square is red | blue; scaled to 8
    // with bilinear sampling at pixel centres, output column x reads source x' = (x + 0.5) × 10/8 − 0.5:
    // columns 0-3 read x' ≤ 3.875 (red only), columns 4-7 read x' ≥ 5.125 (blue only). No green survives.
    BufferedImage decoded = read(ImageDecoder.decode(BrokenImages.blocksPng(), 8));
    assertThat(decoded.getWidth()).isEqualTo(8);
    assertThat(decoded.getHeight()).isEqualTo(8);
    assertThat(decoded.getType()).isNotEqualTo(BufferedImage.TYPE_INT_ARGB);
    assertThat(new Color(decoded.getRGB(4, 4))).isEqualTo(Color.BLUE); // the centre pixel
    for (int y = 0; y < 8; y++) {
      for (int x = 0; x < 8; x++) {
        assertThat(new Color(decoded.getRGB(x, y))).as("(%d, %d)", x, y).isEqualTo(x < 4 ? Color.RED : Color.BLUE);
      }
    }
  }

  @Test
  void tallImagesLoseTheirTopAndBottom() throws IOException {
    // 10×30: black rows 0-9 and 20-29, white rows 10-19: the centre square is all white.
    BufferedImage tall = new BufferedImage(10, 30, BufferedImage.TYPE_INT_RGB);
    fill(tall, 0, 10, 0, 30, Color.BLACK);
    fill(tall, 0, 10, 10, 20, Color.WHITE);
    BufferedImage decoded = read(ImageDecoder.decode(BrokenImages.encode(tall, "png"), 8));
    assertThat(new Color(decoded.getRGB(0, 0))).isEqualTo(Color.WHITE);
    assertThat(new Color(decoded.getRGB(7, 7))).isEqualTo(Color.WHITE);
  }

  @Test
  void transparentPixelsBecomeWhite() throws IOException {
    BufferedImage clear = new BufferedImage(16, 16, BufferedImage.TYPE_INT_ARGB);
    fill(clear, 0, 16, 0, 16, new Color(255, 0, 0, 0));
    BufferedImage decoded = read(ImageDecoder.decode(BrokenImages.encode(clear, "png"), 8));
    assertThat(new Color(decoded.getRGB(4, 4))).isEqualTo(Color.WHITE);
    assertThat(decoded.getColorModel().hasAlpha()).isFalse();
  }

  @Test
  void downscalesAndUpscalesToTheSize() throws IOException {
    BufferedImage large = new BufferedImage(300, 200, BufferedImage.TYPE_INT_RGB);
    fill(large, 0, 300, 0, 200, Color.ORANGE);
    BufferedImage down = read(ImageDecoder.decode(BrokenImages.encode(large, "png"), 16));
    assertThat(down.getWidth()).isEqualTo(16);
    assertThat(down.getHeight()).isEqualTo(16);
    assertThat(new Color(down.getRGB(8, 8))).isEqualTo(Color.ORANGE);

    BufferedImage small = new BufferedImage(3, 5, BufferedImage.TYPE_INT_RGB);
    fill(small, 0, 3, 0, 5, Color.MAGENTA);
    BufferedImage up = read(ImageDecoder.decode(BrokenImages.encode(small, "bmp"), 8));
    assertThat(up.getWidth()).isEqualTo(8);
    assertThat(new Color(up.getRGB(4, 4))).isEqualTo(Color.MAGENTA);
  }

  @Test
  void decodesJpegGifAndBmp() throws IOException {
    for (String format : new String[] {"jpeg", "gif", "bmp"}) {
      BufferedImage blue = new BufferedImage(12, 12, BufferedImage.TYPE_INT_RGB);
      fill(blue, 0, 12, 0, 12, Color.BLUE);
      BufferedImage decoded = read(ImageDecoder.decode(BrokenImages.encode(blue, format), 8));
      Color centre = new Color(decoded.getRGB(4, 4));
      // JPEG is lossy: close to blue, not exactly.
      assertThat(centre.getBlue()).as(format).isGreaterThan(240);
      assertThat(centre.getRed() + centre.getGreen()).as(format).isLessThan(20);
    }
  }

  @Test
  void sameInputGivesByteIdenticalPng() {
    byte[] photo = BrokenImages.photoJpeg();
    byte[] first = ImageDecoder.decode(photo, 8).png();
    byte[] second = ImageDecoder.decode(photo, 8).png();
    assertThat(first).isEqualTo(second);
    assertThat(Arrays.equals(ImageDecoder.decode(BrokenImages.blocksPng(), 8).png(),
        ImageDecoder.decode(BrokenImages.blocksPng(), 8).png())).isTrue();
  }

  @Test
  void brokenFilesAreUndecodable() {
    assertThat(ImageDecoder.decode("not an image".getBytes(), 8))
        .isEqualTo(new ImageDecoder.Result(null, ImageReasons.UNDECODABLE_IMAGE));
    byte[] png = BrokenImages.blocksPng();
    assertThat(ImageDecoder.decode(Arrays.copyOf(png, png.length / 2), 8).reason())
        .isEqualTo(ImageReasons.UNDECODABLE_IMAGE);
    assertThat(ImageDecoder.decode(new byte[0], 8).reason()).isEqualTo(ImageReasons.UNDECODABLE_IMAGE);
  }

  @Test
  void imagesOverThePixelLimitAreTooLargeWithoutBeingDecoded() {
    assertThat(ImageDecoder.decode(BrokenImages.hugePngHeader(), 8).reason()).isEqualTo(ImageReasons.IMAGE_TOO_LARGE);
  }

  private static BufferedImage read(ImageDecoder.Result result) throws IOException {
    assertThat(result.reason()).isNull();
    return ImageIO.read(new ByteArrayInputStream(result.png()));
  }

  static void fill(BufferedImage image, int x0, int x1, int y0, int y1, Color color) {
    for (int y = y0; y < y1; y++) {
      for (int x = x0; x < x1; x++) {
        image.setRGB(x, y, color.getRGB());
      }
    }
  }
}
