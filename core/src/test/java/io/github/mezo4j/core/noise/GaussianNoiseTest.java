package io.github.mezo4j.core.noise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The noise definition (layout), and the vector path against the scalar reference, bit for bit. */
class GaussianNoiseTest {

  private static final long[] EDGE_LONGS = {
    0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, 0xFFFFFFFFL, 0x1_0000_0000L, 0x9E3779B97F4A7C15L
  };

  @Test
  void layoutIsPhiloxBlocksThroughBoxMuller() {
    // Rebuild z from the documented definition: key = (seed lo, seed hi),
    // counter = (block lo, block hi, stream lo, stream hi), words (0,1) -> z0,z1, (2,3) -> z2,z3.
    SplittableRandom random = new SplittableRandom(1);
    for (int trial = 0; trial < 200; trial++) {
      long seed = trial < EDGE_LONGS.length ? EDGE_LONGS[trial] : random.nextLong();
      long stream = random.nextLong();
      long block = trial % 3 == 0 ? random.nextLong() >>> 3 : random.nextLong(1L << 40);
      int[] w =
          Philox4x32.block(
              (int) block,
              (int) (block >>> 32),
              (int) stream,
              (int) (stream >>> 32),
              (int) seed,
              (int) (seed >>> 32));
      float[] expected = new float[4];
      BoxMuller.pair(w[0], w[1], expected, 0);
      BoxMuller.pair(w[2], w[3], expected, 2);
      for (int lane = 0; lane < 4; lane++) {
        assertBitsEqual(
            expected[lane], GaussianNoise.normal(seed, stream, 4 * block + lane), "lane " + lane);
      }
    }
  }

  @Test
  void vectorFillMatchesScalarBitForBit() {
    SplittableRandom random = new SplittableRandom(2);
    int normals = NoiseVectors.NORMALS;
    for (int trial = 0; trial < 300; trial++) {
      long seed = trial < EDGE_LONGS.length ? EDGE_LONGS[trial] : random.nextLong();
      long stream = random.nextLong();
      // Starts of every residue mod 4 and mod the vector step; some cross 2^32 blocks (carry).
      long start =
          switch (trial % 3) {
            case 0 -> random.nextInt(64);
            case 1 -> (0xFFFFFFFFL << 2) - random.nextInt(8 * normals);
            default -> random.nextLong(1L << 61);
          };
      int len = random.nextInt(5 * normals + 7);
      int off = random.nextInt(5);
      float[] vector = new float[off + len + 3];
      float[] scalar = new float[off + len + 3];
      Arrays.fill(vector, Float.NaN);
      Arrays.fill(scalar, Float.NaN);
      GaussianNoise.fill(seed, stream, start, vector, off, len);
      GaussianNoise.fillScalar(seed, stream, start, scalar, off, len);
      assertArraysBitEqual(
          scalar, vector, "seed=" + seed + " stream=" + stream + " start=" + start);
    }
  }

  @Test
  void vectorFillMatchesScalarOnLongRuns() {
    // Enough lanes for every quadrant, sign and extreme radius to be exercised in vector code.
    int n = 1 << 18;
    float[] vector = new float[n];
    float[] scalar = new float[n];
    for (long seed : new long[] {7, -3}) {
      GaussianNoise.fill(seed, 42, 3, vector, 0, n);
      GaussianNoise.fillScalar(seed, 42, 3, scalar, 0, n);
      assertArraysBitEqual(scalar, vector, "seed " + seed);
    }
  }

  @Test
  void vectorBoxMullerMatchesScalarForEveryWordValue() {
    // Drives all 2^24 values of the uniform word (with random angles) and all 2^24 values of the
    // angle word (with random uniforms) through the vector transform: covers every branch of the
    // quarter-turn reduction and every exponent of the log, which random Philox output would hit
    // only by chance.
    int ints = NoiseVectors.NORMALS / 2;
    int steps = 64;
    int[] words = new int[steps * 2 * ints];
    float[] vector = new float[steps * NoiseVectors.NORMALS];
    float[] scalar = new float[4];
    SplittableRandom random = new SplittableRandom(4);
    for (int sweep = 0; sweep < 2; sweep++) {
      for (int next = 0; next < (1 << 24); ) {
        for (int step = 0; step < steps; step++) {
          for (int lane = 0; lane < ints; lane++, next++) {
            int swept = (next << 8) | (next & 0xFF); // low 8 bits must not matter
            int other = random.nextInt();
            words[2 * step * ints + lane] = sweep == 0 ? swept : other;
            words[(2 * step + 1) * ints + lane] = sweep == 0 ? other : swept;
          }
        }
        NoiseVectors.boxMuller(words, steps, vector, 0);
        for (int step = 0; step < steps; step++) {
          for (int j = 0; j < ints / 2; j++) {
            int u = 2 * step * ints;
            int a = (2 * step + 1) * ints;
            BoxMuller.pair(words[u + 2 * j], words[a + 2 * j], scalar, 0);
            BoxMuller.pair(words[u + 2 * j + 1], words[a + 2 * j + 1], scalar, 2);
            for (int k = 0; k < 4; k++) {
              int at = step * NoiseVectors.NORMALS + 4 * j + k;
              if (Float.floatToRawIntBits(scalar[k]) != Float.floatToRawIntBits(vector[at])) {
                fail(
                    "words u="
                        + Integer.toHexString(words[u + 2 * j + k / 2])
                        + " a="
                        + Integer.toHexString(words[a + 2 * j + k / 2])
                        + ": scalar "
                        + scalar[k]
                        + ", vector "
                        + vector[at]);
              }
            }
          }
        }
      }
    }
  }

