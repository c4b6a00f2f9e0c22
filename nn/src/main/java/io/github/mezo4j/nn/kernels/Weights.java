package io.github.mezo4j.nn.kernels;

import static io.github.mezo4j.core.noise.Directions.Distribution.GAUSSIAN;

import io.github.mezo4j.core.noise.Directions;
import io.github.mezo4j.core.noise.Perturbation;
import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import java.util.Objects;

/**
 * A read-only view of a row-major {@code [rows, cols]} weight matrix ({@code nn.Linear} layout:
 * {@code [out_features, in_features]}) as the kernels read it: f32 storage, or bf16 bit patterns
 * widened exactly to f32, optionally read as {@code theta + scale * z}.
 *
 * <p>With noise, element {@code (r, c)} reads as {@code Math.fma(scale, z(seed, stream, r * cols +
 * c), theta[r, c])}: the bits {@link Perturbation#perturbedCopy} gives, so a forward pass over a
 * view equals one over weights perturbed in place by {@link Perturbation#addScaledNoise} (f32
 * storage). The stored weights are never written, so nothing has to be restored afterwards.
 *
 * <p>Noise costs about 1 ns per element, far more than the multiply-adds that use it once it is
 * packed; kernels therefore read each element of a noisy view once per call ({@link MatMul} packs
 * the whole matrix once when several row blocks share it). Vectors (biases, layer norm gains) are
 * {@code [1, n]} views.
 */
public final class Weights {
  private final float[] f32;
  private final short[] bf16;
  private final int rows;
  private final int cols;
  private final boolean noisy;
  private final long seed;
  private final long stream;
  private final float scale;
  private final Directions.Distribution distribution;
  private final float threshold;

  private Weights(
      float[] f32,
      short[] bf16,
      int rows,
      int cols,
      boolean noisy,
      long seed,
      long stream,
      float scale,
      Directions.Distribution distribution,
      float threshold) {
    this.f32 = f32;
    this.bf16 = bf16;
    this.rows = rows;
    this.cols = cols;
    this.noisy = noisy;
    this.seed = seed;
    this.stream = stream;
    this.scale = scale;
    this.distribution = distribution;
    this.threshold = threshold;
  }

  /** An f32 matrix {@code data[rows * cols]}, read as stored (no copy). */
  public static Weights f32(float[] data, int rows, int cols) {
    Objects.requireNonNull(data, "data");
    checkShape(data.length, rows, cols);
    return new Weights(data, null, rows, cols, false, 0, 0, 0f, GAUSSIAN, Directions.NO_MASK);
  }

  /** A bf16 matrix {@code bits[rows * cols]} (bf16 bit patterns), widened to f32 on read. */
  public static Weights bf16(short[] bits, int rows, int cols) {
    Objects.requireNonNull(bits, "bits");
    checkShape(bits.length, rows, cols);
    return new Weights(null, bits, rows, cols, false, 0, 0, 0f, GAUSSIAN, Directions.NO_MASK);
  }

  /**
   * The stored values of a rank-1 ({@code [1, n]}) or rank-2 parameter, f32 or bf16, no noise.
   *
   * @throws IllegalArgumentException naming the parameter if its rank is not 1 or 2
   */
  public static Weights of(Parameter p) {
    Objects.requireNonNull(p, "p");
    int r;
    int c;
    switch (p.rank()) {
      case 1 -> {
        r = 1;
        c = p.dim(0);
      }
      case 2 -> {
        r = p.dim(0);
        c = p.dim(1);
      }
      default ->
          throw new IllegalArgumentException(
              "parameter '%s' has rank %d; a weight view needs rank 1 or 2"
                  .formatted(p.name(), p.rank()));
    }
    return p.dtype() == DType.F32 ? f32(p.f32Data(), r, c) : bf16(p.bf16Data(), r, c);
  }

