package dev.magnitude.worker.model.pretrained.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnitude.core.json.Json;
import dev.magnitude.worker.model.pretrained.MiniLm;
import dev.magnitude.worker.model.pretrained.NamedTensor;
import dev.magnitude.worker.model.pretrained.PretrainedFixtures;
import dev.magnitude.worker.model.pretrained.onnx.OnnxBertReader.OnnxBert;
import dev.magnitude.worker.model.pretrained.onnx.OnnxGraph.Node;
import dev.magnitude.worker.model.pretrained.onnx.OnnxGraph.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

/**
 * The ONNX weight reader on two real exports: the tiny BERT of {@code onnx/make_tiny_bert_onnx.py} (PyTorch 1.13's
 * exporter) and the bundled all-MiniLM-L6-v2 (PyTorch 2.0.1's), the latter against what python3-onnx reads from the
 * same file ({@code onnx/make_minilm_weight_facts.py}); then edited copies of the tiny export for each kind of bad
 * graph.
 */
class OnnxBertReaderTest {
  private static final Configuration CONF = new Configuration();

  @Test
  void theTinyExportGivesItsConfigAndEveryWeightUnderItsStateDictName() throws IOException {
    OnnxBert bert = OnnxBertReader.read(PretrainedFixtures.TINY_ONNX, CONF);
    JsonNode expected = PretrainedFixtures.tinyExpected().path("config");
    assertThat(Json.MAPPER.readTree(Json.write(bert.config()))).isEqualTo(withModelType(expected));
    // 5 embedding tensors, then per layer 6 Linears (weight, bias) and 2 LayerNorms (weight, bias): 5 + 2 · 16
    assertThat(bert.weights().keySet()).hasSize(37).containsExactlyElementsOf(stateDictNames(2));
    assertThat(bert.weights().get("encoder.layer.0.intermediate.dense.weight").shape()).containsExactly(16, 8);
    assertThat(bert.weights().get("encoder.layer.1.output.dense.weight").shape()).containsExactly(8, 16);
    assertThat(bert.weights().get("embeddings.token_type_embeddings.weight").shape()).containsExactly(2, 8);
  }

  @Test
  void theBundledMiniLmReadsAsPythonOnnxReadsIt() throws IOException {
    JsonNode facts = PretrainedFixtures.json("minilm_weight_facts.json");
    OnnxBert bert = OnnxBertReader.read(MiniLm.ONNX, CONF);
    assertThat(Json.MAPPER.readTree(Json.write(bert.config()))).isEqualTo(withModelType(facts.path("config")));
    List<String> names = new ArrayList<>();
    facts.path("tensors").fieldNames().forEachRemaining(names::add);
    assertThat(bert.weights().keySet()).containsExactlyElementsOf(names).containsExactlyElementsOf(stateDictNames(6));
    for (String name : names) {
      JsonNode fact = facts.path("tensors").path(name);
      NamedTensor t = bert.weights().get(name);
      assertThat(t.name()).isEqualTo(name);
      assertThat(t.shape()).as(name).containsExactly(longs(fact.path("shape")));
      assertThat(t.data()).as(name).hasSize((int) product(t.shape()));
      for (int k = 0; k < fact.path("indices").size(); k++) {
        // float32 values printed by Python as doubles read back exactly
        assertThat(t.data()[fact.path("indices").get(k).asInt()]).as("%s[%s]", name, fact.path("indices").get(k))
            .isEqualTo((float) fact.path("values").get(k).asDouble());
      }
      double sum = 0;
      for (float v : t.data()) {
        sum += v;
      }
      // numpy sums pairwise, this loop in order: both in float64, so they agree far below 1e-6
      assertThat(sum).as("sum of %s", name).isCloseTo(fact.path("sum").asDouble(), within(1e-6));
    }
  }

