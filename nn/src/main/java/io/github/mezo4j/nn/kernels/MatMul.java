package io.github.mezo4j.nn.kernels;

import static io.github.mezo4j.nn.kernels.VectorMath.LANES;
import static io.github.mezo4j.nn.kernels.VectorMath.SPECIES;

import io.github.mezo4j.core.parallel.Workers;
import jdk.incubator.vector.FloatVector;

/**
 * Dense layers: {@code out = x @ weight^T + bias} with weights in {@code nn.Linear} layout.
 *
 * <p>How it is computed. The columns of {@code out} are cut into panels of {@link #NR} (three
 * vectors); a task packs its panel of weights transposed, {@code panel[p, jj] = weight[j0 + jj,
 * p]}, so that the inner loop is a broadcast of one x value times contiguous weight vectors (FMA),
 * over {@link #MR} rows of x at once: 12 vector accumulators stay in registers for the whole k
 * loop. Tasks are (panel, block of {@link #ROWS_PER_TASK} rows) pairs whose boundaries depend only
 * on the shapes. Extra memory: one packed panel per thread ({@code k * NR} floats).
 *
 * <p>Every output element is the same computation whatever the tiling or thread count: {@code acc =
 * 0; for p in [0, k): acc = fma(x[i, p], weight[j, p], acc); out[i, j] = acc + bias[j]}. So results
 * are bit-identical for any {@link Workers}, and equal to that scalar loop.
 */
public final class MatMul {
  private MatMul() {}

  /** Output columns per panel: three vectors. */
  static final int NR = 3 * LANES;

  /** Rows of x per micro-tile. */
  static final int MR = 4;

