package io.github.mezo4j.core.noise;

/**
 * The Box-Muller transform from two uniform 32-bit words to two standard normals, in float
 * arithmetic that is reproducible bit for bit: it uses only {@code +}, {@code -}, {@code *}, {@code
 * /}, {@code sqrt}, {@link Math#fma}, int/float conversions and bit operations, all of which IEEE
 * 754 (and Java) define exactly. {@link NoiseVectors} performs the same operations in the same
 * order on vector lanes, so both give identical bits. (Math.log/sin/cos and the Vector API's
 * LOG/SIN/COS are not guaranteed to agree bit for bit, hence the own log and sincos here.)
 *
 * <p>From words {@code (ru, ra)}, with {@code mu = (ru >>> 8) + 1} and {@code ma = ra >>> 8}:
 *
 * <pre>
 *   u     = mu * 2^-24       in (0, 1]   (never 0, so the log is finite)
 *   phi   = ma * 2^-24       in [0, 1)   (turns)
 *   r     = sqrt(-2 ln u)    in [0, 5.768]
 *   (z0, z1) = (r cos 2 pi phi, r sin 2 pi phi)
 * </pre>
 *
 * Using 24 bits of each word makes {@code u} and {@code phi} exact floats and the angle reduction
 * exact integer work. The price is a normal truncated at radius {@code sqrt(48 ln 2) = 5.768}
 * (probability {@code 2^-24} that a pair would have gone further), irrelevant for MeZO.
 *
 * <p>Accuracy, measured against StrictMath in double precision by {@code BoxMullerTest} (bounds in
 * the constants below): {@code -ln u} within 0.83 ulp and {@code r} within 0.99 ulp (exhaustive
 * over all 2^24 inputs); sin and cos within 1.02 ulp, 6.1e-8 absolute (exhaustive over the reduced
 * angles); each normal within 6.1e-7 absolute of the exact transform.
 */
final class BoxMuller {
  private BoxMuller() {}

  /**
   * Bound on the error of {@link #negLogUniform} in units of the last place of its float result;
   * measured exhaustively over all 2^24 inputs: 0.828 ulp.
   */
  static final double LOG_MAX_ULP = 0.83;

  /** Bound on the error of {@link #radius} in ulps; measured exhaustively: 0.980 ulp. */
  static final double RADIUS_MAX_ULP = 0.99;

  /**
   * Bound on the absolute error of {@link #cosTurns}/{@link #sinTurns}; measured exhaustively over
   * all 2^22 + 1 reduced angles: 6.05e-8.
   */
  static final double SINCOS_MAX_ABS = 6.1e-8;

  /** Bound on the error of {@link #cosTurns}/{@link #sinTurns} in ulps; measured: 1.015 ulp. */
  static final double SINCOS_MAX_ULP = 1.02;

  /**
   * Bound on the absolute error of a normal against the same transform in double precision
   * (StrictMath); measured over 2*10^6 random pairs: 6.01e-7 (about 1.3 ulp at the largest radii).
   */
  static final double NORMAL_MAX_ABS = 6.1e-7;

  // ln 2 split so that k * LN2_HI is exact for |k| <= 24 (LN2_HI has 15 significant bits).
  static final float LN2_HI = 0x1.62e4p-1f;
  static final float NEG_LN2_LO = -0x1.7f7d1cp-20f;

  // Moves the mantissa of a float in [1, 2) to [sqrt(2)/2, sqrt(2)) with the exponent adjusted.
  static final int SQRT_HALF_BITS = 0x3f3504f3;
  static final int LOG_BIAS_SHIFT = 0x3f800000 - SQRT_HALF_BITS;

  // ln(1+f) = f - (f^2/2 - s (f^2/2 + R(s^2))), s = f/(2+f): R(z) = z (L1 + z (L2 + z (L3 + z L4)))
  // Chebyshev fit of (2 atanh(s) - 2 s)/s on z in [0, 0.02944]; error of s R(z) < 1.1e-10.
  static final float L1 = 0x1.555556p-1f;
  static final float L2 = 0x1.9999ecp-2f;
  static final float L3 = 0x1.245c44p-2f;
  static final float L4 = 0x1.ddced8p-3f;

