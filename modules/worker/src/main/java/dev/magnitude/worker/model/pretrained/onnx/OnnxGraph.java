package dev.magnitude.worker.model.pretrained.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of an ONNX model file ({@code ModelProto}, protocol buffers) that hold weights and say how they are
 * used: the main graph's initializers (named constant tensors), its nodes (operator, inputs, outputs, attributes)
 * and its input names. Decoded by hand from the wire format ({@link Wire}); no ONNX Runtime, no protobuf library.
 * Nested subgraphs (If/Loop bodies), sparse initializers, metadata and type information are skipped.
 *
 * <p>Field numbers are those of onnx/onnx.proto: ModelProto.graph = 7; GraphProto.node = 1, initializer = 5,
 * input = 11; NodeProto.input = 1, output = 2, name = 3, op_type = 4, attribute = 5; AttributeProto.name = 1,
 * f = 2, i = 3, s = 4, t = 5, floats = 7, ints = 8; TensorProto.dims = 1, data_type = 2, float_data = 4, int32_data = 5,
 * int64_data = 7, name = 8, raw_data = 9, data_location = 14; ValueInfoProto.name = 1.
 */
public final class OnnxGraph {
  /** TensorProto.DataType values this reader converts. */
  static final int FLOAT = 1;
  static final int INT32 = 6;
  static final int INT64 = 7;
  static final int FLOAT16 = 10;

  /**
   * A tensor of the file: an initializer, or the value of a Constant node.
   *
   * @param raw the raw_data bytes (little-endian), or null when the values are in a typed field
   * @param floatData float_data, or an empty array
   * @param int32Data int32_data (also FLOAT16 bit patterns), or an empty array
   * @param int64Data int64_data, or an empty array
   * @param external whether data_location is EXTERNAL (the values live in another file)
   */
  public record Tensor(
      String name, long[] dims, int dataType, ByteBuffer raw, float[] floatData, int[] int32Data, long[] int64Data,
      boolean external) {
    public long elements() {
      long n = 1;
      for (long d : dims) {
        n *= d;
      }
      return n;
    }
  }

  /** An attribute of a node; only the fields a weight reader needs (f, i, s, t, floats, ints). */
  public record Attribute(String name, float f, long i, String s, Tensor t, float[] floats, long[] ints) {}

  /** One node of the graph. */
  public record Node(String name, String opType, List<String> inputs, List<String> outputs,
      Map<String, Attribute> attributes) {}

  private final String source;
  private final Map<String, Tensor> initializers;
  private final List<Node> nodes;
  private final List<String> inputs;
  private final Map<String, Node> producers = new HashMap<>();
  private final Map<String, List<Node>> consumers = new HashMap<>();

  private OnnxGraph(String source, Map<String, Tensor> initializers, List<Node> nodes, List<String> inputs) {
    this.source = source;
    this.initializers = initializers;
    this.nodes = nodes;
    this.inputs = inputs;
    for (Node n : nodes) {
      for (String out : n.outputs()) {
        producers.put(out, n);
      }
      for (String in : n.inputs()) {
        consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
      }
    }
  }

  /**
   * Decodes a model file.
   *
   * @param model the whole file, from position to limit
   * @param source the file's location, for errors
   * @throws IllegalArgumentException if the bytes are not an ONNX model with a graph
   */
  public static OnnxGraph parse(ByteBuffer model, String source) {
    Wire wire = new Wire(model, source + ": ModelProto");
    Wire graph = null;
    while (wire.next()) {
      if (wire.field() == 7 && wire.wireType() == Wire.LENGTH_DELIMITED) {
        graph = wire.message("GraphProto");
      } else {
        wire.skip();
      }
    }
    if (graph == null) {
      throw new IllegalArgumentException(source + " is not an ONNX model: it has no graph (ModelProto field 7)");
    }
    Map<String, Tensor> initializers = new LinkedHashMap<>();
    List<Node> nodes = new ArrayList<>();
    List<String> inputs = new ArrayList<>();
    while (graph.next()) {
      switch (graph.field()) {
        case 1 -> nodes.add(node(graph.message("NodeProto")));
        case 5 -> {
          Tensor t = tensor(graph.message("TensorProto"));
          initializers.put(t.name(), t);
        }
        case 11 -> inputs.add(valueName(graph.message("ValueInfoProto")));
        default -> graph.skip();
      }
    }
    return new OnnxGraph(source, initializers, nodes, inputs);
  }

  private static String valueName(Wire info) {
    String name = "";
    while (info.next()) {
      if (info.field() == 1) {
        name = info.string();
      } else {
        info.skip();
      }
    }
    return name;
  }

  private static Node node(Wire wire) {
    List<String> inputs = new ArrayList<>();
    List<String> outputs = new ArrayList<>();
    String name = "";
    String op = "";
    Map<String, Attribute> attributes = new LinkedHashMap<>();
    while (wire.next()) {
      switch (wire.field()) {
        case 1 -> inputs.add(wire.string());
        case 2 -> outputs.add(wire.string());
        case 3 -> name = wire.string();
        case 4 -> op = wire.string();
        case 5 -> {
          Attribute a = attribute(wire.message("AttributeProto"));
          attributes.put(a.name(), a);
        }
        default -> wire.skip();
      }
    }
    return new Node(name, op, List.copyOf(inputs), List.copyOf(outputs), attributes);
  }

