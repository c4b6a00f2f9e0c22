package io.github.mezo4j.nn.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector building blocks with a fixed evaluation order, so that every result is a pure function of
 * the inputs: lane reductions use a fixed pairwise tree (never {@code reduceLanes}, whose order is
 * unspecified), and {@code exp} is our own polynomial (never {@code VectorOperators.EXP}, whose
 * intrinsic and fallback may differ in the last bit). Each vector function has a scalar twin that
 * performs the same IEEE operations in the same order, so loop tails match the vector body bit for
 * bit.
 */
final class VectorMath {
  private VectorMath() {}

  static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  static final int LANES = SPECIES.length();

  /** {@code value} in every lane. */
  static FloatVector splat(float value) {
    return FloatVector.broadcast(SPECIES, value);
  }

  /** Butterfly shuffles i -> i ^ stride for stride = LANES/2, ..., 1. */
  private static final VectorShuffle<Float>[] BUTTERFLY = butterflies();

  @SuppressWarnings("unchecked") // no generic array creation in Java; all elements are <Float>
  private static VectorShuffle<Float>[] butterflies() {
    int steps = Integer.numberOfTrailingZeros(LANES);
    VectorShuffle<Float>[] result = (VectorShuffle<Float>[]) new VectorShuffle<?>[steps];
    for (int s = 0; s < steps; s++) {
      int stride = LANES >> (s + 1);
      result[s] = VectorShuffle.fromOp(SPECIES, i -> i ^ stride);
    }
    return result;
  }

  /** Sum of the lanes of {@code v} in a fixed pairwise order. */
  static float sumLanes(FloatVector v) {
    for (VectorShuffle<Float> shuffle : BUTTERFLY) {
      v = v.add(v.rearrange(shuffle));
    }
    return v.lane(0);
  }

  /** Maximum of the lanes of {@code v} (Math.max semantics: NaN wins). */
  static float maxLanes(FloatVector v) {
    for (VectorShuffle<Float> shuffle : BUTTERFLY) {
      v = v.max(v.rearrange(shuffle));
    }
    return v.lane(0);
  }

  // exp(a) = 2^n * exp(r), n = round(a / ln 2), |r| <= ln2 / 2. Polynomial fitted by us (least
  // squares on Chebyshev nodes) to exp(r) = 1 + r + r^2 (C2 + C3 r + ... + C6 r^4); relative
  // error of the polynomial 1.1e-8, of the float evaluation about 1 ulp.
  private static final float LOG2E = 1.44269504f;
  private static final float LN2_HI = 0.693145752f; // ln 2 with trailing zero bits
  private static final float LN2_LO = 1.42860677e-6f; // ln 2 - LN2_HI
  // 1.5 * 2^23: adding it rounds to an integer held in the low mantissa bits.
  private static final float ROUND_MAGIC = 12582912f;
  private static final int ROUND_MAGIC_BITS = 0x4B400000;
  // Below this n would be < -127; clamping makes 2^n exactly +0 (flush instead of subnormals).
  private static final float EXP_LOW = -88f;
  private static final float E2 = 0.5000000013462222f;
  private static final float E3 = 0.16666577003160254f;
  private static final float E4 = 0.04166646497612608f;
  private static final float E5 = 0.008363175565472253f;
  private static final float E6 = 0.0013933643522654976f;

  // The constants as vectors: static final vectors cost C2 fewer nodes than broadcasts, which
  // keeps large vector expressions under its inlining budget (a helper that is not inlined
  // boxes its vectors on every call).
  static final FloatVector ONE = splat(1f);
  private static final FloatVector V_EXP_LOW = splat(EXP_LOW);
  private static final FloatVector V_LOG2E = splat(LOG2E);
  private static final FloatVector V_ROUND_MAGIC = splat(ROUND_MAGIC);
  private static final FloatVector V_NEG_LN2_HI = splat(-LN2_HI);
  private static final FloatVector V_NEG_LN2_LO = splat(-LN2_LO);
  private static final FloatVector V_E2 = splat(E2);
  private static final FloatVector V_E3 = splat(E3);
  private static final FloatVector V_E4 = splat(E4);
  private static final FloatVector V_E5 = splat(E5);
  private static final FloatVector V_E6 = splat(E6);
  private static final IntVector V_EXP_BIAS =
      IntVector.broadcast(SPECIES.withLanes(int.class), ROUND_MAGIC_BITS - 127);

  /**
   * e^a for a <= 88 (larger a may give +inf early); results below about 1.2e-38 flush to +0, -inf
   * gives +0, NaN gives NaN. Relative error about 1-2 ulp.
   */
  static FloatVector exp(FloatVector a) {
    // = max(a, EXP_LOW) with Math.max semantics, but cheaper than MAX's NaN and -0 handling
    a = a.blend(V_EXP_LOW, a.compare(VectorOperators.LT, V_EXP_LOW));
    FloatVector z = a.fma(V_LOG2E, V_ROUND_MAGIC);
    FloatVector n = z.sub(V_ROUND_MAGIC);
    FloatVector r = n.fma(V_NEG_LN2_HI, a);
    r = n.fma(V_NEG_LN2_LO, r);
    FloatVector p = r.fma(V_E6, V_E5);
    p = p.fma(r, V_E4);
    p = p.fma(r, V_E3);
    p = p.fma(r, V_E2);
    p = p.fma(r, ONE);
    p = p.fma(r, ONE);
    IntVector bits = z.viewAsIntegralLanes();
    FloatVector scale =
        bits.sub(V_EXP_BIAS).lanewise(VectorOperators.LSHL, 23).viewAsFloatingLanes();
    return p.mul(scale);
  }

  /** Scalar twin of {@link #exp(FloatVector)}: the same operations, the same result bits. */
  static float exp(float a) {
    a = Math.max(a, EXP_LOW);
    float z = Math.fma(a, LOG2E, ROUND_MAGIC);
    float n = z - ROUND_MAGIC;
    float r = Math.fma(n, -LN2_HI, a);
    r = Math.fma(n, -LN2_LO, r);
    float p = Math.fma(r, E6, E5);
    p = Math.fma(p, r, E4);
    p = Math.fma(p, r, E3);
    p = Math.fma(p, r, E2);
    p = Math.fma(p, r, 1f);
    p = Math.fma(p, r, 1f);
    float scale =
        Float.intBitsToFloat((Float.floatToRawIntBits(z) - (ROUND_MAGIC_BITS - 127)) << 23);
    return p * scale;
  }
}
