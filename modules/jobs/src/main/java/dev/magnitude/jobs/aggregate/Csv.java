package dev.magnitude.jobs.aggregate;

import java.util.List;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * A table as CSV (RFC 4180): a header of the column names, CRLF line ends, and a field in double quotes,
 * with its quotes doubled, when it holds a comma, a quote, CR or LF. Null is an empty field; numbers are
 * written as Java prints them (shortest round-trip form of a double; NaN and Infinity as such).
 *
 * <p>Text cells (column names and every value that is not a number or a boolean) are made safe to open in a
 * spreadsheet, following OWASP's CSV-injection guidance, after {@link #visible} has escaped invisible
 * characters:
 *
 * <ul>
 *   <li>a cell that starts with {@code =}, {@code +}, {@code -}, {@code @}, TAB or CR gets a leading {@code '}
 *       (spreadsheets read the cell as text and show it without the quote), unless the whole cell is a plain
 *       decimal number ({@link #PLAIN_NUMBER}: {@code -0.25}, {@code +3}, {@code -1.5e-3}), which a
 *       spreadsheet reads as that number and evaluates nothing in;
 *   <li>number and boolean values are written as they are ({@code -0.25} stays a number): they are computed,
 *       never text from the input.
 * </ul>
 *
 * The CSV is for reading; the Parquet tables next to it hold every value exactly.
 */
final class Csv {
  private Csv() {}

  /** An optional sign, digits with an optional fraction (or a fraction alone), an optional exponent. */
  static final Pattern PLAIN_NUMBER = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");

  static String of(StructType schema, List<Row> rows) {
    StringBuilder sb = new StringBuilder();
    String[] names = schema.fieldNames();
    for (int i = 0; i < names.length; i++) {
      if (i > 0) {
        sb.append(',');
      }
      field(sb, text(names[i]));
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
          Object value = row.get(i);
          boolean computed = value instanceof Number || value instanceof Boolean;
          field(sb, computed ? String.valueOf(value) : text(String.valueOf(value)));
        }
      }
      sb.append("\r\n");
    }
    return sb.toString();
  }

  /** A text cell as written: invisible characters escaped, then a formula start neutralised. */
  static String text(String value) {
    String shown = visible(value);
    if (shown.isEmpty() || PLAIN_NUMBER.matcher(shown).matches()) {
      return shown;
    }
    char first = shown.charAt(0);
    boolean formula = first == '=' || first == '+' || first == '-' || first == '@' || first == '\t' || first == '\r';
    return formula ? "'" + shown : shown;
  }

  /**
   * The value with every character that a viewer would not show written as {@code \}{@code uXXXX} (four upper
   * case hex digits): C0 controls but TAB, LF and CR (which CSV carries, quoted), DEL and the C1 controls
   * (U+007F–U+009F), and the bidirectional embeddings, overrides and isolates U+202A–U+202E and U+2066–U+2069,
   * which reorder how the rest of a line is displayed. A backslash already in the value is left as it is, so
   * the escaping is for display and cannot be undone in every case.
   */
  static String visible(String value) {
    StringBuilder out = null;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (invisible(c)) {
        if (out == null) {
          out = new StringBuilder(value.length() + 8).append(value, 0, i);
        }
        out.append(String.format("\\u%04X", (int) c));
      } else if (out != null) {
        out.append(c);
      }
    }
    return out == null ? value : out.toString();
  }

  private static boolean invisible(char c) {
    return (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
        || (c >= 0x7F && c <= 0x9F)
        || (c >= 0x202A && c <= 0x202E)
        || (c >= 0x2066 && c <= 0x2069);
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
