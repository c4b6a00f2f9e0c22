package io.github.mezo4j.core.param;

/** Conversions between f32 and bfloat16 bit patterns (round to nearest, ties to even). */
public final class BFloat16 {
  private BFloat16() {}

  /** The f32 value of a bf16 bit pattern (exact). */
  public static float toFloat(short bits) {
    return Float.intBitsToFloat((bits & 0xFFFF) << 16);
  }

  /** Rounds an f32 to the nearest bf16, ties to even; NaN stays a quiet NaN. */
  public static short fromFloat(float value) {
    int bits = Float.floatToRawIntBits(value);
    if ((bits & 0x7FFFFFFF) > 0x7F800000) {
      return (short) ((bits >>> 16) | 0x0040);
    }
    int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
    return (short) ((bits + roundingBias) >>> 16);
  }
}
