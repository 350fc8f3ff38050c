package dev.magnitude.ingest.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnitude.ingest.SharedSpark;
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
}
