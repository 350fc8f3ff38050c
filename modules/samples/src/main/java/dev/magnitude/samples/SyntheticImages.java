package dev.magnitude.samples;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * A synthetic image-caption set in COCO captions layout, rendered with Java2D.
 *
 * <p>An image is {@value #SIZE}×{@value #SIZE} pixels, white, with 1–3 flat-coloured shapes (circle,
 * square, triangle, star, diamond; six colours; small or large) at distinct positions among left, right,
 * top, bottom and centre, no two with the same colour and shape. Shapes never overlap: position centres are
 * 20 px apart and a large shape's radius is {@value #LARGE} px. Each image has 4 or 5 captions of growing
 * detail: colours and shapes; with positions; with sizes and positions; the count of shapes; and, for
 * two or more shapes, a spatial relation ("a large red circle left of a small blue square").
 *
 * <p>Determinism: a palette (indexed) image, antialiasing off and integer polygon vertices, so the
 * pixels are fixed by the scene; PNG files carry no timestamp. Files: {@code images/<split>/<file_name>},
 * {@code annotations/captions_<split>.json}; image and caption ids count from 1 across splits.
 */
public final class SyntheticImages {
  public static final long DEFAULT_SEED = 20260209L;
  static final int SIZE = 64;
  static final int SMALL = 5;
  static final int LARGE = 9;
  static final Map<String, Integer> SPLIT_SIZES = Map.of("train", 320, "dev", 80, "test", 80);

  static final List<String> SHAPES = List.of("circle", "square", "triangle", "star", "diamond");
  /** Colour names with their RGB; index 0 of the palette is the white background. */
  static final Map<String, Color> COLOURS = colours();
  /** Position names with their centre (x, y) in pixels; also the order objects are described in. */
  static final Map<String, int[]> POSITIONS = positions();

  record Item(String shape, String colour, boolean large, String position) {
    int[] centre() {
      return POSITIONS.get(position);
    }

    String noun(boolean withSize) {
      return (withSize ? (large ? "large " : "small ") : "") + colour + " " + shape;
    }
  }

  record Picture(int id, String fileName, List<Item> items, List<String> captions) {}

