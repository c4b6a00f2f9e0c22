package io.github.mezo4j.nn.kernels;

/**
 * Log-probabilities from logits: {@code log_softmax(x)_j = x_j - max - log(sum_k exp(x_k - max))}.
 * The sum is accumulated in double in index order, so it is accurate for large vocabularies and
 * identical wherever it runs.
 */
public final class LogSoftmax {
  private LogSoftmax() {}

  /**
   * {@code log(sum_k exp(x[offset + k]))} over {@code cols} values: {@code -inf} for an all {@code
   * -inf} row, NaN if any value is NaN.
   */
  public static double logSumExp(float[] x, int offset, int cols) {
    Checks.positive("cols", cols);
    Checks.range("x", x, offset, cols);
    float max = Float.NEGATIVE_INFINITY;
    for (int k = 0; k < cols; k++) {
      float v = x[offset + k];
      if (Float.isNaN(v)) {
        return Double.NaN;
      }
      max = Math.max(max, v);
    }
    if (max == Float.NEGATIVE_INFINITY || max == Float.POSITIVE_INFINITY) {
      return max;
    }
    double sum = 0;
    for (int k = 0; k < cols; k++) {
      sum += Math.exp((double) x[offset + k] - max);
    }
    return max + Math.log(sum);
  }

  /** {@code log_softmax} of the row {@code x[offset, offset + cols)} at index {@code target}. */
  public static double at(float[] x, int offset, int cols, int target) {
    if (target < 0 || target >= cols) {
      throw new IllegalArgumentException(
          "target " + target + " is outside the row [0, " + cols + ")");
    }
    return x[offset + target] - logSumExp(x, offset, cols);
  }

  /** The whole row: {@code out[outOffset + j] = log_softmax(x[offset ..])_j}. */
  public static void row(float[] x, int offset, int cols, float[] out, int outOffset) {
    double lse = logSumExp(x, offset, cols);
    Checks.range("out", out, outOffset, cols);
    for (int k = 0; k < cols; k++) {
      out[outOffset + k] = (float) (x[offset + k] - lse);
    }
  }
}