  // sin(2 pi f) = f (2 pi + t Q(t)), t = f^2, f in [-1/8, 1/8]; 2 pi = S1_HI + S1_LO.
  // Chebyshev fit of Q; relative error of the polynomial < 2e-9.
  static final float S1_HI = 0x1.921fb6p2f;
  static final float S1_LO = -0x1.777a5cp-23f;
  static final float S3 = -0x1.4abbcep5f;
  static final float S5 = 0x1.466bc2p6f;
  static final float S7 = -0x1.32ce1ep6f;
  static final float S9 = 0x1.4cb762p5f;

  // cos(2 pi f) = 1 + t (C2 + t (C4 + t (C6 + t C8))); Chebyshev fit, absolute error < 1e-8.
  static final float C2 = -0x1.3bd3ccp4f;
  static final float C4 = 0x1.03c1eap6f;
  static final float C6 = -0x1.55cb98p6f;
  static final float C8 = 0x1.db6492p5f;

  /**
   * Writes the two normals of the pair {@code (ru, ra)} to {@code dst[off]} (cosine side) and
   * {@code dst[off + 1]} (sine side).
   */
  static void pair(int ru, int ra, float[] dst, int off) {
    float r = radius(ru);
    int ma = ra >>> 8;
    // Nearest quarter turn q (0..4; 4 wraps to 0) and the rest f in [-1/8, 1/8) turns, exactly.
    int quarterStart = (ma + 0x200000) & 0xFFC00000;
    float f = (ma - quarterStart) * 0x1p-24f;
    int q = quarterStart >>> 22;
    float c = cosTurns(f);
    float s = sinTurns(f);
    // Rotate by q quarter turns: swap for odd q, sign flips as bit operations (exact, also on 0).
    boolean swap = (q & 1) != 0;
    float cosine = swap ? s : c;
    float sine = swap ? c : s;
    int cosSign = ((q + 1) & 2) << 30;
    int sinSign = (q & 2) << 30;
    dst[off] = Float.intBitsToFloat(Float.floatToRawIntBits(r * cosine) ^ cosSign);
    dst[off + 1] = Float.intBitsToFloat(Float.floatToRawIntBits(r * sine) ^ sinSign);
  }

  /** {@code sqrt(-2 ln u)} with {@code u = ((ru >>> 8) + 1) * 2^-24}; +0 for u = 1. */
  static float radius(int ru) {
    return (float) Math.sqrt(2f * negLogUniform(ru));
  }

  /**
   * {@code -ln u >= 0} with {@code u = ((ru >>> 8) + 1) * 2^-24} in (0, 1]. Computed as {@code -k
   * ln 2 - ln x} for {@code u = 2^k x}, {@code x} in [sqrt(1/2), sqrt(2)), in the negated form so
   * that u = 1 gives +0 (and the radius +0, not -0).
   */
  static float negLogUniform(int ru) {
    float m = (ru >>> 8) + 1; // exact: at most 2^24
    int bits = Float.floatToRawIntBits(m) + LOG_BIAS_SHIFT;
    float kNeg = (127 + 24) - (bits >>> 23); // -(exponent of u), in [0, 24]
    float x = Float.intBitsToFloat((bits & 0x007FFFFF) + SQRT_HALF_BITS);
    float f = x - 1f; // exact (Sterbenz)
    float s = f / (2f + f);
    float z = s * s;
    float rz = z * Math.fma(z, Math.fma(z, Math.fma(z, L4, L3), L2), L1);
    float hfsq = 0.5f * f * f;
    // ln x = f - (hfsq - s (hfsq + R)); the -k ln2 low part joins the small terms.
    float lo = Math.fma(kNeg, NEG_LN2_LO, s * (hfsq + rz));
    return kNeg * LN2_HI + ((hfsq - lo) - f);
  }

  /** {@code cos(2 pi f)} for f in [-1/8, 1/8] turns. */
  static float cosTurns(float f) {
    float t = f * f;
    return Math.fma(t, Math.fma(t, Math.fma(t, Math.fma(t, C8, C6), C4), C2), 1f);
  }

  /** {@code sin(2 pi f)} for f in [-1/8, 1/8] turns. */
  static float sinTurns(float f) {
    float t = f * f;
    float q = Math.fma(t, Math.fma(t, Math.fma(t, S9, S7), S5), S3);
    return Math.fma(f, S1_HI, f * Math.fma(t, q, S1_LO));
  }
}
