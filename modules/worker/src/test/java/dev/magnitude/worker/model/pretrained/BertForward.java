package dev.magnitude.worker.model.pretrained;

import dev.magnitude.worker.model.pretrained.onnx.OnnxBertConfig;
import java.util.List;
import java.util.Map;

/**
 * A BERT forward built from a weight map in the shared contract (transformers' state-dict names, Linear weights
 * (out, in)): what {@code MiniLmForwardTest} compares with ONNX Runtime and the encoding benchmark times. The
 * worker's own BERT (the {@code huggingface} encoder on TextTransformer) plugs in here.
 */
@FunctionalInterface
public interface BertForward {
  /**
   * Mean-pooled raw embeddings, in eval mode (no dropout), token type 0 everywhere.
   *
   * @param ids per text its token ids, [CLS] … [SEP], unpadded (lengths differ); batched as the forward likes
   * @return (texts, hidden): per text the mean of the last hidden state over its own tokens
   */
  float[][] embed(OnnxBertConfig config, Map<String, NamedTensor> weights, List<long[]> ids);
}
