package io.github.mezo4j.core.noise;

/**
 * Rademacher directions {@code r(seed, stream, index)}, each exactly {@code +1} or {@code -1} with
 * probability 1/2: a pure function of its three arguments, like {@link GaussianNoise}, and drawn
 * from the same Philox4x32-10 blocks (element {@code index} is lane {@code index % 4} of block
 * {@code index / 4}, key and counter as in {@link GaussianNoise}). The value is {@code -1} if the
 * lane's 32-bit word has its top bit set, else {@code +1}.
 *
 * <p>FZOO (Dang et al. 2025, arXiv 2506.09034) draws its probe directions so: no Box-Muller, so
 * making them costs about the Philox rounds alone, and {@code |z| = 1} gives every perturbed weight
 * the same step size. The changing of this definition changes every run recorded with it.
 */
public final class RademacherNoise {
  private RademacherNoise() {}

  /** The single element r(seed, stream, index); {@code index} must be {@code >= 0}. */
  public static float sign(long seed, long stream, long index) {
    if (index < 0) {
      throw new IllegalArgumentException("noise index must be >= 0, got " + index);
    }
    float[] four = new float[4];
    blockSigns(seed, stream, index >>> 2, new int[4], four);
    return four[(int) (index & 3)];
  }

  /** Writes r(seed, stream, start + i) into {@code dst[off + i]} for i in [0, len). */
  public static void fill(long seed, long stream, long start, float[] dst, int off, int len) {
    GaussianNoise.checkRange(start, dst, off, len);
    NoiseVectors.apply(
        seed,
        stream,
        start,
        len,
        NoiseVectors.PRODUCT,
        1f,
        1f,
        1f,
        1,
        null,
        0,
        dst,
        off,
        null,
        0,
        true,
        Directions.NO_MASK);
  }

  /** The four signs of one Philox block (indices 4*block .. 4*block+3), scalar. */
  static void blockSigns(long seed, long stream, long block, int[] words, float[] out) {
    Philox4x32.block(
        (int) block,
        (int) (block >>> 32),
        (int) stream,
        (int) (stream >>> 32),
        (int) seed,
        (int) (seed >>> 32),
        words);
    for (int lane = 0; lane < 4; lane++) {
      out[lane] = signOf(words[lane]);
    }
  }

  /** +1 or -1 with the sign of {@code word}: the top bit moved onto 1.0f. */
  static float signOf(int word) {
    return Float.intBitsToFloat((word & 0x80000000) | 0x3f800000);
  }
}
