package dev.magnitude.prepare.beir;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnitude.prepare.tokenize.BuiltinTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * The scan of lines of the commonest shape ({@code parseScanned}: one object of string members, no escapes)
 * gives every line it takes the row of the Jackson routes ({@code parseFlat}, {@code parseTree}), and takes
 * the lines of that shape: on the fixtures of the reader's tests, on hand-written edge cases, and on random
 * lines built from JSON-ish fragments, valid and mutated.
 */
class ScannedRecordParseTest {
  private final BeirReader.RecordParser corpus = new BeirReader.RecordParser("corpus.jsonl", true, false);
  private final BeirReader.RecordParser queries = new BeirReader.RecordParser("queries.jsonl", false, false);

  /** Lines of the scanned shape: the scan must take them, for documents and for queries. */
  private static final List<String> TAKEN = List.of(
      "{\"_id\":\"d12\",\"title\":\"A Title\",\"text\":\"Some body text, with punctuation.\"}",
      "{\"_id\": \"d12\", \"title\": \"A Title\", \"text\": \"Some body text\"}",
      " \t{ \"_id\" :\"d1\" ,\t\"text\"\t:\t\"x y\"\n,\r\"title\" : \"T\" }\r\n\t ",
      "{\"_id\":\"d1\",\"title\":\"\",\"text\":\"\"}",
      "{\"_id\":\"d1\",\"title\":\"   \",\"text\":\"body\"}",
      "{\"_id\":\"d1\",\"title\":\"Title only\",\"text\":\" \u00a0\"}",
      "{\"_id\":\"d1\",\"title\":\"Title only\"}",
      "{\"_id\":\"d1\",\"text\":\"no title\"}",
      "{\"_id\":\"d1\"}",
      "{\"_id\":\"\",\"text\":\"blank id\"}",
      "{\"_id\":\"  \",\"text\":\"x\"}",
      "{\"title\":\"no id\",\"text\":\"x\"}",
      "{}",
      " { } ",
      "{\"_id\":\"d1\",\"text\":\"-- ** ?? --\"}",
      "{\"_id\":\"d1\",\"text\":\"is it? yes?\",\"title\":\"why?\"}",
      "{\"_id\":\"d1\",\"text\":\"} , : ] [ { ' / # = ;\",\"title\":\"}{\"}",
      "{\"_id\":\"d1\",\"text\":\"caf\u00e9 na\u00efve \u00bd\",\"title\":\"\u00c0 la carte\"}",
      "{\"_id\":\"d1\",\"text\":\"\u2014 dash \u2026 \u4e2d\u6587 \ud83d\ude00 emoji\",\"title\":\"\u03a3\u0391\u03a3\"}",
      "{\"_id\":\"d1\",\"text\":\"\u2014 \u2026 \u2014\"}",
      "{\"_id\":\"d1\",\"text\":\"\u00a0\u200b\u3000\"}",
      "{\"_id\":\"d1\",\"text\":\"lone \ud83d surrogate and \ude00 another\"}",
      "{\"_id\":\"\u00e9\u4e2d\",\"text\":\"ascii text, non-ASCII id\"}",
      "{\"_id\":\"d1\",\"url\":\"http://x/y?q=1\",\"text\":\"x\",\"title\":\"t\",\"lang\":\"en\"}",
      "{\"url\":\"a\",\"URL\":\"a\",\"Url\":\"b\",\"_id\":\"d1\",\"text\":\"case differs\"}",
      "{\"_id\": \"4983\", \"title\": \"BEIR\", \"text\": \"with metadata\", \"metadata\": {}}",
      "{\"metadata\":{ \t},\"_id\":\"d1\",\"m2\":{},\"text\":\"x\",\"m3\":\"s\",\"m4\":{}}",
      "{\"_id \":\"not the id\",\"text\":\"x\",\"texts\":\"y\",\"\":\"empty name\",\"tit\":\"z\"}",
      "{\"_id\":\"d1\",\"text\":\"" + "long ".repeat(5_000) + "\"}");

