package dev.magnitude.prepare.fewshot;

import dev.magnitude.prepare.beir.BeirReader;
import dev.magnitude.prepare.beir.Reasons;
import dev.magnitude.prepare.fewshot.LabelledTextParser.LabelledText;
import dev.magnitude.prepare.fewshot.LabelledTextParser.Parsed;
import dev.magnitude.prepare.io.TextLines;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.CharsetDecoder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.hadoop.util.LineReader;

/**
 * One labelled-text file (few-shot layout, one file per split such as {@code test.jsonl}), validated: the valid
 * rows and every rejected one with its reason. Every non-blank line is a row in: {@code rowsIn = rows.size() +
 * quarantined.size()}.
 *
 * <p>Lines as {@link TextLines} reads them ('\n', '\r' or "\r\n" line ends, compressed files by extension),
 * numbered from 1 counting every physical line; a byte-order mark on line 1 is dropped; blank lines are no rows.
 * A line whose bytes are not UTF-8 is {@link Reasons#INVALID_UTF8}; the others go through {@link
 * LabelledTextParser}; then among the valid rows, every row of an id but the first by line number is a {@link
 * Reasons#DUPLICATE_ID}.
 *
 * @param file the file's name as given, for the quarantine table
 * @param rows the valid rows, in line order
 * @param quarantined the rejected rows, in line order
 * @param rowsIn the non-blank lines
 */
public record LabelledTexts(String file, List<LabelledText> rows, List<Quarantined> quarantined, long rowsIn) {
  public LabelledTexts {
    rows = List.copyOf(rows);
    quarantined = List.copyOf(quarantined);
    if (rowsIn != rows.size() + quarantined.size()) {
      throw new IllegalArgumentException(file + ": " + rowsIn + " rows in but " + rows.size() + " valid and "
          + quarantined.size() + " quarantined");
    }
  }

  /** A rejected line as the quarantine table stores it (data-schemas/quarantine.avsc). */
  public record Quarantined(String file, long line, String reason, String raw) {}

  /** Valid rows per label, labels sorted. */
  public Map<String, Integer> countsByLabel() {
    Map<String, Integer> out = new TreeMap<>();
    rows.forEach(r -> out.merge(r.label(), 1, Integer::sum));
    return out;
  }

  /** Quarantined rows per reason, reasons sorted. */
  public Map<String, Integer> countsByReason() {
    Map<String, Integer> out = new TreeMap<>();
    quarantined.forEach(q -> out.merge(q.reason(), 1, Integer::sum));
    return out;
  }

  /** Validates the lines of one file, in order (line 1 first). */
  public static LabelledTexts of(String file, Iterator<TextLines.Line> lines) {
    LabelledTextParser parser = new LabelledTextParser();
    List<LabelledText> rows = new ArrayList<>();
    List<Quarantined> quarantined = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    long number = 0;
    long in = 0;
    while (lines.hasNext()) {
      TextLines.Line line = lines.next();
      number++;
      String text = BeirReader.stripBom(line.text(), number);
      if (text.isBlank()) {
        continue;
      }
      in++;
      Parsed parsed = line.utf8() ? parser.parse(text) : Parsed.rejected(Reasons.INVALID_UTF8);
      String reason = parsed.reason() == null && !ids.add(parsed.row().id()) ? Reasons.DUPLICATE_ID : parsed.reason();
      if (reason == null) {
        rows.add(parsed.row());
      } else {
        quarantined.add(new Quarantined(file, number, reason, BeirReader.raw(text)));
      }
    }
    return new LabelledTexts(file, rows, quarantined, in);
  }

  /**
   * Reads and validates one file through Hadoop's file systems (file:, hdfs:, s3a:, ...).
   *
   * @throws IllegalArgumentException when the file does not exist
   */
  public static LabelledTexts read(Configuration conf, String path) {
    Path p = new Path(path);
    try {
      if (!p.getFileSystem(conf).exists(p)) {
        throw new IllegalArgumentException("missing " + path + "; a few-shot folder holds one JSONL file per split"
            + " ({\"_id\", \"text\", \"label\"} per line)");
      }
      CompressionCodec codec = new CompressionCodecFactory(conf).getCodec(p);
      InputStream raw = p.getFileSystem(conf).open(p);
      try (InputStream in = codec == null ? raw : codec.createInputStream(raw)) {
        LineReader reader = new LineReader(in, conf);
        CharsetDecoder decoder = TextLines.newDecoder();
        List<TextLines.Line> lines = new ArrayList<>();
        Text text = new Text();
        while (reader.readLine(text) > 0) {
          lines.add(TextLines.decode(decoder, text.getBytes(), text.getLength()));
        }
        return of(p.getName(), lines.iterator());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
    }
  }
}
