package io.github.mezo4j.nn.kernels;

import static io.github.mezo4j.nn.kernels.TestArrays.assertSameBits;
import static io.github.mezo4j.nn.kernels.TestArrays.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.parallel.Workers;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

class ActivationsTest {

  /**
   * erf in double: 2/sqrt(pi) exp(-x^2) sum_n 2^n x^(2n+1) / (1 * 3 * ... * (2n+1)). All terms are
   * positive, so there is no cancellation; relative error ~1e-15 for |x| <= 6.
   */
  static double erfReference(double x) {
    double a = Math.abs(x);
    if (a > 6) {
      return Math.signum(x);
    }
    double term = a;
    double sum = a;
    for (int n = 1; term > 1e-17 * sum; n++) {
      term *= 2 * a * a / (2 * n + 1);
      sum += term;
    }
    return Math.copySign(2 / Math.sqrt(Math.PI) * Math.exp(-a * a) * sum, x);
  }

  @Test
  void referenceAgreesWithPublishedValues() {
    // Abramowitz & Stegun table 7.1 / any CAS: these pin down the reference itself.
    assertEquals(0.5204998778130465, erfReference(0.5), 1e-15);
    assertEquals(0.8427007929497149, erfReference(1), 1e-15);
    assertEquals(0.9953222650189527, erfReference(2), 1e-15);
    assertEquals(0.9999779095030014, erfReference(3), 1e-15);
  }

  @Test
  void erfKnownValues() {
    assertEquals(0.5204998778130465, Activations.erf(0.5f), 1e-7);
    assertEquals(0.8427007929497149, Activations.erf(1f), 1e-7);
    assertEquals(0.9953222650189527, Activations.erf(2f), 1e-7);
    assertEquals(-0.8427007929497149, Activations.erf(-1f), 1e-7);
  }

  /** The Javadoc's error bound, checked on a dense grid (the bound was measured exhaustively). */
  @Test
  void erfWithinStatedErrorOnDenseGrid() {
    double worst = 0;
    for (int i = -600_000; i <= 600_000; i++) {
      float x = i * 1e-5f;
      worst = Math.max(worst, Math.abs(Activations.erf(x) - erfReference(x)));
    }
    // tiny arguments, where erf(x) ~ 2x/sqrt(pi): relative accuracy matters
    for (float x = 1e-30f; x < 1e-3f; x *= 1.37f) {
      double ref = erfReference(x);
      assertEquals(ref, Activations.erf(x), 2e-7 * ref, "erf(" + x + ")");
    }
    assertTrue(worst <= 8.3e-8, "max abs error " + worst + " exceeds the documented 8.2e-8");
  }

  @Test
  void erfIsOddAndSaturates() {
    SplittableRandom random = new SplittableRandom(5);
    for (int i = 0; i < 10_000; i++) {
      float x = (float) (8 * random.nextDouble() - 4);
      assertEquals(-Activations.erf(x), Activations.erf(-x), "erf(-x) = -erf(x) at " + x);
    }
    assertEquals(1f, Activations.erf(4f));
    assertEquals(1f, Activations.erf(100f));
    assertEquals(-1f, Activations.erf(-7f));
    assertEquals(1f, Activations.erf(Float.POSITIVE_INFINITY));
    assertEquals(-1f, Activations.erf(Float.NEGATIVE_INFINITY));
    assertEquals(0f, Activations.erf(0f));
    assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(Activations.erf(-0f)));
    assertTrue(Float.isNaN(Activations.erf(Float.NaN)));
    // monotone across the branch switch at |x| = 1
    float below = Math.nextDown(1f);
    assertTrue(Activations.erf(below) <= Activations.erf(1f));
  }

  @Test
  void vectorAndScalarFormsGiveTheSameBits() {
    SplittableRandom random = new SplittableRandom(6);
    int lanes = VectorMath.LANES;
    float[] x = uniform(random, 64 * lanes, -7, 7);
    x[0] = 0f;
    x[1] = -0f;
    x[2] = 1f;
    x[3] = -1f;
    x[4] = Float.POSITIVE_INFINITY;
    x[5] = 4f;
    x[6] = Math.nextDown(4f);
    x[7] = Float.NaN;
    float[] erfVector = new float[x.length];
    float[] geluVector = new float[x.length];
    for (int i = 0; i < x.length; i += lanes) {
      FloatVector v = FloatVector.fromArray(VectorMath.SPECIES, x, i);
      Activations.erf(v).intoArray(erfVector, i);
      Activations.gelu(v).intoArray(geluVector, i);
    }
    float[] erfScalar = new float[x.length];
    float[] geluScalar = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      erfScalar[i] = Activations.erf(x[i]);
      geluScalar[i] = Activations.gelu(x[i]);
    }
    assertSameBits(erfScalar, erfVector, "erf vector vs scalar");
    assertSameBits(geluScalar, geluVector, "gelu vector vs scalar");
  }

  static double geluReference(double x) {
    return 0.5 * x * (1 + erfReference(x / Math.sqrt(2)));
  }

  @Test
  void geluMatchesReference() {
    SplittableRandom random = new SplittableRandom(7);
    for (int len : new int[] {1, 7, 33, 389}) {
      float[] x = uniform(random, len, -8, 8);
      float[] y = x.clone();
      Activations.geluInPlace(Workers.serial(), y, len);
      for (int i = 0; i < len; i++) {
        double ref = geluReference(x[i]);
        // a few ulps; in the left tail rounding x / sqrt 2 to float costs ~x^2 ulps relative,
        // because d log(Phi(x)) / dx ~ -x there
        // because d log(Phi(x)) / dx ~ -x there; below -4 sqrt 2 the documented result is -0
        double floor = x[i] < -4 * Math.sqrt(2) ? 5e-8 : 1e-30;
        double tol = (4e-7 + 1.2e-7 * x[i] * x[i]) * Math.abs(ref) + floor;
        assertEquals(ref, y[i], tol, "gelu(" + x[i] + ")");
      }
    }
    assertEquals(0f, Activations.gelu(0f));
    assertEquals(100f, Activations.gelu(100f));
    assertEquals(0f, Activations.gelu(-100f), 0f);
    assertTrue(Float.isNaN(Activations.gelu(Float.NaN)));
  }

  @Test
  void geluInPlaceSameBitsForAnyThreadCountAndLeavesTheRestAlone() {
    SplittableRandom random = new SplittableRandom(8);
    int len = 3 * (1 << 14) + 77;
    float[] x = uniform(random, len + 5, -6, 6);
    float[] serial = x.clone();
    Activations.geluInPlace(Workers.of(1), serial, len);
    for (int i = 0; i < len; i += 997) {
      assertEquals(Activations.gelu(x[i]), serial[i], "element " + i);
    }
    for (int i = len; i < len + 5; i++) {
      assertEquals(x[i], serial[i], "element " + i + " beyond len");
    }
    for (int threads : new int[] {2, 8}) {
      float[] y = x.clone();
      try (Workers w = Workers.of(threads)) {
        Activations.geluInPlace(w, y, len);
      }
      assertSameBits(serial, y, threads + " threads vs 1");
    }
  }

  @Test
  void geluRejectsBadLength() {
    MatMulTest.assertMessage(
        assertThrows(
            IllegalArgumentException.class,
            () -> Activations.geluInPlace(Workers.serial(), new float[3], 4)),
        "x",
        "4");
    MatMulTest.assertMessage(
        assertThrows(
            IllegalArgumentException.class,
            () -> Activations.geluInPlace(Workers.serial(), new float[3], -1)),
        "len",
        "-1");
  }
}
