package io.github.mezo4j.core.noise;

import java.util.Objects;

/**
 * The MeZO perturbation {@code z(seed, stream, index) ~ N(0, 1)}: a pure function of its three
 * arguments, so any element can be regenerated anywhere, in any order, on any number of threads.
 * This is the project's stable noise definition; changing any detail below changes every recorded
 * training run.
 *
 * <h2>Definition</h2>
 *
 * <ol>
 *   <li>Element {@code index >= 0} lives in Philox block {@code block = index / 4}, lane {@code
 *       index % 4}.
 *   <li>The block's four 32-bit words are {@link Philox4x32} (10 rounds) of
 *       <ul>
 *         <li>key {@code = (seed low 32 bits, seed high 32 bits)},
 *         <li>counter {@code = (block low 32, block high 32, stream low 32, stream high 32)}.
 *       </ul>
 *   <li>Words {@code (w0, w1)} give normals 0 and 1, words {@code (w2, w3)} normals 2 and 3, each
 *       pair by the Box-Muller transform of {@link BoxMuller}: with {@code u = ((w0 >>> 8) + 1) *
 *       2^-24} in (0, 1] and {@code phi = (w1 >>> 8) * 2^-24} turns, {@code z0 = sqrt(-2 ln u)
 *       cos(2 pi phi)} and {@code z1 = sqrt(-2 ln u) sin(2 pi phi)}; likewise (w2, w3) give z2, z3.
 *   <li>The float arithmetic is fixed operation by operation (see {@link BoxMuller}), so the result
 *       is the same bits on every JVM and CPU and in both the scalar and vector paths.
 * </ol>
 *
 * <p>For a parameter the stream is its {@code Parameter.id()}, a hash of its name, so the noise an
 * element receives does not depend on which other parameters exist or are trainable. Values are
 * within 6.1e-7 of the same transform evaluated exactly (see {@link BoxMuller} and {@code
 * BoxMullerTest}) and never exceed 5.768 in magnitude.
 *
 * <p>{@link #fill} uses the Vector API path (about 1 G normals/s per core with AVX-512, 9x the
 * scalar path; see docs/performance.md); {@link #fillScalar} is the scalar reference that it is
 * tested against bit for bit. Vector API code is slow until C2 has compiled it (interpreted vector
 * operations allocate): the first second or so of use runs far below full speed.
 */
public final class GaussianNoise {
  private GaussianNoise() {}

  /** The single element z(seed, stream, index); {@code index} must be {@code >= 0}. */
  public static float normal(long seed, long stream, long index) {
    if (index < 0) {
      throw new IllegalArgumentException("noise index must be >= 0, got " + index);
    }
    float[] four = new float[4];
    blockNormals(seed, stream, index >>> 2, new int[4], four);
    return four[(int) (index & 3)];
  }

  /**
   * Writes z(seed, stream, start + i) into {@code dst[off + i]} for i in [0, len), using the Vector
   * API for whole groups of blocks.
   */
  public static void fill(long seed, long stream, long start, float[] dst, int off, int len) {
    fill(seed, stream, start, dst, off, len, true);
  }

  /**
   * Same values as {@link #fill}, computed one Philox block at a time with scalar arithmetic: the
   * reference definition the vector path is tested against (and the baseline of the benchmarks).
   */
  public static void fillScalar(long seed, long stream, long start, float[] dst, int off, int len) {
    fill(seed, stream, start, dst, off, len, false);
  }

  /**
   * {@code dst[off + i] = z(seed, stream, start + i) * factors[0] * ... * factors[f-1]}, the
   * products rounded one at a time from the left (one to three factors): the scaled noise {@code
   * (g/n) z} of an update, without a separate scaling loop.
   */
  public static void fillProduct(
      long seed, long stream, long start, float[] factors, float[] dst, int off, int len) {
    checkRange(start, dst, off, len);
    Perturbation.checkFactors(factors);
    NoiseVectors.apply(
        seed,
        stream,
        start,
        len,
        NoiseVectors.PRODUCT,
        Perturbation.factor(factors, 0),
        Perturbation.factor(factors, 1),
        Perturbation.factor(factors, 2),
        factors.length,
        null,
        0,
        dst,
        off,
        null,
        0);
  }

  private static void fill(
      long seed, long stream, long start, float[] dst, int off, int len, boolean vector) {
    checkRange(start, dst, off, len);
    int[] words = new int[4];
    float[] four = new float[4];
    long index = start;
    int pos = off;
    int end = off + len;
    // Head: the rest of a block entered in the middle.
    if ((index & 3) != 0 && pos < end) {
      blockNormals(seed, stream, index >>> 2, words, four);
      for (int lane = (int) (index & 3); lane < 4 && pos < end; lane++) {
        dst[pos++] = four[lane];
        index++;
      }
    }
    if (vector) {
      int steps = (end - pos) / NoiseVectors.NORMALS;
      NoiseVectors.fill(seed, stream, index >>> 2, steps, dst, pos);
      pos += steps * NoiseVectors.NORMALS;
      index += (long) steps * NoiseVectors.NORMALS;
    }
    // Whole blocks left, then the tail of a last partial block.
    while (pos < end) {
      blockNormals(seed, stream, index >>> 2, words, four);
      for (int lane = 0; lane < 4 && pos < end; lane++) {
        dst[pos++] = four[lane];
        index++;
      }
    }
  }

  /**
   * The four normals of one Philox block (indices 4*block .. 4*block+3), scalar; {@code words} is
   * scratch for the Philox output.
   */
  static void blockNormals(long seed, long stream, long block, int[] words, float[] out) {
    Philox4x32.block(
        (int) block,
        (int) (block >>> 32),
        (int) stream,
        (int) (stream >>> 32),
        (int) seed,
        (int) (seed >>> 32),
        words);
    BoxMuller.pair(words[0], words[1], out, 0);
    BoxMuller.pair(words[2], words[3], out, 2);
  }

  static void checkRange(long start, float[] dst, int off, int len) {
    Objects.requireNonNull(dst, "dst");
    if (start < 0) {
      throw new IllegalArgumentException("noise index must be >= 0, got start=" + start);
    }
    Objects.checkFromIndexSize(off, len, dst.length);
    if (start > Long.MAX_VALUE - len) {
      throw new IllegalArgumentException(
          "noise indices overflow: start=" + start + " + len=" + len + " exceeds Long.MAX_VALUE");
    }
  }
}
