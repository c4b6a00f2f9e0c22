package io.github.mezo4j.core.noise;

/**
 * The MeZO perturbation z(seed, stream, index) ~ N(0, 1): a pure function of its three arguments.
 * PLACEHOLDER implementation (scalar Philox + Math-based Box-Muller) until the exact, vectorized
 * one lands; the signatures are final.
 */
public final class GaussianNoise {
  private GaussianNoise() {}

  /** The single element z(seed, stream, index). */
  public static float normal(long seed, long stream, long index) {
    float[] one = new float[1];
    fill(seed, stream, index, one, 0, 1);
    return one[0];
  }

  /** Writes z(seed, stream, start + i) into {@code dst[off + i]} for i in [0, len). */
  public static void fill(long seed, long stream, long start, float[] dst, int off, int len) {
    for (int i = 0; i < len; i++) {
      long index = start + i;
      long block = index >>> 2;
      int lane = (int) (index & 3);
      int[] r =
          Philox4x32.block(
              (int) block,
              (int) (block >>> 32),
              (int) stream,
              (int) (stream >>> 32),
              (int) seed,
              (int) (seed >>> 32));
      int pair = lane >>> 1;
      double u1 = ((r[2 * pair] >>> 8) + 1) * 0x1p-24;
      double u2 = (r[2 * pair + 1] >>> 8) * 0x1p-24;
      double radius = Math.sqrt(-2 * Math.log(u1));
      double angle = 2 * Math.PI * u2;
      dst[off + i] =
          (float) ((lane & 1) == 0 ? radius * Math.cos(angle) : radius * Math.sin(angle));
    }
  }
}
