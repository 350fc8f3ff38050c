package dev.magnitude.worker.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import dev.magnitude.core.run.EncoderSpec;
import java.util.List;

/**
 * One text encoder, of any kind ({@link TextEncoder}, {@link BagEncoder}, {@link TorchScriptEncoder}, a
 * pretrained {@code pretrained.HuggingFaceEncoder}): token ids in, the RAW embedding (B, E) out, never
 * normalized (the variant's business). Ids are packed by the data tokenizer's {@link TokenPacking}. {@link TextTowers} holds
 * one (shared) or two (a query and a document tower).
 */
public interface TextTower {
  EncoderSpec spec();

  /** The block holding the encoder's parameters (what the optimizer updates and checkpoints save). */
  Block block();

  /** The input shapes for {@code Block.initialize}, B texts. */
  Shape[] inputShapes(int batchSize);

  /**
   * Makes every parameter array require gradients as its parameter says (frozen ones do not). Call after
   * initialization and after loading parameters (loading replaces the arrays).
   */
  default void prepareParameters() {
    for (Pair<String, Parameter> p : block().getParameters()) {
      Parameter parameter = p.getValue();
      if (parameter.getArray() != null) {
        parameter.getArray().setRequiresGradient(parameter.requiresGradient());
      }
    }
  }

  /**
   * Embeds texts.
   *
   * @param texts B token-id lists (trailing padding is dropped, see {@link TokenPacking}); longer than S are
   *     truncated; a text with no token is encoded as the packing's single fallback token
   * @param training true: training mode (dropout, batch statistics, gradients); false: inference
   * @return raw embeddings (B, E) float32 on {@code manager}; every array of the forward is attached to
   *     {@code manager}, so autograd's saved arrays live until the caller closes it
   */
  NDArray embed(ParameterStore parameters, NDManager manager, List<int[]> texts, boolean training);
}
