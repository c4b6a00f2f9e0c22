package io.github.mezo4j.nn.io.safetensors;

import java.util.Arrays;
import java.util.List;

/**
 * The element types of the safetensors format, by their header names. Only F32, F16 and BF16 can be
 * loaded as {@link io.github.mezo4j.core.param.Parameter}s; the others are recognised so that files
 * holding them (e.g. an I64 {@code position_ids} buffer) still validate.
 */
public enum SafetensorsDType {
  BOOL(1),
  U8(1),
  I8(1),
  F8_E5M2(1),
  F8_E4M3(1),
  I16(2),
  U16(2),
  F16(2),
  BF16(2),
  I32(4),
  U32(4),
  F32(4),
  F64(8),
  I64(8),
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
