package dev.magnitude.prepare.sts;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits one line of an STS file into fields.
 *
 * <ul>
 *   <li>Tab: fields are the text between tabs, taken literally. Quotes are not special: STS-B's tsv files
 *       hold sentences with unbalanced double quotes, and their loaders read them with quoting off.
 *   <li>Any other delimiter (CSV): a field that starts with {@code "} is quoted: it runs to the next lone
 *       {@code "}, {@code ""} inside it stands for one {@code "}, and the closing quote must be followed by
 *       the delimiter or the end of the line. A quoted field may not span lines: a line ends a row. A
 *       {@code "} inside an unquoted field is literal (so is a space before an opening quote).
 * </ul>
 */
final class StsFields {
  private StsFields() {}

  /** The fields of {@code line}, or null when a quoted field is not closed or is followed by other text. */
  static List<String> split(String line, char delimiter) {
    List<String> fields = new ArrayList<>();
    if (delimiter == '\t') {
      int start = 0;
      for (int tab = line.indexOf('\t'); tab >= 0; tab = line.indexOf('\t', start)) {
        fields.add(line.substring(start, tab));
        start = tab + 1;
      }
      fields.add(line.substring(start));
      return fields;
    }
    int i = 0;
    while (true) {
      if (i < line.length() && line.charAt(i) == '"') {
        StringBuilder field = new StringBuilder();
        i++;
        while (true) {
          if (i >= line.length()) {
            return null; // the quote is not closed on this line
          }
          char c = line.charAt(i);
          if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
            field.append('"');
            i += 2;
          } else if (c == '"') {
            i++;
            break;
          } else {
            field.append(c);
            i++;
          }
        }
        fields.add(field.toString());
        if (i == line.length()) {
          return fields;
        }
        if (line.charAt(i) != delimiter) {
          return null; // text after the closing quote
        }
        i++;
      } else {
        int end = line.indexOf(delimiter, i);
        if (end < 0) {
          fields.add(line.substring(i));
          return fields;
        }
        fields.add(line.substring(i, end));
        i = end + 1;
      }
    }
  }
}
