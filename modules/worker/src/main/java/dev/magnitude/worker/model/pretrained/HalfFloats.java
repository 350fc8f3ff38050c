package dev.magnitude.worker.model.pretrained;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Little-endian tensor bytes to float32: F32 as is, F16 (IEEE 754 binary16) and BF16 (the top 16 bits of a
 * float32) widened exactly, so a half-precision weight becomes the float32 of the same value.
 */
final class HalfFloats {
  private HalfFloats() {}

  static boolean converts(String dtype) {
    return dtype.equals("F32") || dtype.equals("F16") || dtype.equals("BF16");
  }

  /** @throws IllegalArgumentException for a dtype {@link #converts} refuses */
  static float[] toFloats(String dtype, byte[] bytes) {
    ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    switch (dtype) {
      case "F32" -> {
        float[] out = new float[bytes.length / 4];
        buffer.asFloatBuffer().get(out);
        return out;
      }
      case "F16" -> {
        float[] out = new float[bytes.length / 2];
        for (int i = 0; i < out.length; i++) {
          out[i] = halfToFloat(buffer.getShort(2 * i) & 0xffff);
        }
        return out;
      }
      case "BF16" -> {
        float[] out = new float[bytes.length / 2];
        for (int i = 0; i < out.length; i++) {
          out[i] = Float.intBitsToFloat((buffer.getShort(2 * i) & 0xffff) << 16);
        }
        return out;
      }
      default -> throw new IllegalArgumentException("dtype " + dtype + " is not a float type this reader converts");
    }
  }

  /** The float32 of an IEEE 754 binary16 bit pattern (exact: every half is a float). */
  static float halfToFloat(int bits) {
    int sign = bits >>> 15;
    int exponent = (bits >>> 10) & 0x1f;
    int mantissa = bits & 0x3ff;
    float magnitude;
    if (exponent == 0) {
      magnitude = mantissa * 0x1p-24f; // zero or subnormal: mantissa · 2^-24
    } else if (exponent == 0x1f) {
      magnitude = mantissa == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
    } else {
      magnitude = Float.intBitsToFloat(((exponent - 15 + 127) << 23) | (mantissa << 13));
    }
    return sign == 0 ? magnitude : -magnitude;
  }
}
