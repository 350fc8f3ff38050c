package dev.magnitude.samples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.magnitude.samples.SyntheticImages.Item;
import dev.magnitude.samples.SyntheticImages.Picture;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticImagesTest {
  private static final Map<String, Integer> SMALL = Map.of("train", 24, "dev", 6, "test", 6);
  private static final int WHITE = 0xffffff;

  @TempDir Path tmp;

  @Test
  void captionsGrowInDetailAndNameTheRelation() {
    List<Item> items = List.of(new Item("circle", "red", true, "left"), new Item("square", "orange", false, "right"));
    assertThat(SyntheticImages.captions(items)).containsExactly(
        "a red circle and an orange square",
        "a red circle on the left and an orange square on the right",
        "a large red circle on the left and a small orange square on the right",
        "two shapes: a circle and a square",
        "a large red circle left of a small orange square");
    assertThat(SyntheticImages.captions(List.of(new Item("star", "blue", false, "top"))))
        .containsExactly("a blue star", "a blue star at the top", "a small blue star at the top",
            "a single star on a white background");
    // same x: vertical relation, y grows downwards
    assertThat(SyntheticImages.relation(new Item("star", "blue", false, "top"), new Item("star", "red", false, "bottom")))
        .isEqualTo("above");
  }

  @Test
  void pixelsHaveTheNamedColourAtTheNamedPosition() throws IOException {
    List<Item> items = List.of(new Item("circle", "red", true, "left"), new Item("star", "blue", false, "right"));
    BufferedImage image = decode(SyntheticImages.png(SyntheticImages.render(items)));
    assertThat(image.getWidth()).isEqualTo(64);
    assertThat(rgb(image, 12, 32)).isEqualTo(0xdc1e1e); // red (220, 30, 30) at the left centre
    assertThat(rgb(image, 52, 32)).isEqualTo(0x1e46dc); // blue (30, 70, 220) at the right centre
    assertThat(rgb(image, 32, 32)).isEqualTo(WHITE);
    assertThat(rgb(image, 0, 0)).isEqualTo(WHITE);
  }

  /** Every generated image shows, at each position its second caption names, the colour it names. */
  @Test
  void generatedImagesAgreeWithTheirCaptions() throws IOException {
    Pattern object = Pattern.compile("an? (\\w+) (\\w+) (?:on the|at the|in the) (\\w+)");
    for (List<Picture> pictures : SyntheticImages.generate(SMALL, 3L).values()) {
      for (Picture p : pictures) {
        BufferedImage image = decode(SyntheticImages.png(SyntheticImages.render(p.items())));
        Matcher m = object.matcher(p.captions().get(1));
        int found = 0;
        while (m.find()) {
          int[] centre = SyntheticImages.POSITIONS.get(m.group(3));
          int expected = SyntheticImages.COLOURS.get(m.group(1)).getRGB() & 0xffffff;
          assertThat(rgb(image, centre[0], centre[1])).as("%s in %s", m.group(), p.fileName()).isEqualTo(expected);
          found++;
        }
        assertThat(found).isEqualTo(p.items().size());
        assertThat(p.captions()).hasSizeBetween(4, 5);
      }
    }
  }

  @Test
  void writesCocoFilesAndPngsByteIdenticallyTwice() throws IOException {
    SyntheticImages.write(SyntheticImages.generate(SMALL, 3L), tmp.resolve("a"));
    SyntheticImages.write(SyntheticImages.generate(SMALL, 3L), tmp.resolve("b"));
    Map<String, byte[]> a = SamplesTestFiles.contents(tmp.resolve("a"));
    assertThat(a).hasSize(24 + 6 + 6 + 3 + 1).containsKeys("images/dev/000025.png", "annotations/captions_test.json");
    assertThat(SamplesTestFiles.contents(tmp.resolve("b"))).containsExactlyEntriesOf(a);

    JsonNode coco = new ObjectMapper().readTree(tmp.resolve("a/annotations/captions_dev.json").toFile());
    assertThat(coco.fieldNames()).toIterable().containsExactly("info", "licenses", "images", "annotations");
    assertThat(coco.get("images")).hasSize(6);
    JsonNode first = coco.get("images").get(0);
    assertThat(first.get("id").asInt()).isEqualTo(25);
    assertThat(first.get("file_name").asText()).isEqualTo("000025.png");
    assertThat(first.get("width").asInt()).isEqualTo(64);
    for (JsonNode ann : coco.get("annotations")) {
      assertThat(ann.get("image_id").asInt()).isBetween(25, 30);
      assertThat(ann.get("caption").asText()).isNotBlank();
    }
    assertThat(Files.size(tmp.resolve("a/images/dev/000025.png"))).isLessThan(1000);
  }

  private static BufferedImage decode(byte[] png) throws IOException {
    return ImageIO.read(new ByteArrayInputStream(png));
  }

  private static int rgb(BufferedImage image, int x, int y) {
    return image.getRGB(x, y) & 0xffffff;
  }
}
