package dev.magnitude.jobs.deploy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A reader for the block-style YAML subset the manifests under deploy/k8s are written in: documents
 * separated by {@code ---}, block mappings, block sequences (items may open a mapping), plain, single- and
 * double-quoted scalars, and comments. No YAML library is on the jobs test class path and the jobs pom
 * stays as it is, so this reads just that subset and refuses the rest (flow collections, anchors,
 * aliases, tags, block scalars, tabs, duplicate keys) with the line, rather than misreading it.
 *
 * <p>Values are {@code Map<String, Object>} (in file order), {@code List<Object>}, {@code String} (every
 * scalar, quoted or not) or null (a key with nothing after it).
 */
final class MiniYaml {
  private record Line(int number, int indent, String text) {}

  private final List<Line> lines;
  private int pos;

  private MiniYaml(List<Line> lines) {
    this.lines = lines;
  }

  /** Every document of the text, in order; empty documents are skipped. */
  static List<Object> parseAll(String text) {
    List<Object> docs = new ArrayList<>();
    List<Line> current = new ArrayList<>();
    String[] raw = text.split("\n", -1);
    for (int i = 0; i < raw.length; i++) {
      String line = raw[i].stripTrailing();
      if (line.equals("---")) {
        addDocument(docs, current);
        current = new ArrayList<>();
        continue;
      }
      int indent = 0;
      while (indent < line.length() && line.charAt(indent) == ' ') {
        indent++;
      }
      if (indent < line.length() && line.charAt(indent) == '\t') {
        throw error(i + 1, "tab in indentation");
      }
      String content = stripComment(line.substring(indent), i + 1);
      if (!content.isEmpty()) {
        current.add(new Line(i + 1, indent, content));
      }
    }
    addDocument(docs, current);
    return docs;
  }

  private static void addDocument(List<Object> docs, List<Line> lines) {
    if (lines.isEmpty()) {
      return;
    }
    MiniYaml y = new MiniYaml(lines);
    if (lines.get(0).indent() != 0) {
      throw error(lines.get(0).number(), "a document must start at column 0");
    }
    Object doc = y.block(0);
    if (y.pos < lines.size()) {
      throw error(lines.get(y.pos).number(), "unexpected indentation");
    }
    docs.add(doc);
  }

  private Object block(int indent) {
    Line line = lines.get(pos);
    return isItem(line.text()) ? sequence(indent) : mapping(indent);
  }

  private Map<String, Object> mapping(int indent) {
    Map<String, Object> map = new LinkedHashMap<>();
    while (pos < lines.size() && lines.get(pos).indent() == indent && !isItem(lines.get(pos).text())) {
      Line line = lines.get(pos++);
      int colon = keyColon(line.text());
      if (colon < 0) {
        throw error(line.number(), "expected 'key: value', got '" + line.text() + "'");
      }
      String key = scalar(line.text().substring(0, colon).strip(), line.number());
      String rest = line.text().substring(colon + 1).strip();
      Object value;
      if (!rest.isEmpty()) {
        value = scalar(rest, line.number());
      } else if (pos < lines.size() && lines.get(pos).indent() > indent) {
        value = block(lines.get(pos).indent());
      } else if (pos < lines.size() && lines.get(pos).indent() == indent && isItem(lines.get(pos).text())) {
        value = sequence(indent);
      } else {
        value = null;
      }
      if (map.containsKey(key)) {
        throw error(line.number(), "duplicate key '" + key + "'");
      }
      map.put(key, value);
    }
    return map;
  }

  private List<Object> sequence(int indent) {
    List<Object> list = new ArrayList<>();
    while (pos < lines.size() && lines.get(pos).indent() == indent && isItem(lines.get(pos).text())) {
      Line line = lines.get(pos);
      String rest = line.text().substring(1).stripLeading();
      if (rest.isEmpty()) {
        pos++;
        if (pos >= lines.size() || lines.get(pos).indent() <= indent) {
          throw error(line.number(), "empty sequence item");
        }
        list.add(block(lines.get(pos).indent()));
      } else if (keyColon(rest) >= 0 || isItem(rest)) {
        // "- key: value" opens a mapping whose keys line up with "key"
        int inner = indent + line.text().length() - rest.length();
        lines.set(pos, new Line(line.number(), inner, rest));
        list.add(block(inner));
      } else {
        pos++;
        list.add(scalar(rest, line.number()));
      }
    }
    return list;
  }

  private static boolean isItem(String text) {
    return text.equals("-") || text.startsWith("- ");
  }

  /** The colon ending a mapping key ("key:" then a space or the end), outside quotes; -1 if none. */
  private static int keyColon(String text) {
    char quote = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        }
      } else if ((c == '"' || c == '\'') && i == 0) {
        quote = c;
      } else if (c == ':' && (i + 1 == text.length() || text.charAt(i + 1) == ' ')) {
        return i;
      }
    }
    return -1;
  }

  private static String stripComment(String text, int number) {
    char quote = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quote != 0) {
        if (c == '\\' && quote == '"') {
          i++;
        } else if (c == quote) {
          quote = 0;
        }
      } else if (c == '"' || c == '\'') {
        if (i == 0 || " :-".indexOf(text.charAt(i - 1)) >= 0) {
          quote = c;
        }
      } else if (c == '#' && (i == 0 || text.charAt(i - 1) == ' ')) {
        return text.substring(0, i).stripTrailing();
      }
    }
    if (quote != 0) {
      throw error(number, "unterminated quote");
    }
    return text;
  }

  private static String scalar(String text, int number) {
    if (text.startsWith("\"")) {
      if (text.length() < 2 || !text.endsWith("\"")) {
        throw error(number, "bad double-quoted scalar " + text);
      }
      StringBuilder out = new StringBuilder();
      for (int i = 1; i < text.length() - 1; i++) {
        char c = text.charAt(i);
        if (c == '\\') {
          char e = text.charAt(++i);
          out.append(switch (e) {
            case 'n' -> '\n';
            case 't' -> '\t';
            case '"', '\\', '/' -> e;
            default -> throw error(number, "unsupported escape \\" + e);
          });
        } else {
          out.append(c);
        }
      }
      return out.toString();
    }
    if (text.startsWith("'")) {
      if (text.length() < 2 || !text.endsWith("'")) {
        throw error(number, "bad single-quoted scalar " + text);
      }
      return text.substring(1, text.length() - 1).replace("''", "'");
    }
    if ("{[&*!|>%@`".indexOf(text.charAt(0)) >= 0) {
      throw error(number, "outside the supported YAML subset: " + text);
    }
    return text;
  }

  private static IllegalArgumentException error(int line, String message) {
    return new IllegalArgumentException("line " + line + ": " + message);
  }
}
