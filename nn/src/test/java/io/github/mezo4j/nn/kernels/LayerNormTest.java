package io.github.mezo4j.nn.kernels;

import static io.github.mezo4j.nn.kernels.TestArrays.assertSameBits;
import static io.github.mezo4j.nn.kernels.TestArrays.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.mezo4j.core.parallel.Workers;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LayerNormTest {

  static double[] reference(float[] x, int rows, int cols, float[] gamma, float[] beta, float eps) {
    double[] out = new double[rows * cols];
    for (int r = 0; r < rows; r++) {
      double mean = 0;
      for (int c = 0; c < cols; c++) {
        mean += x[r * cols + c];
      }
      mean /= cols;
      double var = 0;
      for (int c = 0; c < cols; c++) {
        double d = x[r * cols + c] - mean;
        var += d * d;
      }
      var /= cols;
      double inv = 1 / Math.sqrt(var + eps);
      for (int c = 0; c < cols; c++) {
        out[r * cols + c] = (x[r * cols + c] - mean) * inv * gamma[c] + beta[c];
      }
    }
    return out;
  }

  @Test
  void matchesReferenceOnRaggedShapes() {
    SplittableRandom random = new SplittableRandom(13);
    for (int cols : new int[] {1, 2, 7, 33, 384, 389}) {
      for (int rows : new int[] {1, 5, 17}) {
        // centred data, and data with an offset mean (100) that one-pass variance would ruin
        for (double offset : new double[] {0, 100}) {
          float[] x = uniform(random, rows * cols, offset - 2, offset + 2);
          float[] gamma = uniform(random, cols, 0.5, 1.5);
          float[] beta = uniform(random, cols);
          float[] out = new float[rows * cols];
          LayerNorm.apply(Workers.serial(), x, rows, cols, gamma, beta, 1e-12f, out);
          double[] expected = reference(x, rows, cols, gamma, beta, 1e-12f);
          for (int r = 0; r < rows; r++) {
            double mean = 0;
            double var = 0;
            for (int c = 0; c < cols; c++) {
              mean += x[r * cols + c];
            }
            mean /= cols;
            for (int c = 0; c < cols; c++) {
              var += Math.pow(x[r * cols + c] - mean, 2);
            }
            double std = Math.sqrt(var / cols);
            // the float mean is off by ~sqrt(cols) ulps of |mean|, which the division by std
            // amplifies: the conditioning of the problem, not slack
            double condition = 1 + Math.abs(mean) / Math.max(std, 1e-30);
            for (int c = 0; c < cols; c++) {
              int i = r * cols + c;
              double tol =
                  6e-8 * (4 + Math.sqrt(cols)) * condition * Math.abs(gamma[c])
                      + 6e-8 * Math.abs(expected[i]);
              if (std == 0) {
                tol = 6e-8 * Math.abs(beta[c]);
              }
              assertEquals(
                  expected[i], out[i], tol, "cols=" + cols + " offset=" + offset + " at " + i);
            }
          }
        }
      }
    }
  }

  @Test
  void epsAndConstantRows() {
    float[] x = {3, 3, 3, 3, 1, 3, 1, 3};
    float[] gamma = {1, 1, 1, 1};
    float[] beta = {0.5f, 0.5f, 0.5f, 0.5f};
    float[] out = new float[8];
    LayerNorm.apply(Workers.serial(), x, 2, 4, gamma, beta, 1e-5f, out);
    // row 0: zero variance -> beta; row 1: mean 2, var 1 -> +-1/sqrt(1 + 1e-5) + 0.5
    double d = 1 / Math.sqrt(1 + 1e-5);
    TestArrays.assertClose(
        new double[] {0.5, 0.5, 0.5, 0.5, 0.5 - d, 0.5 + d, 0.5 - d, 0.5 + d},
        out,
        1e-7,
        0,
        "constant and +-1 rows");
  }

  @Test
  void inPlaceAndSameBitsForAnyThreadCount() {
    SplittableRandom random = new SplittableRandom(14);
    int rows = 150;
    int cols = 389;
    float[] x = uniform(random, rows * cols, -3, 3);
    float[] gamma = uniform(random, cols);
    float[] beta = uniform(random, cols);
    float[] serial = new float[rows * cols];
    LayerNorm.apply(Workers.of(1), x, rows, cols, gamma, beta, 1e-12f, serial);
    float[] inPlace = x.clone();
    LayerNorm.apply(Workers.of(1), inPlace, rows, cols, gamma, beta, 1e-12f, inPlace);
    assertSameBits(serial, inPlace, "in place vs out of place");
    for (int threads : new int[] {2, 8}) {
      float[] out = new float[rows * cols];
      try (Workers w = Workers.of(threads)) {
        LayerNorm.apply(w, x, rows, cols, gamma, beta, 1e-12f, out);
      }
      assertSameBits(serial, out, threads + " threads vs 1");
    }
  }

  @Test
  void rejectsBadArguments() {
    Workers s = Workers.serial();
    float[] four = new float[4];
    MatMulTest.assertMessage(
        assertThrows(
            IllegalArgumentException.class,
            () -> LayerNorm.apply(s, new float[8], 2, 4, new float[3], four, 1e-5f, new float[8])),
        "gamma",
        "4");
    MatMulTest.assertMessage(
        assertThrows(
            IllegalArgumentException.class,
            () -> LayerNorm.apply(s, new float[7], 2, 4, four, four, 1e-5f, new float[8])),
        "x",
        "8");
    MatMulTest.assertMessage(
        assertThrows(
            IllegalArgumentException.class,
            () -> LayerNorm.apply(s, new float[8], 2, 4, four, four, -1f, new float[8])),
        "eps",
        "-1");
    MatMulTest.assertMessage(
        assertThrows(
            IllegalArgumentException.class,
            () -> LayerNorm.apply(s, new float[8], 2, 4, four, four, 1e-5f, new float[5])),
        "out",
        "8");
  }
}
