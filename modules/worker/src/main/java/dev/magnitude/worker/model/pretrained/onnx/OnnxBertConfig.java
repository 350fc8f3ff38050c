package dev.magnitude.worker.model.pretrained.onnx;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What transformers' {@code config.json} of a BERT model says, as read from the ONNX graph of that model: the
 * sizes from the tensors' shapes, the attention heads from the graph's head reshape, the LayerNorm ε from the
 * graph's normalization constant, the activation from the feed-forward's operators. Serialized by Jackson
 * ({@code Json.write}) it is that config.json with the keys transformers uses.
 *
 * @param layerNormEps ε of every LayerNorm (the graph holds it in float32; this is the shortest decimal that
 *     reads back to that float, so 1e-12 stays 1e-12)
 * @param hiddenAct {@code gelu} (erf), {@code gelu_new} (tanh approximation) or {@code relu}
 */
public record OnnxBertConfig(
    @JsonProperty("vocab_size") int vocabSize,
    @JsonProperty("hidden_size") int hiddenSize,
    @JsonProperty("num_hidden_layers") int numHiddenLayers,
    @JsonProperty("num_attention_heads") int numAttentionHeads,
    @JsonProperty("intermediate_size") int intermediateSize,
    @JsonProperty("max_position_embeddings") int maxPositionEmbeddings,
    @JsonProperty("type_vocab_size") int typeVocabSize,
    @JsonProperty("layer_norm_eps") double layerNormEps,
    @JsonProperty("hidden_act") String hiddenAct) {

  @JsonProperty("model_type")
  public String modelType() {
    return "bert";
  }

  /** D = hidden / heads. */
  public int headSize() {
    return hiddenSize / numAttentionHeads;
  }
}
