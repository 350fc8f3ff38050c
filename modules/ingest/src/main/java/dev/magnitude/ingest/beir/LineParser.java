package dev.magnitude.ingest.beir;

import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/**
 * Turns the lines of one input file, each with its 0-based index, into rows of the reader's record:
 * line numbers are 1-based, a byte-order mark on line 1 is stripped, blank lines and lines
 * {@link #skip skipped} (a header) give no row. Every other line gives exactly one row, valid or not,
 * so that no line is lost.
 */
public abstract class LineParser implements FlatMapFunction<Tuple2<String, Long>, Row> {
  private static final long serialVersionUID = 1L;

  @Override
  public final Iterator<Row> call(Tuple2<String, Long> indexed) {
    long number = indexed._2() + 1;
    String line = BeirReader.stripBom(indexed._1(), number);
    if (line.isBlank() || skip(line, number)) {
      return Collections.emptyIterator();
    }
    return List.of(parse(line, number)).iterator();
  }

  /** A line that holds no data, such as a header; none by default. */
  protected boolean skip(String line, long number) {
    return false;
  }

  /** The row of one non-blank line (BOM stripped); a bad line is a row with its quarantine reason. */
  public abstract Row parse(String line, long number);
}
