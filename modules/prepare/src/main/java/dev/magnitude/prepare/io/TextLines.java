package dev.magnitude.prepare.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.hadoop.mapred.TextInputFormat;
import org.apache.hadoop.util.LineReader;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;

/**
 * The lines of a text file, read with Hadoop's text input format ('\n', '\r' or "\r\n" line ends, compressed
 * files by extension) and checked to be UTF-8. Unlike {@code JavaSparkContext.textFile}, which silently
 * turns bytes that are not UTF-8 into U+FFFD, a line that is not valid UTF-8 is kept and marked, so a reader
 * can quarantine it instead of preparing a corrupted text.
 */
public final class TextLines {
  private TextLines() {}

  /**
   * One line of a file.
   *
   * @param text the line decoded as UTF-8; when the bytes are not valid UTF-8, each malformed sequence is
   *     replaced by U+FFFD (a lossy decoding, for the quarantine table)
   * @param utf8 whether the line's bytes are valid UTF-8
   */
  public record Line(String text, boolean utf8) implements Serializable {
    public static Line valid(String text) {
      return new Line(text, true);
    }
  }

  /**
   * The lines of one file with their 0-based index. One partition per Hadoop split (files larger than a
   * block are still read in parallel); {@code zipWithIndex} follows the file's split order, so the index is
   * the physical line number − 1, the same numbering as {@code textFile(path).zipWithIndex()}. The lines are
   * numbered before they are decoded: {@code zipWithIndex} first runs a job that counts each partition's
   * lines, which then only reads them.
   */
  public static JavaPairRDD<Line, Long> read(JavaSparkContext jsc, String path) {
    return jsc.hadoopFile(path, TextInputFormat.class, LongWritable.class, Text.class, 1)
        .zipWithIndex()
        // Hadoop reuses one Text per partition: each line is decoded into its own String as it is read.
        .mapPartitionsToPair(TextLines::decodeIndexed);
  }

  /**
   * The lines of one file, decoded as {@link #read} decodes them, without their index: what the prepare
   * job's parsers see, for benchmarks.
   *
   * @param minPartitions at least this many partitions (Hadoop splits)
   */
  public static JavaRDD<Line> lines(JavaSparkContext jsc, String path, int minPartitions) {
    return jsc.hadoopFile(path, TextInputFormat.class, LongWritable.class, Text.class, minPartitions)
        .mapPartitions(TextLines::decodeAll);
  }

  /**
   * The first non-blank line of a file and its 1-based number, read on the driver with the same line
   * ends and codecs as {@link #read}; null when the file holds no non-blank line.
   */
  public static Tuple2<Line, Long> firstNonBlank(Configuration conf, String path) {
    Path p = new Path(path);
    try {
      CompressionCodec codec = new CompressionCodecFactory(conf).getCodec(p);
      InputStream raw = p.getFileSystem(conf).open(p);
      try (InputStream in = codec == null ? raw : codec.createInputStream(raw)) {
        LineReader reader = new LineReader(in, conf);
        Text text = new Text();
        CharsetDecoder decoder = newDecoder();
        long number = 0;
        while (reader.readLine(text) > 0) {
          number++;
          Line line = decode(decoder, text);
          if (!line.text().isBlank()) {
            return new Tuple2<>(line, number);
          }
        }
        return null;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * Decodes a line's bytes: strictly, and lossily when they are not UTF-8. Decoded first as {@code new
   * String(bytes, UTF_8)} does (for ASCII a copy of the bytes), which replaces every malformed sequence by
   * U+FFFD and otherwise gives the strict decoding: so a text without U+FFFD is the line, valid, and only a
   * line with U+FFFD (malformed, or holding U+FFFD itself) is decoded again by {@code strict} to tell which.
   * For a Latin-1 string, the look for U+FFFD returns at once.
   */
  public static Line decode(CharsetDecoder strict, byte[] bytes, int length) {
    String text = new String(bytes, 0, length, StandardCharsets.UTF_8);
    if (text.indexOf('\uFFFD') < 0) {
      return new Line(text, true);
    }
    try {
      return new Line(strict.reset().decode(ByteBuffer.wrap(bytes, 0, length)).toString(), true);
    } catch (CharacterCodingException e) {
      return new Line(text, false);
    }
  }

  /** A UTF-8 decoder that reports malformed and unmappable input; not thread-safe. */
  public static CharsetDecoder newDecoder() {
    return StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
  }

  private static Line decode(CharsetDecoder strict, Text text) {
    return decode(strict, text.getBytes(), text.getLength());
  }

  private static Iterator<Line> decodeAll(Iterator<Tuple2<LongWritable, Text>> lines) {
    CharsetDecoder decoder = newDecoder();
    return mapped(lines, line -> decode(decoder, line._2()));
  }

  private static Iterator<Tuple2<Line, Long>> decodeIndexed(Iterator<Tuple2<Tuple2<LongWritable, Text>, Long>> lines) {
    CharsetDecoder decoder = newDecoder();
    return mapped(lines, line -> new Tuple2<>(decode(decoder, line._1()._2()), line._2()));
  }

  /** {@code items} with {@code f} applied to each, lazily (a partition's lines are never all held). */
  private static <A, B> Iterator<B> mapped(Iterator<A> items, java.util.function.Function<A, B> f) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return items.hasNext();
      }

      @Override
      public B next() {
        return f.apply(items.next());
      }
    };
  }
}
