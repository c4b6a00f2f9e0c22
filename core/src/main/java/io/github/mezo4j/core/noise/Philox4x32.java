package io.github.mezo4j.core.noise;

/**
 * Philox4x32-10, the counter-based generator of Salmon, Moraes, Dror and Shaw, "Parallel Random
 * Numbers: As Easy as 1, 2, 3" (SC11, 2011), as published in D. E. Shaw Research's Random123: a
 * keyed bijection of a 128-bit counter. Its output for any counter is computed independently of
 * every other counter, which is what lets MeZO regenerate any element of its noise on any thread.
 *
 * <p>The words are unsigned 32-bit values carried in Java {@code int}s. Each of the ten rounds maps
 * {@code (c0, c1, c2, c3)} with round key {@code (k0, k1)} to
 *
 * <pre>
 *   (hi(M1*c2) ^ c1 ^ k0,  lo(M1*c2),  hi(M0*c0) ^ c3 ^ k1,  lo(M0*c0))
 * </pre>
 *
 * where {@code hi}/{@code lo} are the halves of the 64-bit product, and the key is bumped by the
 * Weyl constants {@code (W0, W1)} between rounds. The known-answer vectors of Random123 are checked
 * in the tests.
 */
public final class Philox4x32 {
  /** Round multiplier applied to counter word 0. */
  static final int M0 = 0xD2511F53;

  /** Round multiplier applied to counter word 2. */
  static final int M1 = 0xCD9E8D57;

  /** Weyl increment of key word 0 (golden ratio). */
  static final int W0 = 0x9E3779B9;

  /** Weyl increment of key word 1 (sqrt(3) - 1). */
  static final int W1 = 0xBB67AE85;

  /** Number of rounds: 10, the Random123 default (the "-10" in the name). */
  static final int ROUNDS = 10;

  private static final long MASK = 0xFFFFFFFFL;

  private Philox4x32() {}

  /** Ten rounds of Philox4x32 on counter (c0..c3) with key (k0, k1); returns the four words. */
  public static int[] block(int c0, int c1, int c2, int c3, int k0, int k1) {
    int[] out = new int[4];
    block(c0, c1, c2, c3, k0, k1, out);
    return out;
  }

  /**
   * Ten rounds of Philox4x32 on counter (c0..c3) with key (k0, k1), written to {@code out[0..3]}
   * (no allocation).
   */
  public static void block(int c0, int c1, int c2, int c3, int k0, int k1, int[] out) {
    for (int round = 0; round < ROUNDS; round++) {
      long p0 = (M0 & MASK) * (c0 & MASK);
      long p1 = (M1 & MASK) * (c2 & MASK);
      int n0 = (int) (p1 >>> 32) ^ c1 ^ k0;
      int n1 = (int) p1;
      int n2 = (int) (p0 >>> 32) ^ c3 ^ k1;
      int n3 = (int) p0;
      c0 = n0;
      c1 = n1;
      c2 = n2;
      c3 = n3;
      k0 += W0;
      k1 += W1;
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
  }
}
