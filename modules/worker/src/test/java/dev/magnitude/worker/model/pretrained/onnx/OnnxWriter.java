package dev.magnitude.worker.model.pretrained.onnx;

import dev.magnitude.worker.model.pretrained.onnx.OnnxGraph.Attribute;
import dev.magnitude.worker.model.pretrained.onnx.OnnxGraph.Node;
import dev.magnitude.worker.model.pretrained.onnx.OnnxGraph.Tensor;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Collection;

/**
 * Writes a graph back into the ONNX wire format (the fields {@link OnnxGraph} reads), so tests can change a real
 * export (drop a tensor, reshape one, rewire a node) and read the result. Tensors keep their raw data or typed
 * fields as parsed.
 */
final class OnnxWriter {
  private OnnxWriter() {}

  static ByteBuffer model(Collection<Tensor> initializers, Collection<Node> nodes) {
    Message graph = new Message();
    for (Node n : nodes) {
      graph.message(1, node(n));
    }
    graph.string(2, "edited");
    for (Tensor t : initializers) {
      graph.message(5, tensor(t));
    }
    Message model = new Message();
    model.varint(1, 6);
    Message opset = new Message();
    opset.varint(2, 11);
    model.message(8, opset);
    model.message(7, graph);
    return ByteBuffer.wrap(model.bytes());
  }

  static Message node(Node n) {
    Message m = new Message();
    n.inputs().forEach(in -> m.string(1, in));
    n.outputs().forEach(out -> m.string(2, out));
    m.string(3, n.name());
    m.string(4, n.opType());
    for (Attribute a : n.attributes().values()) {
      Message attribute = new Message();
      attribute.string(1, a.name());
      if (a.t() != null) {
        attribute.message(5, tensor(a.t()));
      } else {
        attribute.fixed32(2, a.f());
        attribute.varint(3, a.i());
        attribute.string(4, a.s());
        Message ints = new Message();
        for (long v : a.ints()) {
          ints.rawVarint(v);
        }
        attribute.bytes(8, ints.bytes());
      }
      m.message(5, attribute);
    }
    return m;
  }

  static Message tensor(Tensor t) {
    Message m = new Message();
    Message dims = new Message();
    for (long d : t.dims()) {
      dims.rawVarint(d);
    }
    m.bytes(1, dims.bytes());
    m.varint(2, t.dataType());
    if (t.floatData().length > 0) {
      ByteBuffer packed = ByteBuffer.allocate(4 * t.floatData().length).order(ByteOrder.LITTLE_ENDIAN);
      for (float f : t.floatData()) {
        packed.putFloat(f);
      }
      m.bytes(4, packed.array());
    }
    if (t.int64Data().length > 0) {
      Message packed = new Message();
      for (long v : t.int64Data()) {
        packed.rawVarint(v);
      }
      m.bytes(7, packed.bytes());
    }
    m.string(8, t.name());
    if (t.raw() != null) {
      ByteBuffer raw = t.raw().duplicate();
      byte[] bytes = new byte[raw.remaining()];
      raw.get(bytes);
      m.bytes(9, bytes);
    }
    if (t.external()) {
      m.varint(14, 1);
    }
    return m;
  }

  /** Protocol-buffers records appended in order. */
  static final class Message {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    void rawVarint(long v) {
      while ((v & ~0x7FL) != 0) {
        out.write((int) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      out.write((int) v);
    }

    void tag(int field, int wireType) {
      rawVarint(((long) field << 3) | wireType);
    }

    void varint(int field, long v) {
      tag(field, Wire.VARINT);
      rawVarint(v);
    }

    void fixed32(int field, float f) {
      tag(field, Wire.FIXED32);
      int bits = Float.floatToRawIntBits(f);
      for (int k = 0; k < 4; k++) {
        out.write((bits >>> (8 * k)) & 0xFF);
      }
    }

    void bytes(int field, byte[] value) {
      tag(field, Wire.LENGTH_DELIMITED);
      rawVarint(value.length);
      out.writeBytes(value);
    }

    void string(int field, String value) {
      bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    void message(int field, Message value) {
      bytes(field, value.bytes());
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }
}
