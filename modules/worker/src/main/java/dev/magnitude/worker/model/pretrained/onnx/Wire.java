package dev.magnitude.worker.model.pretrained.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A reader of one protocol-buffers message in the binary wire format: a sequence of (field number, wire type,
 * value) records. Only what ONNX's messages use: varints, 32- and 64-bit fixed values and length-delimited values
 * (strings, bytes, nested messages, packed repeated scalars); the deprecated group wire types are an error.
 *
 * <p>Usage: {@code while (wire.next()) switch (wire.field()) { case 1 -> wire.varint(); ... default -> wire.skip(); }}.
 * Every value of the current record must be read or skipped exactly once before the next {@link #next}. Values that
 * are bytes are views of the underlying buffer, not copies.
 */
final class Wire {
  static final int VARINT = 0;
  static final int FIXED64 = 1;
  static final int LENGTH_DELIMITED = 2;
  static final int FIXED32 = 5;

  private final ByteBuffer buffer;
  private final String what;
  private int field;
  private int wireType;

  /**
   * @param message the message's bytes, from position to limit
   * @param what the message and its file, for errors ("model.onnx: GraphProto")
   */
  Wire(ByteBuffer message, String what) {
    this.buffer = message.slice().order(ByteOrder.LITTLE_ENDIAN);
    this.what = what;
  }

  /** Reads the next record's tag; false at the end of the message. */
  boolean next() {
    if (!buffer.hasRemaining()) {
      return false;
    }
    long tag = varint();
    field = (int) (tag >>> 3);
    wireType = (int) (tag & 7);
    if (field <= 0) {
      throw damaged("field number " + field + " at byte " + buffer.position());
    }
    return true;
  }

  int field() {
    return field;
  }

  int wireType() {
    return wireType;
  }

  /** A varint value (int32, int64, uint64, bool, enum). */
  long varint() {
    long value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      byte b = get();
      value |= (long) (b & 0x7F) << shift;
      if (b >= 0) {
        return value;
      }
    }
    throw damaged("a varint longer than 10 bytes at byte " + buffer.position());
  }

  float fixed32Float() {
    expect(FIXED32);
    need(4);
    return buffer.getFloat();
  }

  /** A length-delimited value as a view of the buffer (little-endian). */
  ByteBuffer bytes() {
    expect(LENGTH_DELIMITED);
    long length = varint();
    if (length < 0 || length > buffer.remaining()) {
      throw damaged("field " + field + " claims " + length + " bytes, " + buffer.remaining() + " remain");
    }
    ByteBuffer value = buffer.slice().order(ByteOrder.LITTLE_ENDIAN);
    value.limit((int) length);
    buffer.position(buffer.position() + (int) length);
    return value;
  }

  String string() {
    ByteBuffer b = bytes();
    byte[] utf8 = new byte[b.remaining()];
    b.get(utf8);
    return new String(utf8, StandardCharsets.UTF_8);
  }

  /** The nested message of the current record. */
  Wire message(String name) {
    return new Wire(bytes(), what + " > " + name);
  }

  /**
   * A repeated int64 field's values in this record, appended to {@code before}: one unpacked varint, or a packed run
   * of them. (ONNX declares its large repeated fields packed, so a tensor's values come in one record.)
   */
  long[] int64s(long[] before) {
    if (wireType == VARINT) {
      long[] all = Arrays.copyOf(before, before.length + 1);
      all[before.length] = varint();
      return all;
    }
    Wire packed = new Wire(bytes(), what);
    long[] values = new long[packed.buffer.remaining()]; // at least one byte per varint
    int n = 0;
    while (packed.buffer.hasRemaining()) {
      values[n++] = packed.varint();
    }
    long[] all = Arrays.copyOf(before, before.length + n);
    System.arraycopy(values, 0, all, before.length, n);
    return all;
  }

  /** A repeated float field's values in this record, appended to {@code before}: one fixed32, or a packed run. */
  float[] floats(float[] before) {
    if (wireType == FIXED32) {
      float[] all = Arrays.copyOf(before, before.length + 1);
      all[before.length] = fixed32Float();
      return all;
    }
    ByteBuffer packed = bytes();
    float[] all = Arrays.copyOf(before, before.length + packed.remaining() / 4);
    packed.asFloatBuffer().get(all, before.length, packed.remaining() / 4);
    return all;
  }

  /** Skips the current record's value. */
  void skip() {
    switch (wireType) {
      case VARINT -> varint();
      case FIXED64 -> advance(8);
      case LENGTH_DELIMITED -> bytes();
      case FIXED32 -> advance(4);
      default -> throw damaged("wire type " + wireType + " of field " + field + " (groups are not supported)");
    }
  }

  private void expect(int type) {
    if (wireType != type) {
      throw damaged("field " + field + " has wire type " + wireType + ", expected " + type);
    }
  }

  private byte get() {
    need(1);
    return buffer.get();
  }

  private void advance(int n) {
    need(n);
    buffer.position(buffer.position() + n);
  }

  private void need(int n) {
    if (buffer.remaining() < n) {
      throw damaged("the message ends inside field " + field);
    }
  }

  private IllegalArgumentException damaged(String detail) {
    return new IllegalArgumentException(what + " is not a valid protocol-buffers message: " + detail);
  }
}