  @Test
  void everyNumberOfVectorStepsMatchesScalar() {
    // Philox runs several groups of blocks per loop iteration and fills spare tile slots when the
    // step count is not a multiple of the group count: every remainder, within and across the
    // 64-step batches, must still give the scalar bits (and never write past the request).
    int normals = NoiseVectors.NORMALS;
    for (int steps = 1; steps <= 140; steps++) {
      int len = steps * normals;
      float[] vector = new float[len + 1];
      vector[len] = 42f;
      float[] scalar = new float[len];
      long start = 4L * steps * 1_000_003L;
      GaussianNoise.fill(7, 8, start, vector, 0, len);
      GaussianNoise.fillScalar(7, 8, start, scalar, 0, len);
      for (int i = 0; i < len; i++) {
        assertBitsEqual(scalar[i], vector[i], steps + " steps, index " + i);
      }
      assertEquals(42f, vector[len], "wrote past the end at " + steps + " steps");
    }
  }

  @Test
  void anyWindowAgreesWithElementwiseDefinition() {
    long seed = 99;
    long stream = 0xABCDEF;
    float[] all = new float[1000];
    GaussianNoise.fill(seed, stream, 0, all, 0, all.length);
    SplittableRandom random = new SplittableRandom(3);
    for (int trial = 0; trial < 100; trial++) {
      int start = random.nextInt(900);
      int len = random.nextInt(all.length - start);
      float[] window = new float[len];
      GaussianNoise.fill(seed, stream, start, window, 0, len);
      for (int i = 0; i < len; i++) {
        assertBitsEqual(all[start + i], window[i], "index " + (start + i));
      }
    }
    for (int i = 0; i < all.length; i += 37) {
      assertBitsEqual(all[i], GaussianNoise.normal(seed, stream, i), "normal(" + i + ")");
    }
  }

  @Test
  void everyArgumentChangesTheNoise() {
    float base = GaussianNoise.normal(1, 2, 3);
    assertTrue(base != GaussianNoise.normal(2, 2, 3));
    assertTrue(base != GaussianNoise.normal(1, 3, 3));
    assertTrue(base != GaussianNoise.normal(1, 2, 4));
    // High halves of seed and stream are used too.
    assertTrue(base != GaussianNoise.normal(1 + (1L << 32), 2, 3));
    assertTrue(base != GaussianNoise.normal(1, 2 + (1L << 32), 3));
  }

  @Test
  void valuesAreFiniteAndWithinTheTruncationRadius() {
    float[] z = new float[1 << 16];
    GaussianNoise.fill(5, 6, 0, z, 0, z.length);
    double bound = Math.sqrt(48 * Math.log(2)) + 1e-5;
    for (float v : z) {
      assertTrue(Float.isFinite(v) && Math.abs(v) <= bound, "value " + v);
    }
  }

  @Test
  void rejectsBadArguments() {
    float[] dst = new float[8];
    var e =
        assertThrows(IllegalArgumentException.class, () -> GaussianNoise.fill(1, 2, -1, dst, 0, 4));
    assertTrue(e.getMessage().contains("start=-1"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> GaussianNoise.normal(1, 2, -5));
    assertThrows(IndexOutOfBoundsException.class, () -> GaussianNoise.fill(1, 2, 0, dst, 5, 4));
    assertThrows(IndexOutOfBoundsException.class, () -> GaussianNoise.fill(1, 2, 0, dst, 0, -1));
    assertThrows(
        IllegalArgumentException.class,
        () -> GaussianNoise.fill(1, 2, Long.MAX_VALUE - 2, dst, 0, 4));
    assertThrows(NullPointerException.class, () -> GaussianNoise.fill(1, 2, 0, null, 0, 0));
  }

  static void assertBitsEqual(float expected, float actual, String what) {
    assertEquals(
        Float.floatToRawIntBits(expected),
        Float.floatToRawIntBits(actual),
        () -> what + ": expected " + expected + " but got " + actual);
  }

  static void assertArraysBitEqual(float[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
        fail(what + ": first difference at " + i + ": " + expected[i] + " vs " + actual[i]);
      }
    }
  }
}
