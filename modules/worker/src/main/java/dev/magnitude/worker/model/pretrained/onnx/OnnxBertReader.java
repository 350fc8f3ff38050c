package dev.magnitude.worker.model.pretrained.onnx;

import dev.magnitude.worker.model.pretrained.ModelLocation;
import dev.magnitude.worker.model.pretrained.NamedTensor;
import dev.magnitude.worker.model.pretrained.onnx.OnnxGraph.Node;
import dev.magnitude.worker.model.pretrained.onnx.OnnxGraph.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;

/**
 * The weights of a BERT model from its ONNX graph (as transformers / optimum export {@code BertModel}), under
 * transformers' state-dict names without prefix and in PyTorch's layouts, plus the config.json facts the graph
 * holds ({@link OnnxBertConfig}).
 *
 * <p>How each weight is found:
 *
 * <ul>
 *   <li>the embedding tables, every LayerNorm weight and bias and every Linear bias are initializers named as in the
 *       state dict ({@code embeddings.word_embeddings.weight}, {@code encoder.layer.3.output.LayerNorm.bias}, ...),
 *       possibly under one common prefix (such as {@code bert.}), which is dropped;
 *   <li>a Linear's weight is an initializer {@code <linear>.weight} in (out, in) when the graph names it; otherwise
 *       (PyTorch's exporter folds the transpose into an anonymous {@code onnx::MatMul_<n>}) it is the second input
 *       of the MatMul whose output the Add reading {@code <linear>.bias} adds to: (in, out), transposed here.
 * </ul>
 *
 * <p>Every tensor's shape is checked against the config's sizes. A graph of another shape (another architecture, a
 * fused or quantized export, external data) is an {@link IllegalArgumentException} naming the file and what was not
 * found. Not thread-safe; one use per graph.
 */
public final class OnnxBertReader {
  /** The Linears of one encoder layer, as named in the state dict. */
  static final List<String> LINEARS = List.of("attention.self.query", "attention.self.key", "attention.self.value",
      "attention.output.dense", "intermediate.dense", "output.dense");
  private static final String WORDS = "embeddings.word_embeddings.weight";

  /** A BERT model read from ONNX: its config and its weights in state-dict order. */
  public record OnnxBert(OnnxBertConfig config, Map<String, NamedTensor> weights) {}

  private final OnnxGraph graph;
  private final String prefix;
  private final Map<String, NamedTensor> weights = new LinkedHashMap<>();

  private OnnxBertReader(OnnxGraph graph) {
    this.graph = graph;
    this.prefix = prefix(graph);
  }

  /**
   * Reads the BERT weights and config of the ONNX file at a {@link ModelLocation}.
   *
   * @throws IOException if the file cannot be read
   * @throws IllegalArgumentException if it is not an ONNX BERT graph this reader knows (the message says why)
   */
  public static OnnxBert read(String location, Configuration conf) throws IOException {
    byte[] file = ModelLocation.read(location, conf);
    return read(OnnxGraph.parse(ByteBuffer.wrap(file), location));
  }

  /** Reads the BERT weights and config of a decoded graph. */
  public static OnnxBert read(OnnxGraph graph) {
    return new OnnxBertReader(graph).read();
  }

