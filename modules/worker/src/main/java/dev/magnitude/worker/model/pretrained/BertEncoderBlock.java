package dev.magnitude.worker.model.pretrained;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.nn.transformer.IdEmbedding;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.magnitude.worker.model.TextTransformer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * transformers' {@code BertModel} encoder (without its pooler) on the trainer's own transformer layers
 * ({@link TextTransformer.Layer}: fused Q/K/V, additive key bias, 1/√D folded into the Q rows, erf GELU,
 * post-norm residuals): token ids (N, L) and their mask in, the last hidden state (N, L, E) out.
 *
 * <pre>
 *   x = LayerNorm_eps(word[ids] + type[0] + position[offset .. offset + L))    (dropout p on x when training)
 *   per layer: TextTransformer.Layer with the config's E, heads, intermediate size and layer_norm_eps
 * </pre>
 *
 * <p>L may be anything up to {@link BertConfig#maxLength()}: the position embedding is sliced, so a batch
 * can be padded to its longest text. Every text is one segment (token type 0). RoBERTa and XLM-R take their
 * positions from {@code pad_token_id + 1} on ({@link BertConfig#positionOffset()}); transformers gives
 * padding positions the padding index instead, which changes nothing at the text's positions (padding keys
 * get attention weight exactly 0).
 *
 * <p>Weights: the first {@link #initialize} sets every parameter to the weight map given at construction
 * (whatever initializer was set); later initializations (a Trainer's) keep the arrays, so a checkpoint loaded
 * in between survives. {@link #stateDict()} gives the current values back under the same names and shapes.
 * Dropout (default 0) is on the hidden states only, never on the attention probabilities. Not thread-safe.
 */
public final class BertEncoderBlock extends AbstractBlock {
  private static final byte VERSION = 1;
  private static final List<String> QKV = List.of("query", "key", "value");

  private final BertConfig config;
  private final float dropout;
  private final IdEmbedding wordEmbedding;
  private final Parameter positionEmbedding;
  private final Parameter tokenTypeEmbedding;
  private final LayerNorm embeddingNorm;
  private final List<TextTransformer.Layer> layers = new ArrayList<>();
  private Map<String, NamedTensor> pending;

  /**
   * @param weights the initial weights, by unprefixed state-dict name (checked against {@code config})
   * @param dropout hidden dropout probability in [0, 1), in training only
   */
  public BertEncoderBlock(BertConfig config, Map<String, NamedTensor> weights, float dropout) {
    super(VERSION);
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("encoder dropout = " + dropout + ": must be in [0, 1)");
    }
    this.config = config;
    this.dropout = dropout;
    this.pending = BertWeights.check(weights, config, "the weight map");
    int e = config.hiddenSize();
    this.wordEmbedding = addChildBlock("wordEmbedding",
        new IdEmbedding.Builder().setDictionarySize(config.vocabularySize()).setEmbeddingSize(e).build());
    this.positionEmbedding = addParameter(table("positionEmbedding", config.maxPositions(), e));
    this.tokenTypeEmbedding = addParameter(table("tokenTypeEmbedding", config.typeVocabularySize(), e));
    float epsilon = (float) config.layerNormEpsilon();
    this.embeddingNorm = addChildBlock("embeddingNorm", TextTransformer.layerNorm(epsilon));
    TextTransformer.LayerSizes sizes =
        new TextTransformer.LayerSizes(e, config.heads(), config.intermediateSize(), epsilon);
    for (int l = 0; l < config.layers(); l++) {
      layers.add(addChildBlock("layer", new TextTransformer.Layer(sizes, dropout)));
    }
  }

  private static Parameter table(String name, int rows, int e) {
    return Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).optShape(new Shape(rows, e)).build();
  }

  public BertConfig config() {
    return config;
  }

  /**
   * The last hidden state.
   *
   * @param tokenIds (N, L) int32, L ≤ {@link BertConfig#maxLength()}
   * @param mask (N, L) boolean, true for the text's tokens
   * @return (N, L, E) float32 on the manager of {@code tokenIds}
   */
  public NDArray sequence(ParameterStore ps, NDArray tokenIds, NDArray mask, boolean training) {
    Shape shape = tokenIds.getShape();
    if (shape.dimension() != 2 || shape.get(1) > config.maxLength()) {
      throw new IllegalArgumentException("token ids of shape " + shape + ": expected (texts, L) with L <= "
          + config.maxLength() + " (max_position_embeddings " + config.maxPositions() + " after the offset "
          + config.positionOffset() + ")");
    }
    Device device = tokenIds.getDevice();
    int offset = config.positionOffset();
    NDArray words = wordEmbedding.forward(ps, new NDList(tokenIds), training).singletonOrThrow();
    NDArray type = ps.getValue(tokenTypeEmbedding, device, training).get(0);
    NDArray positions =
        ps.getValue(positionEmbedding, device, training).get(new NDIndex("{}:{}", offset, offset + shape.get(1)));
    NDArray x = words.add(type).add(positions);
    x = embeddingNorm.forward(ps, new NDList(x), training).singletonOrThrow();
    x = TextTransformer.hiddenDropout(x, dropout, training);
    NDArray bias = TextTransformer.keyBias(mask);
    NDArray qkvScale = TextTransformer.qkvScale(tokenIds.getManager(), config.hiddenSize(), config.heads());
    for (TextTransformer.Layer layer : layers) {
      x = layer.forward(ps, x, bias, qkvScale, training);
    }
    return x;
  }

  /** Initializes the parameters; the first time, to the weights given at construction. */
  @Override
  public void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
    boolean fresh = !isInitialized();
    super.initialize(manager, dataType, inputShapes);
    if (fresh && pending != null) {
      load(pending);
      pending = null; // the arrays hold them now; the Java copy can go
    }
  }

  /**
   * Copies weights into the parameter arrays, in place (a Trainer and an optimizer holding the arrays see them).
   *
   * @param weights by unprefixed state-dict name; checked against the config
   */
  public void load(Map<String, NamedTensor> weights) {
    Map<String, NamedTensor> w = BertWeights.check(weights, config, "the weight map");
    set(wordEmbedding.getParameters().valueAt(0), w.get(BertWeights.WORD_EMBEDDINGS).data());
    set(positionEmbedding, w.get("embeddings.position_embeddings.weight").data());
    set(tokenTypeEmbedding, w.get("embeddings.token_type_embeddings.weight").data());
    set(embeddingNorm.getDirectParameters().get("gamma"), w.get("embeddings.LayerNorm.weight").data());
    set(embeddingNorm.getDirectParameters().get("beta"), w.get("embeddings.LayerNorm.bias").data());
    for (int l = 0; l < layers.size(); l++) {
      TextTransformer.Layer layer = layers.get(l);
      String p = BertWeights.layer(l);
      for (String kind : List.of("weight", "bias")) {
        List<float[]> parts = new ArrayList<>();
        QKV.forEach(q -> parts.add(w.get(p + "attention.self." + q + "." + kind).data()));
        set(layer.parameter("qkv", kind), concat(parts));
      }
      for (Map.Entry<String, String[]> m : LAYER_PARAMETERS.entrySet()) {
        set(layer.parameter(m.getValue()[0], m.getValue()[1]), w.get(p + m.getKey()).data());
      }
    }
  }

  /** HF layer weight suffix → (child of {@link TextTransformer.Layer}, its parameter), for all but Q/K/V. */
  private static final Map<String, String[]> LAYER_PARAMETERS = layerParameters();

  private static Map<String, String[]> layerParameters() {
    Map<String, String[]> m = new LinkedHashMap<>();
    m.put("attention.output.dense.weight", new String[] {"output", "weight"});
    m.put("attention.output.dense.bias", new String[] {"output", "bias"});
    m.put("attention.output.LayerNorm.weight", new String[] {"attentionNorm", "gamma"});
    m.put("attention.output.LayerNorm.bias", new String[] {"attentionNorm", "beta"});
    m.put("intermediate.dense.weight", new String[] {"expand", "weight"});
    m.put("intermediate.dense.bias", new String[] {"expand", "bias"});
    m.put("output.dense.weight", new String[] {"contract", "weight"});
    m.put("output.dense.bias", new String[] {"contract", "bias"});
    m.put("output.LayerNorm.weight", new String[] {"feedForwardNorm", "gamma"});
    m.put("output.LayerNorm.bias", new String[] {"feedForwardNorm", "beta"});
    return m;
  }

  /**
   * The current weights under transformers' names (unprefixed, {@link BertWeights#expected} order and shapes;
   * the fused Q/K/V split back into query, key and value), float32 copies.
   */
  public Map<String, NamedTensor> stateDict() {
    Map<String, long[]> shapes = BertWeights.expected(config);
    Map<String, float[]> values = new LinkedHashMap<>();
    values.put(BertWeights.WORD_EMBEDDINGS, get(wordEmbedding.getParameters().valueAt(0)));
    values.put("embeddings.position_embeddings.weight", get(positionEmbedding));
    values.put("embeddings.token_type_embeddings.weight", get(tokenTypeEmbedding));
    values.put("embeddings.LayerNorm.weight", get(embeddingNorm.getDirectParameters().get("gamma")));
    values.put("embeddings.LayerNorm.bias", get(embeddingNorm.getDirectParameters().get("beta")));
    for (int l = 0; l < layers.size(); l++) {
      TextTransformer.Layer layer = layers.get(l);
      String p = BertWeights.layer(l);
      for (String kind : List.of("weight", "bias")) {
        float[] fused = get(layer.parameter("qkv", kind));
        int part = fused.length / 3;
        for (int q = 0; q < 3; q++) {
          float[] values3 = new float[part];
          System.arraycopy(fused, q * part, values3, 0, part);
          values.put(p + "attention.self." + QKV.get(q) + "." + kind, values3);
        }
      }
      for (Map.Entry<String, String[]> m : LAYER_PARAMETERS.entrySet()) {
        values.put(p + m.getKey(), get(layer.parameter(m.getValue()[0], m.getValue()[1])));
      }
    }
    Map<String, NamedTensor> out = new LinkedHashMap<>();
    shapes.forEach((name, shape) -> out.put(name, new NamedTensor(name, shape, values.get(name))));
    return out;
  }

  private static float[] concat(List<float[]> parts) {
    int n = parts.stream().mapToInt(a -> a.length).sum();
    float[] out = new float[n];
    int at = 0;
    for (float[] part : parts) {
      System.arraycopy(part, 0, out, at, part.length);
      at += part.length;
    }
    return out;
  }

  private static void set(Parameter parameter, float[] values) {
    NDArray array = parameter.getArray();
    if (array.getShape().size() != values.length) {
      throw new IllegalStateException("parameter " + parameter.getName() + " of shape " + array.getShape()
          + " cannot take " + values.length + " values");
    }
    array.set(FloatBuffer.wrap(values));
  }

  private static float[] get(Parameter parameter) {
    return parameter.getArray().toFloatArray();
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
    if (inputs.size() != 2) {
      throw new IllegalArgumentException("a BERT encoder takes token ids and their mask, got " + inputs.size() + " inputs");
    }
    return new NDList(sequence(parameterStore, inputs.get(0), inputs.get(1), training));
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape ids = inputShapes[0];
    Shape hidden = new Shape(ids.get(0), ids.get(1), config.hiddenSize());
    wordEmbedding.initialize(manager, dataType, ids);
    embeddingNorm.initialize(manager, dataType, hidden);
    for (TextTransformer.Layer layer : layers) {
      layer.initialize(manager, dataType, hidden);
    }
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[0].get(0), inputShapes[0].get(1), config.hiddenSize())};
  }
}