  private static Attribute attribute(Wire wire) {
    String name = "";
    float f = 0;
    long i = 0;
    String text = "";
    Tensor t = null;
    float[] floats = new float[0];
    long[] ints = new long[0];
    while (wire.next()) {
      switch (wire.field()) {
        case 1 -> name = wire.string();
        case 2 -> f = wire.fixed32Float();
        case 3 -> i = wire.varint();
        case 4 -> text = wire.string();
        case 5 -> t = tensor(wire.message("TensorProto"));
        case 7 -> floats = wire.floats(floats);
        case 8 -> ints = wire.int64s(ints);
        default -> wire.skip();
      }
    }
    return new Attribute(name, f, i, text, t, floats, ints);
  }

  private static Tensor tensor(Wire wire) {
    long[] dims = new long[0];
    int dataType = 0;
    float[] floats = new float[0];
    long[] int32s = new long[0];
    long[] int64s = new long[0];
    String name = "";
    ByteBuffer raw = null;
    boolean external = false;
    while (wire.next()) {
      switch (wire.field()) {
        case 1 -> dims = wire.int64s(dims);
        case 2 -> dataType = (int) wire.varint();
        case 4 -> floats = wire.floats(floats);
        case 5 -> int32s = wire.int64s(int32s);
        case 7 -> int64s = wire.int64s(int64s);
        case 8 -> name = wire.string();
        case 9 -> raw = wire.bytes();
        case 14 -> external = wire.varint() == 1;
        default -> wire.skip();
      }
    }
    int[] int32Data = new int[int32s.length];
    for (int k = 0; k < int32s.length; k++) {
      int32Data[k] = (int) int32s[k];
    }
    return new Tensor(name, dims, dataType, raw, floats, int32Data, int64s, external);
  }

  public String source() {
    return source;
  }

  public Map<String, Tensor> initializers() {
    return initializers;
  }

  public List<Node> nodes() {
    return nodes;
  }

  /** The graph's input names (including initializers listed as inputs by old exporters). */
  public List<String> inputs() {
    return inputs;
  }

  /** The node whose output is {@code value}, or null (a graph input or an initializer). */
  public Node producer(String value) {
    return producers.get(value);
  }

  /** The nodes that read {@code value}, in graph order. */
  public List<Node> consumers(String value) {
    return consumers.getOrDefault(value, List.of());
  }

  /**
   * The values of a float tensor as float32 (FLOAT, or FLOAT16 widened), row-major.
   *
   * @throws IllegalArgumentException for another data type, external data or a size that does not fit the dims
   */
  public float[] floats(Tensor t) {
    int n = checkedSize(t);
    float[] values = new float[n];
    if (t.dataType() == FLOAT) {
      if (t.raw() != null) {
        rawOf(t, 4L * n).asFloatBuffer().get(values);
      } else {
        copy(t, t.floatData().length, n);
        System.arraycopy(t.floatData(), 0, values, 0, n);
      }
    } else if (t.dataType() == FLOAT16) {
      if (t.raw() != null) {
        ByteBuffer raw = rawOf(t, 2L * n);
        for (int k = 0; k < n; k++) {
          values[k] = Half.toFloat(raw.getShort(2 * k));
        }
      } else {
        copy(t, t.int32Data().length, n);
        for (int k = 0; k < n; k++) {
          values[k] = Half.toFloat((short) t.int32Data()[k]);
        }
      }
    } else {
      throw new IllegalArgumentException(source + ": tensor " + t.name() + " has ONNX data type " + t.dataType()
          + "; weights must be FLOAT (1) or FLOAT16 (10)");
    }
    return values;
  }

  /** The values of an integer tensor (INT64 or INT32) as longs; for shapes and axes. */
  public long[] longs(Tensor t) {
    int n = checkedSize(t);
    long[] values = new long[n];
    if (t.dataType() == INT64) {
      if (t.raw() != null) {
        rawOf(t, 8L * n).asLongBuffer().get(values);
      } else {
        copy(t, t.int64Data().length, n);
        System.arraycopy(t.int64Data(), 0, values, 0, n);
      }
    } else if (t.dataType() == INT32) {
      ByteBuffer raw = t.raw() != null ? rawOf(t, 4L * n) : null;
      if (raw == null) {
        copy(t, t.int32Data().length, n);
      }
      for (int k = 0; k < n; k++) {
        values[k] = raw != null ? raw.getInt(4 * k) : t.int32Data()[k];
      }
    } else {
      throw new IllegalArgumentException(source + ": tensor " + t.name() + " has ONNX data type " + t.dataType()
          + "; expected INT64 (7) or INT32 (6)");
    }
    return values;
  }

  private int checkedSize(Tensor t) {
    if (t.external()) {
      throw new IllegalArgumentException(source + ": tensor " + t.name() + " keeps its values in an external file; "
          + "save the model with every tensor inside (onnx.save_model(..., save_as_external_data=False))");
    }
    long n = t.elements();
    if (n < 0 || n > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(source + ": tensor " + t.name() + " has " + n + " elements; at most "
          + (Integer.MAX_VALUE - 8) + " are supported");
    }
    return (int) n;
  }

  private ByteBuffer rawOf(Tensor t, long bytes) {
    if (t.raw().remaining() != bytes) {
      throw new IllegalArgumentException(source + ": tensor " + t.name() + " of shape " + Arrays.toString(
          t.dims()) + " has " + t.raw().remaining() + " bytes of raw data, expected " + bytes);
    }
    return t.raw().duplicate().order(ByteOrder.LITTLE_ENDIAN);
  }

  private void copy(Tensor t, int found, int expected) {
    if (found != expected) {
      throw new IllegalArgumentException(source + ": tensor " + t.name() + " of shape "
          + Arrays.toString(t.dims()) + " has " + found + " values, expected " + expected);
    }
  }
}