  /** Lines outside the scanned shape: the scan must leave them to Jackson. */
  private static final List<String> LEFT = List.of(
      "{\"_id\":12,\"text\":\"numeric id\"}",
      "{\"_id\":\"a\",\"text\":null}",
      "{\"_id\":\"a\",\"text\":true}",
      "{\"_id\":\"a\",\"text\":\"x\",\"n\":1.5}",
      "{\"_id\":\"a\",\"text\":{\"nested\":\"x\"}}",
      "{\"_id\":\"a\",\"text\":\"x\",\"meta\":{\"k\":\"v\"}}",
      "{\"_id\":\"a\",\"text\":\"x\",\"meta\":{,}}",
      "{\"_id\":\"a\",\"text\":\"x\",\"meta\":{}}}",
      "{\"_id\":\"a\",\"text\":\"x\",\"meta\":{\"\"}}",
      "{\"_id\":\"a\",\"text\":\"x\",\"meta\":{ \u000b }}",
      "{\"_id\":\"a\",\"text\":\"x\",\"meta\":[]}",
      "{\"_id\":\"a\",\"text\":\"x\",\"meta\":{}, \"meta\":\"again\"}",
      "{\"m\":{},\"_id\":\"a\",\"m\":{},\"text\":\"x\"}",
      "{\"_id\":{},\"text\":\"x\"}",
      "{\"_id\":\"a\",\"text\":{}}",
      "{\"_id\":\"a\",\"title\":{},\"text\":\"x\"}",
      "{\"_id\":\"a\",\"text\":[\"x\"]}",
      "{\"_id\":\"a\",\"text\":\"escaped \\\"quote\\\"\"}",
      "{\"_id\":\"a\",\"text\":\"x\",\"url\":\"escaped \\/ elsewhere\"}",
      "{\"_id\":\"a\",\"text\":\"bad \\q escape\"}",
      "{\"_id\":\"a\",\"text\":\"raw\ttab\"}",
      "{\"_id\":\"a\",\"text\":\"raw\nnewline\"}",
      "{\"_id\":\"a\",\"text\":\"nul \u0000 char\"}",
      "{\"_id\":\"a\",\"text\":\"x\",\"url\":\"unit \u001f separator\"}",
      "{\"_id\":\"a\",\"ta\tb\":\"control in a name\",\"text\":\"x\"}",
      "{\"_id\":\"a\",\"_id\":\"b\",\"text\":\"x\"}",
      "{\"_id\":\"a\",\"text\":\"x\",\"text\":\"y\"}",
      "{\"_id\":\"a\",\"title\":\"x\",\"text\":\"y\",\"title\":\"z\"}",
      "{\"_id\":\"a\",\"u\":\"1\",\"v\":\"2\",\"u\":\"3\",\"text\":\"x\"}",
      "{\"\":\"1\",\"_id\":\"a\",\"\":\"2\"}",
      "{\"_id\":\"a\",\"text\":\"x\"} {}",
      "{\"_id\":\"a\",\"text\":\"x\"}x",
      "{\"_id\":\"a\",\"text\":\"x\"}}",
      "{\"_id\":\"a\",\"text\":\"x\"},",
      "{\"_id\":\"a\",\"text\":\"x\"",
      "{\"_id\":\"a\",\"text\":\"x",
      "{\"_id\":\"a\",\"text\":",
      "{\"_id\":\"a\",\"text\"}",
      "{\"_id\":\"a\",\"text\":\"x\",}",
      "{,\"_id\":\"a\"}",
      "{\"_id\":\"a\" \"text\":\"x\"}",
      "{\"_id\":\"a\",,\"text\":\"x\"}",
      "{\"_id\"=\"a\"}",
      "{'_id':'a','text':'x'}",
      "{_id:\"a\"}",
      "{\"_id\":\"a\",\"text\":\"x\"} // comment",
      "{\"_id\":\"a\",\u000b\"text\":\"x\"}",
      "{\"_id\":\"a\",\u00a0\"text\":\"x\"}",
      "\uFEFF{\"_id\":\"a\",\"text\":\"x\"}",
      "{\"" + "n".repeat(60_000) + "\":\"name longer than Jackson allows\",\"_id\":\"a\",\"text\":\"x\"}",
      "[]",
      "[{\"_id\":\"a\",\"text\":\"x\"}]",
      "\"just a string\"",
      "42",
      "null",
      "",
      "   ",
      "{",
      "}",
      "not json at all");