  private OnnxBert read() {
    for (Node n : graph.nodes()) {
      if (n.opType().equals("CumSum")) {
        // RoBERTa and XLM-R number positions from the input ids (padding id + 1 onward, a cumulative sum of the
        // non-padding mask); BERT's position ids are a constant 0..S-1. Same weight names, another forward.
        throw new IllegalArgumentException(graph.source() + " computes position ids from the input ids (node "
            + n.name() + " is a CumSum), as RoBERTa and XLM-R do; only BERT graphs (constant positions 0..S-1) are "
            + "read from ONNX");
      }
    }
    NamedTensor words = named(WORDS, 2);
    int vocabulary = (int) words.shape()[0];
    int hidden = (int) words.shape()[1];
    NamedTensor positions = named("embeddings.position_embeddings.weight", 2);
    NamedTensor types = named("embeddings.token_type_embeddings.weight", 2);
    expectShape(positions, positions.shape()[0], hidden);
    expectShape(types, types.shape()[0], hidden);
    layerNorm("embeddings.LayerNorm", hidden);
    int layers = layerCount();
    int intermediate = (int) namedShape("encoder.layer.0.intermediate.dense.bias")[0];
    for (int i = 0; i < layers; i++) {
      String layer = "encoder.layer." + i + ".";
      for (String linear : LINEARS) {
        long out = linear.equals("intermediate.dense") ? intermediate : hidden;
        long in = linear.equals("output.dense") ? intermediate : hidden;
        linear(layer + linear, out, in);
      }
      layerNorm(layer + "attention.output.LayerNorm", hidden);
      layerNorm(layer + "output.LayerNorm", hidden);
    }
    int heads = heads(hidden);
    OnnxBertConfig config = new OnnxBertConfig(vocabulary, hidden, layers, heads, intermediate,
        (int) positions.shape()[0], (int) types.shape()[0], epsilon(layers), activation());
    return new OnnxBert(config, weights);
  }

  /** The common prefix of the state-dict names: what precedes the word embeddings' name. */
  private static String prefix(OnnxGraph graph) {
    List<String> found = new ArrayList<>();
    for (String name : graph.initializers().keySet()) {
      if (name.endsWith(WORDS) && (name.length() == WORDS.length() || name.charAt(name.length() - WORDS.length() - 1)
          == '.')) {
        found.add(name);
      }
    }
    if (found.size() != 1) {
      List<String> some = graph.initializers().keySet().stream().limit(8).toList();
      throw new IllegalArgumentException(graph.source() + ": " + (found.isEmpty() ? "no initializer" : found.size()
          + " initializers") + " named [<prefix>.]" + WORDS + " (initializers: " + some + (graph.initializers().size()
          > some.size() ? ", ..." : "") + "); a BERT model exported by transformers (BertModel) names one");
    }
    String name = found.get(0);
    return name.substring(0, name.length() - WORDS.length());
  }

  private int layerCount() {
    int layers = 0;
    while (graph.initializers().containsKey(prefix + "encoder.layer." + layers + ".attention.self.query.bias")) {
      layers++;
    }
    if (layers == 0) {
      throw missing(prefix + "encoder.layer.0.attention.self.query.bias", "the first encoder layer's query bias");
    }
    return layers;
  }

  private Tensor initializer(String name) {
    Tensor t = graph.initializers().get(prefix + name);
    if (t == null) {
      throw missing("tensor " + prefix + name, "no initializer has that name");
    }
    return t;
  }

  private long[] namedShape(String name) {
    return initializer(name).dims();
  }

  /** A named initializer copied into the map under its state-dict name; its rank checked. */
  private NamedTensor named(String name, int rank) {
    Tensor t = initializer(name);
    if (t.dims().length != rank) {
      throw new IllegalArgumentException(graph.source() + ": tensor " + prefix + name + " has shape "
          + Arrays.toString(t.dims()) + "; expected rank " + rank);
    }
    NamedTensor tensor = new NamedTensor(name, t.dims().clone(), graph.floats(t));
    weights.put(name, tensor);
    return tensor;
  }

  private void expectShape(NamedTensor t, long... expected) {
    if (!Arrays.equals(t.shape(), expected)) {
      throw new IllegalArgumentException(graph.source() + ": tensor " + prefix + t.name() + " has shape "
          + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(expected));
    }
  }

  private void layerNorm(String norm, int hidden) {
    expectShape(named(norm + ".weight", 1), hidden);
    expectShape(named(norm + ".bias", 1), hidden);
  }

