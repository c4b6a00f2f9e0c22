package io.github.mezo4j.core.noise;

import static io.github.mezo4j.core.noise.GaussianNoiseTest.assertArraysBitEqual;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.noise.Directions.Distribution;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.BFloat16;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Rademacher directions and magnitude masks against their element-wise definitions: every vector
 * path gives the bits of the scalar reference, whatever the offsets, lengths and thread counts.
 */
class DirectionsTest {
  private static final int N = 3 * Perturbation.CHUNK + 1237;

  /** The definition, straight from Philox: -1 if the lane's word has its top bit set. */
  private static float referenceSign(long seed, long stream, long index) {
    int[] words = new int[4];
    long block = index >>> 2;
    Philox4x32.block(
        (int) block,
        (int) (block >>> 32),
        (int) stream,
        (int) (stream >>> 32),
        (int) seed,
        (int) (seed >>> 32),
        words);
    return words[(int) (index & 3)] < 0 ? -1f : 1f;
  }

  private static float[] weights(int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] w = new float[n];
    for (int i = 0; i < n; i++) {
      w[i] = (float) (0.02 * random.nextGaussian());
    }
    return w;
  }

  /** Reference perturbation: inside the mask fma(scale, d_i, theta_i), outside theta_i. */
  private static float[] reference(
      float[] theta, Distribution dist, float threshold, long seed, long stream, float scale) {
    float[] out = theta.clone();
    for (int i = 0; i < out.length; i++) {
      float d =
          dist == Distribution.RADEMACHER
              ? referenceSign(seed, stream, i)
              : GaussianNoise.normal(seed, stream, i);
      if (threshold == Directions.NO_MASK || Math.abs(theta[i]) <= threshold) {
        out[i] = Math.fma(scale, d, theta[i]);
      }
    }
    return out;
  }

  @Test
  void rademacherValuesAreExactlyPlusOrMinusOneWithMeanZero() {
    int n = 1 << 20;
    float[] r = new float[n];
    RademacherNoise.fill(7, 99, 0, r, 0, n);
    long sum = 0;
    for (int i = 0; i < n; i++) {
      assertTrue(r[i] == 1f || r[i] == -1f, "element " + i + " is " + r[i]);
      sum += (long) r[i];
    }
    // the mean of n fair signs has standard deviation 1/sqrt(n): allow 5 of them
    assertTrue(Math.abs(sum) < 5 * Math.sqrt(n), "mean " + (double) sum / n);
    // neighbours are independent: the lag-1 product averages 0 too
    long lag = 0;
    for (int i = 1; i < n; i++) {
      lag += (long) (r[i] * r[i - 1]);
    }
    assertTrue(Math.abs(lag) < 5 * Math.sqrt(n), "lag-1 correlation " + (double) lag / n);
    // another stream (parameter) and another seed give other signs: about half agree
    float[] other = new float[n];
    RademacherNoise.fill(7, 100, 0, other, 0, n);
    assertAgreementAboutHalf(r, other);
    RademacherNoise.fill(8, 99, 0, other, 0, n);
    assertAgreementAboutHalf(r, other);
  }

  private static void assertAgreementAboutHalf(float[] a, float[] b) {
    long agree = 0;
    for (int i = 0; i < a.length; i++) {
      agree += a[i] == b[i] ? 1 : 0;
    }
    assertTrue(Math.abs(agree - a.length / 2.0) < 2.5 * Math.sqrt(a.length), "agreement " + agree);
  }

  @Test
  void rademacherFillMatchesTheDefinitionAtEveryOffsetAndLength() {
    for (long start : new long[] {0, 1, 2, 3, 5, 4096 + 3, (1L << 33) + 1}) {
      for (int len : new int[] {0, 1, 3, 4, 17, 255, 256, 1000, 4099}) {
        float[] got = new float[len + 2];
        RademacherNoise.fill(-5, 1L << 40, start, got, 1, len);
        for (int i = 0; i < len; i++) {
          float expected = referenceSign(-5, 1L << 40, start + i);
          assertEquals(expected, got[1 + i], "start " + start + " + " + i);
          assertEquals(expected, RademacherNoise.sign(-5, 1L << 40, start + i));
        }
        assertEquals(0f, got[0], "nothing written before off");
        assertEquals(0f, got[len + 1], "nothing written past len");
      }
    }
  }

  @Test
  void perturbedCopyWithEveryDirectionMatchesTheReferenceInAnyPieces() {
    float[] theta = weights(N, 1);
    float t = MagnitudeMask.kthSmallestMagnitude(Parameter.f32("w", new int[] {N}, theta), N / 4);
    for (Distribution dist : Distribution.values()) {
      for (float threshold : new float[] {Directions.NO_MASK, t}) {
        float[] expected = reference(theta, dist, threshold, 42, 7, 1e-3f);
        // cut into uneven pieces: each piece's noise indices are its storage indices
        float[] got = new float[N];
        int[] cuts = {0, 1, 6, 1000, 1003, 20_000, N};
        for (int c = 0; c + 1 < cuts.length; c++) {
          int from = cuts[c];
          int len = cuts[c + 1] - from;
          Perturbation.perturbedCopy(
              theta, from, got, from, len, 42, 7, from, 1e-3f, dist, threshold);
        }
        assertArraysBitEqual(expected, got, dist + " threshold " + threshold);
        // the pair: plus is the same, minus is the copy at -scale
        float[] plus = new float[N];
        float[] minus = new float[N];
        Perturbation.perturbedCopyPair(
            theta, 0, plus, 0, minus, 0, N, 42, 7, 0, 1e-3f, dist, threshold);
        assertArraysBitEqual(expected, plus, "pair plus " + dist);
        assertArraysBitEqual(
            reference(theta, dist, threshold, 42, 7, -1e-3f), minus, "pair minus " + dist);
      }
    }
  }

  @Test
  void inPlacePassesAreThreadCountIndependentAndEqualTheVirtualReads() {
    for (DType dtype : DType.values()) {
      ParameterSet serial = model(dtype);
      Directions masked =
          Directions.of(Distribution.RADEMACHER)
              .withMask(MagnitudeMask.thresholds(serial.select(p -> p.name().equals("a")), 0.6));
      Perturbation.addScaledNoise(serial, 11, 1e-3f, masked, Workers.serial());
      ParameterSet parallel = model(dtype);
      try (Workers w = Workers.of(3)) {
        Perturbation.addScaledNoise(parallel, 11, 1e-3f, masked, w);
      }
      assertTrue(serial.contentEquals(parallel), dtype + ": 1 thread == 3 threads");
      ParameterSet base = model(dtype);
      for (Parameter p : base) {
        float threshold = masked.threshold(p);
        float[] expected =
            reference(p.toFloatArray(), Distribution.RADEMACHER, threshold, 11, p.id(), 1e-3f);
        float[] got = serial.get(p.name()).toFloatArray();
        if (dtype == DType.BF16) {
          for (int i = 0; i < expected.length; i++) {
            expected[i] = BFloat16.toFloat(BFloat16.fromFloat(expected[i]));
          }
        }
        assertArraysBitEqual(expected, got, dtype + " " + p.name());
      }
    }
  }

  private static ParameterSet model(DType dtype) {
    return ParameterSet.of(
        Parameter.of("a", dtype, new int[] {N}, weights(N, 3)),
        Parameter.of("b", dtype, new int[] {777}, weights(777, 4)));
  }

  @Test
  void theFusedUpdateHonoursDirectionsAndMask() {
    float[] theta = weights(N, 5);
    float t = 0.01f;
    float[] factors = {0.5f, -2e-3f};
    for (Distribution dist : Distribution.values()) {
      for (float threshold : new float[] {Directions.NO_MASK, t}) {
        float[] got = theta.clone();
        Perturbation.addNoiseProduct(got, 0, 100, 9, 3, factors, dist, threshold);
        Perturbation.addNoiseProduct(got, 100, N - 100, 9, 3, factors, dist, threshold);
        float[] expected = theta.clone();
        for (int i = 0; i < N; i++) {
          float d =
              dist == Distribution.RADEMACHER
                  ? referenceSign(9, 3, i)
                  : GaussianNoise.normal(9, 3, i);
          if (threshold == Directions.NO_MASK || Math.abs(theta[i]) <= threshold) {
            expected[i] = theta[i] + d * factors[0] * factors[1];
          }
        }
        assertArraysBitEqual(expected, got, "update " + dist + " " + threshold);
      }
    }
  }

  @Test
  void magnitudeThresholdsMatchANaiveQuantile() {
    SplittableRandom r = new SplittableRandom(2);
    float[] values = new float[10_007];
    for (int i = 0; i < values.length; i++) {
      // many ties: values on a coarse grid, both signs
      values[i] = (float) (r.nextInt(-300, 301) / 1000.0);
    }
    Parameter p = Parameter.f32("w", new int[] {values.length}, values);
    for (double sparsity : new double[] {0, 0.1, 0.5, 0.75, 0.999}) {
      float t = MagnitudeMask.thresholds(ParameterSet.of(p), sparsity).get("w");
      float[] abs = new float[values.length];
      for (int i = 0; i < abs.length; i++) {
        abs[i] = Math.abs(values[i]);
      }
      Arrays.sort(abs);
      int kept = values.length - (int) Math.floor(sparsity * values.length);
      assertEquals(abs[kept - 1], t, "sparsity " + sparsity);
      long inside = 0;
      for (float a : abs) {
        inside += a <= t ? 1 : 0;
      }
      assertEquals(inside, MagnitudeMask.count(p, t));
      assertTrue(inside >= kept, "at least the kept fraction trains");
      Directions d = Directions.gaussian().withMask(Map.of("w", t));
      assertEquals(inside, MagnitudeMask.trainableCount(ParameterSet.of(p), d));
    }
    assertThrows(
        IllegalArgumentException.class, () -> MagnitudeMask.thresholds(ParameterSet.of(p), 1.0));
  }

  @Test
  void distributionNamesRoundTripAndBadOnesAreNamed() {
    for (Distribution d : Distribution.values()) {
      assertEquals(d, Distribution.parse(d.spec()));
    }
    var e = assertThrows(IllegalArgumentException.class, () -> Distribution.parse("uniform"));
    assertTrue(e.getMessage().contains("'uniform'"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> Directions.gaussian().withMask(Map.of("w", Float.NaN)));
  }
}