  /** Rows of x per task: enough that packing a panel costs only a few percent of using it. */
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
    if ((long) k * NR > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "k = " + k + " is too large: a packed panel needs k * " + NR + " floats");
    }
    if (m == 0 || n == 0) {
      return;
    }
    int panels = (n + NR - 1) / NR;
    int rowBlocks = (m + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
    w.parallelFor(
        panels * rowBlocks,
        t -> {
          int j0 = (t % panels) * NR;
          int cols = Math.min(NR, n - j0);
          int i0 = (t / panels) * ROWS_PER_TASK;
          int rows = Math.min(ROWS_PER_TASK, m - i0);
          float[] packed = Scratch.get().floatsA(k * NR);
          pack(weight, k, j0, cols, packed);
          block(x, k, i0, rows, packed, bias, j0, cols, n, out);
        });
  }

  /** packed[p * NR + jj] = weight[(j0 + jj) * k + p], zero for jj >= cols. */
  static void pack(float[] weight, int k, int j0, int cols, float[] packed) {
    int jj = 0;
    int tiledK = 0;
    if (Transpose.SUPPORTED) {
      tiledK = k & ~15;
      for (; jj + 16 <= cols; jj += 16) {
        for (int p = 0; p < tiledK; p += 16) {
          Transpose.tile16(weight, (j0 + jj) * k + p, k, packed, p * NR + jj, NR);
        }
      }
    }
    // what the tiles left: columns beyond the last full tile, then the last k % 16 rows
    for (int c = jj; c < cols; c++) {
      for (int p = 0, src = (j0 + c) * k, dst = c; p < tiledK; p++, dst += NR) {
        packed[dst] = weight[src + p];
      }
    }
    for (int c = 0; c < cols; c++) {
      for (int p = tiledK, src = (j0 + c) * k, dst = p * NR + c; p < k; p++, dst += NR) {
        packed[dst] = weight[src + p];
      }
    }
    for (int c = cols; c < NR; c++) {
      for (int p = 0, dst = c; p < k; p++, dst += NR) {
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
    // Kernels write whole tiles to scratch; emit() adds the bias and clips to the panel. Keeping
    // masks and bias out of the kernels matters: a vector accumulator that escapes into a call
    // can make C2 box it on every iteration of the k loop.
    float[] tile = new float[MR * NR];
    float[] biasPanel = new float[NR];
    if (bias != null) {
      System.arraycopy(bias, j0, biasPanel, 0, cols);
    }
    int i = i0;
    int end = i0 + rows;
    for (; i + MR <= end; i += MR) {
      kernel4x3(x, i * k, k, packed, tile);
      emit(tile, MR, biasPanel, cols, out, i * n + j0, n);
    }
    for (; i < end; i++) {
      kernel1x3(x, i * k, k, packed, tile);
      emit(tile, 1, biasPanel, cols, out, i * n + j0, n);
    }
  }

  /** out[o + r * n + c] = tile[r * NR + c] + biasPanel[c] for r < rows, c < cols. */
  private static void emit(
      float[] tile, int rows, float[] biasPanel, int cols, float[] out, int o, int n) {
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < NR; c += LANES) {
        FloatVector v =
            FloatVector.fromArray(SPECIES, tile, r * NR + c)
                .add(FloatVector.fromArray(SPECIES, biasPanel, c));
        if (c + LANES <= cols) {
          v.intoArray(out, o + r * n + c);
        } else if (c < cols) {
          v.intoArray(out, o + r * n + c, SPECIES.indexInRange(c, cols));
        }
      }
    }
  }

  /** Four rows of x times one panel: 12 accumulators, 3 weight vectors, 1 broadcast. */
  private static void kernel4x3(float[] x, int x0, int k, float[] packed, float[] tile) {
    FloatVector c00 = FloatVector.zero(SPECIES);
    FloatVector c01 = c00;
    FloatVector c02 = c00;
    FloatVector c10 = c00;
    FloatVector c11 = c00;
    FloatVector c12 = c00;
    FloatVector c20 = c00;
    FloatVector c21 = c00;
    FloatVector c22 = c00;
    FloatVector c30 = c00;
    FloatVector c31 = c00;
    FloatVector c32 = c00;
    int x1 = x0 + k;
    int x2 = x1 + k;
    int x3 = x2 + k;
    for (int p = 0, q = 0; p < k; p++, q += NR) {
      FloatVector b0 = FloatVector.fromArray(SPECIES, packed, q);
      FloatVector b1 = FloatVector.fromArray(SPECIES, packed, q + LANES);
      FloatVector b2 = FloatVector.fromArray(SPECIES, packed, q + 2 * LANES);
      FloatVector a = FloatVector.broadcast(SPECIES, x[x0 + p]);
      c00 = a.fma(b0, c00);
      c01 = a.fma(b1, c01);
      c02 = a.fma(b2, c02);
      a = FloatVector.broadcast(SPECIES, x[x1 + p]);
      c10 = a.fma(b0, c10);
      c11 = a.fma(b1, c11);
      c12 = a.fma(b2, c12);
      a = FloatVector.broadcast(SPECIES, x[x2 + p]);
      c20 = a.fma(b0, c20);
      c21 = a.fma(b1, c21);
      c22 = a.fma(b2, c22);
      a = FloatVector.broadcast(SPECIES, x[x3 + p]);
      c30 = a.fma(b0, c30);
      c31 = a.fma(b1, c31);
      c32 = a.fma(b2, c32);
    }
    c00.intoArray(tile, 0);
    c01.intoArray(tile, LANES);
    c02.intoArray(tile, 2 * LANES);
    c10.intoArray(tile, NR);
    c11.intoArray(tile, NR + LANES);
    c12.intoArray(tile, NR + 2 * LANES);
    c20.intoArray(tile, 2 * NR);
    c21.intoArray(tile, 2 * NR + LANES);
    c22.intoArray(tile, 2 * NR + 2 * LANES);
    c30.intoArray(tile, 3 * NR);
    c31.intoArray(tile, 3 * NR + LANES);
    c32.intoArray(tile, 3 * NR + 2 * LANES);
  }

  /** One row of x times one panel (the rows left over after the 4-row tiles). */
  private static void kernel1x3(float[] x, int x0, int k, float[] packed, float[] tile) {
    FloatVector c0 = FloatVector.zero(SPECIES);
    FloatVector c1 = c0;
    FloatVector c2 = c0;
    for (int p = 0, q = 0; p < k; p++, q += NR) {
      FloatVector a = FloatVector.broadcast(SPECIES, x[x0 + p]);
      c0 = a.fma(FloatVector.fromArray(SPECIES, packed, q), c0);
      c1 = a.fma(FloatVector.fromArray(SPECIES, packed, q + LANES), c1);
      c2 = a.fma(FloatVector.fromArray(SPECIES, packed, q + 2 * LANES), c2);
    }
    c0.intoArray(tile, 0);
    c1.intoArray(tile, LANES);
    c2.intoArray(tile, 2 * LANES);
  }
}
