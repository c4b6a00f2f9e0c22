package io.github.mezo4j.nn.kernels;

import io.github.mezo4j.core.parallel.Workers;

/**
 * Root-mean-square layer normalisation (Zhang and Sennrich 2019), as Llama uses it: {@code x /
 * sqrt(mean(x^2) + eps) * weight}, no mean subtraction and no bias. The sum of squares runs in a
 * fixed order per row, so results do not depend on the thread count.
 */
public final class RmsNorm {
  private RmsNorm() {}

  /** Rows per parallel task: fixed, so task boundaries never depend on thread count. */
  private static final int ROWS_PER_TASK = 16;

  /**
   * Per row of {@code x[rows, cols]}: {@code x * (1 / sqrt(mean(x^2) + eps)) * weight}, written to
   * {@code out[rows, cols]}. {@code out} may be {@code x}; weight holds {@code cols} values; eps
   * must be >= 0.
   */
  public static void apply(
      Workers w, float[] x, int rows, int cols, float[] weight, float eps, float[] out) {
    Checks.nonNegative("rows", rows);
    Checks.nonNegative("cols", cols);
    long size = (long) rows * cols;
    Checks.length("x", x, size);
    Checks.length("weight", weight, cols);
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
            int from = r * cols;
            float squares = 0f;
            for (int c = 0; c < cols; c++) {
              squares = Math.fma(x[from + c], x[from + c], squares);
            }
            float scale = (float) (1.0 / Math.sqrt((double) (squares / cols) + eps));
            for (int c = 0; c < cols; c++) {
              out[from + c] = x[from + c] * scale * weight[c];
            }
          }
        });
  }
}
