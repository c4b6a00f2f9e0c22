package io.github.mezo4j.nn.kernels;

import static io.github.mezo4j.nn.kernels.TestArrays.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SoftmaxTest {

  static double[] reference(float[] x, int from, int len) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < len; i++) {
      max = Math.max(max, x[from + i]);
    }
    double[] e = new double[len];
    double sum = 0;
    for (int i = 0; i < len; i++) {
      e[i] = Math.exp(x[from + i] - max);
      sum += e[i];
    }
    for (int i = 0; i < len; i++) {
      e[i] /= sum;
    }
    return e;
  }

  @Test
  void matchesReferenceOnRaggedRowsWithOffset() {
    SplittableRandom random = new SplittableRandom(11);
    for (int cols : new int[] {1, 2, 7, 16, 33, 389}) {
      int rows = 3;
      int offset = 5;
      float[] x = uniform(random, offset + rows * cols + 4, -10, 10);
      float[] y = x.clone();
      Softmax.rowsInPlace(y, offset, rows, cols);
      for (int r = 0; r < rows; r++) {
        int from = offset + r * cols;
        double[] expected = reference(x, from, cols);
        float max = Float.NEGATIVE_INFINITY;
        for (int c = 0; c < cols; c++) {
          max = Math.max(max, x[from + c]);
        }
        for (int c = 0; c < cols; c++) {
          // exp to ~2 ulps, the sum and the division add a few more; rounding x - max to float
          // costs |x - max| * 2^-24 relative
          double tol = (4e-7 + 6e-8 * (max - x[from + c])) * expected[c];
          assertEquals(expected[c], y[from + c], tol, "cols=" + cols + " row " + r + " col " + c);
        }
      }
      for (int i = 0; i < offset; i++) {
        assertEquals(x[i], y[i], "before offset");
      }
      for (int i = offset + rows * cols; i < x.length; i++) {
        assertEquals(x[i], y[i], "after the rows");
      }
    }
  }

  @Test
  void largeValuesDoNotOverflow() {
    float[] x = {3e38f, 3e38f - 1e32f, 1e38f, -3e38f, 1e4f, 1e4f + 1, 1e4f, -88f};
    Softmax.rowsInPlace(x, 0, 2, 4);
    // row 0: differences of 1e32 and more (x - max even overflows to -inf) leave all on one entry
    for (float v : x) {
      assertTrue(Float.isFinite(v) && v >= 0 && v <= 1, "finite probability, got " + v);
    }
    assertEquals(1f, x[0]);
    assertEquals(0f, x[1]);
    assertEquals(0f, x[2]);
    assertEquals(0f, x[3]);
    double e = Math.E;
    assertEquals(1 / (2 + e), x[4], 1e-7);
    assertEquals(e / (2 + e), x[5], 1e-7);
    assertEquals(1 / (2 + e), x[6], 1e-7);
    assertEquals(0f, x[7]);
  }

  @Test
  void minusInfinityGetsZeroWeight() {
    float ninf = Float.NEGATIVE_INFINITY;
    float[] x = {ninf, 0f, ninf, 0f, ninf, ninf, ninf, ninf, ninf};
    Softmax.rowsInPlace(x, 0, 1, 9);
    float[] expected = {0, 0.5f, 0, 0.5f, 0, 0, 0, 0, 0};
    TestArrays.assertSameBits(expected, x, "row with -inf");
    float[] allMasked = new float[19];
    java.util.Arrays.fill(allMasked, ninf);
    Softmax.rowsInPlace(allMasked, 0, 1, 19);
    TestArrays.assertSameBits(new float[19], allMasked, "all -inf row");
  }

  @Test
  void rowsSumToOne() {
    SplittableRandom random = new SplittableRandom(12);
    float[] x = uniform(random, 7 * 45, -30, 30);
    Softmax.rowsInPlace(x, 0, 7, 45);
    for (int r = 0; r < 7; r++) {
      double sum = 0;
      for (int c = 0; c < 45; c++) {
        sum += x[r * 45 + c];
      }
      assertEquals(1.0, sum, 1e-6, "row " + r);
    }
  }

  @Test
  void rejectsBadShapes() {
    MatMulTest.assertMessage(
        assertThrows(
            IllegalArgumentException.class, () -> Softmax.rowsInPlace(new float[10], 2, 3, 3)),
        "x",
        "11");
    MatMulTest.assertMessage(
        assertThrows(
            IllegalArgumentException.class, () -> Softmax.rowsInPlace(new float[10], 0, -1, 3)),
        "rows",
        "-1");
    MatMulTest.assertMessage(
        assertThrows(
            IllegalArgumentException.class, () -> Softmax.rowsInPlace(new float[10], -2, 1, 3)),
        "offset",
        "-2");
  }
}
