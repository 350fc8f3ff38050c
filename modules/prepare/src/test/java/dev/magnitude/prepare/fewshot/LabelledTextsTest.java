package dev.magnitude.prepare.fewshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.magnitude.prepare.beir.Reasons;
import dev.magnitude.prepare.fewshot.LabelledTextParser.LabelledText;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The labelled-text reader on a broken file holding every kind of bad row, line by line. */
class LabelledTextsTest {
  @TempDir Path tmp;

  /** Line number (1-based, every physical line) → content; a null value is a line of bytes that are not UTF-8. */
  static final String[] LINES = {
      "\uFEFF{\"_id\": \"a1\", \"text\": \"a small dog\", \"label\": \"animal\"}", // 1 valid, BOM dropped
      "{\"_id\": 7, \"text\": \"a tall tree\", \"label\": 3, \"extra\": [1]}", // 2 valid: integer id and label
      "", //                                                                       3 blank: no row
      "{\"_id\": \"a3\", \"text\": \"a cat\"", //                                    4 invalid JSON (unclosed)
      "{\"_id\": \"a4\", \"_id\": \"a5\", \"text\": \"x y\", \"label\": \"l\"}", //  5 invalid JSON (name twice)
      "{\"_id\": \"a6\", \"text\": \"a b\", \"label\": \"l\"} {}", //               6 invalid JSON (trailing)
      "[\"a7\", \"text\"]", //                                                      7 invalid JSON (not an object)
      "{\"text\": \"no id here\", \"label\": \"l\"}", //                            8 missing id
      "{\"_id\": \" \", \"text\": \"blank id\", \"label\": \"l\"}", //              9 missing id
      "{\"_id\": 1.5, \"text\": \"real id\", \"label\": \"l\"}", //                10 missing id (not an integer)
      "{\"_id\": \"a11\", \"text\": \"   \", \"label\": \"l\"}", //               11 empty text
      "{\"_id\": \"a12\", \"label\": \"l\"}", //                                    12 empty text (absent)
      "{\"_id\": \"a13\", \"text\": \"!!! ---\", \"label\": \"l\"}", //             13 no words
      "{\"_id\": \"a14\", \"text\": \"a bird\"}", //                                14 missing label (absent)
      "{\"_id\": \"a15\", \"text\": \"a bird\", \"label\": {\"name\": \"x\"}}", // 15 missing label (object)
      "{\"_id\": \"a16\", \"text\": \"a bird\", \"label\": \"\"}", //              16 missing label (blank)
      null, //                                                                      17 invalid UTF-8
      "{\"_id\": \"a1\", \"text\": \"the same id again\", \"label\": \"animal\"}", // 18 duplicate of line 1
      "{\"_id\": \"a3\", \"text\": \"first valid a3\", \"label\": \"animal\"}", //  19 valid: line 4's a3 was invalid
      "   ", //                                                                     20 blank: no row
  };

  static final Map<Long, String> REASONS = new TreeMap<>(Map.ofEntries(
      Map.entry(4L, Reasons.INVALID_JSON), Map.entry(5L, Reasons.INVALID_JSON), Map.entry(6L, Reasons.INVALID_JSON),
      Map.entry(7L, Reasons.INVALID_JSON), Map.entry(8L, Reasons.MISSING_ID), Map.entry(9L, Reasons.MISSING_ID),
      Map.entry(10L, Reasons.MISSING_ID), Map.entry(11L, Reasons.EMPTY_TEXT), Map.entry(12L, Reasons.EMPTY_TEXT),
      Map.entry(13L, Reasons.NO_WORDS), Map.entry(14L, Reasons.MISSING_LABEL), Map.entry(15L, Reasons.MISSING_LABEL),
      Map.entry(16L, Reasons.MISSING_LABEL), Map.entry(17L, Reasons.INVALID_UTF8), Map.entry(18L, Reasons.DUPLICATE_ID)));

  static byte[] brokenFile(String lineEnd) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String line : LINES) {
      out.write(line == null ? new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'} : line.getBytes(StandardCharsets.UTF_8));
      out.write(lineEnd.getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }

  @Test
  void everyBadRowIsQuarantinedWithItsReasonAndEveryRowIsCounted() throws IOException {
    for (String lineEnd : new String[] {"\n", "\r\n"}) {
      Path file = tmp.resolve("test.jsonl");
      Files.write(file, brokenFile(lineEnd));
      LabelledTexts t = LabelledTexts.read(new Configuration(), file.toString());
      // 20 lines, 2 blank: 18 rows in = 3 valid + 15 quarantined
      assertThat(t.rowsIn()).isEqualTo(18);
      assertThat(t.rows()).containsExactly(new LabelledText("a1", "a small dog", "animal"),
          new LabelledText("7", "a tall tree", "3"), new LabelledText("a3", "first valid a3", "animal"));
      Map<Long, String> reasons = new TreeMap<>();
      t.quarantined().forEach(q -> reasons.put(q.line(), q.reason()));
      assertThat(reasons).as("line end %s", lineEnd.replace("\r", "\\r").replace("\n", "\\n")).isEqualTo(REASONS);
      assertThat(t.quarantined()).allSatisfy(q -> assertThat(q.file()).isEqualTo("test.jsonl"));
      assertThat(t.quarantined().get(t.quarantined().size() - 1).raw()).contains("the same id again");
      assertThat(t.quarantined()).filteredOn(q -> q.line() == 17).singleElement()
          .satisfies(q -> assertThat(q.raw()).isEqualTo("{\uFFFD(}"));
      assertThat(t.countsByLabel()).containsExactlyEntriesOf(new TreeMap<>(Map.of("animal", 2, "3", 1)));
      assertThat(t.countsByReason()).containsEntry(Reasons.INVALID_JSON, 4).containsEntry(Reasons.MISSING_LABEL, 3);
    }
  }

  @Test
  void readsCompressedFilesByExtension() throws IOException {
    Path file = tmp.resolve("dev.jsonl.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
      out.write(brokenFile("\n"));
    }
    LabelledTexts t = LabelledTexts.read(new Configuration(), file.toString());
    assertThat(t.rows()).hasSize(3);
    assertThat(t.quarantined()).hasSize(15);
  }

  @Test
  void aMissingFileIsNamed() {
    assertThatThrownBy(() -> LabelledTexts.read(new Configuration(), tmp.resolve("train.jsonl").toString()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("missing " + tmp.resolve("train.jsonl"))
        .hasMessageContaining("one JSONL file per split");
  }

  @Test
  void theAccountingIsChecked() {
    assertThatThrownBy(() -> new LabelledTexts("x", List.of(), List.of(), 1)).hasMessageContaining("1 rows in but 0 valid");
  }
}
