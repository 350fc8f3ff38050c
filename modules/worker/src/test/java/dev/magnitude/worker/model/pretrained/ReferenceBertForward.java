package dev.magnitude.worker.model.pretrained;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.magnitude.worker.model.pretrained.onnx.OnnxBertConfig;
import java.util.List;
import java.util.Map;

/**
 * BERT's forward written out op by op from transformers' BertModel in DJL arrays, eval mode, one batch padded to
 * the longest text: a test-side route from the weight map to embeddings, so the ONNX reader can be checked end to
 * end against ONNX Runtime and PyTorch (wrongly placed or untransposed weights change every output). Not fast and
 * not the worker's encoder.
 *
 * <pre>
 *   x = LN(word[id] + position[j] + token_type[0])
 *   per layer: a = softmax(q·kᵀ/√D + mask) · v per head (q, k, v = x·Wᵀ + b), x = LN(x + a·Woᵀ + bo),
 *              x = LN(x + GELU(x·W1ᵀ + b1)·W2ᵀ + b2), GELU(z) = z/2 · (1 + erf(z/√2)), LN with the config's ε
 * </pre>
 */
public final class ReferenceBertForward implements BertForward {
  @Override
  public float[][] embed(OnnxBertConfig config, Map<String, NamedTensor> weights, List<long[]> ids) {
    try (NDManager manager = NDManager.newBaseManager()) {
      Weights w = new Weights(manager, weights);
      int b = ids.size();
      int s = ids.stream().mapToInt(r -> r.length).max().orElse(0);
      int h = config.hiddenSize();
      float[] embedded = new float[b * s * h];
      float[] mask = new float[b * s];
      float[] words = weights.get("embeddings.word_embeddings.weight").data();
      float[] positions = weights.get("embeddings.position_embeddings.weight").data();
      float[] types = weights.get("embeddings.token_type_embeddings.weight").data();
      for (int i = 0; i < b; i++) {
        for (int j = 0; j < s; j++) {
          long id = j < ids.get(i).length ? ids.get(i)[j] : 0;
          mask[i * s + j] = j < ids.get(i).length ? 0f : -Float.MAX_VALUE;
          for (int k = 0; k < h; k++) {
            embedded[(i * s + j) * h + k] = words[(int) id * h + k] + positions[j * h + k] + types[k];
          }
        }
      }
      float eps = (float) config.layerNormEps();
      NDArray x = w.norm(manager.create(embedded, new Shape(b, s, h)), "embeddings.LayerNorm", eps);
      NDArray bias = manager.create(mask, new Shape(b, 1, 1, s));
      int heads = config.numAttentionHeads();
      int d = config.headSize();
      for (int l = 0; l < config.numHiddenLayers(); l++) {
        String p = "encoder.layer." + l + ".";
        NDArray q = w.linear(x, p + "attention.self.query").reshape(b, s, heads, d).transpose(0, 2, 1, 3);
        NDArray k = w.linear(x, p + "attention.self.key").reshape(b, s, heads, d).transpose(0, 2, 1, 3);
        NDArray v = w.linear(x, p + "attention.self.value").reshape(b, s, heads, d).transpose(0, 2, 1, 3);
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).div((float) Math.sqrt(d)).add(bias);
        NDArray context = scores.softmax(-1).matMul(v).transpose(0, 2, 1, 3).reshape(b, s, h);
        x = w.norm(x.add(w.linear(context, p + "attention.output.dense")), p + "attention.output.LayerNorm", eps);
        NDArray z = w.linear(x, p + "intermediate.dense");
        NDArray gelu = z.mul(0.5f).mul(z.div((float) Math.sqrt(2)).erf().add(1f));
        x = w.norm(x.add(w.linear(gelu, p + "output.dense")), p + "output.LayerNorm", eps);
      }
      return OrtBert.meanPool(x.toFloatArray(), ids, h);
    }
  }

  /** The weights as arrays of one manager. */
  private static final class Weights {
    private final NDManager manager;
    private final Map<String, NamedTensor> weights;

    Weights(NDManager manager, Map<String, NamedTensor> weights) {
      this.manager = manager;
      this.weights = weights;
    }

    NDArray get(String name) {
      NamedTensor t = weights.get(name);
      if (t == null) {
        throw new IllegalArgumentException("no weight " + name);
      }
      return manager.create(t.data(), new Shape(t.shape()));
    }

    NDArray linear(NDArray x, String linear) {
      return x.matMul(get(linear + ".weight").transpose()).add(get(linear + ".bias"));
    }

    NDArray norm(NDArray x, String norm, float eps) {
      NDArray centered = x.sub(x.mean(new int[] {-1}, true));
      NDArray variance = centered.square().mean(new int[] {-1}, true);
      return centered.div(variance.add(eps).sqrt()).mul(get(norm + ".weight")).add(get(norm + ".bias"));
    }
  }
}
