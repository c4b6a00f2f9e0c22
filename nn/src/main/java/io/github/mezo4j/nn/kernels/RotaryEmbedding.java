package io.github.mezo4j.nn.kernels;

/**
 * Rotary position embeddings (RoPE, Su et al. 2021): each head's vector is cut into pairs and pair
 * {@code i} is rotated by the angle {@code position * theta^(-2i / headDim)}.
 *
 * <p>Two conventions pair the dimensions differently. Hugging Face Llama ({@link
 * Layout#ROTATE_HALF}) pairs {@code (i, i + headDim/2)}; Meta's original code and llama2.c ({@link
 * Layout#INTERLEAVED}) pair {@code (2i, 2i + 1)}. A checkpoint trained with one convention runs
 * with the other after the rows of its query and key projections are permuted within each head (the
 * permutation transformers' {@code convert_llama_weights_to_hf.py} applies). Angles are computed in
 * double precision and rounded once, so all positions are equally accurate.
 */
public final class RotaryEmbedding {
  private RotaryEmbedding() {}

  /** Which dimensions of a head form a rotated pair. */
  public enum Layout {
    /** Pairs {@code (i, i + headDim/2)}: Hugging Face transformers' {@code rotate_half}. */
    ROTATE_HALF,
    /** Pairs {@code (2i, 2i + 1)}: Meta's reference code and llama2.c. */
    INTERLEAVED
  }

  /**
   * Rotates, in place, every head of every row of {@code x[rows, heads * headDim]}; row {@code r}
   * is at position {@code positions[r]}. headDim must be even and theta > 0.
   */
  public static void apply(
      float[] x, int rows, int heads, int headDim, int[] positions, double theta, Layout layout) {
    Checks.positive("headDim", headDim);
    if (!(theta > 0) || Double.isInfinite(theta)) {
      throw new IllegalArgumentException("theta must be finite and > 0, got " + theta);
    }
    double[] inverseFrequencies = new double[headDim / 2];
    for (int i = 0; i < inverseFrequencies.length; i++) {
      inverseFrequencies[i] = Math.pow(theta, -2.0 * i / headDim);
    }
    apply(x, rows, heads, headDim, positions, inverseFrequencies, layout);
  }

  /**
   * As {@link #apply(float[], int, int, int, int[], double, Layout)} with pair {@code i} rotated by
   * {@code position * inverseFrequencies[i]} (for scaled variants such as Llama 3.1's).
   */
  public static void apply(
      float[] x,
      int rows,
      int heads,
      int headDim,
      int[] positions,
      double[] inverseFrequencies,
      Layout layout) {
    Checks.nonNegative("rows", rows);
    Checks.positive("heads", heads);
    Checks.positive("headDim", headDim);
    if (headDim % 2 != 0) {
      throw new IllegalArgumentException(
          "headDim must be even for rotary embeddings, got " + headDim);
    }
    if (inverseFrequencies == null || inverseFrequencies.length != headDim / 2) {
      throw new IllegalArgumentException(
          "inverseFrequencies must hold headDim / 2 = " + headDim / 2 + " values");
    }
    Checks.length("x", x, (long) rows * heads * headDim);
    Checks.length("positions", positions, rows);
    int half = headDim / 2;
    float[] cos = new float[half];
    float[] sin = new float[half];
    for (int r = 0; r < rows; r++) {
      int pos = positions[r];
      if (pos < 0) {
        throw new IllegalArgumentException("positions[" + r + "] = " + pos + ", expected >= 0");
      }
      for (int i = 0; i < half; i++) {
        double angle = pos * inverseFrequencies[i];
        cos[i] = (float) Math.cos(angle);
        sin[i] = (float) Math.sin(angle);
      }
      for (int h = 0; h < heads; h++) {
        int base = (r * heads + h) * headDim;
        for (int i = 0; i < half; i++) {
          int a = layout == Layout.ROTATE_HALF ? base + i : base + 2 * i;
          int b = layout == Layout.ROTATE_HALF ? base + i + half : base + 2 * i + 1;
          float x0 = x[a];
          float x1 = x[b];
          x[a] = x0 * cos[i] - x1 * sin[i];
          x[b] = x0 * sin[i] + x1 * cos[i];
        }
      }
    }
  }

  /**
   * The row order that turns a projection trained for {@link Layout#INTERLEAVED} into one for
   * {@link Layout#ROTATE_HALF}: row {@code h * headDim + j * headDim/2 + i} of the result is row
   * {@code h * headDim + 2i + j} of the original. Returns {@code source[newRow]}.
   */
  public static int[] interleavedToRotateHalf(int heads, int headDim) {
    Checks.positive("heads", heads);
    Checks.positive("headDim", headDim);
    if (headDim % 2 != 0) {
      throw new IllegalArgumentException("headDim must be even, got " + headDim);
    }
    int half = headDim / 2;
    int[] source = new int[heads * headDim];
    for (int h = 0; h < heads; h++) {
      for (int j = 0; j < 2; j++) {
        for (int i = 0; i < half; i++) {
          source[h * headDim + j * half + i] = h * headDim + 2 * i + j;
        }
      }
    }
    return source;
  }
}
