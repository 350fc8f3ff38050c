package dev.magnitude.worker.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.magnitude.core.run.EncoderSpec;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The {@code transformer} encoder: a {@link TextTransformer} over token ids, mean-pooled over the non-padding
 * positions. One encoder (shared weights) embeds both sides, unless the towers are separate.
 *
 * <p>Inputs: token ids packed by the encoder's {@link TokenPacking} (the data tokenizer's padding id; the
 * mask is true at each text's real length), truncated to S = {@code maxLength}; both (B, S). Every batch is
 * padded to exactly S (the learned position embedding is (S, E)). Output: the sequence
 * output (B, S, E) averaged over the unmasked positions: the RAW embedding (B, E), never normalized here
 * (normalization is the variant's business, in the loss and in scoring).
 *
 * <p>A text with no token (an empty document) is encoded as the single fallback token ([UNK] = 1 for the
 * built-in tokenizer), so pooling never divides by zero and every text gets an embedding.
 *
 * <p>Until trainer version 2 this was DJL's {@code BertBlock}; {@link TextTransformer} says why it was
 * replaced (its fixed dropout on the attention probabilities and BatchNorm cost most of a training step). Two
 * consequences for the callers: normalization is LayerNorm, so a text's embedding never depends on its batch,
 * in training or in eval mode (training still forwards queries and documents as one batch of 2B texts: one
 * set of large ops instead of two); and dropout is the {@code encoder.dropout} option (default 0: a training
 * forward draws no random numbers at all).
 *
 * <p>The forward keeps every array on the manager of the inputs, without memory scopes. (BertBlock's scopes
 * closed every intermediate array of a layer when the layer returned; an array DJL creates from Java data,
 * such as the 1/√H attention scale, is a view of a direct ByteBuffer only the open NDArray keeps reachable, so
 * a garbage collection between forward and backward let backward multiply by freed memory: silently wrong,
 * huge or NaN gradients. {@link TextTransformer} creates its 1/√D scale the same way and relies on the same
 * rule.) The caller closes that manager after backward and the optimizer step.
 *
 * <p>Not thread-safe (like DJL blocks).
 */
public final class TextEncoder implements TextTower {
  private final EncoderSpec spec;
  private final TokenPacking packing;
  private final TextTransformer block;

  /** An encoder of data prepared by the built-in tokenizer ({@link TokenPacking#BUILTIN}). */
  public TextEncoder(EncoderSpec spec) {
    this(spec, TokenPacking.BUILTIN);
  }

  /**
   * @param packing the padding of the data's tokenizer
   * @throws IllegalArgumentException if the spec is not a transformer's or cannot be built
   */
  public TextEncoder(EncoderSpec spec, TokenPacking packing) {
    if (!EncoderSpec.TRANSFORMER.equals(spec.kind())) {
      throw new IllegalArgumentException("encoder kind '" + spec.kind() + "' is not supported; allowed: transformer");
    }
    packing.requireFallbackIn(spec.vocabularySize());
    this.spec = spec;
    this.packing = packing;
    this.block = new TextTransformer(spec.vocabularySize(), spec.embeddingDim(), spec.layers(), spec.heads(),
        spec.maxLength(), spec.dropout().floatValue());
  }

  @Override
  public TextTransformer block() {
    return block;
  }

  @Override
  public EncoderSpec spec() {
    return spec;
  }

  /** The input shapes for {@code Trainer.initialize}: token ids (B, S). */
  @Override
  public Shape[] inputShapes(int batchSize) {
    return new Shape[] {new Shape(batchSize, spec.maxLength())};
  }

  /**
   * Packs texts into the encoder's inputs.
   *
   * @param texts B token-id lists; longer than S are truncated
   * @return token ids (B, S) int32, mask (B, S) boolean (true within each text's real length)
   */
  public NDList inputs(NDManager manager, List<int[]> texts) {
    TokenPacking.Packed packed = packing.pack(texts, spec.maxLength());
    return new NDList(packed.ids(manager), packed.mask(manager));
  }

  /**
   * The encoder's forward: every array it creates is attached to the manager of the inputs, so everything
   * autograd saved stays valid until the caller closes that manager (after backward).
   *
   * @param parameters the parameter store (on one device, the parameter arrays themselves)
   * @param training true: hidden dropout (when {@code encoder.dropout} &gt; 0); false: eval mode
   * @return a function from the inputs of {@link #inputs} to (the sequence output (B, S, E))
   */
  public UnaryOperator<NDList> forward(ParameterStore parameters, boolean training) {
    return inputs -> new NDList(block.sequence(parameters, inputs.get(0), inputs.get(1), training));
  }

  /**
   * Embeds texts.
   *
   * @param forward the encoder's forward: {@link #forward(ParameterStore, boolean)} with training =
   *     true for training (dropout, gradients), false for inference. For training, do not pass a forward
   *     that closes intermediate arrays before backward (see the class comment)
   * @param texts B token-id lists
   * @return raw embeddings (B, E) float32
   */
  public NDArray embed(UnaryOperator<NDList> forward, NDManager manager, List<int[]> texts) {
    NDList inputs = inputs(manager, texts);
    NDArray sequence = forward.apply(inputs).get(0);
    return meanPool(sequence, inputs.get(1));
  }

  /** {@link #embed(UnaryOperator, NDManager, List)} through {@link #forward(ParameterStore, boolean)}. */
  @Override
  public NDArray embed(ParameterStore parameters, NDManager manager, List<int[]> texts, boolean training) {
    return embed(forward(parameters, training), manager, texts);
  }

  /**
   * Mean over the unmasked positions.
   *
   * @param sequence (B, S, E)
   * @param mask (B, S) boolean; every row must have at least one true position
   * @return (B, E)
   */
  public static NDArray meanPool(NDArray sequence, NDArray mask) {
    NDArray weights = mask.toType(DataType.FLOAT32, false).expandDims(2);
    return sequence.mul(weights).sum(new int[] {1}).div(weights.sum(new int[] {1}));
  }
}