  private SyntheticImages() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 1 || args.length > 2) {
      SampleFiles.usage("expected an output folder", "SyntheticImages <out-dir> [seed]");
      return;
    }
    long seed = args.length == 2 ? Long.parseLong(args[1]) : DEFAULT_SEED;
    Map<String, List<Picture>> splits = generate(SPLIT_SIZES, seed);
    write(splits, Path.of(args[0]).resolve("synthetic-images"));
    splits.forEach((k, v) -> System.out.println("synthetic-images/" + k + "\t" + v.size() + " images\t"
        + v.stream().mapToInt(p -> p.captions().size()).sum() + " captions"));
  }

  static Map<String, List<Picture>> generate(Map<String, Integer> sizes, long seed) {
    Random random = new Random(seed);
    Map<String, List<Picture>> out = new LinkedHashMap<>();
    int id = 1;
    for (String split : SampleFiles.SPLITS) {
      List<Picture> pictures = new ArrayList<>();
      for (int i = 0; i < sizes.getOrDefault(split, 0); i++, id++) {
        List<Item> items = scene(random);
        pictures.add(new Picture(id, String.format(Locale.ROOT, "%06d.png", id), items, captions(items)));
      }
      out.put(split, pictures);
    }
    return out;
  }

  private static List<Item> scene(Random random) {
    int n = 1 + random.nextInt(3);
    List<String> positions = new ArrayList<>(POSITIONS.keySet());
    java.util.Collections.shuffle(positions, random);
    List<String> colours = new ArrayList<>(COLOURS.keySet());
    List<Item> items = new ArrayList<>();
    while (items.size() < n) {
      String shape = SHAPES.get(random.nextInt(SHAPES.size()));
      String colour = colours.get(random.nextInt(colours.size()));
      boolean large = random.nextBoolean();
      if (items.stream().noneMatch(it -> it.shape().equals(shape) && it.colour().equals(colour))) {
        items.add(new Item(shape, colour, large, positions.get(items.size())));
      }
    }
    List<String> order = new ArrayList<>(POSITIONS.keySet());
    items.sort((a, b) -> Integer.compare(order.indexOf(a.position()), order.indexOf(b.position())));
    return items;
  }

  /** Captions from least to most detailed; the relation caption only with two or more shapes. */
  static List<String> captions(List<Item> items) {
    List<String> out = new ArrayList<>();
    out.add(list(items.stream().map(it -> a(it.noun(false))).toList()));
    out.add(list(items.stream().map(it -> a(it.noun(false)) + " " + where(it.position())).toList()));
    out.add(list(items.stream().map(it -> a(it.noun(true)) + " " + where(it.position())).toList()));
    List<String> shapes = items.stream().map(it -> a(it.shape())).toList();
    out.add(items.size() == 1
        ? "a single " + items.get(0).shape() + " on a white background"
        : (items.size() == 2 ? "two" : "three") + " shapes: " + list(shapes));
    if (items.size() >= 2) {
      Item a = items.get(0);
      Item b = items.get(1);
      out.add(a(a.noun(true)) + " " + relation(a, b) + " " + a(b.noun(true)));
    }
    return out;
  }

  /** Where a is relative to b: horizontal when their x differ, else vertical (y grows downwards). */
  static String relation(Item a, Item b) {
    int dx = a.centre()[0] - b.centre()[0];
    int dy = a.centre()[1] - b.centre()[1];
    if (dx != 0) {
      return dx < 0 ? "left of" : "right of";
    }
    return dy < 0 ? "above" : "below";
  }

  /** The phrase with its indefinite article ("an orange star"). */
  static String a(String phrase) {
    return ("aeiou".indexOf(phrase.charAt(0)) >= 0 ? "an " : "a ") + phrase;
  }

  private static String where(String position) {
    return switch (position) {
      case "left", "right" -> "on the " + position;
      case "centre" -> "in the centre";
      default -> "at the " + position;
    };
  }

  private static String list(List<String> parts) {
    if (parts.size() == 1) {
      return parts.get(0);
    }
    return String.join(", ", parts.subList(0, parts.size() - 1)) + " and " + parts.get(parts.size() - 1);
  }

  /** The image of a scene: palette PNG, antialiasing off. */
  static BufferedImage render(List<Item> items) {
    List<Color> palette = new ArrayList<>(List.of(Color.WHITE));
    palette.addAll(COLOURS.values());
    byte[] r = new byte[palette.size()];
    byte[] g = new byte[palette.size()];
    byte[] b = new byte[palette.size()];
    for (int i = 0; i < palette.size(); i++) {
      r[i] = (byte) palette.get(i).getRed();
      g[i] = (byte) palette.get(i).getGreen();
      b[i] = (byte) palette.get(i).getBlue();
    }
    BufferedImage image =
        new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(4, palette.size(), r, g, b));
    Graphics2D gr = image.createGraphics();
    try {
      gr.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);
      gr.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
      gr.setColor(Color.WHITE);
      gr.fillRect(0, 0, SIZE, SIZE);
      for (Item it : items) {
        gr.setColor(COLOURS.get(it.colour()));
        gr.fill(shape(it.shape(), it.centre()[0], it.centre()[1], it.large() ? LARGE : SMALL));
      }
    } finally {
      gr.dispose();
    }
    return image;
  }

  static byte[] png(BufferedImage image) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    if (!ImageIO.write(image, "png", bytes)) {
      throw new IllegalStateException("this JVM has no PNG writer (javax.imageio)");
    }
    return bytes.toByteArray();
  }

  private static Shape shape(String name, int x, int y, int r) {
    return switch (name) {
      case "circle" -> new Ellipse2D.Double(x - r, y - r, 2 * r, 2 * r);
      case "square" -> new Rectangle2D.Double(x - r + 1, y - r + 1, 2 * r - 2, 2 * r - 2);
      case "triangle" -> new Polygon(new int[] {x, x - r, x + r}, new int[] {y - r, y + r, y + r}, 3);
      case "diamond" -> new Polygon(new int[] {x, x + r, x, x - r}, new int[] {y - r, y, y + r, y}, 4);
      case "star" -> star(x, y, r);
      default -> throw new IllegalArgumentException("unknown shape " + name + "; known: " + SHAPES);
    };
  }

  /** Five points, inner radius 0.45 r, vertices rounded to whole pixels. */
  private static Polygon star(int x, int y, int r) {
    int[] xs = new int[10];
    int[] ys = new int[10];
    for (int i = 0; i < 10; i++) {
      double radius = i % 2 == 0 ? r : 0.45 * r;
      double angle = -Math.PI / 2 + i * Math.PI / 5;
      xs[i] = x + (int) Math.round(radius * Math.cos(angle));
      ys[i] = y + (int) Math.round(radius * Math.sin(angle));
    }
    return new Polygon(xs, ys, 10);
  }

  static void write(Map<String, List<Picture>> splits, Path dir) throws IOException {
    int captionId = 1;
    for (Map.Entry<String, List<Picture>> e : splits.entrySet()) {
      String split = e.getKey();
      List<Map<String, Object>> images = new ArrayList<>();
      List<Map<String, Object>> annotations = new ArrayList<>();
      Path imageDir = dir.resolve("images").resolve(split);
      Files.createDirectories(imageDir);
      for (Picture p : e.getValue()) {
        Files.write(imageDir.resolve(p.fileName()), png(render(p.items())));
        Map<String, Object> image = new LinkedHashMap<>();
        image.put("id", p.id());
        image.put("file_name", p.fileName());
        image.put("width", SIZE);
        image.put("height", SIZE);
        images.add(image);
        for (String caption : p.captions()) {
          Map<String, Object> a = new LinkedHashMap<>();
          a.put("id", captionId++);
          a.put("image_id", p.id());
          a.put("caption", caption);
          annotations.add(a);
        }
      }
      Map<String, Object> info = new LinkedHashMap<>();
      info.put("description", "Magnitude synthetic shapes, split " + split);
      info.put("version", "1.0");
      info.put("contributor", "dev.magnitude.samples.SyntheticImages");
      Map<String, Object> coco = new LinkedHashMap<>();
      coco.put("info", info);
      coco.put("licenses", List.of());
      coco.put("images", images);
      coco.put("annotations", annotations);
      SampleFiles.writeString(dir.resolve("annotations").resolve("captions_" + split + ".json"), SampleFiles.json(coco) + "\n");
    }
    SampleFiles.writeString(dir.resolve("LICENSE"), SampleFiles.resource("generated-LICENSE"));
  }

  private static Map<String, Color> colours() {
    Map<String, Color> m = new LinkedHashMap<>();
    m.put("red", new Color(220, 30, 30));
    m.put("green", new Color(30, 160, 60));
    m.put("blue", new Color(30, 70, 220));
    m.put("yellow", new Color(240, 200, 20));
    m.put("purple", new Color(140, 50, 170));
    m.put("orange", new Color(245, 130, 20));
    return java.util.Collections.unmodifiableMap(m);
  }

  private static Map<String, int[]> positions() {
    Map<String, int[]> m = new LinkedHashMap<>();
    m.put("left", new int[] {12, 32});
    m.put("top", new int[] {32, 12});
    m.put("centre", new int[] {32, 32});
    m.put("bottom", new int[] {32, 52});
    m.put("right", new int[] {52, 32});
    return java.util.Collections.unmodifiableMap(m);
  }
}
