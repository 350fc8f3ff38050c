package dev.magnitude.prepare.beir;

import dev.magnitude.prepare.io.TextLines;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/**
 * Turns the lines of one input file ({@link TextLines#read}), each with its 0-based index, into rows of the
 * reader's record: line numbers are 1-based, a byte-order mark on line 1 is stripped, blank lines and lines
 * {@link #skip skipped} (a header) give no row. Every other line gives exactly one row, valid or not, so
 * that no line is lost; a line that is not valid UTF-8 is a {@link #reject rejected} row with {@link
 * Reasons#INVALID_UTF8} and its lossy decoding as raw text, whatever else it holds.
 */
public abstract class LineParser implements FlatMapFunction<Tuple2<TextLines.Line, Long>, Row> {
  private static final long serialVersionUID = 1L;

  @Override
  public final Iterator<Row> call(Tuple2<TextLines.Line, Long> indexed) {
    long number = indexed._2() + 1;
    String line = BeirReader.stripBom(indexed._1().text(), number);
    if (line.isBlank() || skip(line, number)) {
      return Collections.emptyIterator();
    }
    Row row = indexed._1().utf8() ? parse(line, number) : reject(line, number, Reasons.INVALID_UTF8);
    return List.of(row).iterator();
  }

  /** A line that holds no data, such as a header; none by default. Sees a lossy decoding of a non-UTF-8 line. */
  protected boolean skip(String line, long number) {
    return false;
  }

  /** The row of one non-blank, valid UTF-8 line (BOM stripped); a bad line is a row with its quarantine reason. */
  public abstract Row parse(String line, long number);

  /** The rejected row of a line that cannot be parsed at all, with {@code reason} and the line as raw text. */
  public abstract Row reject(String line, long number, String reason);
}