  /** A Linear's weight in (out, in), then its bias. */
  private void linear(String linear, long out, long in) {
    String weightName = linear + ".weight";
    Tensor named = graph.initializers().get(prefix + weightName);
    if (named != null) {
      expectShape(named(weightName, 2), out, in);
    } else {
      Tensor t = matMulWeight(linear);
      if (!Arrays.equals(t.dims(), new long[] {in, out})) {
        throw new IllegalArgumentException(graph.source() + ": the MatMul weight " + t.name() + " of " + prefix
            + linear + " has shape " + Arrays.toString(t.dims()) + ", expected [" + in + ", " + out + "] (in, out)");
      }
      weights.put(weightName, new NamedTensor(weightName, new long[] {out, in}, transpose(graph.floats(t), in, out)));
    }
    expectShape(named(linear + ".bias", 1), out);
  }

  /** The (in, out) initializer multiplied by the MatMul whose output the Add of {@code <linear>.bias} adds to. */
  private Tensor matMulWeight(String linear) {
    String bias = prefix + linear + ".bias";
    String what = "the weight of " + prefix + linear;
    Node add = graph.consumers(bias).stream().filter(n -> n.opType().equals("Add")).findFirst()
        .orElseThrow(() -> missing(what, "no " + prefix + linear + ".weight initializer and no Add node reads " + bias));
    String product = add.inputs().get(0).equals(bias) ? add.inputs().get(1) : add.inputs().get(0);
    Node matMul = graph.producer(product);
    if (matMul == null || !matMul.opType().equals("MatMul")) {
      throw missing(what, "the Add " + add.name() + " of " + bias + " adds " + product + ", which no MatMul computes"
          + (matMul == null ? "" : " (a " + matMul.opType() + " does)"));
    }
    Tensor weight = graph.initializers().get(matMul.inputs().get(1));
    if (weight == null) {
      throw missing(what, "the MatMul " + matMul.name() + " multiplies by " + matMul.inputs().get(1)
          + ", which is not an initializer");
    }
    return weight;
  }

  /** (rows, cols) row-major to (cols, rows) row-major. */
  static float[] transpose(float[] values, long rows, long cols) {
    int r = (int) rows;
    int c = (int) cols;
    float[] t = new float[values.length];
    for (int i = 0; i < r; i++) {
      for (int j = 0; j < c; j++) {
        t[j * r + i] = values[i * c + j];
      }
    }
    return t;
  }

  /** Heads from the (…, heads, head size) Reshape of layer 0's query. */
  private int heads(int hidden) {
    String bias = prefix + "encoder.layer.0.attention.self.query.bias";
    for (Node add : graph.consumers(bias)) {
      for (Node reshape : graph.consumers(add.outputs().get(0))) {
        if (reshape.opType().equals("Reshape") && reshape.inputs().size() == 2) {
          long[] last = trailing(reshape.inputs().get(1), 2);
          if (last != null && last[0] > 0 && last[0] * last[1] == hidden) {
            return (int) last[0];
          }
        }
      }
    }
    throw missing("the number of attention heads", "no Reshape of the query (the Add of " + bias
        + ") to (..., heads, head size) with heads × head size = " + hidden);
  }

  /** The last {@code count} values of an integer value the graph computes from constants, or null. */
  private long[] trailing(String value, int count) {
    Tensor constant = constant(value);
    if (constant != null) {
      long[] all = graph.longs(constant);
      return all.length < count ? null : Arrays.copyOfRange(all, all.length - count, all.length);
    }
    Node concat = graph.producer(value);
    if (concat == null || !concat.opType().equals("Concat")) {
      return null;
    }
    long[] collected = new long[0];
    for (int k = concat.inputs().size() - 1; k >= 0 && collected.length < count; k--) {
      Tensor part = constant(concat.inputs().get(k));
      if (part == null) {
        return null;
      }
      long[] values = graph.longs(part);
      long[] joined = Arrays.copyOf(values, values.length + collected.length);
      System.arraycopy(collected, 0, joined, values.length, collected.length);
      collected = joined;
    }
    return collected.length < count ? null : Arrays.copyOfRange(collected, collected.length - count,
        collected.length);
  }

