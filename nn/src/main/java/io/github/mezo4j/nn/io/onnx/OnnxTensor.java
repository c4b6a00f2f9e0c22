package io.github.mezo4j.nn.io.onnx;

import io.github.mezo4j.core.param.BFloat16;
import io.github.mezo4j.nn.io.ModelFormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * An ONNX {@code TensorProto} (an initializer or a {@code Constant} node's value) whose element
 * data stays in the model's byte array until {@link #toFloats()} or {@link #toLongs()} decodes it.
 *
 * <p>Data may sit in {@code raw_data} (little-endian, the usual case for exported weights) or in
 * the typed fields {@code float_data}, {@code int32_data}, {@code int64_data}, {@code double_data}.
 */
public final class OnnxTensor {
  /** TensorProto.DataType (onnx.proto) of 32-bit floats. */
  public static final int FLOAT = 1;

  /** TensorProto.DataType of unsigned 8-bit integers. */
  public static final int UINT8 = 2;

  /** TensorProto.DataType of signed 8-bit integers. */
  public static final int INT8 = 3;

  /** TensorProto.DataType of unsigned 16-bit integers. */
  public static final int UINT16 = 4;

  /** TensorProto.DataType of signed 16-bit integers. */
  public static final int INT16 = 5;

  /** TensorProto.DataType of signed 32-bit integers. */
  public static final int INT32 = 6;

  /** TensorProto.DataType of signed 64-bit integers. */
  public static final int INT64 = 7;

  /** TensorProto.DataType of booleans. */
  public static final int BOOL = 9;

  /** TensorProto.DataType of IEEE half-precision floats. */
  public static final int FLOAT16 = 10;

  /** TensorProto.DataType of 64-bit floats. */
  public static final int DOUBLE = 11;

  /** TensorProto.DataType of unsigned 32-bit integers. */
  public static final int UINT32 = 12;

  /** TensorProto.DataType of bfloat16 floats. */
  public static final int BFLOAT16 = 16;

  private final String source;
  private final String name;
  private final int dataType;
  private final long[] dims;
  private final byte[] raw;
  private final int rawOffset;
  private final int rawLength;
  private final int[] floatBits;
  private final long[] integers;
  private final long[] doubleBits;

  OnnxTensor(
      String source,
      String name,
      int dataType,
      long[] dims,
      byte[] raw,
      int rawOffset,
      int rawLength,
      int[] floatBits,
      long[] integers,
      long[] doubleBits) {
    this.source = source;
    this.name = name;
    this.dataType = dataType;
    this.dims = dims;
    this.raw = raw;
    this.rawOffset = rawOffset;
    this.rawLength = rawLength;
    this.floatBits = floatBits;
    this.integers = integers;
    this.doubleBits = doubleBits;
  }

  /** The tensor's name; empty for an anonymous Constant value. */
  public String name() {
    return name;
  }

  /** The TensorProto.DataType code ({@link #FLOAT}, {@link #INT64}, ...). */
  public int dataType() {
    return dataType;
  }

  /** A copy of the dimensions; empty for a scalar. */
  public long[] dims() {
    return dims.clone();
  }

  /** True if the values sit in {@code raw_data} (not in a typed field). */
  boolean hasRawData() {
    return raw != null;
  }

  /** Where {@code raw_data}'s payload starts in the model file's bytes. */
  int rawOffset() {
    return rawOffset;
  }

  /** {@code raw_data}'s payload length in bytes. */
  int rawLength() {
    return rawLength;
  }

  /** True for FLOAT, FLOAT16, BFLOAT16 and DOUBLE: the types {@link #toFloats()} decodes. */
  public boolean isFloatingPoint() {
    return dataType == FLOAT || dataType == FLOAT16 || dataType == BFLOAT16 || dataType == DOUBLE;
  }

  /**
   * Number of elements: the product of the dimensions (1 for a scalar), or -1 if a dimension is
   * negative or the product overflows (a corrupt tensor; decoding it fails with a clear error).
   */
  public long elementCount() {
    long n = 1;
    for (long d : dims) {
      if (d < 0) {
        return -1;
      }
      try {
        n = Math.multiplyExact(n, d);
      } catch (ArithmeticException e) {
        return -1;
      }
    }
    return n;
  }

  /**
   * The dimensions as ints, for a {@link io.github.mezo4j.core.param.Parameter} shape.
   *
   * @throws ModelFormatException if a dimension is negative or the tensor exceeds 2^31 elements
   */
  public int[] shape() throws ModelFormatException {
    int[] shape = new int[dims.length];
    for (int i = 0; i < dims.length; i++) {
      if (dims[i] < 0 || dims[i] > Integer.MAX_VALUE) {
        throw fail(
            "dimension %d out of range in dims %s".formatted(dims[i], Arrays.toString(dims)));
      }
      shape[i] = (int) dims[i];
    }
    if (count() > Integer.MAX_VALUE - 8) {
      throw fail("more than 2^31 elements, dims " + Arrays.toString(dims));
    }
    return shape;
  }

  private long count() throws ModelFormatException {
    long n = elementCount();
    if (n < 0) {
      throw fail(
          "negative dimension or overflowing element count in dims " + Arrays.toString(dims));
    }
    return n;
  }

  private static int elementBytes(int dataType) {
    return switch (dataType) {
      case FLOAT, INT32, UINT32 -> 4;
      case DOUBLE, INT64 -> 8;
      case FLOAT16, BFLOAT16, INT16, UINT16 -> 2;
      case INT8, UINT8, BOOL -> 1;
      default -> -1;
    };
  }

  /**
   * Decodes a floating-point tensor to f32 (FLOAT16 and BFLOAT16 widen exactly; DOUBLE rounds).
   *
   * @throws ModelFormatException naming the tensor if it is not floating point or its data does not
   *     match its dims
   */
  public float[] toFloats() throws ModelFormatException {
    if (!isFloatingPoint()) {
      throw fail("expected a floating-point tensor, got data_type " + dataType);
    }
    int n = (int) checkedCount();
    checkDataLength(n);
    float[] out = new float[n];
    if (raw != null) {
      ByteBuffer buf = ByteBuffer.wrap(raw, rawOffset, rawLength).order(ByteOrder.LITTLE_ENDIAN);
      switch (dataType) {
        case FLOAT -> buf.asFloatBuffer().get(out);
        case DOUBLE -> {
          for (int i = 0; i < n; i++) {
            out[i] = (float) buf.getDouble();
          }
        }
        case FLOAT16 -> {
          for (int i = 0; i < n; i++) {
            out[i] = Float.float16ToFloat(buf.getShort());
          }
        }
        default -> {
          for (int i = 0; i < n; i++) {
            out[i] = BFloat16.toFloat(buf.getShort());
          }
        }
      }
      return out;
    }
    switch (dataType) {
      case FLOAT -> {
        for (int i = 0; i < n; i++) {
          out[i] = Float.intBitsToFloat(floatBits[i]);
        }
      }
      case DOUBLE -> {
        for (int i = 0; i < n; i++) {
          out[i] = (float) Double.longBitsToDouble(doubleBits[i]);
        }
      }
      // onnx.proto: float16 and bfloat16 values sit in int32_data as their 16-bit patterns
      case FLOAT16 -> {
        for (int i = 0; i < n; i++) {
          out[i] = Float.float16ToFloat((short) integers[i]);
        }
      }
      default -> {
        for (int i = 0; i < n; i++) {
          out[i] = BFloat16.toFloat((short) integers[i]);
        }
      }
    }
    return out;
  }

  /**
   * Decodes a floating-point tensor to bf16 bit patterns, each value rounded to nearest (ties to
   * even) from its f32 decoding. Raw FLOAT data, the usual layout of exported weights, is rounded
   * as it is read, so no f32 copy of the tensor is made (a 30522 x 384 embedding table would be 47
   * MB).
   *
   * @throws ModelFormatException as {@link #toFloats()}
   */
  public short[] toBFloat16() throws ModelFormatException {
    if (raw == null || dataType != FLOAT) {
      float[] values = toFloats();
      short[] out = new short[values.length];
      for (int i = 0; i < values.length; i++) {
        out[i] = BFloat16.fromFloat(values[i]);
      }
      return out;
    }
    int n = (int) checkedCount();
    checkDataLength(n);
    short[] out = new short[n];
    ByteBuffer buf = ByteBuffer.wrap(raw, rawOffset, rawLength).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      out[i] = BFloat16.fromFloat(buf.getFloat());
    }
    return out;
  }

  /**
   * Decodes an integer tensor (INT64, INT32, INT16, INT8, UINT8, UINT16, UINT32, BOOL) to longs.
   *
   * @throws ModelFormatException naming the tensor if it is not an integer tensor or its data does
   *     not match its dims
   */
  public long[] toLongs() throws ModelFormatException {
    int bytes = elementBytes(dataType);
    if (isFloatingPoint() || bytes < 0) {
      throw fail("expected an integer tensor, got data_type " + dataType);
    }
    int n = (int) checkedCount();
    checkDataLength(n);
    long[] out = new long[n];
    if (raw != null) {
      ByteBuffer buf = ByteBuffer.wrap(raw, rawOffset, rawLength).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < n; i++) {
        out[i] =
            switch (dataType) {
              case INT64 -> buf.getLong();
              case INT32 -> buf.getInt();
              case UINT32 -> buf.getInt() & 0xFFFFFFFFL;
              case INT16 -> buf.getShort();
              case UINT16 -> buf.getShort() & 0xFFFF;
              case INT8 -> buf.get();
              default -> buf.get() & 0xFF;
            };
      }
      return out;
    }
    System.arraycopy(integers, 0, out, 0, n);
    return out;
  }

  private long checkedCount() throws ModelFormatException {
    long n = count();
    if (n > Integer.MAX_VALUE - 8) {
      throw fail("more than 2^31 elements, dims " + Arrays.toString(dims));
    }
    return n;
  }

  /** Checks the stored data against the dims before anything is allocated for it. */
  private void checkDataLength(int n) throws ModelFormatException {
    if (raw != null) {
      checkRawLength(n);
      return;
    }
    switch (dataType) {
      case FLOAT -> checkTypedLength(floatBits.length, n, "float_data");
      case DOUBLE -> checkTypedLength(doubleBits.length, n, "double_data");
      case INT64 -> checkTypedLength(integers.length, n, "int64_data");
      default -> checkTypedLength(integers.length, n, "int32_data");
    }
  }

  private void checkRawLength(int n) throws ModelFormatException {
    long expected = (long) n * elementBytes(dataType);
    if (rawLength != expected) {
      throw fail(
          "raw_data holds %d bytes but dims %s of data_type %d need %d"
              .formatted(rawLength, Arrays.toString(dims), dataType, expected));
    }
  }

  private void checkTypedLength(int have, int n, String field) throws ModelFormatException {
    if (have != n) {
      throw fail(
          "%s holds %d values but dims %s need %d"
              .formatted(field, have, Arrays.toString(dims), n));
    }
  }

  private ModelFormatException fail(String detail) {
    return new ModelFormatException(
        source, "tensor '%s': %s".formatted(name.isEmpty() ? "<anonymous>" : name, detail));
  }

  @Override
  public String toString() {
    return "OnnxTensor[%s type=%d dims=%s]".formatted(name, dataType, Arrays.toString(dims));
  }
}