  /** A member whose value is an empty object. */
  private static final Pattern EMPTY_OBJECT = Pattern.compile(":[ \\t\\n\\r]*\\{[ \\t\\n\\r]*}");

  /** Every column of the row: file, line, raw, id, text, reason, split, answers. */
  private static List<Object> columns(Row r) {
    List<Object> out = new ArrayList<>();
    for (int i = 0; i < r.length(); i++) {
      out.add(r.get(i));
    }
    return out;
  }

  /**
   * Checks one line with both parsers: a row of the scan is the streaming parse's (which must then take the
   * line too) and the tree's, and {@code parse} gives the tree's row. Returns whether the corpus scan took it.
   */
  private boolean check(String line) {
    boolean taken = false;
    for (BeirReader.RecordParser parser : List.of(corpus, queries)) {
      List<Object> tree = columns(parser.parseTree(line, 7));
      Row scanned = parser.parseScanned(line, 7);
      if (scanned != null) {
        assertThat(columns(scanned)).as(line).isEqualTo(tree);
        Row flat = parser.parseFlat(line, 7);
        if (!EMPTY_OBJECT.matcher(line).find()) { // the streaming parse leaves those to the tree
          assertThat(flat).as("the streaming parse takes what the scan takes: %s", line).isNotNull();
          assertThat(columns(scanned)).as(line).isEqualTo(columns(flat));
        }
        taken |= parser == corpus;
      }
      assertThat(columns(parser.parse(line, 7))).as(line).isEqualTo(tree);
    }
    return taken;
  }

  @Test
  void linesOfTheShapeAreScannedToTheJacksonRow() {
    for (String line : TAKEN) {
      assertThat(check(line)).as("scanned: %s", line).isTrue();
      assertThat(queries.parseScanned(line, 7)).as("scanned as a query: %s", line).isNotNull();
    }
    // The lines cover valid rows and every per-row reason a scanned line can get.
    List<Object> reasons = new ArrayList<>();
    TAKEN.forEach(l -> reasons.add(corpus.parseScanned(l, 7).get(5)));
    assertThat(reasons).contains(null, Reasons.MISSING_ID, Reasons.EMPTY_TEXT, Reasons.NO_WORDS);
  }

  @Test
  void theRowIsTheDocumentOrQuery() {
    String line = "{ \"_id\": \"d12\", \"title\": \"A Title\", \"text\": \"Some body text\" }";
    Row r = corpus.parseScanned(line, 7);
    assertThat(columns(r)).containsExactly("corpus.jsonl", 7L, line, "d12", "A Title Some body text", null, null, null);
    assertThat(queries.parseScanned(line, 7).getString(4)).isEqualTo("Some body text");
    assertThat(corpus.parseScanned("{\"_id\":\"d\",\"title\":\" \",\"text\":\"b\"}", 7).getString(4)).isEqualTo("b");
    assertThat(corpus.parseScanned("{\"_id\":\"d\",\"title\":\"t\",\"text\":\" \"}", 7).getString(4)).isEqualTo("t");
    assertThat(queries.parseScanned("{\"_id\":\"q\",\"title\":\"t\"}", 7).getString(5)).isEqualTo(Reasons.EMPTY_TEXT);
    assertThat(corpus.parseScanned("{\"_id\":\" \",\"text\":\"x\"}", 7).getString(5)).isEqualTo(Reasons.MISSING_ID);
  }

