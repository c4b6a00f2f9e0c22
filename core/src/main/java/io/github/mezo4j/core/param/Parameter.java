package io.github.mezo4j.core.param;

import java.util.Arrays;
import java.util.Objects;

/**
 * A named tensor that MeZO perturbs and updates in place. Elements are stored row-major as f32
 * ({@code float[]}) or bf16 ({@code short[]}); every read returns f32.
 *
 * <p>The {@link #id()} is derived from the name alone ({@link ParameterId}), so the noise a
 * parameter receives is a pure function of (seed, name, element index).
 */
public final class Parameter {
  private final String name;
  private final long id;
  private final int[] shape;
  private final int size;
  private final DType dtype;
  private final float[] f32;
  private final short[] bf16;

  private Parameter(String name, int[] shape, DType dtype, float[] f32, short[] bf16) {
    this.name = Objects.requireNonNull(name, "name");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("parameter name must not be empty");
    }
    this.id = ParameterId.of(name);
    this.shape = shape.clone();
    this.size = checkedSize(name, shape);
    this.dtype = dtype;
    this.f32 = f32;
    this.bf16 = bf16;
    int stored = f32 != null ? f32.length : bf16.length;
    if (stored != size) {
      throw new IllegalArgumentException(
          "parameter '%s': shape %s holds %d elements but %d were given"
              .formatted(name, Arrays.toString(shape), size, stored));
    }
  }

  /** An f32 parameter that takes ownership of {@code data} (no copy: the caller's array is it). */
  public static Parameter f32(String name, int[] shape, float[] data) {
    return new Parameter(name, shape, DType.F32, Objects.requireNonNull(data, "data"), null);
  }

  /** A bf16 parameter that takes ownership of {@code bits} (bf16 bit patterns). */
  public static Parameter bf16(String name, int[] shape, short[] bits) {
    return new Parameter(name, shape, DType.BF16, null, Objects.requireNonNull(bits, "bits"));
  }

  /** A zero-filled parameter. */
  public static Parameter zeros(String name, DType dtype, int... shape) {
    int n = checkedSize(name, shape);
    return dtype == DType.F32 ? f32(name, shape, new float[n]) : bf16(name, shape, new short[n]);
  }

  /** A parameter holding {@code values}, rounded to {@code dtype} (values are copied). */
  public static Parameter of(String name, DType dtype, int[] shape, float[] values) {
    if (dtype == DType.F32) {
      return f32(name, shape, values.clone());
    }
    short[] bits = new short[values.length];
    for (int i = 0; i < values.length; i++) {
      bits[i] = BFloat16.fromFloat(values[i]);
    }
    return bf16(name, shape, bits);
  }

  private static int checkedSize(String name, int[] shape) {
    long n = 1;
    for (int d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException(
            "parameter '%s': negative dimension in shape %s"
                .formatted(name, Arrays.toString(shape)));
      }
      n *= d;
      if (n > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException(
            "parameter '%s': shape %s exceeds 2^31 elements"
                .formatted(name, Arrays.toString(shape)));
      }
    }
    return (int) n;
  }

  /** The name: unique within a {@link ParameterSet}, and what {@link #id()} derives from. */
  public String name() {
    return name;
  }

  /** Stable id derived from the name; keys this parameter's noise stream. */
  public long id() {
    return id;
  }

  /** A copy of the shape. */
  public int[] shape() {
    return shape.clone();
  }

  /** The extent of axis {@code axis}. */
  public int dim(int axis) {
    return shape[axis];
  }

  /** The number of axes. */
  public int rank() {
    return shape.length;
  }

  /** Number of elements. */
  public int size() {
    return size;
  }

  /** The storage type: f32 or bf16. */
  public DType dtype() {
    return dtype;
  }

  /** Bytes held by the storage. */
  public long bytes() {
    return (long) size * dtype.bytes();
  }

  /** Element {@code index} of the flattened (row-major) tensor, widened to f32. */
  public float get(int index) {
    return f32 != null ? f32[index] : BFloat16.toFloat(bf16[index]);
  }

  /** Stores {@code value} at {@code index}, rounded to nearest when the storage is bf16. */
  public void set(int index, float value) {
    if (f32 != null) {
      f32[index] = value;
    } else {
      bf16[index] = BFloat16.fromFloat(value);
    }
  }

  /**
   * The live f32 storage: writes through. Engines read weights from here so that every forward pass
   * sees the current (perturbed) values.
   *
   * @throws IllegalStateException if this parameter is stored as bf16
   */
  public float[] f32Data() {
    if (f32 == null) {
      throw new IllegalStateException(
          "parameter '%s' is stored as %s, not F32".formatted(name, dtype));
    }
    return f32;
  }

  /**
   * The live bf16 storage (bit patterns): writes through.
   *
   * @throws IllegalStateException if this parameter is stored as f32
   */
  public short[] bf16Data() {
    if (bf16 == null) {
      throw new IllegalStateException(
          "parameter '%s' is stored as %s, not BF16".formatted(name, dtype));
    }
    return bf16;
  }

  /** Copies {@code len} elements starting at {@code from} into {@code dst} as f32. */
  public void read(int from, float[] dst, int dstOffset, int len) {
    Objects.checkFromIndexSize(from, len, size);
    if (f32 != null) {
      System.arraycopy(f32, from, dst, dstOffset, len);
    } else {
      for (int i = 0; i < len; i++) {
        dst[dstOffset + i] = BFloat16.toFloat(bf16[from + i]);
      }
    }
  }

  /** A new f32 array with every element (a copy, for tests, export and snapshots). */
  public float[] toFloatArray() {
    float[] out = new float[size];
    read(0, out, 0, size);
    return out;
  }

  /** Overwrites every element with {@code values} (rounded to this dtype). */
  public void copyFrom(float[] values) {
    if (values.length != size) {
      throw new IllegalArgumentException(
          "parameter '%s': expected %d values, got %d".formatted(name, size, values.length));
    }
    if (f32 != null) {
      System.arraycopy(values, 0, f32, 0, size);
    } else {
      for (int i = 0; i < size; i++) {
        bf16[i] = BFloat16.fromFloat(values[i]);
      }
    }
  }

  /** A deep copy with the same name, shape and dtype. */
  public Parameter copy() {
    return f32 != null ? f32(name, shape, f32.clone()) : bf16(name, shape, bf16.clone());
  }

  /** True if both hold the same name, shape, dtype and bit-identical elements. */
  public boolean contentEquals(Parameter other) {
    return name.equals(other.name)
        && Arrays.equals(shape, other.shape)
        && dtype == other.dtype
        && Arrays.equals(f32, other.f32)
        && Arrays.equals(bf16, other.bf16);
  }

  @Override
  public String toString() {
    return "Parameter[%s %s %s]".formatted(name, dtype, Arrays.toString(shape));
  }
}
