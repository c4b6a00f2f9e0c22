package io.github.mezo4j.core.noise;

import java.util.Objects;

/**
 * Unbiased stochastic rounding of f32 values to bf16, driven by counter-based random bits so that
 * the result is a pure function of (value, key, stream, index, pass): deterministic, independent of
 * threads and chunking, and replayable from a step log.
 *
 * <h2>Rounding</h2>
 *
 * A bf16 is the top 16 bits of an f32. Adding 16 random bits {@code r} to the low half and
 * truncating, {@code (bits(x) + r) >>> 16}, rounds the magnitude up with probability {@code
 * low16(x) / 2^16}, which is exactly the distance from the lower neighbour in ulps: {@code
 * E[round(x)] = x} for every finite x whose magnitude rounds to a finite bf16 (the f32 bit pattern
 * is linear in the value within a binade and continues across binade boundaries). NaN becomes a
 * quiet NaN; infinities stay; values beyond the largest finite bf16 may round to infinity.
 *
 * <h2>Random bits</h2>
 *
 * Element {@code index} takes 16 bits of one Philox4x32-10 block: group {@code g = index / 8}, the
 * block's words in order give elements 8g..8g+7, the low half of a word before its high half. The
 * block is {@link Philox4x32} of
 *
 * <ul>
 *   <li>key {@code = (key low 32, key high 32)},
 *   <li>counter {@code = (g, TAG | pass, stream low 32, stream high 32)}, {@code TAG = 0x53520000}.
 * </ul>
 *
 * {@link GaussianNoise} uses counter word 1 for the high half of its block index, which is below
 * 2^29 for any array index; with {@code TAG} there the counters of this stream never equal a
 * Gaussian noise counter for any key, so the rounding bits are a separate draw from the noise z.
 */
public final class StochasticRounding {
  private StochasticRounding() {}

  /** Counter word 1 marker of the rounding stream (ASCII "SR" in the top half). */
  static final int TAG = 0x53520000;

  /** The largest pass number ({@code pass} goes in the low 16 bits of counter word 1). */
  public static final int MAX_PASS = 0xFFFF;

  private static final ThreadLocal<int[]> TILES =
      ThreadLocal.withInitial(() -> new int[NoiseVectors.wordTileLength()]);

  /**
   * Rounds {@code x} to a bf16 bit pattern, upward in magnitude when {@code random16} (uniform in
   * [0, 2^16)) is below the discarded low half.
   */
  public static short round(float x, int random16) {
    int bits = Float.floatToRawIntBits(x);
    if ((bits & 0x7FFFFFFF) > 0x7F800000) {
      return (short) ((bits >>> 16) | 0x0040);
    }
    return (short) ((bits + (random16 & 0xFFFF)) >>> 16);
  }

  /**
   * {@code dst[dstOff + i] = round(src[srcOff + i], bits(key, stream, start + i, pass))} for i in
   * {@code [0, len)}. Runs on the calling thread; allocates nothing.
   *
   * @param key usually derived from the step's seed and update count
   * @param stream the parameter's id
   * @param start the flat index of {@code src[srcOff]} in the parameter (the counter position)
   * @param pass distinguishes several roundings of the same elements in one step, 0..{@link
   *     #MAX_PASS}
   * @param words scratch of at least 4 ints
   */
  public static void round(
      float[] src,
      int srcOff,
      short[] dst,
      int dstOff,
      int len,
      long key,
      long stream,
      long start,
      int pass,
      int[] words) {
    Objects.checkFromIndexSize(srcOff, len, src.length);
    Objects.checkFromIndexSize(dstOff, len, dst.length);
    if (start < 0 || start + len > 1L << 31) {
      throw new IllegalArgumentException(
          "element indices [%d, %d) are outside a parameter's range [0, 2^31)"
              .formatted(start, start + len));
    }
    if (pass < 0 || pass > MAX_PASS) {
      throw new IllegalArgumentException("pass must be in [0, " + MAX_PASS + "], got " + pass);
    }
    long index = start;
    int i = 0;
    // Head and tail: one scalar Philox block per group of 8; the body: whole groups, many at once.
    int head = (int) Math.min(len, (8 - (index & 7)) & 7);
    scalar(src, srcOff, dst, dstOff, 0, head, key, stream, index, pass, words);
    i += head;
    index += head;
    int[] tile = TILES.get();
    int blocks = NoiseVectors.BLOCKS;
    int ints = 2 * blocks;
    long counterHigh = (long) (TAG | pass) << 32;
    while (len - i >= 8 * blocks) {
      int steps = Math.min(NoiseVectors.MAX_WORD_STEPS, (len - i) / (8 * blocks));
      NoiseVectors.philoxWords(key, stream, counterHigh | (index >>> 3), steps, tile);
      for (int s = 0; s < steps; s++) {
        int o = 2 * s * ints;
        for (int j = 0; j < blocks; j++, i += 8) {
          int a = srcOff + i;
          int d = dstOff + i;
          int w0 = tile[o + 2 * j];
          int w2 = tile[o + 2 * j + 1];
          int w1 = tile[o + ints + 2 * j];
          int w3 = tile[o + ints + 2 * j + 1];
          dst[d] = round(src[a], w0 & 0xFFFF);
          dst[d + 1] = round(src[a + 1], w0 >>> 16);
          dst[d + 2] = round(src[a + 2], w1 & 0xFFFF);
          dst[d + 3] = round(src[a + 3], w1 >>> 16);
          dst[d + 4] = round(src[a + 4], w2 & 0xFFFF);
          dst[d + 5] = round(src[a + 5], w2 >>> 16);
          dst[d + 6] = round(src[a + 6], w3 & 0xFFFF);
          dst[d + 7] = round(src[a + 7], w3 >>> 16);
        }
      }
      index += (long) steps * blocks * 8;
    }
    scalar(src, srcOff, dst, dstOff, i, len, key, stream, index, pass, words);
  }

  /**
   * Elements {@code [from, to)}, one scalar Philox block per group; index is that of {@code from}.
   */
  private static void scalar(
      float[] src,
      int srcOff,
      short[] dst,
      int dstOff,
      int from,
      int to,
      long key,
      long stream,
      long index,
      int pass,
      int[] words) {
    int k0 = (int) key;
    int k1 = (int) (key >>> 32);
    int s0 = (int) stream;
    int s1 = (int) (stream >>> 32);
    long group = -1;
    for (int i = from; i < to; i++, index++) {
      if ((index >>> 3) != group) {
        group = index >>> 3;
        Philox4x32.block((int) group, TAG | pass, s0, s1, k0, k1, words);
      }
      int lane = (int) (index & 7);
      int r = words[lane >>> 1] >>> ((lane & 1) << 4);
      dst[dstOff + i] = round(src[srcOff + i], r & 0xFFFF);
    }
  }

  /** The 16 random bits element {@code index} gets: for tests and reference implementations. */
  public static int randomBits(long key, long stream, long index, int pass) {
    int[] words =
        Philox4x32.block(
            (int) (index >>> 3),
            TAG | pass,
            (int) stream,
            (int) (stream >>> 32),
            (int) key,
            (int) (key >>> 32));
    int lane = (int) (index & 7);
    return (words[lane >>> 1] >>> ((lane & 1) << 4)) & 0xFFFF;
  }
}
