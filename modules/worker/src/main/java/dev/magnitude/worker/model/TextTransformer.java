package dev.magnitude.worker.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.nn.transformer.IdEmbedding;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.magnitude.core.config.TokenizerSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The transformer of the {@code transformer} encoder, written for CPU training throughput: token ids (N, S) in,
 * the sequence output (N, S, E) out. A post-norm (BERT-style) encoder:
 *
 * <pre>
 *   x = LayerNorm(token embedding + position embedding)            (dropout p on x when training)
 *   per layer:
 *     q, k, v = split(x · Wqkv + bqkv)                              one E → 3E projection
 *     a = softmax(q·kᵀ/√D + padding bias) · v                        per head, D = E / heads
 *     x = LayerNorm(x + dropout(merge(a) · Wo + bo))
 *     x = LayerNorm(x + dropout(W2 · GELU(W1 · x + b1) + b2))        feed-forward E → 4E → E
 * </pre>
 *
 * <p>Why not DJL's {@code BertBlock} (which this replaced, trainer version 3): at the default size (E = 64,
 * S = 64) its matmuls were only 19–37 % of a training step. It fixes dropout 0.1 on the attention
 * probabilities, both sublayer outputs and the embeddings (6.8 M random draws per forward at B = 64, 30–53 %
 * of the forward), normalizes with BatchNorm (batch-dependent embeddings), projects Q, K and V with three
 * matmuls, rebuilds a (B, S, S) mask and multiplies the scores by a separate 1/√D scalar in every layer, and
 * its per-layer memory scopes free arrays autograd still needs (see {@link TextEncoder}'s history). Here:
 *
 * <ul>
 *   <li>one fused Q/K/V projection and one output projection per layer; the heads are a reshape and a
 *       permutation (views), so the only copies are the ones the batched matmuls make of q, k, v and the
 *       merge of the heads;
 *   <li>the padding mask is an additive (N, 1, 1, S) bias of the KEYS, built once per batch and added in place
 *       to every layer's scores (0 for tokens, {@link #PADDING_BIAS} for padding: exp underflows to exactly 0,
 *       so padding keys get weight exactly 0 and never change another position's output);
 *   <li>1/√D is folded into the Q rows of the fused projection's weight and bias (3E × E + 3E multiplies per
 *       layer instead of one per score); softmax, LayerNorm, GELU and linear are single aten ops;
 *   <li>no dropout on the attention probabilities; the hidden dropout (embeddings and both sublayer outputs)
 *       is the encoder's {@code dropout} option, and at 0 no random numbers are drawn at all.
 * </ul>
 *
 * <p>Parameters: the token embedding (vocabulary × E), the position embedding (S × E, every batch is padded
 * to exactly S), and per layer the fused projection, the output projection, the two feed-forward linears and
 * two LayerNorms. The layers are {@link Layer}s of {@link LayerSizes#fromScratch} sizes (feed-forward 4E,
 * LayerNorm epsilon 1e-5); the pretrained BERT encoder ({@code pretrained.BertEncoderBlock}) runs the same
 * {@link Layer} with its config's sizes. Every array of a forward belongs to the manager of the inputs (no
 * memory scopes), so what autograd saved lives until the caller closes that manager after backward. Not
 * thread-safe (like DJL blocks).
 */
public final class TextTransformer extends AbstractBlock {
  private static final byte VERSION = 1;
  /**
   * The attention bias of a padding key. Large enough that exp(score + bias − row max) is exactly 0 in float32
   * for any finite score of a trained model, small enough to stay finite (a row always has a token key: an
   * empty text is encoded as [UNK]).
   */
  public static final float PADDING_BIAS = -1e9f;

  private final int embeddingDim;
  private final int heads;
  private final int maxLength;
  private final float dropout;
  private final IdEmbedding tokenEmbedding;
  private final Parameter positionEmbedding;
  private final LayerNorm embeddingNorm;
  private final List<Layer> layers = new ArrayList<>();

