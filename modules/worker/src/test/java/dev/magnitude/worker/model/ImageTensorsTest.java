package dev.magnitude.worker.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ImageTensorsTest {
  static byte[] png(int[][] rgb) throws IOException {
    int h = rgb.length;
    int w = rgb[0].length;
    BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        image.setRGB(x, y, rgb[y][x]);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "png", out);
    return out.toByteArray();
  }

  @Test
  void aTwoByTwoPngBecomesChannelMajorValuesScaledByOneOver255() throws IOException {
    // row 0: red, (0, 51, 255); row 1: white, black
    byte[] png = png(new int[][] {{0xFF0000, 0x0033FF}, {0xFFFFFF, 0x000000}});
    ImageTensors.Decoded d = ImageTensors.decode(png);
    assertThat(d.width()).isEqualTo(2);
    assertThat(d.height()).isEqualTo(2);
    // R plane (pixels in row order), then G, then B; 51 / 255 = 0.2 in float
    assertThat(d.chw()).containsExactly(
        1f, 0f, 1f, 0f,
        0f, 51 / 255f, 1f, 0f,
        0f, 1f, 1f, 0f);
    assertThat(51 / 255f).isEqualTo(0.2f);
  }

  @Test
  void bytesThatAreNoImageAreRefusedWithAMessage() {
    assertThatThrownBy(() -> ImageTensors.decode(new byte[] {1, 2, 3}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PNG expected");
  }
}