  /** The tensor of an initializer or of a Constant node's output, or null. */
  private Tensor constant(String value) {
    Tensor t = graph.initializers().get(value);
    if (t != null) {
      return t;
    }
    Node n = graph.producer(value);
    if (n != null && n.opType().equals("Constant") && n.attributes().containsKey("value")) {
      return n.attributes().get("value").t();
    }
    return null;
  }

  /** ε of every LayerNorm, which must agree. */
  private double epsilon(int layers) {
    List<String> norms = new ArrayList<>(List.of("embeddings.LayerNorm"));
    for (int i = 0; i < layers; i++) {
      norms.add("encoder.layer." + i + ".attention.output.LayerNorm");
      norms.add("encoder.layer." + i + ".output.LayerNorm");
    }
    float first = epsilonOf(norms.get(0));
    for (String norm : norms) {
      float eps = epsilonOf(norm);
      if (eps != first) {
        throw new IllegalArgumentException(graph.source() + ": LayerNorm " + prefix + norm + " has ε " + eps + " but "
            + prefix + norms.get(0) + " has " + first + "; BERT's config has one layer_norm_eps");
      }
    }
    return Double.parseDouble(Float.toString(first));
  }

  /**
   * ε of one LayerNorm: the epsilon attribute of a LayerNormalization node, or, decomposed as PyTorch's exporter
   * writes it ((x − mean) / Sqrt(ReduceMean((x − mean)²) + ε) · weight + bias), the constant the Add under the Sqrt
   * adds.
   */
  private float epsilonOf(String norm) {
    String weight = prefix + norm + ".weight";
    for (Node n : graph.consumers(weight)) {
      if (n.opType().equals("LayerNormalization")) {
        OnnxGraph.Attribute eps = n.attributes().get("epsilon");
        return eps == null ? 1e-5f : eps.f();
      }
      if (n.opType().equals("Mul")) {
        Node div = graph.producer(n.inputs().get(0).equals(weight) ? n.inputs().get(1) : n.inputs().get(0));
        Node sqrt = div != null && div.opType().equals("Div") ? graph.producer(div.inputs().get(1)) : null;
        Node add = sqrt != null && sqrt.opType().equals("Sqrt") ? graph.producer(sqrt.inputs().get(0)) : null;
        if (add != null && add.opType().equals("Add")) {
          for (String in : add.inputs()) {
            Tensor c = constant(in);
            if (c != null && c.elements() == 1) {
              return graph.floats(c)[0];
            }
          }
        }
      }
    }
    throw missing("the ε of LayerNorm " + prefix + norm, "no LayerNormalization node and no Mul ← Div ← Sqrt ← Add "
        + "of a constant reads " + weight);
  }

  /** The feed-forward activation of layer 0: the first Erf, Tanh, Relu or Gelu after the intermediate dense. */
  private String activation() {
    String bias = prefix + "encoder.layer.0.intermediate.dense.bias";
    Deque<Node> todo = new ArrayDeque<>(graph.consumers(bias));
    Set<Node> seen = new HashSet<>();
    List<String> ops = new ArrayList<>();
    while (!todo.isEmpty() && seen.size() < 16) {
      Node n = todo.poll();
      if (!seen.add(n)) {
        continue;
      }
      ops.add(n.opType());
      switch (n.opType()) {
        case "Erf":
          return "gelu";
        case "Tanh":
          return "gelu_new";
        case "Relu":
          return "relu";
        case "Gelu": {
          OnnxGraph.Attribute approximate = n.attributes().get("approximate");
          return approximate != null && "tanh".equals(approximate.s()) ? "gelu_new" : "gelu";
        }
        case "MatMul":
          continue; // the next Linear: the activation lies before it
        default:
          for (String out : n.outputs()) {
            todo.addAll(graph.consumers(out));
          }
      }
    }
    throw missing("the feed-forward activation", "after the Add of " + bias + " come " + ops
        + ", but no Erf (gelu), Tanh (gelu_new), Relu or Gelu");
  }

  private IllegalArgumentException missing(String what, String detail) {
    return new IllegalArgumentException(graph.source() + " is not a BERT graph this reader knows: cannot find " + what
        + " (" + detail + ")");
  }
}