  @Test
  void linesOutsideTheShapeAreLeftToJackson() {
    for (String line : LEFT) {
      assertThat(check(line)).as("left to Jackson: %s", line).isFalse();
      assertThat(queries.parseScanned(line, 7)).as("left to Jackson as a query: %s", line).isNull();
    }
  }

  @Test
  void fixturesOfTheReaderTestsGetTheJacksonRow() {
    List<String> lines = new ArrayList<>();
    for (String file : List.of(BrokenBeir.CORPUS, BrokenBeir.QUERIES)) {
      lines.addAll(List.of(file.replace(BrokenBeir.BAD_BYTE, "\uFFFD").split("\n", -1)));
    }
    lines.addAll(FlatRecordParseTest.LINES);
    lines.addAll(List.of( // BeirReaderTest's valid folder
        "{\"_id\":\"d1\",\"text\":\"first document\"}", "{\"_id\":\"d2\",\"text\":\"second document\"}",
        "{\"_id\":\"q1\",\"text\":\"first query\"}", "{\"_id\":\"q2\",\"text\":\"second query\"}"));
    int taken = 0;
    for (String line : lines) {
      taken += check(line) ? 1 : 0;
    }
    assertThat(taken).isGreaterThanOrEqualTo(20);
  }

  /** Random lines from fragments: member lists of strings and other values, whitespace, then mutations. */
  @Test
  void randomLinesGetTheJacksonRow() {
    Random random = new Random(20261127L);
    String[] names =
        {"_id", "_id", "title", "text", "text", "url", "meta", "metadata", "", "Text", "_id ", "a:b", "x,y"};
    String[] strings = {"", " ", "  \u00a0", "d1", "d2", "word", "two words", "caf\u00e9", "\u2014", "\u4e2d\u6587",
        "\ud83d\ude00", "\ud83d", "?", "why? because", "}", ",", ":", "[", "{", "-- **", "x\\ny", "\\\"", "\\u00e9",
        "\t", "a\u0001b", "\u007f", "\uFEFF", "\uFFFD"};
    String[] words = {"d7", "word ", " two words", "Caf\u00e9 ", "x", "\u4e2d\u6587 ", "A"};
    String[] others =
        {"12", "-1.5", "1e3", "true", "false", "null", "{}", "{}", "{ }", "{\t}", "[]", "{\"k\":\"v\"}", "[\"x\"]", "01"};
    String[] spaces = {"", "", "", "", "", "", " ", " ", "\t", "\n", "\r\n", "  "};
    String pieces = "{}[]\",:\\ \t0a-.?\u00e9\u2014\ud83d\u000b\u00a0"; // the last two: not JSON whitespace
    int lines = 30_000;
    int taken = 0;
    int valid = 0;
    for (int k = 0; k < lines; k++) {
      StringBuilder line = new StringBuilder();
      line.append(pick(random, spaces)).append('{');
      // Half the lines start as a document (id, title, text in some order, plain words), the rest anyhow.
      boolean document = random.nextBoolean();
      List<String> members = new ArrayList<>(document ? List.of("_id", "title", "text") : List.of());
      java.util.Collections.shuffle(members, random);
      for (int m = random.nextInt(document ? 2 : 6); m > 0; m--) {
        members.add(random.nextInt(members.size() + 1), pick(random, names));
      }
      for (int m = 0; m < members.size(); m++) {
        if (m > 0) {
          line.append(pick(random, spaces)).append(',');
        }
        line.append(pick(random, spaces)).append('"').append(members.get(m)).append('"')
            .append(pick(random, spaces)).append(':').append(pick(random, spaces));
        if (random.nextInt(document ? 40 : 8) == 0) {
          line.append(pick(random, others));
        } else {
          line.append('"');
          for (int f = random.nextInt(4); f > 0; f--) {
            line.append(document && random.nextInt(4) != 0 ? pick(random, words) : pick(random, strings));
          }
          line.append('"');
        }
      }
      line.append(pick(random, spaces)).append('}').append(pick(random, spaces));
      if (random.nextInt(3) == 0) {
        for (int e = 1 + random.nextInt(2); e > 0 && line.length() > 0; e--) {
          int at = random.nextInt(line.length());
          char c = pieces.charAt(random.nextInt(pieces.length()));
          switch (random.nextInt(3)) {
            case 0 -> line.deleteCharAt(at);
            case 1 -> line.insert(at, c);
            default -> line.setCharAt(at, c);
          }
        }
      }
      String text = line.toString();
      if (check(text)) {
        taken++;
        valid += corpus.parseScanned(text, 7).isNullAt(5) ? 1 : 0;
      }
    }
    // Not vacuous: the scan takes a good share of the lines, some of them valid rows.
    assertThat(taken).isGreaterThan(lines / 10);
    assertThat(valid).isGreaterThan(lines / 100);
  }

