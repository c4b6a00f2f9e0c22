package io.github.mezo4j.nn.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;

/** Random inputs and comparisons shared by the kernel tests. */
final class TestArrays {
  private TestArrays() {}

  /** Uniform values in [-1, 1). */
  static float[] uniform(SplittableRandom random, int length) {
    float[] a = new float[length];
    for (int i = 0; i < length; i++) {
      a[i] = (float) (2 * random.nextDouble() - 1);
    }
    return a;
  }

  /** Uniform values in [lo, hi). */
  static float[] uniform(SplittableRandom random, int length, double lo, double hi) {
    float[] a = new float[length];
    for (int i = 0; i < length; i++) {
      a[i] = (float) (lo + (hi - lo) * random.nextDouble());
    }
    return a;
  }

  /** Asserts |actual[i] - expected[i]| <= tol[i] for every i, naming the first failure. */
  static void assertClose(
      double[] expected, float[] actual, double absTol, double relTol, String what) {
    for (int i = 0; i < expected.length; i++) {
      double tol = absTol + relTol * Math.abs(expected[i]);
      if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
        fail(
            what
                + ": element "
                + i
                + " is "
                + actual[i]
                + ", expected "
                + expected[i]
                + " +- "
                + tol);
      }
    }
  }

  /** Asserts the arrays hold the same bits (NaNs compared as NaN). */
  static void assertSameBits(float[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length, what + ": length");
    for (int i = 0; i < expected.length; i++) {
      if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) {
        fail(what + ": element " + i + " is " + actual[i] + ", expected exactly " + expected[i]);
      }
    }
  }
}
