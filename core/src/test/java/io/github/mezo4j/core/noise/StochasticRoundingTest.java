package io.github.mezo4j.core.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.param.BFloat16;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Stochastic rounding to bf16: the two neighbours, the right probability, the bit stream. */
class StochasticRoundingTest {

  /** The two bf16 neighbours of x (equal if x is a bf16), from double arithmetic. */
  static float[] neighbours(float x) {
    float lower = Float.intBitsToFloat(Float.floatToRawIntBits(x) & 0xFFFF0000);
    if (lower == x) {
      return new float[] {x, x};
    }
    // The next bf16 away from zero: one more in the 16-bit pattern.
    float upper = Float.intBitsToFloat(Float.floatToRawIntBits(lower) + 0x10000);
    return new float[] {lower, upper};
  }

  @Test
  void roundsToANeighbourUpwardExactlyWhenTheRandomBitsCoverTheFraction() {
    SplittableRandom r = new SplittableRandom(1);
    for (int t = 0; t < 200_000; t++) {
      float x = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(-8, 8)));
      int bits = r.nextInt(1 << 16);
      float[] nb = neighbours(x);
      float got = BFloat16.toFloat(StochasticRounding.round(x, bits));
      // fraction of the way from the lower (smaller magnitude) neighbour, in [0, 1)
      double frac = nb[0] == nb[1] ? 0 : ((double) x - nb[0]) / ((double) nb[1] - nb[0]);
      boolean up = bits >= 65536 * (1 - frac);
      assertEquals(up ? nb[1] : nb[0], got, 0f, "x=" + x + " bits=" + bits);
    }
    assertEquals(1f, BFloat16.toFloat(StochasticRounding.round(1f, 0xFFFF)), "exact stays");
    assertEquals(
        Float.POSITIVE_INFINITY,
        BFloat16.toFloat(StochasticRounding.round(Float.POSITIVE_INFINITY, 0xFFFF)));
    assertTrue(Float.isNaN(BFloat16.toFloat(StochasticRounding.round(Float.NaN, 0))));
  }

  @Test
  void theMeanOfManyRoundingsIsTheExactValue() {
    // 1 + 1e-4: far below bf16's resolution near 1 (2^-7); round-to-nearest gives exactly 1.
    float x = 1.0001f;
    int n = 1 << 20;
    float[] src = new float[n];
    java.util.Arrays.fill(src, x);
    short[] dst = new short[n];
    StochasticRounding.round(src, 0, dst, 0, n, 42, 7, 0, 0, new int[4]);
    double sum = 0;
    for (short b : dst) {
      sum += BFloat16.toFloat(b);
    }
    double mean = sum / n;
    double ulp = Math.pow(2, -7);
    double p = (x - 1.0) / ulp;
    double sigma = ulp * Math.sqrt(p * (1 - p) / n);
    assertEquals(1f, BFloat16.toFloat(BFloat16.fromFloat(x)), "nearest loses the update");
    assertEquals(x, mean, 5 * sigma, "unbiased within 5 sigma (sigma " + sigma + ")");
    assertTrue(Math.abs(mean - 1.0) > 20 * sigma, "the update survives: mean " + mean);
  }

  @Test
  void bitsArePerElementWhateverTheChunkingAndDifferPerPassKeyAndStream() {
    int n = 1000;
    SplittableRandom r = new SplittableRandom(3);
    float[] src = new float[n];
    for (int i = 0; i < n; i++) {
      src[i] = (float) r.nextGaussian();
    }
    short[] whole = new short[n];
    StochasticRounding.round(src, 0, whole, 0, n, 99, 123, 5, 2, new int[4]);
    short[] pieces = new short[n];
    int[] cuts = {0, 3, 8, 9, 17, 400, 401, 999, 1000};
    for (int c = 0; c + 1 < cuts.length; c++) {
      int from = cuts[c];
      int len = cuts[c + 1] - from;
      StochasticRounding.round(src, from, pieces, from, len, 99, 123, 5 + from, 2, new int[4]);
    }
    assertArrayEquals(whole, pieces, "chunking does not matter");
    for (int i = 0; i < n; i++) {
      int bits = StochasticRounding.randomBits(99, 123, 5 + i, 2);
      assertEquals(StochasticRounding.round(src[i], bits), whole[i], "element " + i);
    }
    int samePass = 0;
    int sameKey = 0;
    int sameStream = 0;
    for (int i = 0; i < n; i++) {
      int b = StochasticRounding.randomBits(99, 123, i, 2);
      samePass += b == StochasticRounding.randomBits(99, 123, i, 3) ? 1 : 0;
      sameKey += b == StochasticRounding.randomBits(98, 123, i, 2) ? 1 : 0;
      sameStream += b == StochasticRounding.randomBits(99, 124, i, 2) ? 1 : 0;
    }
    // independent 16-bit draws coincide with probability 2^-16
    assertTrue(samePass + sameKey + sameStream < 5, samePass + " " + sameKey + " " + sameStream);
  }

  @Test
  void badArgumentsAreNamed() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                StochasticRounding.round(
                    new float[4], 0, new short[4], 0, 4, 1, 1, (1L << 31) - 2, 0, new int[4]));
    assertTrue(e.getMessage().contains("2^31"), e.getMessage());
    var p =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                StochasticRounding.round(
                    new float[4], 0, new short[4], 0, 4, 1, 1, 0, 1 << 16, new int[4]));
    assertTrue(p.getMessage().contains("pass"), p.getMessage());
    assertEquals(Bf16Rounding.STOCHASTIC, Bf16Rounding.parse("stochastic"));
    assertThrows(IllegalArgumentException.class, () -> Bf16Rounding.parse("up"));
  }
}