  @Test
  void charKindsAreThoseOfTheChars() {
    Random random = new Random(7L);
    char[] alphabet = {'a', 'Z', '0', ' ', '?', '~', '\u007f', '\t', '\n', '\u0000', '\u001f', '\u0080', '\u00e9',
        '\u00ff', '\u0100', '\u2014', '\u3f3f', '\ud83d', '\ude00'};
    int controls = 0;
    int ascii = 0;
    for (int k = 0; k < 20_000; k++) {
      StringBuilder s = new StringBuilder();
      int length = random.nextInt(40);
      boolean plain = random.nextBoolean(); // mostly printable ASCII, so that both flags are often clear
      for (int i = 0; i < length; i++) {
        s.append(plain && random.nextInt(30) != 0
            ? (char) (' ' + random.nextInt(95))
            : alphabet[random.nextInt(alphabet.length)]);
      }
      String line = s.toString();
      boolean control = line.chars().anyMatch(c -> c < 0x20);
      boolean notAscii = line.chars().anyMatch(c -> c >= 0x80);
      int expected =
          (control ? BeirReader.RecordParser.CONTROL : 0) | (notAscii ? BeirReader.RecordParser.NOT_ASCII : 0);
      assertThat(BeirReader.RecordParser.charKinds(line)).as(line).isEqualTo(expected);
      controls += control ? 1 : 0;
      ascii += notAscii ? 0 : 1;
    }
    assertThat(controls).isBetween(1000, 19_000);
    assertThat(ascii).isBetween(1000, 19_000);
  }

  @Test
  void hasAsciiWordIsHasWordOnAsciiText() {
    Random random = new Random(11L);
    String alphabet = " -.,?!*aZ09_\t~";
    int words = 0;
    for (int k = 0; k < 5_000; k++) {
      StringBuilder s = new StringBuilder();
      for (int i = random.nextInt(12); i > 0; i--) {
        s.append(alphabet.charAt(random.nextInt(random.nextInt(4) == 0 ? alphabet.length() : 5)));
      }
      String text = s.toString();
      boolean expected = BuiltinTokenizer.hasWord(text);
      assertThat(BuiltinTokenizer.hasAsciiWord(text)).as(text).isEqualTo(expected);
      words += expected ? 1 : 0;
    }
    assertThat(words).isBetween(500, 4_500);
    // A non-ASCII char before any word char: hasWord's answer.
    assertThat(BuiltinTokenizer.hasAsciiWord("\u2014 \u00e9")).isTrue();
    assertThat(BuiltinTokenizer.hasAsciiWord("\u2014 \u2026")).isFalse();
  }

  private static String pick(Random random, String[] choices) {
    return choices[random.nextInt(choices.length)];
  }
}
