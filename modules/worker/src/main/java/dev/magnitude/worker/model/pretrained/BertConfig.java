package dev.magnitude.worker.model.pretrained;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The architecture of a BERT-family encoder, as transformers' {@code config.json} states it.
 *
 * <p>Supported {@code model_type}s: {@value #BERT} (BERT, MiniLM, E5, BGE, GTE-small), {@value #ROBERTA} and
 * {@value #XLM_ROBERTA}, whose position ids start at {@code pad_token_id + 1} ({@link #positionOffset()}).
 * Only {@code hidden_act = gelu} (the exact erf form) and absolute position embeddings are supported.
 *
 * @param modelType {@value #BERT}, {@value #ROBERTA} or {@value #XLM_ROBERTA}
 * @param vocabularySize rows of the word embedding ({@code vocab_size})
 * @param hiddenSize E ({@code hidden_size})
 * @param layers {@code num_hidden_layers}
 * @param heads {@code num_attention_heads}; divides E
 * @param intermediateSize the feed-forward's inner size ({@code intermediate_size}; need not be 4E)
 * @param maxPositions rows of the position embedding ({@code max_position_embeddings})
 * @param typeVocabularySize rows of the token-type embedding ({@code type_vocab_size}); texts are one segment,
 *     type 0
 * @param layerNormEpsilon {@code layer_norm_eps}
 * @param padTokenId {@code pad_token_id}
 */
public record BertConfig(
    String modelType,
    int vocabularySize,
    int hiddenSize,
    int layers,
    int heads,
    int intermediateSize,
    int maxPositions,
    int typeVocabularySize,
    double layerNormEpsilon,
    int padTokenId) {
  public static final String BERT = "bert";
  public static final String ROBERTA = "roberta";
  public static final String XLM_ROBERTA = "xlm-roberta";
  public static final List<String> MODEL_TYPES = List.of(BERT, ROBERTA, XLM_ROBERTA);
  /** The activation this encoder computes: transformers' {@code "gelu"}, GELU with erf. */
  public static final String GELU = "gelu";

  public BertConfig {
    if (!MODEL_TYPES.contains(modelType)) {
      throw new IllegalArgumentException(
          "model_type = " + modelType + " is not supported; supported: " + String.join(", ", MODEL_TYPES));
    }
    positive("vocab_size", vocabularySize);
    positive("hidden_size", hiddenSize);
    positive("num_hidden_layers", layers);
    positive("num_attention_heads", heads);
    positive("intermediate_size", intermediateSize);
    positive("max_position_embeddings", maxPositions);
    positive("type_vocab_size", typeVocabularySize);
    if (hiddenSize % heads != 0) {
      throw new IllegalArgumentException(
          "num_attention_heads = " + heads + " must divide hidden_size = " + hiddenSize);
    }
    if (!(layerNormEpsilon > 0)) {
      throw new IllegalArgumentException("layer_norm_eps = " + layerNormEpsilon + ": must be > 0");
    }
    if (padTokenId < 0 || padTokenId >= vocabularySize) {
      throw new IllegalArgumentException(
          "pad_token_id = " + padTokenId + ": must be in [0, vocab_size = " + vocabularySize + ")");
    }
    if (maxPositions <= positionOffset(modelType, padTokenId)) {
      throw new IllegalArgumentException("max_position_embeddings = " + maxPositions + " leaves no position after the "
          + modelType + " offset " + positionOffset(modelType, padTokenId));
    }
  }

  /**
   * The position id of a text's first token: 0 for BERT; {@code pad_token_id + 1} for RoBERTa and XLM-R
   * (transformers numbers their positions from the padding index + 1).
   */
  public int positionOffset() {
    return positionOffset(modelType, padTokenId);
  }

  private static int positionOffset(String modelType, int padTokenId) {
    return modelType.equals(BERT) ? 0 : padTokenId + 1;
  }

  /** The longest text this encoder can embed: the position embedding's rows after the offset. */
  public int maxLength() {
    return maxPositions - positionOffset();
  }

  /** The number of weights of the encoder ({@link BertWeights#expected} of this config, summed). */
  public long parameterCount() {
    long e = hiddenSize;
    long embeddings = (vocabularySize + maxPositions + typeVocabularySize) * e + 2 * e;
    long layer = 4 * e * e + 4 * e + 2 * e * intermediateSize + intermediateSize + e + 4 * e;
    return embeddings + layers * layer;
  }

  /**
   * Reads a {@code config.json}.
   *
   * @param source names the file in messages
   * @throws IllegalArgumentException naming the file and the key, for an unsupported model type, activation or
   *     position embedding type, a missing size, or a value out of range
   */
  public static BertConfig fromJson(byte[] json, String source) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException(source + " is not valid JSON: " + SafeTensorsFile.firstLine(e.getMessage()));
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(source + " is not a config.json: not a JSON object");
    }
    String modelType = root.path("model_type").asText("");
    if (!MODEL_TYPES.contains(modelType)) {
      throw new IllegalArgumentException(source + ": model_type = '" + modelType + "' is not supported; supported: "
          + String.join(", ", MODEL_TYPES));
    }
    String act = root.path("hidden_act").asText(GELU);
    if (!act.equals(GELU)) {
      throw new IllegalArgumentException(source + ": hidden_act = '" + act + "' is not supported; supported: " + GELU);
    }
    String positions = root.path("position_embedding_type").asText("absolute");
    if (!positions.equals("absolute")) {
      throw new IllegalArgumentException(
          source + ": position_embedding_type = '" + positions + "' is not supported; supported: absolute");
    }
    try {
      Builder b = builder()
          .optModelType(modelType)
          .setVocabularySize(required(root, "vocab_size", source))
          .setHiddenSize(required(root, "hidden_size", source))
          .setLayers(required(root, "num_hidden_layers", source))
          .setHeads(required(root, "num_attention_heads", source))
          .setIntermediateSize(required(root, "intermediate_size", source));
      if (root.has("max_position_embeddings")) {
        b.optMaxPositions(required(root, "max_position_embeddings", source));
      }
      if (root.has("type_vocab_size")) {
        b.optTypeVocabularySize(required(root, "type_vocab_size", source));
      }
      if (root.has("layer_norm_eps")) {
        b.optLayerNormEpsilon(root.get("layer_norm_eps").asDouble());
      }
      if (root.hasNonNull("pad_token_id")) {
        b.optPadTokenId(required(root, "pad_token_id", source));
      }
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
    }
  }

  private static int required(JsonNode root, String key, String source) {
    JsonNode value = root.get(key);
    if (value == null || !value.canConvertToInt()) {
      throw new IllegalArgumentException(source + " needs " + key + " (an integer), found " + value);
    }
    return value.asInt();
  }

  /**
   * This config as a {@code config.json} transformers loads ({@code BertModel}, {@code RobertaModel} or
   * {@code XLMRobertaModel}, float32), written over {@code base} (the source folder's own config, so keys this
   * encoder does not read survive), or over an empty object.
   */
  public ObjectNode toJson(JsonNode base) {
    ObjectNode out = base != null && base.isObject() ? ((ObjectNode) base).deepCopy()
        : JsonNodeFactory.instance.objectNode();
    if (!out.has("architectures")) {
      out.putArray("architectures").add(switch (modelType) {
        case BERT -> "BertModel";
        case ROBERTA -> "RobertaModel";
        default -> "XLMRobertaModel";
      });
    }
    out.put("model_type", modelType);
    out.put("vocab_size", vocabularySize);
    out.put("hidden_size", hiddenSize);
    out.put("num_hidden_layers", layers);
    out.put("num_attention_heads", heads);
    out.put("intermediate_size", intermediateSize);
    out.put("hidden_act", GELU);
    out.put("max_position_embeddings", maxPositions);
    out.put("type_vocab_size", typeVocabularySize);
    out.put("layer_norm_eps", layerNormEpsilon);
    out.put("pad_token_id", padTokenId);
    out.put("position_embedding_type", "absolute");
    out.put("torch_dtype", "float32");
    return out;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Builds a config: the five sizes are required ({@code set*}); the rest default to transformers' BERT
   * defaults ({@code opt*}: model type bert, 512 positions, 2 token types, epsilon 1e-12, pad id 0, or 1 for
   * the RoBERTa family).
   */
  public static final class Builder {
    private String modelType = BERT;
    private Integer vocabularySize;
    private Integer hiddenSize;
    private Integer layers;
    private Integer heads;
    private Integer intermediateSize;
    private int maxPositions = 512;
    private int typeVocabularySize = 2;
    private double layerNormEpsilon = 1e-12;
    private Integer padTokenId;

    private Builder() {}

    public Builder setVocabularySize(int vocabularySize) {
      this.vocabularySize = vocabularySize;
      return this;
    }

    public Builder setHiddenSize(int hiddenSize) {
      this.hiddenSize = hiddenSize;
      return this;
    }

    public Builder setLayers(int layers) {
      this.layers = layers;
      return this;
    }

    public Builder setHeads(int heads) {
      this.heads = heads;
      return this;
    }

    public Builder setIntermediateSize(int intermediateSize) {
      this.intermediateSize = intermediateSize;
      return this;
    }

    public Builder optModelType(String modelType) {
      this.modelType = modelType;
      return this;
    }

    public Builder optMaxPositions(int maxPositions) {
      this.maxPositions = maxPositions;
      return this;
    }

    public Builder optTypeVocabularySize(int typeVocabularySize) {
      this.typeVocabularySize = typeVocabularySize;
      return this;
    }

    public Builder optLayerNormEpsilon(double layerNormEpsilon) {
      this.layerNormEpsilon = layerNormEpsilon;
      return this;
    }

    public Builder optPadTokenId(int padTokenId) {
      this.padTokenId = padTokenId;
      return this;
    }

    /** @throws IllegalArgumentException naming the missing sizes, or a value out of range */
    public BertConfig build() {
      List<String> missing = new ArrayList<>();
      if (vocabularySize == null) {
        missing.add("vocab_size");
      }
      if (hiddenSize == null) {
        missing.add("hidden_size");
      }
      if (layers == null) {
        missing.add("num_hidden_layers");
      }
      if (heads == null) {
        missing.add("num_attention_heads");
      }
      if (intermediateSize == null) {
        missing.add("intermediate_size");
      }
      if (!missing.isEmpty()) {
        throw new IllegalArgumentException("a BERT config needs " + String.join(", ", missing));
      }
      int pad = padTokenId != null ? padTokenId : BERT.equals(modelType) ? 0 : 1;
      return new BertConfig(modelType, vocabularySize, hiddenSize, layers, heads, intermediateSize, maxPositions,
          typeVocabularySize, layerNormEpsilon, pad);
    }
  }

  private static void positive(String key, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(key + " = " + value + ": must be > 0");
    }
  }
}
