package dev.magnitude.jobs.aggregate;

import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * A table as CSV (RFC 4180): a header of the column names, CRLF line ends, and a field in double quotes,
 * with its quotes doubled, when it holds a comma, a quote, CR or LF. Null is an empty field; numbers are
 * written as Java prints them (shortest round-trip form of a double; NaN and Infinity as such).
 */
final class Csv {
  private Csv() {}

  static String of(StructType schema, List<Row> rows) {
    StringBuilder sb = new StringBuilder();
    String[] names = schema.fieldNames();
    for (int i = 0; i < names.length; i++) {
      if (i > 0) {
        sb.append(',');
      }
      field(sb, names[i]);
    }
    sb.append("\r\n");
    for (Row row : rows) {
      if (row.length() != names.length) {
        throw new IllegalArgumentException("row of " + row.length() + " values for " + names.length + " columns");
      }
      for (int i = 0; i < names.length; i++) {
        if (i > 0) {
          sb.append(',');
        }
        if (!row.isNullAt(i)) {
          field(sb, String.valueOf(row.get(i)));
        }
      }
      sb.append("\r\n");
    }
    return sb.toString();
  }

  private static void field(StringBuilder sb, String value) {
    boolean quote = value.indexOf(',') >= 0 || value.indexOf('"') >= 0 || value.indexOf('\r') >= 0
        || value.indexOf('\n') >= 0;
    if (!quote) {
      sb.append(value);
      return;
    }
    sb.append('"').append(value.replace("\"", "\"\"")).append('"');
  }
}
