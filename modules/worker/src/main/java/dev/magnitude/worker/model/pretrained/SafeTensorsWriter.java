package dev.magnitude.worker.model.pretrained;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Collection;

/**
 * Writes float32 tensors as one safetensors file: the header lists the tensors in the order given, each with
 * dtype F32, its shape and its data offsets, plus {@code __metadata__ {"format": "pt"}} (what transformers
 * requires of a PyTorch checkpoint); the header is padded with spaces to a multiple of 8 bytes, so the data
 * section starts aligned; the data follows in the same order, little-endian.
 */
public final class SafeTensorsWriter {
  private SafeTensorsWriter() {}

  public static void write(Collection<NamedTensor> tensors, OutputStream out) throws IOException {
    ObjectNode header = JsonNodeFactory.instance.objectNode();
    header.putObject("__metadata__").put("format", "pt");
    long offset = 0;
    for (NamedTensor t : tensors) {
      ObjectNode entry = header.putObject(t.name());
      entry.put("dtype", "F32");
      for (long d : t.shape()) {
        entry.withArray("shape").add(d);
      }
      if (t.shape().length == 0) {
        entry.putArray("shape");
      }
      long bytes = 4L * t.data().length;
      entry.putArray("data_offsets").add(offset).add(offset + bytes);
      offset += bytes;
    }
    StringBuilder json = new StringBuilder(header.toString());
    while (json.toString().getBytes(StandardCharsets.UTF_8).length % 8 != 0) {
      json.append(' ');
    }
    byte[] headerBytes = json.toString().getBytes(StandardCharsets.UTF_8);
    out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerBytes.length).array());
    out.write(headerBytes);
    for (NamedTensor t : tensors) {
      ByteBuffer data = ByteBuffer.allocate(4 * t.data().length).order(ByteOrder.LITTLE_ENDIAN);
      data.asFloatBuffer().put(t.data());
      out.write(data.array());
    }
  }
}