  /**
   * {@code p} as a forward pass under {@code perturbation} reads it: with noise {@code
   * (perturbation.seed(), p.id(), scale)} if the perturbation {@linkplain
   * VirtualPerturbation#covers covers} it, as stored otherwise.
   */
  public static Weights of(Parameter p, VirtualPerturbation perturbation) {
    Weights w = of(p);
    return perturbation.covers(p)
        ? w.withNoise(
            perturbation.seed(),
            p.id(),
            perturbation.scale(),
            perturbation.directions().distribution(),
            perturbation.threshold(p))
        : w;
  }

  /**
   * The same storage read as {@code fma(scale, z(seed, stream, r * cols + c), theta)}; {@code scale
   * == 0} gives the stored values.
   */
  public Weights withNoise(long seed, long stream, float scale) {
    return withNoise(seed, stream, scale, GAUSSIAN, Directions.NO_MASK);
  }

  /**
   * {@link #withNoise(long, long, float)} with directions of {@code distribution} and a magnitude
   * mask of threshold {@code threshold} ({@link Directions#NO_MASK}: none): an element with {@code
   * !(|theta| <= threshold)} reads as stored.
   */
  public Weights withNoise(
      long seed, long stream, float scale, Directions.Distribution distribution, float threshold) {
    if (!Float.isFinite(scale)) {
      throw new IllegalArgumentException("noise scale must be finite, got " + scale);
    }
    Objects.requireNonNull(distribution, "distribution");
    if (!(threshold >= 0)) {
      throw new IllegalArgumentException("mask threshold must be >= 0, got " + threshold);
    }
    return new Weights(
        f32, bf16, rows, cols, scale != 0f, seed, stream, scale, distribution, threshold);
  }

  /** Number of rows ({@code out_features} of a linear layer). */
  public int rows() {
    return rows;
  }

  /** Number of columns ({@code in_features} of a linear layer). */
  public int cols() {
    return cols;
  }

  /** The storage type. */
  public DType dtype() {
    return f32 != null ? DType.F32 : DType.BF16;
  }

  /** True if reads add noise. */
  public boolean isNoisy() {
    return noisy;
  }

  /** The f32 storage if reads return it unchanged (f32, no noise), else null: the fast path. */
  float[] plainF32() {
    return noisy ? null : f32;
  }

  /** Element {@code (r, c)} as read: one scalar, for tests and edge cases. */
  public float get(int r, int c) {
    Objects.checkIndex(r, rows);
    Objects.checkIndex(c, cols);
    float[] one = new float[1];
    read(r, c, one, 0, 1);
    return one[0];
  }

  /**
   * {@code dst[dstOff + i] = element (r, from + i)} for i in {@code [0, len)}, widened and with
   * noise as this view reads it. Runs on the calling thread.
   */
  public void read(int r, int from, float[] dst, int dstOff, int len) {
    Objects.checkIndex(r, rows);
    Objects.checkFromIndexSize(from, len, cols);
    Objects.checkFromIndexSize(dstOff, len, dst.length);
    readRange(r * cols + from, dst, dstOff, len);
  }

  /**
   * Reads elements {@code (r, from + i)} as this view and as its mirror image at once: {@code
   * plus[plusOff + i]} gets what {@link #read} gives ({@code fma(scale, z, theta)}) and {@code
   * minus[minusOff + i]} what a view with noise scale {@code -scale} gives ({@code fma(-scale, z,
   * theta)}), bit for bit, with each z generated once for both: the two panels of a paired forward
   * pass ({@code theta +- eps z}). Without noise both get the stored values. The two ranges must
   * not overlap. Runs on the calling thread.
   */
  public void readPair(
      int r, int from, float[] plus, int plusOff, float[] minus, int minusOff, int len) {
    Objects.checkIndex(r, rows);
    Objects.checkFromIndexSize(from, len, cols);
    readRangePair(r * cols + from, plus, plusOff, minus, minusOff, len);
  }

  /** Row {@code r} whole, as {@link #readPair} reads it. */
  public void readRowPair(int r, float[] plus, int plusOff, float[] minus, int minusOff) {
    readPair(r, 0, plus, plusOff, minus, minusOff, cols);
  }

