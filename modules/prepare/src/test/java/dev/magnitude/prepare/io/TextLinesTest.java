package dev.magnitude.prepare.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnitude.prepare.SharedSpark;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import scala.Tuple2;

@ExtendWith(SharedSpark.class)
class TextLinesTest {
  @TempDir Path tmp;

  /** Mixed line ends, a blank line, a 2-byte and a 4-byte character, a lone 0xFF, a truncated sequence. */
  private static byte[] content() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes("first\r\nsecond\rthird\n\nümlaut 😀\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    out.writeBytes(new byte[] {'b', 'a', 'd', (byte) 0xFF, '\n'});
    out.writeBytes(new byte[] {'c', 'u', 't', (byte) 0xE2, (byte) 0x82, '\n'});
    out.writeBytes("last".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  private static final List<String> EXPECTED = List.of(
      "0 true first", "1 true second", "2 true third", "3 true ", "4 true ümlaut 😀", "5 false bad\uFFFD",
      "6 false cut\uFFFD", "7 true last");

  private static List<String> read(SparkSession spark, Path file) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    return TextLines.read(jsc, file.toUri().toString())
        .map(t -> t._2() + " " + t._1().utf8() + " " + t._1().text())
        .collect();
  }

  @Test
  void linesAreNumberedAndCheckedAlikeInPlainAndCompressedFiles(SparkSession spark) throws IOException {
    Path plain = Files.write(tmp.resolve("lines.txt"), content());
    Path gzip = tmp.resolve("lines.txt.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gzip))) {
      out.write(content());
    }
    assertThat(read(spark, plain)).containsExactlyElementsOf(EXPECTED);
    assertThat(read(spark, gzip)).containsExactlyElementsOf(EXPECTED);
  }

  @Test
  void validLinesAreThoseTextFileReads(SparkSession spark) throws IOException {
    // The route it replaces: textFile().zipWithIndex() gives the same numbering and, for UTF-8, the same text.
    Path file = Files.write(tmp.resolve("lines.txt"), content());
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<String> viaTextFile = jsc.textFile(file.toUri().toString(), 1).zipWithIndex()
        .map(t -> t._2() + " " + t._1()).collect();
    List<String> viaTextLines = TextLines.read(jsc, file.toUri().toString())
        .map(t -> t._2() + " " + t._1().text()).collect();
    assertThat(viaTextLines).isEqualTo(viaTextFile);
  }

  @Test
  void theFirstNonBlankLineIsFoundOnTheDriver(SparkSession spark) throws IOException {
    var conf = spark.sparkContext().hadoopConfiguration();
    Path file = Files.write(tmp.resolve("h.tsv"), "\n  \r\nname\tscore\nx\t1\n".getBytes());
    Tuple2<TextLines.Line, Long> first = TextLines.firstNonBlank(conf, file.toUri().toString());
    assertThat(first._1()).isEqualTo(TextLines.Line.valid("name\tscore"));
    assertThat(first._2()).isEqualTo(3L);
    Path gzip = tmp.resolve("h.tsv.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gzip))) {
      out.write(Files.readAllBytes(file));
    }
    assertThat(TextLines.firstNonBlank(conf, gzip.toUri().toString())).isEqualTo(first);
    Path blank = Files.write(tmp.resolve("blank.tsv"), "\n \n".getBytes());
    assertThat(TextLines.firstNonBlank(conf, blank.toUri().toString())).isNull();
  }

  /**
   * {@link TextLines#decode} (a lenient decoding first, the strict decoder only when it holds U+FFFD) against
   * the strict decoder alone, on random byte strings made of ASCII, valid sequences of 2-4 bytes, U+FFFD itself,
   * and broken ones (lone continuation bytes, truncated, overlong, encoded surrogates, above U+10FFFF).
   */
  @Test
  void decodeIsTheStrictDecodersVerdict() {
    byte[][] pieces = {
        {'a'}, {' '}, {'{'}, {'"'}, {0x7F}, {0}, bytes(0xC3, 0xA9), bytes(0xE2, 0x82, 0xAC), bytes(0xF0, 0x9F, 0x98, 0x80),
        bytes(0xEF, 0xBF, 0xBD), bytes(0x80), bytes(0xBF), bytes(0xC3), bytes(0xE2, 0x82), bytes(0xF0, 0x9F, 0x98),
        bytes(0xC0, 0xAF), bytes(0xE0, 0x80, 0xAF), bytes(0xED, 0xA0, 0x80), bytes(0xF4, 0x90, 0x80, 0x80), bytes(0xFF),
        bytes(0xF8, 0x88, 0x80, 0x80, 0x80)};
    java.util.Random random = new java.util.Random(23);
    java.nio.charset.CharsetDecoder strict = TextLines.newDecoder();
    int valid = 0;
    for (int k = 0; k < 20_000; k++) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      int n = random.nextInt(12);
      for (int i = 0; i < n; i++) {
        out.writeBytes(pieces[random.nextInt(random.nextBoolean() ? 5 : pieces.length)]);
      }
      byte[] line = out.toByteArray();
      TextLines.Line expected;
      try {
        expected = TextLines.Line.valid(
            TextLines.newDecoder().decode(java.nio.ByteBuffer.wrap(line)).toString());
      } catch (java.nio.charset.CharacterCodingException e) {
        expected = new TextLines.Line(new String(line, java.nio.charset.StandardCharsets.UTF_8), false);
      }
      byte[] padded = java.util.Arrays.copyOf(line, line.length + 3); // only the first length bytes count
      assertThat(TextLines.decode(strict, padded, line.length)).as(java.util.Arrays.toString(line)).isEqualTo(expected);
      valid += expected.utf8() ? 1 : 0;
    }
    assertThat(valid).isBetween(1000, 19_000);
  }

  private static byte[] bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }
}
