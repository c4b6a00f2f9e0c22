package io.github.mezo4j.nn.io.safetensors;

import java.util.Arrays;
import java.util.List;

/**
 * The element types of the safetensors format, by their header names. Only F32, F16 and BF16 can be
 * loaded as {@link io.github.mezo4j.core.param.Parameter}s; the others are recognised so that files
 * holding them (e.g. an I64 {@code position_ids} buffer) still validate.
 */
public enum SafetensorsDType {
  /** Booleans, one byte each. */
  BOOL(1),
  /** Unsigned 8-bit integers. */
  U8(1),
  /** Signed 8-bit integers. */
  I8(1),
  /** 8-bit floats with 5 exponent and 2 mantissa bits. */
  F8_E5M2(1),
  /** 8-bit floats with 4 exponent and 3 mantissa bits. */
  F8_E4M3(1),
  /** Signed 16-bit integers. */
  I16(2),
  /** Unsigned 16-bit integers. */
  U16(2),
  /** IEEE half-precision floats; loadable as a parameter. */
  F16(2),
  /** bfloat16, the top half of an f32; loadable as a parameter. */
  BF16(2),
  /** Signed 32-bit integers. */
  I32(4),
  /** Unsigned 32-bit integers. */
  U32(4),
  /** 32-bit floats; loadable as a parameter. */
  F32(4),
  /** 64-bit floats. */
  F64(8),
  /** Signed 64-bit integers. */
  I64(8),
  /** Unsigned 64-bit integers. */
  U64(8);

  private final int bytes;

  SafetensorsDType(int bytes) {
    this.bytes = bytes;
  }

  /** Bytes one element occupies. */
  public int bytes() {
    return bytes;
  }

  /** True for F32, F16 and BF16, the types readable as parameters. */
  public boolean isLoadable() {
    return this == F32 || this == F16 || this == BF16;
  }

  /** The dtype called {@code name} in a header, or null if the format has no such dtype. */
  static SafetensorsDType byName(String name) {
    for (SafetensorsDType d : values()) {
      if (d.name().equals(name)) {
        return d;
      }
    }
    return null;
  }

  /** Every header name, for error messages. */
  static List<String> names() {
    return Arrays.stream(values()).map(Enum::name).toList();
  }
}
