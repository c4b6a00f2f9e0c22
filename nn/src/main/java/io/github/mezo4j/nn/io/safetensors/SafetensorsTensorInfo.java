package io.github.mezo4j.nn.io.safetensors;

import io.github.mezo4j.core.param.DType;
import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor entry of a safetensors header.
 *
 * @param name the tensor's name
 * @param dtype its element type
 * @param shape its dimensions (a copy is returned by {@link #shape()})
 * @param begin start of its bytes, relative to the data buffer after the header
 * @param end end (exclusive) of its bytes, relative to the data buffer
 */
public record SafetensorsTensorInfo(
    String name, SafetensorsDType dtype, int[] shape, long begin, long end) {
  /** Rejects a null name or dtype; copies the shape. */
  public SafetensorsTensorInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dtype, "dtype");
    shape = shape.clone();
  }

  /** A copy of the dimensions. */
  @Override
  public int[] shape() {
    return shape.clone();
  }

  /** Number of elements (product of the shape; 1 for a scalar). */
  public long elementCount() {
    long n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }

  /** Bytes of data: {@code end - begin}. */
  public long byteLength() {
    return end - begin;
  }

  /**
   * How this tensor is held once loaded with {@code storage}: that, or for null its natural storage
   * (BF16 stays BF16, F32 and F16 become F32).
   */
  public DType storedAs(DType storage) {
    return storage != null ? storage : (dtype == SafetensorsDType.BF16 ? DType.BF16 : DType.F32);
  }

  /** The bytes this tensor takes in memory loaded with {@code storage} ({@link #storedAs}). */
  public long bytesAs(DType storage) {
    return elementCount() * (storedAs(storage) == DType.BF16 ? 2 : 4);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SafetensorsTensorInfo t
        && name.equals(t.name)
        && dtype == t.dtype
        && Arrays.equals(shape, t.shape)
        && begin == t.begin
        && end == t.end;
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, dtype, Arrays.hashCode(shape), begin, end);
  }

  @Override
  public String toString() {
    return "%s %s %s [%d, %d)".formatted(name, dtype, Arrays.toString(shape), begin, end);
  }
}
