package dev.magnitude.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.transformer.BertBlock;
import ai.djl.util.Pair;
import dev.magnitude.core.config.TokenizerSpec;
import dev.magnitude.core.run.EncoderSpec;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The {@code transformer} encoder: a DJL {@link BertBlock} over token ids, mean-pooled over the
 * non-padding positions. One encoder (shared weights) embeds both sides.
 *
 * <p>Inputs: token ids padded with 0 ([PAD]) or truncated to S = {@code maxLength}, type ids all 0,
 * mask = id ≠ 0; all (B, S). BertBlock adds a learned (S, E) position embedding without slicing it, so
 * every batch is padded to exactly S. Output: the sequence output (B, S, E) averaged over the
 * unmasked positions: the RAW embedding (B, E), never normalized here (normalization is the variant's
 * business, in the loss and in scoring).
 *
 * <p>A text with no non-padding token (an empty document) is encoded as the single token [UNK] = 1, so
 * pooling never divides by zero and every id gets an embedding.
 *
 * <p>BertBlock details that matter here: its normalizations are BatchNorm over the embedding axis
 * (statistics of the batch in training, running averages in eval mode), so training forwards queries
 * and documents as ONE concatenated batch: both sides are then normalized alike, as they are at
 * inference. Its transformer blocks use dropout 0.1 (fixed by DJL); the embedding dropout is
 * {@link #EMBEDDING_DROPOUT}. Its CLS pooling projection (token 1, tanh) is unused and frozen.
 *
 * <p>Not thread-safe (like DJL blocks).
 */
public final class TextEncoder {
  /** Stand-in for texts without tokens. */
  public static final int FALLBACK_TOKEN = TokenizerSpec.UNK;
  /** Dropout after the embedding layer. */
  public static final float EMBEDDING_DROPOUT = 0.1f;
  private static final String UNUSED_POOLING = "poolingProjection";

  private final EncoderSpec spec;
  private final BertBlock block;

  /** @throws IllegalArgumentException if the spec cannot be built (kind, max-length &lt; 2) */
  public TextEncoder(EncoderSpec spec) {
    if (!"transformer".equals(spec.kind())) {
      throw new IllegalArgumentException("encoder kind '" + spec.kind() + "' is not supported; allowed: transformer");
    }
    if (spec.maxLength() < 2) {
      // BertBlock always reads token position 1 for its (unused) CLS pooling.
      throw new IllegalArgumentException("encoder max-length = " + spec.maxLength() + ": must be >= 2");
    }
    if (spec.vocabularySize() <= FALLBACK_TOKEN) {
      throw new IllegalArgumentException(
          "encoder vocabulary-size = " + spec.vocabularySize() + ": must be > " + FALLBACK_TOKEN + " ([UNK])");
    }
    this.spec = spec;
    this.block =
        BertBlock.builder()
            .setTokenDictionarySize(spec.vocabularySize())
            .optTypeDictionarySize(2)
            .optEmbeddingSize(spec.embeddingDim())
            .optTransformerBlockCount(spec.layers())
            .optAttentionHeadCount(spec.heads())
            .optHiddenSize(4 * spec.embeddingDim())
            .optMaxSequenceLength(spec.maxLength())
            .optHiddenDropoutProbability(EMBEDDING_DROPOUT)
            .build();
  }

  public Block block() {
    return block;
  }

  public EncoderSpec spec() {
    return spec;
  }

  /** The input shapes for {@code Trainer.initialize}: token ids, type ids, mask, each (B, S). */
  public Shape[] inputShapes(int batchSize) {
    Shape s = new Shape(batchSize, spec.maxLength());
    return new Shape[] {s, s, s};
  }

  /**
   * Marks the parameters the encoder does not use (BertBlock's CLS pooling projection) as frozen, and
   * makes every trainable parameter array require gradients. Call after initialization and after
   * loading parameters (loading replaces the arrays).
   */
  public void prepareParameters() {
    for (Pair<String, Parameter> p : block.getParameters()) {
      Parameter parameter = p.getValue();
      if (p.getKey().contains(UNUSED_POOLING)) {
        parameter.freeze(true);
      } else if (parameter.getArray() != null) {
        parameter.getArray().setRequiresGradient(parameter.requiresGradient());
      }
    }
  }

  /**
   * Packs texts into the encoder's inputs.
   *
   * @param texts B token-id lists, unpadded; longer than S are truncated
   * @return token ids (B, S) int32, type ids (B, S) int32 zeros, mask (B, S) boolean
   */
  public NDList inputs(NDManager manager, List<int[]> texts) {
    int b = texts.size();
    int s = spec.maxLength();
    int[] ids = new int[b * s];
    for (int i = 0; i < b; i++) {
      int[] tokens = texts.get(i);
      int n = Math.min(tokens.length, s);
      boolean any = false;
      for (int k = 0; k < n; k++) {
        ids[i * s + k] = tokens[k];
        any |= tokens[k] != TokenizerSpec.PAD;
      }
      if (!any) {
        ids[i * s] = FALLBACK_TOKEN;
      }
    }
    NDArray tokenIds = manager.create(ids, new Shape(b, s));
    NDArray typeIds = manager.zeros(new Shape(b, s), DataType.INT32);
    NDArray mask = tokenIds.neq(TokenizerSpec.PAD);
    return new NDList(tokenIds, typeIds, mask);
  }

  /**
   * Embeds texts.
   *
   * @param forward the block's forward: {@code trainer::forward} for training (dropout, batch
   *     statistics, gradients), {@code trainer::evaluate} for inference
   * @param texts B token-id lists
   * @return raw embeddings (B, E) float32
   */
  public NDArray embed(UnaryOperator<NDList> forward, NDManager manager, List<int[]> texts) {
    NDList inputs = inputs(manager, texts);
    NDArray sequence = forward.apply(inputs).get(0);
    return meanPool(sequence, inputs.get(2));
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
