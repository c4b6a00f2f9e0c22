package io.github.mezo4j.nn.kernels;

import static io.github.mezo4j.nn.kernels.VectorMath.LANES;
import static io.github.mezo4j.nn.kernels.VectorMath.SPECIES;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * Row-wise softmax. Subtracts the row maximum first, so large inputs never overflow; every sum has
 * a fixed order, so the result does not depend on where or on how many threads it runs.
 */
public final class Softmax {
  private Softmax() {}

  /**
   * Numerically stable softmax of each row of {@code x[offset + r * cols + c]}, r in [0, rows), c
   * in [0, cols), in place. {@code -inf} entries get weight 0; a row whose entries are all {@code
   * -inf} becomes all zeros (nothing to attend to); a NaN or {@code +inf} entry makes its row NaN.
   */
  public static void rowsInPlace(float[] x, int offset, int rows, int cols) {
    Checks.nonNegative("rows", rows);
    Checks.nonNegative("cols", cols);
    Checks.range("x", x, offset, (long) rows * cols);
    for (int r = 0; r < rows; r++) {
      row(x, offset + r * cols, cols);
    }
  }

  /** Softmax of {@code x[from, from + len)}; callers have checked the bounds. */
  static void row(float[] x, int from, int len) {
    if (len == 0) {
      return;
    }
    int to = from + len;
    int vecEnd = from + SPECIES.loopBound(len);
    float max = Float.NEGATIVE_INFINITY;
    if (vecEnd > from) {
      // max is exact and order-free, so two independent chains change nothing but the latency
      FloatVector m0 = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
      FloatVector m1 = m0;
      int i = from;
      for (; i + 2 * LANES <= vecEnd; i += 2 * LANES) {
        m0 = m0.max(FloatVector.fromArray(SPECIES, x, i));
        m1 = m1.max(FloatVector.fromArray(SPECIES, x, i + LANES));
      }
      if (i < vecEnd) {
        m0 = m0.max(FloatVector.fromArray(SPECIES, x, i));
      }
      max = VectorMath.maxLanes(m0.max(m1));
    }
    for (int i = vecEnd; i < to; i++) {
      max = Math.max(max, x[i]);
    }
    if (max == Float.NEGATIVE_INFINITY) {
      Arrays.fill(x, from, to, 0f);
      return;
    }
    float sum = 0f;
    if (vecEnd > from) {
      FloatVector vsum = FloatVector.zero(SPECIES);
      for (int i = from; i < vecEnd; i += LANES) {
        FloatVector e = VectorMath.exp(FloatVector.fromArray(SPECIES, x, i).sub(max));
        e.intoArray(x, i);
        vsum = vsum.add(e);
      }
      sum = VectorMath.sumLanes(vsum);
    }
    for (int i = vecEnd; i < to; i++) {
      float e = VectorMath.exp(x[i] - max);
      x[i] = e;
      sum += e;
    }
    // sum >= 1 (the maximum contributes e^0), so the division is safe.
    int i = from;
    for (; i < vecEnd; i += LANES) {
      FloatVector.fromArray(SPECIES, x, i).div(sum).intoArray(x, i);
    }
    for (; i < to; i++) {
      x[i] /= sum;
    }
  }
}