  /**
   * @param dropout hidden dropout probability in [0, 1): on the embeddings and both sublayer outputs of every
   *     layer, in training only
   */
  public TextTransformer(int vocabularySize, int embeddingDim, int layers, int heads, int maxLength, float dropout) {
    super(VERSION);
    if (heads <= 0 || embeddingDim % heads != 0) {
      throw new IllegalArgumentException("encoder heads = " + heads + " must divide embedding-dim = " + embeddingDim);
    }
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("encoder dropout = " + dropout + ": must be in [0, 1)");
    }
    this.embeddingDim = embeddingDim;
    this.heads = heads;
    this.maxLength = maxLength;
    this.dropout = dropout;
    this.tokenEmbedding = addChildBlock("tokenEmbedding",
        new IdEmbedding.Builder().setDictionarySize(vocabularySize).setEmbeddingSize(embeddingDim).build());
    this.positionEmbedding = addParameter(
        Parameter.builder()
            .setName("positionEmbedding")
            .setType(Parameter.Type.WEIGHT)
            .optShape(new Shape(maxLength, embeddingDim))
            .build());
    this.embeddingNorm = addChildBlock("embeddingNorm", layerNorm(LayerSizes.DEFAULT_LAYER_NORM_EPSILON));
    LayerSizes sizes = LayerSizes.fromScratch(embeddingDim, heads);
    for (int l = 0; l < layers; l++) {
      this.layers.add(addChildBlock("layer", new Layer(sizes, dropout)));
    }
  }

  /** LayerNorm over the last axis of (N, S, E). */
  public static LayerNorm layerNorm(float epsilon) {
    return LayerNorm.builder().axis(2).optEpsilon(epsilon).build();
  }

  public float dropout() {
    return dropout;
  }

  /**
   * The additive attention bias of a batch, built once and shared by every layer: 0 where the key position is
   * a token, {@link #PADDING_BIAS} where it is padding.
   *
   * @param mask (N, S) boolean, true for tokens
   * @return (N, 1, 1, S) float32, no gradient
   */
  public static NDArray keyBias(NDArray mask) {
    Shape m = mask.getShape();
    // (mask − 1) · 1e9: 0 for tokens, −1e9 for padding. No gradient flows here, so the Number overloads'
    // temporary scalars do not matter to backward.
    return mask.toType(DataType.FLOAT32, false).sub(1f).mul(-PADDING_BIAS).reshape(m.get(0), 1, 1, m.get(1));
  }

  /**
   * The sequence output.
   *
   * @param tokenIds (N, S) int32, S = max-length
   * @param mask (N, S) boolean, true for tokens (within each text's real length)
   * @param training dropout (when the option is &gt; 0); LayerNorm is the same in both modes
   * @return (N, S, E) float32 on the manager of {@code tokenIds}
   */
  public NDArray sequence(ParameterStore ps, NDArray tokenIds, NDArray mask, boolean training) {
    if (tokenIds.getShape().dimension() != 2 || tokenIds.getShape().get(1) != maxLength) {
      throw new IllegalArgumentException(
          "token ids of shape " + tokenIds.getShape() + ": expected (texts, " + maxLength + ") (max-length)");
    }
    Device device = tokenIds.getDevice();
    NDArray tokens = tokenEmbedding.forward(ps, new NDList(tokenIds), training).singletonOrThrow();
    NDArray x = tokens.add(ps.getValue(positionEmbedding, device, training));
    x = embeddingNorm.forward(ps, new NDList(x), training).singletonOrThrow();
    x = hiddenDropout(x, dropout, training);
    NDArray bias = keyBias(mask);
    NDArray qkvScale = qkvScale(tokenIds.getManager(), embeddingDim, heads);
    for (Layer layer : layers) {
      x = layer.forward(ps, x, bias, qkvScale, training);
    }
    return x;
  }

  /**
   * (3E, 1): 1/√D for the Q rows of the fused projection, 1 for the K and V rows, the last argument of
   * {@link Layer#forward}. Created from Java data on the caller's manager, which keeps it open until after
   * backward (autograd keeps it for the weight's gradient).
   */
  public static NDArray qkvScale(NDManager manager, int e, int heads) {
    float[] scale = new float[3 * e];
    Arrays.fill(scale, 1f);
    Arrays.fill(scale, 0, e, (float) (1 / Math.sqrt((double) e / heads)));
    return manager.create(scale, new Shape(3L * e, 1));
  }

  /** Dropout with probability p on the hidden states, in training only; at p = 0 no random numbers are drawn. */
  public static NDArray hiddenDropout(NDArray x, float p, boolean training) {
    return training && p > 0 ? Dropout.dropout(x, p, true).singletonOrThrow() : x;
  }

  /**
   * Token ids (N, S) and their mask (N, S), as {@link TextEncoder#inputs} packs them. Given the ids alone, the
   * mask is id ≠ {@link TokenizerSpec#PAD}: right for the built-in tokenizer only.
   */
  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray ids = inputs.head();
    NDArray mask = inputs.size() > 1 ? inputs.get(1) : ids.neq(TokenizerSpec.PAD);
    return new NDList(sequence(parameterStore, ids, mask, training));
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape ids = inputShapes[0];
    Shape hidden = new Shape(ids.get(0), ids.get(1), embeddingDim);
    tokenEmbedding.initialize(manager, dataType, ids);
    embeddingNorm.initialize(manager, dataType, hidden);
    for (Layer layer : layers) {
      layer.initialize(manager, dataType, hidden);
    }
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[0].get(0), inputShapes[0].get(1), embeddingDim)};
  }

  /**
   * The sizes of one encoder layer.
   *
   * @param embeddingDim E, the hidden size
   * @param heads attention heads H; must divide E
   * @param intermediateSize the feed-forward's inner size (4E from scratch; BERT's {@code intermediate_size})
   * @param layerNormEpsilon added to the variance in both LayerNorms
   */
  public record LayerSizes(int embeddingDim, int heads, int intermediateSize, float layerNormEpsilon) {
    /** DJL LayerNorm's default, the from-scratch transformer's. */
    public static final float DEFAULT_LAYER_NORM_EPSILON = 1e-5f;

    public LayerSizes {
      if (heads <= 0 || embeddingDim <= 0 || embeddingDim % heads != 0) {
        throw new IllegalArgumentException("encoder heads = " + heads + " must divide embedding-dim = " + embeddingDim);
      }
      if (intermediateSize <= 0) {
        throw new IllegalArgumentException("encoder intermediate size = " + intermediateSize + ": must be > 0");
      }
      if (!(layerNormEpsilon > 0)) {
        throw new IllegalArgumentException("encoder layer-norm epsilon = " + layerNormEpsilon + ": must be > 0");
      }
    }

    /** The from-scratch transformer's layer: feed-forward 4E, LayerNorm epsilon 1e-5. */
    public static LayerSizes fromScratch(int embeddingDim, int heads) {
      return new LayerSizes(embeddingDim, heads, 4 * embeddingDim, DEFAULT_LAYER_NORM_EPSILON);
    }
  }

  /**
   * One encoder layer: fused-projection self-attention and the feed-forward (GELU, the exact erf form), each
   * with residual + LayerNorm, post-norm as BERT. Children, in order: {@code qkv} (E → 3E, rows Q then K then
   * V), {@code output} (E → E), {@code attentionNorm}, {@code expand} (E → I), {@code contract} (I → E),
   * {@code feedForwardNorm}; Linear weights are (out, in).
   */
  public static final class Layer extends AbstractBlock {
    private static final byte LAYER_VERSION = 1;
    private final int embeddingDim;
    private final int heads;
    private final int intermediateSize;
    private final float dropout;
    private final Linear qkv;
    private final Linear output;
    private final LayerNorm attentionNorm;
    private final Linear expand;
    private final Linear contract;
    private final LayerNorm feedForwardNorm;

    /** @param dropout hidden dropout probability on both sublayer outputs, in training only */
    public Layer(LayerSizes sizes, float dropout) {
      super(LAYER_VERSION);
      this.embeddingDim = sizes.embeddingDim();
      this.heads = sizes.heads();
      this.intermediateSize = sizes.intermediateSize();
      this.dropout = dropout;
      this.qkv = addChildBlock("qkv", Linear.builder().setUnits(3L * embeddingDim).build());
      this.output = addChildBlock("output", Linear.builder().setUnits(embeddingDim).build());
      this.attentionNorm = addChildBlock("attentionNorm", layerNorm(sizes.layerNormEpsilon()));
      this.expand = addChildBlock("expand", Linear.builder().setUnits(intermediateSize).build());
      this.contract = addChildBlock("contract", Linear.builder().setUnits(embeddingDim).build());
      this.feedForwardNorm = addChildBlock("feedForwardNorm", layerNorm(sizes.layerNormEpsilon()));
    }

    /**
     * The layer's output.
     *
     * @param x (N, L, E) the previous layer's output
     * @param bias (N, 1, 1, L) the batch's {@link #keyBias}
     * @param qkvScale (3E, 1) {@link #qkvScale} of E and H
     * @return (N, L, E) on the manager of {@code x}
     */
    public NDArray forward(ParameterStore ps, NDArray x, NDArray bias, NDArray qkvScale, boolean training) {
      Shape shape = x.getShape();
      long n = shape.get(0);
      long s = shape.get(1);
      long d = embeddingDim / heads;
      Device device = x.getDevice();
      PairList<String, Parameter> p = qkv.getDirectParameters();
      NDArray weight = ps.getValue(p.get("weight"), device, training).mul(qkvScale);
      NDArray biasQkv = ps.getValue(p.get("bias"), device, training).mul(qkvScale.reshape(-1));
      // (N, S, 3E) split into three (N, S, E) views, each viewed as (N, S, H, D) and permuted to (N, H, S, D):
      // no copy. (A split's backward is one concatenation; indexing q, k and v out of one (3, N, H, S, D) view
      // would zero-fill and sum three full-size gradients.)
      NDList qkvParts = Linear.linear(x, weight, biasQkv).singletonOrThrow().split(3, 2);
      NDArray q = qkvParts.get(0).reshape(n, s, heads, d).transpose(0, 2, 1, 3);
      NDArray k = qkvParts.get(1).reshape(n, s, heads, d).transpose(0, 2, 1, 3);
      NDArray v = qkvParts.get(2).reshape(n, s, heads, d).transpose(0, 2, 1, 3);
      NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)); // (N, H, S, S), already scaled by 1/√D
      scores.addi(bias); // in place: matmul's backward does not need its output
      NDArray attention = scores.softmax(-1).matMul(v); // (N, H, S, D)
      NDArray merged = attention.transpose(0, 2, 1, 3).reshape(n, s, embeddingDim);
      NDArray a = output.forward(ps, new NDList(merged), training).singletonOrThrow();
      a = hiddenDropout(a, dropout, training);
      x = attentionNorm.forward(ps, new NDList(a.add(x)), training).singletonOrThrow();
      NDArray h = Activation.gelu(expand.forward(ps, new NDList(x), training).singletonOrThrow());
      NDArray f = contract.forward(ps, new NDList(h), training).singletonOrThrow();
      f = hiddenDropout(f, dropout, training);
      return feedForwardNorm.forward(ps, new NDList(f.add(x)), training).singletonOrThrow();
    }

    /**
     * A parameter of one of the layer's children.
     *
     * @param child {@code qkv}, {@code output}, {@code expand}, {@code contract} (Linear: {@code weight} (out,
     *     in), {@code bias}) or {@code attentionNorm}, {@code feedForwardNorm} (LayerNorm: {@code gamma},
     *     {@code beta})
     */
    public Parameter parameter(String child, String name) {
      AbstractBlock block = switch (child) {
        case "qkv" -> qkv;
        case "output" -> output;
        case "attentionNorm" -> attentionNorm;
        case "expand" -> expand;
        case "contract" -> contract;
        case "feedForwardNorm" -> feedForwardNorm;
        default -> throw new IllegalArgumentException("a layer has no child " + child);
      };
      Parameter parameter = block.getDirectParameters().get(name);
      if (parameter == null) {
        throw new IllegalArgumentException("layer child " + child + " has no parameter " + name);
      }
      return parameter;
    }

    @Override
    protected NDList forwardInternal(
        ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
      throw new UnsupportedOperationException("a TextTransformer layer runs through TextTransformer.sequence");
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
      Shape hidden = inputShapes[0];
      qkv.initialize(manager, dataType, hidden);
      output.initialize(manager, dataType, hidden);
      attentionNorm.initialize(manager, dataType, hidden);
      expand.initialize(manager, dataType, hidden);
      contract.initialize(manager, dataType, new Shape(hidden.get(0), hidden.get(1), intermediateSize));
      feedForwardNorm.initialize(manager, dataType, hidden);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      return new Shape[] {inputShapes[0]};
    }
  }
}
