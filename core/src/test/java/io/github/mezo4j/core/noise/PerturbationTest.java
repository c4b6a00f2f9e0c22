package io.github.mezo4j.core.noise;

import static io.github.mezo4j.core.noise.GaussianNoiseTest.assertArraysBitEqual;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.BFloat16;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The fused perturbation pass against the element-wise reference definition. */
class PerturbationTest {
  private static final int CHUNK = Perturbation.CHUNK;

  /** Reference: theta[i] = fma(scale, z(seed, stream, i), theta[i]) with scalar noise. */
  private static float[] reference(float[] theta, long seed, long stream, float scale) {
    float[] z = new float[theta.length];
    GaussianNoise.fillScalar(seed, stream, 0, z, 0, z.length);
    float[] out = theta.clone();
    for (int i = 0; i < out.length; i++) {
      out[i] = Math.fma(scale, z[i], theta[i]);
    }
    return out;
  }

  private static short[] referenceBf16(short[] bits, long seed, long stream, float scale) {
    float[] z = new float[bits.length];
    GaussianNoise.fillScalar(seed, stream, 0, z, 0, z.length);
    short[] out = bits.clone();
    for (int i = 0; i < out.length; i++) {
      out[i] = BFloat16.fromFloat(Math.fma(scale, z[i], BFloat16.toFloat(bits[i])));
    }
    return out;
  }

