package io.github.mezo4j.nn.kernels;

import static io.github.mezo4j.nn.kernels.VectorMath.LANES;
import static io.github.mezo4j.nn.kernels.VectorMath.SPECIES;

import io.github.mezo4j.core.parallel.Workers;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Dense layers: {@code out = x @ weight^T + bias} with weights in {@code nn.Linear} layout.
 *
 * <p>How it is computed. The columns of {@code out} are cut into panels of {@link #NR} (two
 * vectors); a task packs its panel of weights transposed, {@code panel[p, jj] = weight[j0 + jj,
 * p]}, so that the inner loop is a broadcast of one x value times one contiguous weight vector
 * (FMA), over {@link #MR} rows of x at once: {@code MR * 2} vector accumulators stay in registers
 * for the whole k loop. Tasks are (panel, block of rows) pairs whose boundaries depend only on the
 * shapes.
 *
 * <p>Every output element is the same computation whatever the tiling or thread count: {@code acc =
 * 0; for p in [0, k): acc = fma(x[i, p], weight[j, p], acc); out[i, j] = acc + bias[j]}. So results
 * are bit-identical for any {@link Workers}, and equal to that scalar loop.
 */
public final class MatMul {
  private MatMul() {}

  /** Output columns per panel: two vectors. */
  static final int NR = 2 * LANES;

  /** Rows of x per micro-tile. */
  static final int MR = 4;

  /** Rows of x per task: large enough that packing a panel is amortised over many rows. */
  static final int ROWS_PER_TASK = 256;

  /**
   * {@code out[m, n] = x[m, k] @ weight[n, k]^T + bias[n]}; bias may be null (no bias). {@code out}
   * must not be {@code x} or {@code weight}.
   */
  public static void linear(
      Workers w, float[] x, int m, int k, float[] weight, float[] bias, int n, float[] out) {
    Checks.nonNegative("m", m);
    Checks.nonNegative("k", k);
    Checks.nonNegative("n", n);
    Checks.length("x", x, (long) m * k);
    Checks.length("weight", weight, (long) n * k);
    if (bias != null) {
      Checks.length("bias", bias, n);
    }
    Checks.length("out", out, (long) m * n);
    Checks.distinct("out", out, "x", x);
    Checks.distinct("out", out, "weight", weight);
    if (m == 0 || n == 0) {
      return;
    }
    int panels = (n + NR - 1) / NR;
    int rowBlocks = (m + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
    w.parallelFor(
        panels * rowBlocks,
        t -> {
          int panel = t % panels;
          int rowBlock = t / panels;
          int j0 = panel * NR;
          int cols = Math.min(NR, n - j0);
          int i0 = rowBlock * ROWS_PER_TASK;
          int rows = Math.min(ROWS_PER_TASK, m - i0);
          float[] packed = Scratch.get().floatsA(k * NR);
          pack(weight, k, j0, cols, packed);
          block(x, k, i0, rows, packed, bias, j0, cols, n, out);
        });
  }

  /** packed[p * NR + jj] = weight[(j0 + jj) * k + p], zero for jj >= cols. */
  private static void pack(float[] weight, int k, int j0, int cols, float[] packed) {
    for (int jj = 0; jj < cols; jj++) {
      int src = (j0 + jj) * k;
      for (int p = 0, dst = jj; p < k; p++, dst += NR) {
        packed[dst] = weight[src + p];
      }
    }
    for (int jj = cols; jj < NR; jj++) {
      for (int p = 0, dst = jj; p < k; p++, dst += NR) {
        packed[dst] = 0f;
      }
    }
  }

  private static void block(
      float[] x,
      int k,
      int i0,
      int rows,
      float[] packed,
      float[] bias,
      int j0,
      int cols,
      int n,
      float[] out) {
    FloatVector bias0;
    FloatVector bias1;
    VectorMask<Float> mask0 = SPECIES.indexInRange(0, cols);
    VectorMask<Float> mask1 = SPECIES.indexInRange(LANES, cols);
    if (bias == null) {
      bias0 = FloatVector.zero(SPECIES);
      bias1 = bias0;
    } else {
      bias0 = FloatVector.fromArray(SPECIES, bias, j0, mask0);
      bias1 = FloatVector.fromArray(SPECIES, bias, j0 + LANES, mask1);
    }
    int i = i0;
    int end = i0 + rows;
    for (; i + MR <= end; i += MR) {
      kernel4x2(x, i * k, k, packed, out, i * n + j0, n, bias0, bias1, cols, mask0, mask1);
    }
    for (; i < end; i++) {
      kernel1x2(x, i * k, k, packed, out, i * n + j0, bias0, bias1, cols, mask0, mask1);
    }
  }

  /** Four rows of x times one panel: 8 accumulators. */
  private static void kernel4x2(
      float[] x,
      int x0,
      int k,
      float[] packed,
      float[] out,
      int o0,
      int n,
      FloatVector bias0,
      FloatVector bias1,
      int cols,
      VectorMask<Float> mask0,
      VectorMask<Float> mask1) {
    FloatVector c00 = FloatVector.zero(SPECIES);
    FloatVector c01 = c00;
    FloatVector c10 = c00;
    FloatVector c11 = c00;
    FloatVector c20 = c00;
    FloatVector c21 = c00;
    FloatVector c30 = c00;
    FloatVector c31 = c00;
    int x1 = x0 + k;
    int x2 = x1 + k;
    int x3 = x2 + k;
    for (int p = 0, q = 0; p < k; p++, q += NR) {
      FloatVector b0 = FloatVector.fromArray(SPECIES, packed, q);
      FloatVector b1 = FloatVector.fromArray(SPECIES, packed, q + LANES);
      FloatVector a = FloatVector.broadcast(SPECIES, x[x0 + p]);
      c00 = a.fma(b0, c00);
      c01 = a.fma(b1, c01);
      a = FloatVector.broadcast(SPECIES, x[x1 + p]);
      c10 = a.fma(b0, c10);
      c11 = a.fma(b1, c11);
      a = FloatVector.broadcast(SPECIES, x[x2 + p]);
      c20 = a.fma(b0, c20);
      c21 = a.fma(b1, c21);
      a = FloatVector.broadcast(SPECIES, x[x3 + p]);
      c30 = a.fma(b0, c30);
      c31 = a.fma(b1, c31);
    }
    store(c00.add(bias0), c01.add(bias1), out, o0, cols, mask0, mask1);
    store(c10.add(bias0), c11.add(bias1), out, o0 + n, cols, mask0, mask1);
    store(c20.add(bias0), c21.add(bias1), out, o0 + 2 * n, cols, mask0, mask1);
    store(c30.add(bias0), c31.add(bias1), out, o0 + 3 * n, cols, mask0, mask1);
  }

  /** One row of x times one panel (the rows left over after the 4-row tiles). */
  private static void kernel1x2(
      float[] x,
      int x0,
      int k,
      float[] packed,
      float[] out,
      int o0,
      FloatVector bias0,
      FloatVector bias1,
      int cols,
      VectorMask<Float> mask0,
      VectorMask<Float> mask1) {
    FloatVector c0 = FloatVector.zero(SPECIES);
    FloatVector c1 = c0;
    for (int p = 0, q = 0; p < k; p++, q += NR) {
      FloatVector a = FloatVector.broadcast(SPECIES, x[x0 + p]);
      c0 = a.fma(FloatVector.fromArray(SPECIES, packed, q), c0);
      c1 = a.fma(FloatVector.fromArray(SPECIES, packed, q + LANES), c1);
    }
    store(c0.add(bias0), c1.add(bias1), out, o0, cols, mask0, mask1);
  }

  private static void store(
      FloatVector v0,
      FloatVector v1,
      float[] out,
      int o,
      int cols,
      VectorMask<Float> mask0,
      VectorMask<Float> mask1) {
    if (cols == NR) {
      v0.intoArray(out, o);
      v1.intoArray(out, o + LANES);
    } else {
      v0.intoArray(out, o, mask0);
      v1.intoArray(out, o + LANES, mask1);
    }
  }
}
