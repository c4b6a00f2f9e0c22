package io.github.mezo4j.core.param;

/** Storage type of a {@link Parameter}'s elements. Compute is always f32. */
public enum DType {
  /** IEEE 754 binary32: 4 bytes an element. */
  F32(4),
  /** bfloat16 (the top 16 bits of an f32, round-to-nearest-even on store): 2 bytes an element. */
  BF16(2);

  private final int bytes;

  DType(int bytes) {
    this.bytes = bytes;
  }

  /** Bytes one element occupies in storage. */
  public int bytes() {
    return bytes;
  }
}