  private static float[] weights(int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] w = new float[n];
    for (int i = 0; i < n; i++) {
      w[i] = (float) (0.02 * random.nextGaussian());
    }
    return w;
  }

  @Test
  void f32ParameterMatchesReference() {
    int n = 3 * CHUNK + 1237;
    Parameter p = Parameter.f32("layer.0.weight", new int[] {n}, weights(n, 1));
    float[] expected = reference(p.toFloatArray(), 42, p.id(), 1e-3f);
    Perturbation.addScaledNoise(p, 42, 1e-3f, Workers.serial());
    assertArraysBitEqual(expected, p.f32Data(), "f32 parameter");
  }

  @Test
  void resultDoesNotDependOnThreadCount() {
    float[][] results = new float[3][];
    short[][] bf16Results = new short[3][];
    int[] threads = {1, 2, 8};
    for (int t = 0; t < threads.length; t++) {
      ParameterSet set = parameterSet();
      try (Workers workers = Workers.of(threads[t])) {
        Perturbation.addScaledNoise(set, 7, -2.5e-3f, workers);
      }
      results[t] = set.get("big").toFloatArray();
      bf16Results[t] = set.get("bf16").bf16Data();
    }
    for (int t = 1; t < threads.length; t++) {
      assertArraysBitEqual(results[0], results[t], threads[t] + " threads");
      assertArrayEquals(bf16Results[0], bf16Results[t], threads[t] + " threads, bf16");
    }
  }

  @Test
  void parameterSetGivesEveryParameterItsOwnStream() {
    ParameterSet set = parameterSet();
    ParameterSet before = set.copy();
    try (Workers workers = Workers.of(2)) {
      Perturbation.addScaledNoise(set, 11, 0.5f, workers);
    }
    for (Parameter p : set) {
      Parameter old = before.get(p.name());
      if (p.dtype() == DType.F32) {
        float[] expected = reference(old.toFloatArray(), 11, p.id(), 0.5f);
        assertArraysBitEqual(expected, p.f32Data(), p.name());
      } else {
        short[] expected = referenceBf16(old.bf16Data(), 11, p.id(), 0.5f);
        assertArrayEquals(expected, p.bf16Data(), p.name());
      }
    }
  }

  private static ParameterSet parameterSet() {
    int big = 2 * CHUNK + 999;
    int bf = CHUNK + 77;
    return ParameterSet.of(
        Parameter.f32("big", new int[] {big}, weights(big, 2)),
        Parameter.f32("one", new int[] {1}, new float[] {0.25f}),
        Parameter.f32("three", new int[] {3}, weights(3, 3)),
        Parameter.zeros("empty", DType.F32, 0),
        Parameter.f32("chunk", new int[] {CHUNK}, weights(CHUNK, 4)),
        Parameter.of("bf16", DType.BF16, new int[] {bf}, weights(bf, 5)));
  }

  @Test
  void bf16WidensAddsAndRoundsToNearestEven() {
    float[] special = {
      0f,
      -0f,
      Float.NaN,
      Float.POSITIVE_INFINITY,
      Float.NEGATIVE_INFINITY,
      3.3895314e38f,
      -3.3895314e38f,
      1e-40f,
      -1e-40f,
      1f,
      -1f,
      1e-3f,
      65504f
    };
    int n = 4099;
    float[] values = weights(n, 6);
    System.arraycopy(special, 0, values, 0, special.length);
    System.arraycopy(special, 0, values, n - special.length, special.length);
    for (float scale : new float[] {1e-3f, -0.3f, 3e36f}) {
      Parameter p = Parameter.of("w", DType.BF16, new int[] {n}, values);
      short[] expected = referenceBf16(p.bf16Data(), 5, p.id(), scale);
      Perturbation.addScaledNoise(p, 5, scale, Workers.serial());
      assertArrayEquals(expected, p.bf16Data(), "scale " + scale);
    }
  }

  @Test
  void rangeVariantMatchesReferenceAtAnyOffset() {
    SplittableRandom random = new SplittableRandom(8);
    for (int trial = 0; trial < 200; trial++) {
      int n = 50 + random.nextInt(700);
      int from = random.nextInt(n);
      int len = random.nextInt(n - from + 1);
      long stream = random.nextLong();
      float scale = (float) random.nextGaussian();
      float[] data = weights(n, trial);
      float[] expected = data.clone();
      float[] full = reference(data, trial, stream, scale);
      System.arraycopy(full, from, expected, from, len);
      Perturbation.addScaledNoise(data, from, len, trial, stream, scale);
      assertArraysBitEqual(expected, data, "from=" + from + " len=" + len);
    }
  }

  @Test
  void perturbedCopyWritesWhatTheInPlacePassStores() {
    SplittableRandom random = new SplittableRandom(9);
    for (int trial = 0; trial < 200; trial++) {
      int n = 1 + random.nextInt(600);
      long start = random.nextLong(1L << 50);
      int srcOff = random.nextInt(9);
      int dstOff = random.nextInt(9);
      float[] src = weights(srcOff + n, trial);
      float[] dst = new float[dstOff + n + 4];
      Perturbation.perturbedCopy(src, srcOff, dst, dstOff, n, 3, 4, start, 0.01f);
      float[] z = new float[n];
      GaussianNoise.fillScalar(3, 4, start, z, 0, n);
      for (int i = 0; i < n; i++) {
        float expected = Math.fma(0.01f, z[i], src[srcOff + i]);
        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(dst[dstOff + i]));
      }
      assertEquals(0f, dst[dstOff + n]);
    }
  }

  @Test
  void restoringF32DriftsAtMostOneUlpOfThePerturbedValue() {
    int n = 1 << 20;
    float[] theta = weights(n, 10);
    for (int i = 0; i < n; i += 1000) {
      theta[i] = i % 3000 == 0 ? 0f : theta[i] * 1000; // zeros and large weights too
    }
    long id = 77;
    float eps = 1e-3f;
    float[] plus = theta.clone();
    Perturbation.addScaledNoise(plus, 0, n, 1, id, eps);
    float[] restored = plus.clone();
    Perturbation.addScaledNoise(restored, 0, n, 1, id, -eps);
    // The MeZO cycle: +eps, -2 eps, +eps.
    float[] minus = plus.clone();
    Perturbation.addScaledNoise(minus, 0, n, 1, id, -2 * eps);
    float[] cycled = minus.clone();
    Perturbation.addScaledNoise(cycled, 0, n, 1, id, eps);

    int exact = 0;
    int cycleExact = 0;
    double maxUlpPlus = 0;
    double maxCycleUlp = 0;
    double maxAbs = 0;
    double maxUlpLargeTheta = 0;
    for (int i = 0; i < n; i++) {
      double drift = Math.abs((double) restored[i] - theta[i]);
      // Proven: restore = fl(theta + e) with |e| <= ulp(plus)/2, so |drift| <= 2|e| <= ulp(plus).
      assertTrue(drift <= Math.ulp(plus[i]), "drift " + drift + " at " + i);
      double cycleDrift = Math.abs((double) cycled[i] - theta[i]);
      double cycleUlp = Math.max(Math.ulp(plus[i]), Math.ulp(minus[i]));
      assertTrue(cycleDrift <= 2 * cycleUlp, "cycle drift " + cycleDrift + " at " + i);
      exact += drift == 0 ? 1 : 0;
      cycleExact += cycleDrift == 0 ? 1 : 0;
      maxUlpPlus = Math.max(maxUlpPlus, drift / Math.ulp(plus[i]));
      maxCycleUlp = Math.max(maxCycleUlp, cycleDrift / cycleUlp);
      maxAbs = Math.max(maxAbs, drift);
      if (Math.abs(theta[i]) >= 10 * Math.abs(plus[i] - theta[i])) {
        maxUlpLargeTheta = Math.max(maxUlpLargeTheta, drift / Math.ulp(theta[i]));
      }
    }
    System.out.printf(
        "restore f32 +eps,-eps (eps=%g, theta~N(0,0.02^2)): %.2f%% exact, max drift %.2f"
            + " ulp(theta+eps z) = %.3g absolute; where |theta| >= 10|eps z|: max %.2f ulp(theta)%n",
        eps, 100.0 * exact / n, maxUlpPlus, maxAbs, maxUlpLargeTheta);
    System.out.printf(
        "restore f32 MeZO cycle +eps,-2eps,+eps: %.2f%% exact, max drift %.2f ulp(max(|theta+eps"
            + " z|, |theta-eps z|))%n",
        100.0 * cycleExact / n, maxCycleUlp);
    assertTrue(maxUlpPlus <= 1);
  }

  @Test
  void restoringBf16DriftsAtMostOneBf16UlpOfThePerturbedValue() {
    int n = 1 << 16;
    Parameter p = Parameter.of("w", DType.BF16, new int[] {n}, weights(n, 11));
    short[] theta = p.bf16Data().clone();
    Perturbation.addScaledNoise(p, 3, 1e-3f, Workers.serial());
    short[] plus = p.bf16Data().clone();
    Perturbation.addScaledNoise(p, 3, -1e-3f, Workers.serial());
    int exact = 0;
    for (int i = 0; i < n; i++) {
      float t = BFloat16.toFloat(theta[i]);
      float drift = Math.abs(p.get(i) - t);
      float bf16Ulp = Math.ulp(BFloat16.toFloat(plus[i])) * 65536f;
      assertTrue(drift <= bf16Ulp, "bf16 drift " + drift + " at " + i);
      exact += drift == 0 ? 1 : 0;
    }
    System.out.printf("restore bf16 (eps=1e-3): %.2f%% exact%n", 100.0 * exact / n);
  }

  @Test
  void pairedCopyWritesWhatTwoSingleCopiesWrite() {
    SplittableRandom random = new SplittableRandom(21);
    for (int trial = 0; trial < 300; trial++) {
      int len = random.nextInt(1500);
      long start = trial % 3 == 0 ? random.nextInt(64) : random.nextLong(1L << 50);
      float scale = (float) (random.nextGaussian() * 1e-2);
      float[] src = new float[len + 9];
      for (int i = 0; i < src.length; i++) {
        src[i] = (float) random.nextGaussian();
      }
      int srcOff = random.nextInt(10);
      float[] plusRef = new float[len];
      float[] minusRef = new float[len];
      Perturbation.perturbedCopy(src, srcOff, plusRef, 0, len, 3, 4, start, scale);
      Perturbation.perturbedCopy(src, srcOff, minusRef, 0, len, 3, 4, start, -scale);
      // separate outputs, and the two halves of one array
      float[] plus = new float[len + 5];
      float[] minus = new float[len + 7];
      Perturbation.perturbedCopyPair(src, srcOff, plus, 5, minus, 7, len, 3, 4, start, scale);
      float[] both = new float[2 * len];
      Perturbation.perturbedCopyPair(src, srcOff, both, 0, both, len, len, 3, 4, start, scale);
      // src read in place as plus (the bf16 path of a paired read widens into plus first)
      float[] inPlace = src.clone();
      float[] inPlaceMinus = new float[len];
      Perturbation.perturbedCopyPair(
          inPlace, srcOff, inPlace, srcOff, inPlaceMinus, 0, len, 3, 4, start, scale);
      for (int i = 0; i < len; i++) {
        String at = "trial " + trial + " i " + i;
        assertBits(plusRef[i], plus[5 + i], at);
        assertBits(minusRef[i], minus[7 + i], at);
        assertBits(plusRef[i], both[i], at);
        assertBits(minusRef[i], both[len + i], at);
        assertBits(plusRef[i], inPlace[srcOff + i], at);
        assertBits(minusRef[i], inPlaceMinus[i], at);
      }
    }
    float[] a = new float[40];
    assertThrows(
        IllegalArgumentException.class,
        () -> Perturbation.perturbedCopyPair(a, 0, a, 0, a, 10, 20, 1, 2, 0, 1f));
    assertThrows(
        IllegalArgumentException.class,
        () -> Perturbation.perturbedCopyPair(a, 1, a, 0, new float[20], 0, 20, 1, 2, 0, 1f));
  }

  @Test
  void noiseProductMatchesProductsOfTheScalarNoise() {
    SplittableRandom random = new SplittableRandom(22);
    for (int trial = 0; trial < 300; trial++) {
      int len = random.nextInt(3000);
      int from = random.nextInt(70);
      float[] factors = new float[1 + random.nextInt(3)];
      for (int k = 0; k < factors.length; k++) {
        factors[k] = (float) random.nextGaussian();
      }
      float[] theta = new float[from + len + 3];
      for (int i = 0; i < theta.length; i++) {
        theta[i] = (float) random.nextGaussian();
      }
      float[] z = new float[from + len];
      GaussianNoise.fillScalar(8, 9, 0, z, 0, z.length);
      float[] updated = theta.clone();
      Perturbation.addNoiseProduct(updated, from, len, 8, 9, factors);
      float[] product = new float[len + 2];
      GaussianNoise.fillProduct(8, 9, from, factors, product, 2, len);
      for (int i = 0; i < theta.length; i++) {
        boolean inside = i >= from && i < from + len;
        float v = inside ? z[i] * factors[0] : 0f;
        for (int k = 1; inside && k < factors.length; k++) {
          v *= factors[k];
        }
        assertBits(inside ? theta[i] + v : theta[i], updated[i], "trial " + trial + " i " + i);
        if (inside) {
          assertBits(v, product[2 + i - from], "product, trial " + trial + " i " + i);
        }
      }
    }
    float[] a = new float[8];
    assertThrows(
        IllegalArgumentException.class,
        () -> Perturbation.addNoiseProduct(a, 0, 8, 1, 2, new float[0]));
    assertThrows(
        IllegalArgumentException.class,
        () -> GaussianNoise.fillProduct(1, 2, 0, new float[4], a, 0, 8));
  }

  private static void assertBits(float expected, float actual, String what) {
    if (Float.floatToRawIntBits(expected) != Float.floatToRawIntBits(actual)) {
      throw new AssertionError(what + ": expected " + expected + " but got " + actual);
    }
  }

  @Test
  void rejectsBadArguments() {
    float[] data = new float[16];
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Perturbation.addScaledNoise(data, 0, 16, 1, 2, Float.NaN));
    assertTrue(e.getMessage().contains("NaN"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            Perturbation.addScaledNoise(
                Parameter.zeros("x", DType.F32, 4), 1, Float.POSITIVE_INFINITY, Workers.serial()));
    assertThrows(
        IndexOutOfBoundsException.class, () -> Perturbation.addScaledNoise(data, 10, 7, 1, 2, 1f));
    assertThrows(
        IndexOutOfBoundsException.class,
        () -> Perturbation.addScaledNoise(new short[4], 2, 3, 1, 2, 1f));
    assertThrows(
        IllegalArgumentException.class,
        () -> Perturbation.perturbedCopy(data, 0, data, 1, 8, 1, 2, 0, 1f));
    assertThrows(
        IllegalArgumentException.class,
        () -> Perturbation.perturbedCopy(data, 0, new float[4], 0, 4, 1, 2, -4, 1f));
  }
}
