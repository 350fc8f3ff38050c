package dev.magnitude.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.transformer.BertBlock;
import ai.djl.nn.transformer.IdEmbedding;
import ai.djl.nn.transformer.TransformerEncoderBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import dev.magnitude.core.config.TokenizerSpec;
import dev.magnitude.core.run.EncoderSpec;
import java.util.ArrayList;
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
 * <p>The forward is {@link #forward(ParameterStore, boolean)}, not {@code BertBlock.forward}: the same
 * child blocks and operations in the same order, without BertBlock's per-layer memory scopes. Those
 * scopes close every intermediate array of a layer as soon as the layer returns, and on the PyTorch
 * engine an array that DJL creates from Java data (such as the 1/√H attention scale each
 * ScaledDotProductAttentionBlock creates and multiplies the scores by) is a view of a direct
 * ByteBuffer that only the open NDArray keeps reachable. Autograd keeps using that memory until
 * backward; once the array is closed, a garbage collection between forward and backward frees it and
 * backward multiplies by whatever the allocator wrote there: silently wrong, huge or NaN gradients of
 * every layer below the top attention's scores, at steps that depend on GC timing. Here every array
 * of the forward belongs to the caller's manager, so it lives until the caller closes that manager
 * after backward and the optimizer step.
 *
 * <p>Not thread-safe (like DJL blocks).
 */
public final class TextEncoder implements TextTower {
  /** Stand-in for texts without tokens. */
  public static final int FALLBACK_TOKEN = TokenizerSpec.UNK;
  /** Dropout after the embedding layer. */
  public static final float EMBEDDING_DROPOUT = 0.1f;
  private static final String UNUSED_POOLING = "poolingProjection";

  private final EncoderSpec spec;
  private final BertBlock block;
  private final IdEmbedding tokenEmbedding;
  private final IdEmbedding typeEmbedding;
  private final Parameter positionEmbedding;
  private final BatchNorm embeddingNorm;
  private final Dropout embeddingDropout;
  private final List<TransformerEncoderBlock> layers = new ArrayList<>();

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
    this.tokenEmbedding = child("tokenEmbedding", IdEmbedding.class);
    this.typeEmbedding = child("typeEmbedding", IdEmbedding.class);
    this.embeddingNorm = child("embeddingNorm", BatchNorm.class);
    this.embeddingDropout = child("embeddingDropout", Dropout.class);
    this.positionEmbedding = block.getDirectParameters().get("positionEmbedding");
    for (Pair<String, Block> c : block.getChildren()) {
      if (c.getValue() instanceof TransformerEncoderBlock layer) {
        layers.add(layer);
      }
    }
    if (positionEmbedding == null || layers.size() != spec.layers()) {
      throw new IllegalStateException(
          "DJL's BertBlock does not have the expected structure (positionEmbedding, " + spec.layers()
              + " transformer blocks): " + block.getChildren().keys() + "; TextEncoder.forward must follow it");
    }
  }

  /** BertBlock's child block named {@code name} (children are named with a 2-digit index prefix). */
  private <T extends Block> T child(String name, Class<T> type) {
    for (Pair<String, Block> c : block.getChildren()) {
      if (c.getKey().replaceFirst("^\\d+", "").equals(name) && type.isInstance(c.getValue())) {
        return type.cast(c.getValue());
      }
    }
    throw new IllegalStateException(
        "DJL's BertBlock has no " + type.getSimpleName() + " child '" + name + "': " + block.getChildren().keys()
            + "; TextEncoder.forward must follow it");
  }

  @Override
  public Block block() {
    return block;
  }

  @Override
  public EncoderSpec spec() {
    return spec;
  }

  /** The input shapes for {@code Trainer.initialize}: token ids, type ids, mask, each (B, S). */
  @Override
  public Shape[] inputShapes(int batchSize) {
    Shape s = new Shape(batchSize, spec.maxLength());
    return new Shape[] {s, s, s};
  }

  /**
   * Marks the parameters the encoder does not use (BertBlock's CLS pooling projection) as frozen, and
   * makes every trainable parameter array require gradients. Call after initialization and after
   * loading parameters (loading replaces the arrays).
   */
  @Override
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
    NDArray tokenIds = manager.create(packIds(texts, s), new Shape(b, s));
    NDArray typeIds = manager.zeros(new Shape(b, s), DataType.INT32);
    NDArray mask = tokenIds.neq(TokenizerSpec.PAD);
    return new NDList(tokenIds, typeIds, mask);
  }

  /**
   * Token ids as every text encoder reads them: B rows of S ids, row-major, truncated after S ids and padded
   * with {@link TokenizerSpec#PAD}; a text without a non-padding id becomes the single id {@link #FALLBACK_TOKEN}.
   */
  public static int[] packIds(List<int[]> texts, int s) {
    int b = texts.size();
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
    return ids;
  }

  /**
   * The encoder's forward, as BertBlock computes it (same children, operations and order, so the same
   * values and dropout draws) but without its memory scopes: every array it creates is attached to the
   * manager of the inputs, so everything autograd saved stays valid until the caller closes that
   * manager (after backward). The unused CLS pooling is not computed.
   *
   * @param parameters the parameter store (on one device, the parameter arrays themselves)
   * @param training true: dropout and BatchNorm batch statistics (and their running averages updated);
   *     false: eval mode
   * @return a function from the inputs of {@link #inputs} to (the sequence output (B, S, E))
   */
  public UnaryOperator<NDList> forward(ParameterStore parameters, boolean training) {
    return inputs -> new NDList(sequence(parameters, inputs, training));
  }

  private NDArray sequence(ParameterStore ps, NDList inputs, boolean training) {
    NDArray tokenIds = inputs.get(0);
    NDArray typeIds = inputs.get(1);
    NDArray masks = inputs.get(2);
    NDArray tokens = tokenEmbedding.forward(ps, new NDList(tokenIds), training).singletonOrThrow();
    NDArray types = typeEmbedding.forward(ps, new NDList(typeIds), training).singletonOrThrow();
    NDArray positions = ps.getValue(positionEmbedding, tokenIds.getDevice(), training);
    NDArray embedding = tokens.add(types).add(positions);
    NDList normalized = embeddingNorm.forward(ps, new NDList(embedding), training);
    NDList hidden = embeddingDropout.forward(ps, normalized, training);
    // BertBlock's mask offset: 0 where attended, -100000 where padding, as (B, 1, S, S). No gradient
    // flows through the mask, so the Number overloads (temporary scalars) are harmless here.
    NDArray attentionMask = BertBlock.createAttentionMaskFromInputMask(tokenIds, masks);
    Shape m = attentionMask.getShape();
    NDArray offsetMask =
        attentionMask.reshape(m.get(0), 1, m.get(1), m.get(2)).toType(DataType.FLOAT32, false)
            .mul(-1f).add(1f).mul(-100000f);
    for (TransformerEncoderBlock layer : layers) {
      hidden = layer.forward(ps, new NDList(hidden.head(), offsetMask), training);
    }
    return hidden.head();
  }

  /**
   * Embeds texts.
   *
   * @param forward the encoder's forward: {@link #forward(ParameterStore, boolean)} with training =
   *     true for training (dropout, batch statistics, gradients), false for inference. For training,
   *     do not pass a forward that closes intermediate arrays before backward (such as
   *     {@code trainer::forward}, which runs {@code BertBlock.forward}; see the class comment)
   * @param texts B token-id lists
   * @return raw embeddings (B, E) float32
   */
  public NDArray embed(UnaryOperator<NDList> forward, NDManager manager, List<int[]> texts) {
    NDList inputs = inputs(manager, texts);
    NDArray sequence = forward.apply(inputs).get(0);
    return meanPool(sequence, inputs.get(2));
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
