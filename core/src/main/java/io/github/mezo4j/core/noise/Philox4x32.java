package io.github.mezo4j.core.noise;

/** Philox4x32-10 (Salmon et al. 2011, Random123): a counter-based generator. */
public final class Philox4x32 {
  static final int M0 = 0xD2511F53;
  static final int M1 = 0xCD9E8D57;
  static final int W0 = 0x9E3779B9;
  static final int W1 = 0xBB67AE85;

  private Philox4x32() {}

  /** Ten rounds of Philox4x32 on counter (c0..c3) with key (k0, k1). */
  public static int[] block(int c0, int c1, int c2, int c3, int k0, int k1) {
    for (int round = 0; round < 10; round++) {
      long p0 = (M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
      long p1 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
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
    return new int[] {c0, c1, c2, c3};
  }
}