  @Test
  void aGraphWithoutWordEmbeddingsIsNotBert() {
    assertThatThrownBy(() -> readEdited(drop("embeddings.word_embeddings.weight"), UnaryOperator.identity()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("edited.onnx: no initializer named [<prefix>.]embeddings.word_embeddings.weight")
        .hasMessageContaining("a BERT model exported by transformers");
  }

  @Test
  void aMatMulThatMultipliesByAComputedValueIsNamed() {
    OnnxGraph tiny = tiny();
    String weight = matMulFeeding(tiny, "encoder.layer.1.attention.self.value.bias");
    assertThatThrownBy(() -> readEdited(drop(weight), UnaryOperator.identity()))
        .hasMessageContaining("cannot find the weight of encoder.layer.1.attention.self.value")
        .hasMessageContaining("multiplies by " + weight + ", which is not an initializer");
  }

  @Test
  void aBiasNoAddReadsIsNamed() {
    UnaryOperator<Node> rewire = n -> n.inputs().contains("encoder.layer.0.output.dense.bias")
        ? new Node(n.name(), n.opType(), List.of("elsewhere", n.inputs().get(1)), n.outputs(), n.attributes()) : n;
    assertThatThrownBy(() -> readEdited(UnaryOperator.identity(), rewire))
        .hasMessageContaining("cannot find the weight of encoder.layer.0.output.dense")
        .hasMessageContaining("no Add node reads encoder.layer.0.output.dense.bias");
  }

  @Test
  void aMisshapenTensorNamesItsExpectedAndFoundShape() {
    UnaryOperator<Tensor> wide = t -> t.name().equals("encoder.layer.1.output.LayerNorm.weight")
        ? new Tensor(t.name(), new long[] {9}, t.dataType(), ByteBuffer.allocate(36), new float[0], new int[0],
            new long[0], false) : t;
    assertThatThrownBy(() -> readEdited(wide, UnaryOperator.identity()))
        .hasMessageContaining("tensor encoder.layer.1.output.LayerNorm.weight has shape [9], expected [8]");
  }

  @Test
  void externalDataAndOtherDataTypesAreRefusedByName() {
    UnaryOperator<Tensor> external = t -> t.name().equals("embeddings.position_embeddings.weight")
        ? new Tensor(t.name(), t.dims(), t.dataType(), null, new float[0], new int[0], new long[0], true) : t;
    assertThatThrownBy(() -> readEdited(external, UnaryOperator.identity()))
        .hasMessageContaining("tensor embeddings.position_embeddings.weight keeps its values in an external file");
    UnaryOperator<Tensor> doubles = t -> t.name().equals("embeddings.LayerNorm.bias")
        ? new Tensor(t.name(), t.dims(), 11, ByteBuffer.allocate(64), new float[0], new int[0], new long[0], false) : t;
    assertThatThrownBy(() -> readEdited(doubles, UnaryOperator.identity()))
        .hasMessageContaining("tensor embeddings.LayerNorm.bias has ONNX data type 11; weights must be FLOAT (1) or "
            + "FLOAT16 (10)");
  }

  @Test
  void float16WeightsAreWidenedExactly() throws IOException {
    // 240 halves cycling through 1.0 (0x3C00), −2.0 (0xC000), 65504 (0x7BFF, the largest) and 2^−24 (0x0001)
    short[] bits = {0x3C00, (short) 0xC000, 0x7BFF, 0x0001};
    float[] values = {1f, -2f, 65504f, 0x1p-24f};
    ByteBuffer raw = ByteBuffer.allocate(2 * 240).order(ByteOrder.LITTLE_ENDIAN);
    for (int k = 0; k < 240; k++) {
      raw.putShort(bits[k % 4]);
    }
    raw.flip();
    UnaryOperator<Tensor> half = t -> t.name().equals("embeddings.word_embeddings.weight")
        ? new Tensor(t.name(), t.dims(), OnnxGraph.FLOAT16, raw, new float[0], new int[0], new long[0], false) : t;
    float[] words = readEdited(half, UnaryOperator.identity()).weights().get("embeddings.word_embeddings.weight").data();
    for (int k = 0; k < 240; k++) {
      assertThat(words[k]).isEqualTo(values[k % 4]);
    }
    assertThat(Half.toFloat((short) 0x3555)).isEqualTo(0.333251953125f); // 1.0101010101₂ · 2^−2
    assertThat(Half.toFloat((short) 0xFC00)).isEqualTo(Float.NEGATIVE_INFINITY);
    assertThat(Half.toFloat((short) 0x8000)).isEqualTo(-0f);
  }

  @Test
  void anActivationOtherThanGeluOrReluIsNamed() {
    UnaryOperator<Node> sigmoid = n -> n.opType().equals("Erf")
        ? new Node(n.name(), "Sigmoid", n.inputs(), n.outputs(), n.attributes()) : n;
    assertThatThrownBy(() -> readEdited(UnaryOperator.identity(), sigmoid))
        .hasMessageContaining("cannot find the feed-forward activation")
        .hasMessageContaining("Sigmoid");
  }

  @Test
  void aGraphThatNumbersPositionsFromTheIdsIsRefusedAsRoberta() {
    UnaryOperator<Node> cumsum = n -> n.opType().equals("Slice")
        ? new Node("/embeddings/CumSum", "CumSum", n.inputs(), n.outputs(), Map.of()) : n;
    assertThatThrownBy(() -> readEdited(UnaryOperator.identity(), cumsum))
        .hasMessageContaining("computes position ids from the input ids (node /embeddings/CumSum is a CumSum), as "
            + "RoBERTa and XLM-R do");
  }

  @Test
  void bytesThatAreNoModelSayWhichFile() {
    ByteBuffer text = ByteBuffer.wrap("{\"model_type\": \"bert\"}\n".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> OnnxGraph.parse(text, "config.json"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("config.json");
  }

  private static OnnxGraph tiny() {
    try {
      byte[] bytes = dev.magnitude.worker.model.pretrained.ModelLocation.read(PretrainedFixtures.TINY_ONNX, CONF);
      return OnnxGraph.parse(ByteBuffer.wrap(bytes), "tiny_bert.onnx");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The tiny export with each initializer and node passed through an edit (null drops it), read back. */
  private static OnnxBert readEdited(UnaryOperator<Tensor> tensors, UnaryOperator<Node> nodes) {
    OnnxGraph tiny = tiny();
    Map<String, Tensor> initializers = new LinkedHashMap<>();
    for (Tensor t : tiny.initializers().values()) {
      Tensor edited = tensors.apply(t);
      if (edited != null) {
        initializers.put(edited.name(), edited);
      }
    }
    List<Node> edited = new ArrayList<>();
    for (Node n : tiny.nodes()) {
      edited.add(nodes.apply(n));
    }
    return OnnxBertReader.read(OnnxGraph.parse(OnnxWriter.model(initializers.values(), edited), "edited.onnx"));
  }

  private static UnaryOperator<Tensor> drop(String name) {
    return t -> t.name().equals(name) ? null : t;
  }

  private static String matMulFeeding(OnnxGraph graph, String bias) {
    Node add = graph.consumers(bias).get(0);
    String product = add.inputs().get(0).equals(bias) ? add.inputs().get(1) : add.inputs().get(0);
    return graph.producer(product).inputs().get(1);
  }

  /** The BERT state-dict names of a model with {@code layers} layers, in the reader's order. */
  static List<String> stateDictNames(int layers) {
    List<String> names = new ArrayList<>(List.of("embeddings.word_embeddings.weight",
        "embeddings.position_embeddings.weight", "embeddings.token_type_embeddings.weight",
        "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias"));
    for (int i = 0; i < layers; i++) {
      for (String linear : OnnxBertReader.LINEARS) {
        names.add("encoder.layer." + i + "." + linear + ".weight");
        names.add("encoder.layer." + i + "." + linear + ".bias");
      }
      for (String norm : List.of("attention.output.LayerNorm", "output.LayerNorm")) {
        names.add("encoder.layer." + i + "." + norm + ".weight");
        names.add("encoder.layer." + i + "." + norm + ".bias");
      }
    }
    return names;
  }

  private static JsonNode withModelType(JsonNode config) {
    com.fasterxml.jackson.databind.node.ObjectNode copy = config.deepCopy();
    copy.put("model_type", "bert");
    return copy;
  }

  private static long[] longs(JsonNode array) {
    long[] values = new long[array.size()];
    Iterator<JsonNode> it = array.elements();
    for (int k = 0; it.hasNext(); k++) {
      values[k] = it.next().asLong();
    }
    return values;
  }

  private static long product(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }
}
