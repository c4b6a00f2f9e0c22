package io.github.mezo4j.nn.kernels;

import static io.github.mezo4j.nn.kernels.VectorMath.LANES;
import static io.github.mezo4j.nn.kernels.VectorMath.SPECIES;

import io.github.mezo4j.core.parallel.Workers;
import jdk.incubator.vector.FloatVector;

/**
 * Layer normalisation over the last dimension, as in {@code torch.nn.LayerNorm}: biased variance,
 * eps inside the square root. Two passes (mean, then the mean of squared deviations) avoid the
 * cancellation of the one-pass E[x^2] - E[x]^2 formula.
 */
public final class LayerNorm {
  private LayerNorm() {}

  /** Rows per parallel task: fixed, so task boundaries never depend on thread count. */
  private static final int ROWS_PER_TASK = 16;

  /**
   * Per row of {@code x[rows, cols]}: {@code (x - mean) / sqrt(var + eps) * gamma + beta}, written
   * to {@code out[rows, cols]}. {@code out} may be {@code x} (in place); gamma and beta hold {@code
   * cols} values; eps must be >= 0.
   */
  public static void apply(
      Workers w,
      float[] x,
      int rows,
      int cols,
      float[] gamma,
      float[] beta,
      float eps,
      float[] out) {
    Checks.nonNegative("rows", rows);
    Checks.nonNegative("cols", cols);
    long size = (long) rows * cols;
    Checks.length("x", x, size);
    Checks.length("gamma", gamma, cols);
    Checks.length("beta", beta, cols);
    Checks.length("out", out, size);
    if (!(eps >= 0f)) {
      throw new IllegalArgumentException("eps must be >= 0, got " + eps);
    }
    if (cols == 0) {
      return;
    }
    int tasks = (rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
    w.parallelFor(
        tasks,
        t -> {
          int end = Math.min(rows, (t + 1) * ROWS_PER_TASK);
          for (int r = t * ROWS_PER_TASK; r < end; r++) {
            row(x, r * cols, cols, gamma, beta, eps, out);
          }
        });
  }

  private static void row(
      float[] x, int from, int cols, float[] gamma, float[] beta, float eps, float[] out) {
    int vecCols = SPECIES.loopBound(cols);
    float sum = 0f;
    if (vecCols > 0) {
      FloatVector acc = FloatVector.zero(SPECIES);
      for (int c = 0; c < vecCols; c += LANES) {
        acc = acc.add(FloatVector.fromArray(SPECIES, x, from + c));
      }
      sum = VectorMath.sumLanes(acc);
    }
    for (int c = vecCols; c < cols; c++) {
      sum += x[from + c];
    }
    float mean = sum / cols;

    float squares = 0f;
    if (vecCols > 0) {
      FloatVector acc = FloatVector.zero(SPECIES);
      for (int c = 0; c < vecCols; c += LANES) {
        FloatVector d = FloatVector.fromArray(SPECIES, x, from + c).sub(mean);
        acc = d.fma(d, acc);
      }
      squares = VectorMath.sumLanes(acc);
    }
    for (int c = vecCols; c < cols; c++) {
      float d = x[from + c] - mean;
      squares = Math.fma(d, d, squares);
    }
    float invStd = (float) (1.0 / Math.sqrt((double) (squares / cols) + eps));

    int c = 0;
    for (; c < vecCols; c += LANES) {
      FloatVector.fromArray(SPECIES, x, from + c)
          .sub(mean)
          .mul(invStd)
          .fma(FloatVector.fromArray(SPECIES, gamma, c), FloatVector.fromArray(SPECIES, beta, c))
          .intoArray(out, from + c);
    }
    for (; c < cols; c++) {
      out[from + c] = Math.fma((x[from + c] - mean) * invStd, gamma[c], beta[c]);
    }
  }
}
