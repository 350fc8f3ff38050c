package dev.magnitude.worker.model.pretrained.onnx;

/** IEEE 754 binary16 (half precision) to float32; exact, since every half value is a float value. */
final class Half {
  private Half() {}

  /** The float of a half's 16 bits: sign 1, exponent 5 (bias 15), mantissa 10; subnormals, ±∞ and NaN kept. */
  static float toFloat(short bits) {
    int h = bits & 0xFFFF;
    int sign = (h & 0x8000) << 16;
    int exponent = (h >>> 10) & 0x1F;
    int mantissa = h & 0x3FF;
    if (exponent == 0x1F) {
      return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13));
    }
    if (exponent == 0) {
      // subnormal (or zero): mantissa · 2^-24, exact in float
      float magnitude = mantissa * 0x1p-24f;
      return sign == 0 ? magnitude : -magnitude;
    }
    return Float.intBitsToFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
  }
}
