package dev.magnitude.prepare.fewshot;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnitude.prepare.beir.Reasons;
import dev.magnitude.prepare.io.StrictJson;
import dev.magnitude.prepare.tokenize.BuiltinTokenizer;
import java.io.IOException;
import java.io.Serializable;

/**
 * Parses one line of a labelled-text file (the few-shot layout): a JSON object {@code {"_id": ..., "text": ...,
 * "label": ...}}; other members are ignored. A pure function of the line, no state, no I/O.
 *
 * <p>Rules, in this order (a line gets the first reason that applies):
 *
 * <ol>
 *   <li>{@link Reasons#INVALID_JSON}: not one JSON object (a member named twice and trailing tokens count as
 *       invalid, as for BEIR).
 *   <li>{@link Reasons#MISSING_ID}: {@code _id} absent, null, blank, or neither a string nor an integer.
 *   <li>{@link Reasons#EMPTY_TEXT}: {@code text} absent, null, blank or not a scalar; {@link Reasons#NO_WORDS}:
 *       it holds no word (the builtin tokenizer's rule).
 *   <li>{@link Reasons#MISSING_LABEL}: {@code label} absent, null, blank, or neither a string nor an integer.
 * </ol>
 *
 * Id, text and label are taken as given (an integer as its decimal digits), not trimmed.
 */
public final class LabelledTextParser implements Serializable {
  private static final long serialVersionUID = 1L;

  /** A valid row. */
  public record LabelledText(String id, String text, String label) {}

  /** The row of a valid line, or the reason it is rejected; exactly one is null. */
  public record Parsed(LabelledText row, String reason) {
    static Parsed rejected(String reason) {
      return new Parsed(null, reason);
    }
  }

  /** Parses a line that is valid UTF-8, without its byte-order mark. */
  public Parsed parse(String line) {
    JsonNode node;
    try {
      node = StrictJson.MAPPER.readTree(line);
    } catch (IOException e) {
      return Parsed.rejected(Reasons.INVALID_JSON);
    }
    if (node == null || !node.isObject()) {
      return Parsed.rejected(Reasons.INVALID_JSON);
    }
    String id = idOrLabel(node.get("_id"));
    if (id == null) {
      return Parsed.rejected(Reasons.MISSING_ID);
    }
    JsonNode textNode = node.get("text");
    String text = textNode == null || textNode.isNull() || !textNode.isValueNode() ? "" : textNode.asText();
    if (text.isBlank()) {
      return Parsed.rejected(Reasons.EMPTY_TEXT);
    }
    if (!BuiltinTokenizer.hasWord(text)) {
      return Parsed.rejected(Reasons.NO_WORDS);
    }
    String label = idOrLabel(node.get("label"));
    if (label == null) {
      return Parsed.rejected(Reasons.MISSING_LABEL);
    }
    return new Parsed(new LabelledText(id, text, label), null);
  }

  /** A non-blank string or an integer as text; null otherwise. */
  private static String idOrLabel(JsonNode value) {
    if (value == null || !(value.isTextual() || value.isIntegralNumber())) {
      return null;
    }
    String s = value.asText();
    return s.isBlank() ? null : s;
  }
}