  /** Row {@code r} whole: {@code read(r, 0, dst, dstOff, cols())}. */
  public void readRow(int r, float[] dst, int dstOff) {
    read(r, 0, dst, dstOff, cols);
  }

  /**
   * Rows {@code [r0, r0 + count)} whole, back to back from {@code dst[dstOff]}: the same values as
   * {@link #readRow} of each, in one call (the rows are one run of storage and of noise indices, so
   * the per-call work is paid once, not per row).
   */
  public void readRows(int r0, int count, float[] dst, int dstOff) {
    Objects.checkFromIndexSize(r0, count, rows);
    readRange(r0 * cols, dst, dstOff, count * cols);
  }

  /** Rows {@code [r0, r0 + count)} whole, as {@link #readRowPair} reads each, in one call. */
  public void readRowsPair(
      int r0, int count, float[] plus, int plusOff, float[] minus, int minusOff) {
    Objects.checkFromIndexSize(r0, count, rows);
    readRangePair(r0 * cols, plus, plusOff, minus, minusOff, count * cols);
  }

  /** All of it, row-major, into {@code dst[0, rows * cols)}. */
  public void readAll(float[] dst) {
    Checks.length("dst", dst, (long) rows * cols);
    readRows(0, rows, dst, 0);
  }

  /** Storage elements {@code [src, src + len)} as read (the noise index is the storage index). */
  private void readRange(int src, float[] dst, int dstOff, int len) {
    Objects.checkFromIndexSize(dstOff, len, dst.length);
    if (f32 != null) {
      if (noisy) {
        Perturbation.perturbedCopy(
            f32, src, dst, dstOff, len, seed, stream, src, scale, distribution, threshold);
      } else {
        System.arraycopy(f32, src, dst, dstOff, len);
      }
      return;
    }
    for (int i = 0; i < len; i++) {
      dst[dstOff + i] = Float.intBitsToFloat(bf16[src + i] << 16);
    }
    if (noisy) {
      Perturbation.perturbedCopy(
          dst, dstOff, dst, dstOff, len, seed, stream, src, scale, distribution, threshold);
    }
  }

  /** Storage elements {@code [src, src + len)} as read with {@code +scale} and {@code -scale}. */
  private void readRangePair(
      int src, float[] plus, int plusOff, float[] minus, int minusOff, int len) {
    Objects.checkFromIndexSize(plusOff, len, plus.length);
    Objects.checkFromIndexSize(minusOff, len, minus.length);
    if (plus == minus && plusOff < minusOff + len && minusOff < plusOff + len) {
      throw new IllegalArgumentException("the plus and minus ranges of readPair overlap");
    }
    if (!noisy) {
      readRange(src, plus, plusOff, len);
      System.arraycopy(plus, plusOff, minus, minusOff, len);
      return;
    }
    if (f32 != null) {
      Perturbation.perturbedCopyPair(
          f32,
          src,
          plus,
          plusOff,
          minus,
          minusOff,
          len,
          seed,
          stream,
          src,
          scale,
          distribution,
          threshold);
      return;
    }
    // bf16: widen into plus, then both signs from there (each element is read before it is stored)
    for (int i = 0; i < len; i++) {
      plus[plusOff + i] = Float.intBitsToFloat(bf16[src + i] << 16);
    }
    Perturbation.perturbedCopyPair(
        plus,
        plusOff,
        plus,
        plusOff,
        minus,
        minusOff,
        len,
        seed,
        stream,
        src,
        scale,
        distribution,
        threshold);
  }

  private static void checkShape(int length, int rows, int cols) {
    Checks.nonNegative("rows", rows);
    Checks.nonNegative("cols", cols);
    if ((long) rows * cols != length) {
      throw new IllegalArgumentException(
          "a [%d, %d] weight view needs %d elements, the storage holds %d"
              .formatted(rows, cols, (long) rows * cols, length));
    }
  }

  @Override
  public String toString() {
    return "Weights[%s, %d x %d%s]"
        .formatted(dtype(), rows, cols, noisy ? ", noise scale " + scale : "");
  }
}
