package dev.magnitude.worker.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import dev.magnitude.worker.model.TextTransformer;
import dev.magnitude.worker.model.pretrained.NamedTensor;
import dev.magnitude.worker.model.pretrained.onnx.OnnxBertConfig;
import dev.magnitude.worker.model.pretrained.onnx.OnnxBertReader.OnnxBert;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A quick BERT on the worker's own {@link TextTransformer}, for timing before the worker has its BERT encoder: the
 * weight map copied into a TextTransformer of the config's sizes (fused Q/K/V = the three Linears stacked; the
 * position table = BERT's first S positions plus token type 0, which every text uses). Its numbers differ from
 * BERT's in what TextTransformer does not have yet: LayerNorm ε is DJL's 1e-5 (BERT: the config's, 1e-12 for
 * MiniLM), and the feed-forward is 4E wide (MiniLM's is, so its weights fit). The cost is BERT's.
 */
final class TransformerFromWeights {
  private final TextTransformer block;
  private final int maxLength;
  private final int hidden;
  private final Map<String, NamedTensor> weights;

  /** A TextTransformer of exactly {@code maxLength} positions holding the model's weights, on {@code manager}. */
  TransformerFromWeights(OnnxBert bert, int maxLength, NDManager manager) {
    OnnxBertConfig c = bert.config();
    if (c.intermediateSize() != 4 * c.hiddenSize()) {
      throw new IllegalArgumentException("TextTransformer's feed-forward is 4E = " + 4 * c.hiddenSize()
          + " wide; the model's is " + c.intermediateSize());
    }
    this.maxLength = maxLength;
    this.hidden = c.hiddenSize();
    this.block = new TextTransformer(c.vocabSize(), c.hiddenSize(), c.numHiddenLayers(), c.numAttentionHeads(),
        maxLength, 0f);
    block.initialize(manager, DataType.FLOAT32, new Shape(1, maxLength));
    this.weights = bert.weights();
    loadWeights();
  }

  TextTransformer block() {
    return block;
  }

  /** Copies the weights into the block's parameter arrays (again: after a Trainer initialized them). */
  void loadWeights() {
    Map<String, NamedTensor> w = weights;
    // TextTransformer's parameters in order (DJL lists a block's own parameters before its children's): position
    // embedding, token embedding, embedding norm (γ, β), then per layer qkv (weight, bias), output, attention norm,
    // expand, contract, feed-forward norm.
    List<float[]> values = new ArrayList<>();
    float[] positions = new float[maxLength * hidden];
    float[] table = w.get("embeddings.position_embeddings.weight").data();
    float[] type0 = w.get("embeddings.token_type_embeddings.weight").data();
    for (int j = 0; j < maxLength; j++) {
      for (int k = 0; k < hidden; k++) {
        positions[j * hidden + k] = table[j * hidden + k] + type0[k];
      }
    }
    values.add(positions);
    values.add(w.get("embeddings.word_embeddings.weight").data());
    values.add(w.get("embeddings.LayerNorm.weight").data());
    values.add(w.get("embeddings.LayerNorm.bias").data());
    for (int l = 0; ; l++) {
      String p = "encoder.layer." + l + ".";
      if (!w.containsKey(p + "attention.self.query.weight")) {
        break;
      }
      values.add(concat(w, p + "attention.self.query.weight", p + "attention.self.key.weight",
          p + "attention.self.value.weight"));
      values.add(concat(w, p + "attention.self.query.bias", p + "attention.self.key.bias",
          p + "attention.self.value.bias"));
      for (String name : List.of("attention.output.dense.weight", "attention.output.dense.bias",
          "attention.output.LayerNorm.weight", "attention.output.LayerNorm.bias", "intermediate.dense.weight",
          "intermediate.dense.bias", "output.dense.weight", "output.dense.bias", "output.LayerNorm.weight",
          "output.LayerNorm.bias")) {
        values.add(w.get(p + name).data());
      }
    }
    List<Pair<String, Parameter>> parameters = block.getParameters().stream().toList();
    if (parameters.size() != values.size()) {
      throw new IllegalStateException("TextTransformer has " + parameters.size() + " parameters, the weight map "
          + values.size());
    }
    for (int k = 0; k < values.size(); k++) {
      NDArray array = parameters.get(k).getValue().getArray();
      if (array.size() != values.get(k).length) {
        throw new IllegalStateException(parameters.get(k).getKey() + " is " + array.getShape() + " but its weight has "
            + values.get(k).length + " values");
      }
      array.set(values.get(k));
      array.setRequiresGradient(true);
    }
  }

  private static float[] concat(Map<String, NamedTensor> w, String... names) {
    int n = 0;
    for (String name : names) {
      n += w.get(name).data().length;
    }
    float[] out = new float[n];
    int at = 0;
    for (String name : names) {
      float[] d = w.get(name).data();
      System.arraycopy(d, 0, out, at, d.length);
      at += d.length;
    }
    return out;
  }

  /**
   * Mean-pooled embeddings (N, E) of token ids (N, S) int32, every position a token (no padding), on the ids'
   * manager.
   */
  NDArray pooled(ParameterStore ps, NDArray ids, boolean training) {
    NDArray mask = ids.getManager().ones(ids.getShape(), DataType.BOOLEAN);
    return block.sequence(ps, ids, mask, training).mean(new int[] {1});
  }
}
