package dev.magnitude.worker.model.pretrained;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The weights a {@link BertConfig} needs, by transformers' {@code BertModel} state-dict names without prefix,
 * with their shapes (Linear weights (out, in)), and the check of a weight map against them.
 *
 * <p>Names may carry the prefix of a model inside a task head ({@code bert.}, {@code roberta.}): the prefix
 * under which {@code embeddings.word_embeddings.weight} is found is the file's, and every other weight is
 * looked up under it. Weights the encoder does not use (a pooler, a task head, {@code position_ids} buffers)
 * are ignored.
 */
public final class BertWeights {
  /** The prefixes tried, in order. */
  public static final List<String> PREFIXES = List.of("", "bert.", "roberta.");
  static final String WORD_EMBEDDINGS = "embeddings.word_embeddings.weight";

  private BertWeights() {}

  /** Every weight of {@code config}, in state-dict order, with its shape. */
  public static Map<String, long[]> expected(BertConfig config) {
    long e = config.hiddenSize();
    long i = config.intermediateSize();
    Map<String, long[]> out = new LinkedHashMap<>();
    out.put(WORD_EMBEDDINGS, new long[] {config.vocabularySize(), e});
    out.put("embeddings.position_embeddings.weight", new long[] {config.maxPositions(), e});
    out.put("embeddings.token_type_embeddings.weight", new long[] {config.typeVocabularySize(), e});
    out.put("embeddings.LayerNorm.weight", new long[] {e});
    out.put("embeddings.LayerNorm.bias", new long[] {e});
    for (int l = 0; l < config.layers(); l++) {
      String p = layer(l);
      for (String projection : List.of("query", "key", "value")) {
        out.put(p + "attention.self." + projection + ".weight", new long[] {e, e});
        out.put(p + "attention.self." + projection + ".bias", new long[] {e});
      }
      out.put(p + "attention.output.dense.weight", new long[] {e, e});
      out.put(p + "attention.output.dense.bias", new long[] {e});
      out.put(p + "attention.output.LayerNorm.weight", new long[] {e});
      out.put(p + "attention.output.LayerNorm.bias", new long[] {e});
      out.put(p + "intermediate.dense.weight", new long[] {i, e});
      out.put(p + "intermediate.dense.bias", new long[] {i});
      out.put(p + "output.dense.weight", new long[] {e, i});
      out.put(p + "output.dense.bias", new long[] {e});
      out.put(p + "output.LayerNorm.weight", new long[] {e});
      out.put(p + "output.LayerNorm.bias", new long[] {e});
    }
    return out;
  }

  /** {@code encoder.layer.<l>.} */
  static String layer(int l) {
    return "encoder.layer." + l + ".";
  }

  /**
   * The prefix of {@code names}: the first of {@link #PREFIXES} under which the word embedding is found.
   *
   * @throws IllegalArgumentException naming {@code source} when no prefix has it
   */
  public static String prefix(Set<String> names, String source) {
    for (String prefix : PREFIXES) {
      if (names.contains(prefix + WORD_EMBEDDINGS)) {
        return prefix;
      }
    }
    throw new IllegalArgumentException(source + " has no tensor " + WORD_EMBEDDINGS + " (nor under the prefixes "
        + String.join(", ", PREFIXES.subList(1, PREFIXES.size())) + "); it has " + names.size() + " tensors"
        + (names.isEmpty() ? "" : ", e.g. " + names.iterator().next()));
  }

  /**
   * Checks one weight's presence and shape.
   *
   * @param found its shape, or null when {@code source} has no tensor {@code prefix + name}
   * @throws IllegalArgumentException naming the tensor, the expected and the found shape
   */
  static void requireShape(String source, String prefix, String name, long[] expected, long[] found) {
    if (found == null) {
      throw new IllegalArgumentException(source + " has no tensor " + prefix + name + " (config.json needs it, shape "
          + Arrays.toString(expected) + ")");
    }
    if (!Arrays.equals(expected, found)) {
      throw new IllegalArgumentException(source + ": tensor " + prefix + name + " has shape " + Arrays.toString(found)
          + ", config.json needs " + Arrays.toString(expected));
    }
  }

  /**
   * The weights of {@code config} out of a map from any reader (e.g. an ONNX file's), checked, without prefix.
   *
   * @param weights by state-dict name, with or without a {@link #PREFIXES prefix}; extra weights are ignored
   * @throws IllegalArgumentException for a missing or misshapen weight, naming it
   */
  public static Map<String, NamedTensor> check(Map<String, NamedTensor> weights, BertConfig config, String source) {
    String prefix = prefix(weights.keySet(), source);
    Map<String, NamedTensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : expected(config).entrySet()) {
      NamedTensor t = weights.get(prefix + e.getKey());
      requireShape(source, prefix, e.getKey(), e.getValue(), t == null ? null : t.shape());
      out.put(e.getKey(), t.name().equals(e.getKey()) ? t : new NamedTensor(e.getKey(), t.shape(), t.data()));
    }
    return out;
  }
}
