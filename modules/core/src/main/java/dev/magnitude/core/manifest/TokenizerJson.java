package dev.magnitude.core.manifest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.magnitude.core.config.TokenizerSpec;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * What the pipeline reads from a HuggingFace {@code tokenizer.json} without running it: its id space and its
 * special ids. The prepare job pads with {@link #padId()}; an encoder masks by it and embeds an empty text as
 * {@link #unkId()}.
 *
 * <ul>
 *   <li>{@code vocabularySize}: the largest id of {@code model.vocab} (an object, or Unigram's list of [token,
 *       score]) and {@code added_tokens}, plus one.
 *   <li>{@code padId}: {@code padding.pad_id} when the file has a padding section; else the id of {@code [PAD]},
 *       else of {@code <pad>}; else 0.
 *   <li>{@code unkId}: the id of {@code model.unk_token} when the file names one (WordPiece, BPE), or
 *       {@code model.unk_id} (Unigram); else of {@code [UNK]}, else of {@code <unk>}; else -1 (none).
 * </ul>
 */
public record TokenizerJson(int vocabularySize, int padId, int unkId) {
  /**
   * Reads the ids of a tokenizer.json.
   *
   * @param source names the file in error messages, e.g. its path
   * @throws IllegalArgumentException when the bytes are not a JSON object or have no tokens; the one-line
   *     message starts with {@code source}
   */
  public static TokenizerJson parse(byte[] json, String source) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException(source + " is not valid JSON: " + firstLine(e));
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(source + " is not a tokenizer.json: not a JSON object");
    }
    Map<String, Integer> tokens = tokens(root);
    if (tokens.isEmpty()) {
      throw new IllegalArgumentException(
          source + " is not a tokenizer.json: model.vocab and added_tokens are missing or empty");
    }
    int size = tokens.values().stream().mapToInt(Integer::intValue).max().getAsInt() + 1;
    return new TokenizerJson(size, padId(root, tokens), unkId(root, tokens));
  }

  /** Token → id from {@code model.vocab} (an object, or Unigram's list of [token, score]) and added_tokens. */
  private static Map<String, Integer> tokens(JsonNode root) {
    Map<String, Integer> out = new HashMap<>();
    JsonNode vocab = root.path("model").path("vocab");
    if (vocab.isObject()) {
      vocab.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asInt()));
    } else if (vocab.isArray()) {
      for (int i = 0; i < vocab.size(); i++) {
        out.put(vocab.get(i).path(0).asText(), i);
      }
    }
    for (JsonNode added : root.path("added_tokens")) {
      if (added.hasNonNull("content") && added.hasNonNull("id")) {
        out.put(added.get("content").asText(), added.get("id").asInt());
      }
    }
    return out;
  }

  private static int padId(JsonNode root, Map<String, Integer> tokens) {
    JsonNode padding = root.path("padding");
    if (padding.isObject() && padding.hasNonNull("pad_id")) {
      return padding.get("pad_id").asInt();
    }
    return firstOf(tokens, TokenizerSpec.PAD, "[PAD]", "<pad>");
  }

  private static int unkId(JsonNode root, Map<String, Integer> tokens) {
    JsonNode model = root.path("model");
    if (model.hasNonNull("unk_token") && tokens.containsKey(model.get("unk_token").asText())) {
      return tokens.get(model.get("unk_token").asText());
    }
    if (model.path("unk_id").canConvertToInt()) {
      return model.get("unk_id").asInt();
    }
    return firstOf(tokens, -1, "[UNK]", "<unk>");
  }

  private static int firstOf(Map<String, Integer> tokens, int otherwise, String... names) {
    for (String name : names) {
      if (tokens.containsKey(name)) {
        return tokens.get(name);
      }
    }
    return otherwise;
  }

  /** The first line of an exception's message (Jackson's without its location), for one-line errors. */
  public static String firstLine(Exception e) {
    String m = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
    if (m == null) {
      return e.getClass().getSimpleName();
    }
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
