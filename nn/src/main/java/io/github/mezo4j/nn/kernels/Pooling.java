package io.github.mezo4j.nn.kernels;

import static io.github.mezo4j.nn.kernels.VectorMath.LANES;
import static io.github.mezo4j.nn.kernels.VectorMath.SPECIES;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * Sentence embeddings from token states {@code hidden[batch, seq, dim]}, and their normalisation.
 */
public final class Pooling {
  private Pooling() {}

  /**
   * {@code out[b, :]} = mean of {@code hidden[b, s, :]} over the positions s with {@code mask[b *
   * seq + s] == 1}; a row with no real token gets zeros. Mask values other than 0 and 1 are
   * rejected. Sums run in position order.
   */
  public static void meanMasked(
      float[] hidden, int batch, int seq, int dim, int[] mask, float[] out) {
    checkShape(hidden, batch, seq, dim, out);
    Checks.length("mask", mask, (long) batch * seq);
    Checks.mask("mask", mask, batch * seq);
    for (int b = 0; b < batch; b++) {
      int dst = b * dim;
      Arrays.fill(out, dst, dst + dim, 0f);
      int count = 0;
      for (int s = 0; s < seq; s++) {
        if (mask[b * seq + s] == 1) {
          count++;
          addRow(hidden, (b * seq + s) * dim, out, dst, dim);
        }
      }
      if (count > 1) {
        float n = count;
        int c = 0;
        for (int upper = SPECIES.loopBound(dim); c < upper; c += LANES) {
          FloatVector.fromArray(SPECIES, out, dst + c).div(n).intoArray(out, dst + c);
        }
        for (; c < dim; c++) {
          out[dst + c] /= n;
        }
      }
    }
  }

  /** {@code out[b, :] = hidden[b, 0, :]}: the [CLS] token's state. */
  public static void cls(float[] hidden, int batch, int seq, int dim, float[] out) {
    checkShape(hidden, batch, seq, dim, out);
    if (seq == 0 && batch > 0 && dim > 0) {
      throw new IllegalArgumentException("seq must be >= 1 to take the first token, got 0");
    }
    for (int b = 0; b < batch; b++) {
      System.arraycopy(hidden, b * seq * dim, out, b * dim, dim);
    }
  }

  /**
   * Divides each row of {@code x[rows, dim]} by its Euclidean norm, in place; zero rows stay zero.
   */
  public static void l2NormalizeRows(float[] x, int rows, int dim) {
    Checks.nonNegative("rows", rows);
    Checks.nonNegative("dim", dim);
    Checks.length("x", x, (long) rows * dim);
    int vecDim = SPECIES.loopBound(dim);
    for (int r = 0; r < rows; r++) {
      int from = r * dim;
      float squares = 0f;
      if (vecDim > 0) {
        FloatVector acc = FloatVector.zero(SPECIES);
        for (int c = 0; c < vecDim; c += LANES) {
          FloatVector v = FloatVector.fromArray(SPECIES, x, from + c);
          acc = v.fma(v, acc);
        }
        squares = VectorMath.sumLanes(acc);
      }
      for (int c = vecDim; c < dim; c++) {
        squares = Math.fma(x[from + c], x[from + c], squares);
      }
      if (squares == 0f) {
        continue;
      }
      float norm = (float) Math.sqrt(squares);
      int c = 0;
      for (; c < vecDim; c += LANES) {
        FloatVector.fromArray(SPECIES, x, from + c).div(norm).intoArray(x, from + c);
      }
      for (; c < dim; c++) {
        x[from + c] /= norm;
      }
    }
  }

  private static void addRow(float[] src, int from, float[] dst, int to, int dim) {
    int c = 0;
    for (int upper = SPECIES.loopBound(dim); c < upper; c += LANES) {
      FloatVector.fromArray(SPECIES, dst, to + c)
          .add(FloatVector.fromArray(SPECIES, src, from + c))
          .intoArray(dst, to + c);
    }
    for (; c < dim; c++) {
      dst[to + c] += src[from + c];
    }
  }

  private static void checkShape(float[] hidden, int batch, int seq, int dim, float[] out) {
    Checks.nonNegative("batch", batch);
    Checks.nonNegative("seq", seq);
    Checks.nonNegative("dim", dim);
    Checks.length("hidden", hidden, (long) batch * seq * dim);
    Checks.length("out", out, (long) batch * dim);
  }
}
