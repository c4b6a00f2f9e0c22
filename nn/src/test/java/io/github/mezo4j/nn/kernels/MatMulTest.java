package io.github.mezo4j.nn.kernels;

import static io.github.mezo4j.nn.kernels.TestArrays.assertSameBits;
import static io.github.mezo4j.nn.kernels.TestArrays.uniform;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.parallel.Workers;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MatMulTest {

  /** The documented semantics: one sequential fma chain per output element, then + bias. */
  private static float[] fmaChain(float[] x, int m, int k, float[] w, float[] bias, int n) {
    float[] out = new float[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        float acc = 0f;
        for (int p = 0; p < k; p++) {
          acc = Math.fma(x[i * k + p], w[j * k + p], acc);
        }
        out[i * n + j] = acc + (bias == null ? 0f : bias[j]);
      }
    }
    return out;
  }

  /** Double-precision reference and a per-element tolerance from the magnitudes summed. */
  private static void assertNearDouble(
      float[] x, int m, int k, float[] w, float[] bias, int n, float[] out, String what) {
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double acc = 0;
        double magnitude = 0;
        for (int p = 0; p < k; p++) {
          double t = (double) x[i * k + p] * w[j * k + p];
          acc += t;
          magnitude += Math.abs(t);
        }
        double b = bias == null ? 0 : bias[j];
        double expected = acc + b;
        // float rounding grows like sqrt(k) ulps of the summed magnitude
        double tol = 2e-7 * Math.sqrt(k + 1) * (magnitude + Math.abs(b)) + 1e-30;
        if (!(Math.abs(out[i * n + j] - expected) <= tol)) {
          throw new AssertionError(
              what
                  + ": out["
                  + i
                  + ", "
                  + j
                  + "] = "
                  + out[i * n + j]
                  + ", expected "
                  + expected
                  + " +- "
                  + tol);
        }
      }
    }
  }

  @Test
  void matchesReferencesOnRaggedShapes() {
    SplittableRandom random = new SplittableRandom(1);
    int[] ms = {1, 2, 3, 4, 5, 7, 9, 17};
    int[] ks = {0, 1, 7, 16, 33, 389};
    int[] ns = {1, 5, 17, 31, 32, 33, 64, 100};
    for (int m : ms) {
      for (int k : ks) {
        for (int n : ns) {
          float[] x = uniform(random, m * k);
          float[] w = uniform(random, n * k);
          float[] bias = (m + n) % 2 == 0 ? null : uniform(random, n);
          float[] out = new float[m * n];
          MatMul.linear(Workers.serial(), x, m, k, w, bias, n, out);
          String what = "m=" + m + " k=" + k + " n=" + n + " bias=" + (bias != null);
          assertSameBits(fmaChain(x, m, k, w, bias, n), out, what);
          assertNearDouble(x, m, k, w, bias, n, out, what);
        }
      }
    }
  }

  @Test
  void largeValuesKeepRelativeAccuracy() {
    SplittableRandom random = new SplittableRandom(2);
    int m = 6;
    int k = 384;
    int n = 48;
    float[] x = uniform(random, m * k, -1e3, 1e3);
    float[] w = uniform(random, n * k, -1e3, 1e3);
    float[] bias = uniform(random, n, -1e6, 1e6);
    float[] out = new float[m * n];
    MatMul.linear(Workers.serial(), x, m, k, w, bias, n, out);
    assertNearDouble(x, m, k, w, bias, n, out, "large values");
  }

  @Test
  void sameBitsForAnyThreadCount() {
    SplittableRandom random = new SplittableRandom(3);
    // several row blocks (ROWS_PER_TASK = 256) and panels, with ragged edges
    int m = 2 * MatMul.ROWS_PER_TASK + 45;
    int k = 70;
    int n = 3 * MatMul.NR + 5;
    float[] x = uniform(random, m * k);
    float[] w = uniform(random, n * k);
    float[] bias = uniform(random, n);
    float[] one = new float[m * n];
    MatMul.linear(Workers.of(1), x, m, k, w, bias, n, one);
    assertSameBits(fmaChain(x, m, k, w, bias, n), one, "1 thread vs fma chain");
    for (int threads : new int[] {2, 8}) {
      float[] out = new float[m * n];
      try (Workers w8 = Workers.of(threads)) {
        MatMul.linear(w8, x, m, k, w, bias, n, out);
      }
      assertSameBits(one, out, threads + " threads vs 1");
    }
  }

  @Test
  void leavesOutBeyondItsShapeAlone() {
    float[] x = {1, 2, 3, 4};
    float[] w = {1, 0, 0, 1, 1, 1};
    float[] out = {9, 9, 9, 9, 9, 9, 7, 7};
    MatMul.linear(Workers.serial(), x, 2, 2, w, new float[] {0, 0, 10}, 3, out);
    assertSameBits(new float[] {1, 2, 13, 3, 4, 17, 7, 7}, out, "2x2 @ 3x2^T");
  }

  @Test
  void rejectsBadShapesNamingTheArgument() {
    float[] x = new float[6];
    float[] w = new float[6];
    float[] out = new float[4];
    Workers s = Workers.serial();
    assertMessage(
        assertThrows(
            IllegalArgumentException.class,
            () -> MatMul.linear(s, x, 3, 3, w, null, 2, new float[6])),
        "x",
        "9");
    assertMessage(
        assertThrows(
            IllegalArgumentException.class,
            () -> MatMul.linear(s, x, 2, 3, w, null, 3, new float[6])),
        "weight",
        "9");
    assertMessage(
        assertThrows(
            IllegalArgumentException.class,
            () -> MatMul.linear(s, x, 2, 3, w, new float[1], 2, out)),
        "bias",
        "2");
    assertMessage(
        assertThrows(
            IllegalArgumentException.class,
            () -> MatMul.linear(s, x, 2, 3, w, null, 2, new float[3])),
        "out",
        "4");
    assertMessage(
        assertThrows(
            IllegalArgumentException.class, () -> MatMul.linear(s, x, -1, 3, w, null, 2, out)),
        "m",
        "-1");
    assertMessage(
        assertThrows(
            IllegalArgumentException.class, () -> MatMul.linear(s, x, 2, 3, w, null, 2, x)),
        "out",
        "x");
    assertMessage(
        assertThrows(
            IllegalArgumentException.class,
            () -> MatMul.linear(s, x, 70000, 70000, w, null, 2, out)),
        "x",
        "4900000000");
  }

  static void assertMessage(IllegalArgumentException e, String... parts) {
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' lacks " + part);
    }
  }
}
