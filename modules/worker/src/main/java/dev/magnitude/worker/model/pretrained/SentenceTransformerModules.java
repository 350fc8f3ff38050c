package dev.magnitude.worker.model.pretrained;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * What a sentence-transformers folder adds to the encoder: its {@code modules.json} (Transformer, then
 * Pooling, then optionally Normalize), the Pooling module's {@code config.json} and {@code
 * sentence_bert_config.json}'s {@code max_seq_length}. A folder without {@code modules.json} (a plain
 * transformers model) gets mean pooling, as sentence-transformers gives it.
 *
 * @param pooling the pooling of the Pooling module
 * @param normalizes whether the folder ends with a Normalize module: recorded, not applied (the variant
 *     decides which side is normalized)
 * @param maxSequenceLength {@code max_seq_length}, or 0 when the folder does not state one
 * @param transformerPath the Transformer module's folder relative to the model folder: "" (the folder itself,
 *     as sentence-transformers saves today) or e.g. {@code 0_Transformer} (older versions); config.json, the
 *     weights and the tokenizer are read there
 */
public record SentenceTransformerModules(
    Pooling pooling, boolean normalizes, int maxSequenceLength, String transformerPath) {
  public static final String MODULES = "modules.json";
  public static final String SENTENCE_BERT_CONFIG = "sentence_bert_config.json";
  static final String PACKAGE = "sentence_transformers.models.";
  static final List<String> SUPPORTED = List.of("Transformer", "Pooling", "Normalize");

  /** A folder with no sentence-transformers files. */
  public static final SentenceTransformerModules PLAIN = new SentenceTransformerModules(Pooling.MEAN, false, 0, "");

  /**
   * Reads the modules of a folder.
   *
   * @param file the bytes of a file of the folder by relative path, or null when it does not exist
   * @param folder names the folder in messages
   * @throws IllegalArgumentException for an unsupported module or pooling mode, naming the file and the value
   */
  public static SentenceTransformerModules read(Function<String, byte[]> file, String folder) {
    byte[] modules = file.apply(MODULES);
    if (modules == null) {
      return PLAIN;
    }
    String where = folder + "/" + MODULES;
    JsonNode list = json(modules, where);
    if (!list.isArray()) {
      throw new IllegalArgumentException(where + " is not a list of modules");
    }
    Pooling pooling = null;
    boolean normalizes = false;
    String transformerPath = "";
    List<String> seen = new ArrayList<>();
    for (JsonNode module : list) {
      String type = module.path("type").asText("");
      String name = type.startsWith(PACKAGE) ? type.substring(PACKAGE.length()) : type;
      seen.add(name);
      switch (name) {
        case "Transformer" -> transformerPath = module.path("path").asText("");
        case "Pooling" -> {
          String path = module.path("path").asText("1_Pooling");
          byte[] config = file.apply(path + "/config.json");
          if (config == null) {
            throw new IllegalArgumentException(where + " has a Pooling module at " + path + " but " + folder + "/"
                + path + "/config.json does not exist");
          }
          pooling = pooling(json(config, folder + "/" + path + "/config.json"), folder + "/" + path + "/config.json");
        }
        case "Normalize" -> normalizes = true;
        default -> throw new IllegalArgumentException(where + ": module type '" + type + "' is not supported; "
            + "supported: " + String.join(", ", SUPPORTED));
      }
    }
    if (!seen.contains("Transformer")) {
      throw new IllegalArgumentException(where + " has no Transformer module; found " + seen);
    }
    String sentenceBert = transformerPath.isEmpty() ? SENTENCE_BERT_CONFIG : transformerPath + "/" + SENTENCE_BERT_CONFIG;
    byte[] sentenceBertConfig = file.apply(SENTENCE_BERT_CONFIG);
    if (sentenceBertConfig == null) {
      sentenceBertConfig = file.apply(sentenceBert);
    }
    return new SentenceTransformerModules(pooling == null ? Pooling.MEAN : pooling, normalizes,
        maxSequenceLength(sentenceBertConfig, folder + "/" + sentenceBert), transformerPath);
  }

  /** The one pooling mode of a Pooling config: {@code pooling_mode} (newer), or exactly one true {@code pooling_mode_*}. */
  static Pooling pooling(JsonNode config, String where) {
    List<String> supported = new ArrayList<>();
    for (Pooling p : Pooling.values()) {
      supported.add(p.configKey());
    }
    if (config.path("pooling_mode").isTextual()) {
      String mode = config.get("pooling_mode").asText();
      for (Pooling p : Pooling.values()) {
        if (p.mode().equals(mode)) {
          return p;
        }
      }
      throw new IllegalArgumentException(where + ": pooling_mode = '" + mode + "' is not supported; supported: mean, cls, max");
    }
    List<String> on = new ArrayList<>();
    config.fields().forEachRemaining(e -> {
      if (e.getKey().startsWith("pooling_mode_") && e.getValue().asBoolean(false)) {
        on.add(e.getKey());
      }
    });
    if (on.size() != 1) {
      throw new IllegalArgumentException(where + ": exactly one pooling mode must be true, found " + on
          + "; supported: " + String.join(", ", supported));
    }
    for (Pooling p : Pooling.values()) {
      if (p.configKey().equals(on.get(0))) {
        return p;
      }
    }
    throw new IllegalArgumentException(where + ": " + on.get(0) + " is not supported; supported: "
        + String.join(", ", supported));
  }

  private static int maxSequenceLength(byte[] config, String where) {
    if (config == null) {
      return 0;
    }
    JsonNode length = json(config, where).path("max_seq_length");
    return length.canConvertToInt() && length.asInt() > 0 ? length.asInt() : 0;
  }

  static JsonNode json(byte[] bytes, String where) {
    try {
      JsonNode node = new ObjectMapper().readTree(bytes);
      if (node == null) {
        throw new IllegalArgumentException(where + " is empty");
      }
      return node;
    } catch (IOException e) {
      throw new IllegalArgumentException(where + " is not valid JSON: " + SafeTensorsFile.firstLine(e.getMessage()));
    }
  }
}
