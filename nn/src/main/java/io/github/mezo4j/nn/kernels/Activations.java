package io.github.mezo4j.nn.kernels;

import static io.github.mezo4j.nn.kernels.VectorMath.LANES;
import static io.github.mezo4j.nn.kernels.VectorMath.SPECIES;
import static io.github.mezo4j.nn.kernels.VectorMath.splat;

import io.github.mezo4j.core.parallel.Workers;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Activation functions. Java has no {@code erf}, so this class brings its own: a float
 * approximation whose vector and scalar forms give identical bits, which keeps GELU deterministic
 * and the vector loop's tail consistent with its body.
 *
 * <p>erf(a) for a = |x|: below 1 it is {@code a + a * Q(a^2)} (degree-6 polynomial); from 1 on it
 * is {@code 1 - exp(-a^2) * G(1 / (1 + a/2))} (degree-7 polynomial), and exactly 1 from 4 on. The
 * coefficients were fitted for this project (least squares on Chebyshev nodes against mpmath).
 */
public final class Activations {
  private Activations() {}

  /** Elements per parallel GELU task: fixed, so task boundaries never depend on thread count. */
  private static final int GELU_TASK = 1 << 14;

  private static final float INV_SQRT2 = 0.70710678118654752f;

  // erf(a) = a + a * Q(a^2) for a < 1.
  private static final float Q0 = 0.12837916612625122f;
  private static final float Q1 = -0.3761262893676758f;
  private static final float Q2 = 0.11283625662326813f;
  private static final float Q3 = -0.02685539983212948f;
  private static final float Q4 = 0.005191218573600054f;
  private static final float Q5 = -0.0008034846396185458f;
  private static final float Q6 = 7.933493907330558e-05f;

  // erfc(a) = exp(-a^2) * G(s - 1/2), s = 1 / (1 + a/2), for 1 <= a < 4.
  private static final float G0 = 0.25539568066596985f;
  private static final float G1 = 0.8543717265129089f;
  private static final float G2 = 0.9666328430175781f;
  private static final float G3 = 0.6318271160125732f;
  private static final float G4 = 0.05971533805131912f;
  private static final float G5 = -0.22375935316085815f;
  private static final float G6 = -0.05356771871447563f;
  private static final float G7 = 0.1192806288599968f;

  /** From here on erfc(a) < 1.6e-8, below half an ulp of 1f: erf is 1 and erfc is taken as 0. */
  private static final float ERF_ONE = 4f;

  private static final int SIGN_BIT = 0x80000000;

  // Vector constants (see VectorMath: fewer C2 nodes than broadcasts, so everything inlines).
  private static final FloatVector ONE = VectorMath.ONE;
  private static final FloatVector TWO = splat(2f);
  private static final FloatVector HALF = splat(0.5f);
  private static final FloatVector ZERO = splat(0f);
  private static final FloatVector V_ERF_ONE = splat(ERF_ONE);
  private static final FloatVector V_INV_SQRT2 = splat(INV_SQRT2);
  private static final FloatVector V_Q0 = splat(Q0);
  private static final FloatVector V_Q1 = splat(Q1);
  private static final FloatVector V_Q2 = splat(Q2);
  private static final FloatVector V_Q3 = splat(Q3);
  private static final FloatVector V_Q4 = splat(Q4);
  private static final FloatVector V_Q5 = splat(Q5);
  private static final FloatVector V_Q6 = splat(Q6);
  private static final FloatVector V_G0 = splat(G0);
  private static final FloatVector V_G1 = splat(G1);
  private static final FloatVector V_G2 = splat(G2);
  private static final FloatVector V_G3 = splat(G3);
  private static final FloatVector V_G4 = splat(G4);
  private static final FloatVector V_G5 = splat(G5);
  private static final FloatVector V_G6 = splat(G6);
  private static final FloatVector V_G7 = splat(G7);

  /**
   * The error function erf(x) = 2/sqrt(pi) * integral from 0 to x of exp(-t^2) dt, in float.
   *
   * <p>Maximum absolute error 8.2e-8 (1.4 ulp of 1f), measured against a double-precision reference
   * over every float in [1e-3, 6]; below 1e-3 the relative error is under 2e-7 ({@code
   * ActivationsTest} re-checks both on grids). Odd (erf(-x) = -erf(x), including -0), exactly +-1
   * for |x| >= 4 and for infinities, NaN for NaN.
   */
  public static float erf(float x) {
    float a = Math.abs(x);
    float r = a < 1f ? smallErf(a) : 1f - largeErfc(a);
    return Math.copySign(r, x);
  }

  /**
   * Exact GELU of one value: {@code 0.5 x (1 + erf(x / sqrt 2))}. For negative x the factor {@code
   * 1 + erf} is taken from erfc directly, so the result keeps its relative accuracy in the left
   * tail instead of cancelling to 0; below x = -4 sqrt 2 (where |gelu| &lt; 5e-8) it is -0.
   * Relative error about 4e-7 + 1.2e-7 x^2: rounding x / sqrt 2 to float is amplified in the left
   * tail. The same bits as {@link #geluInPlace}.
   */
  public static float gelu(float x) {
    float u = x * INV_SQRT2;
    float a = Math.abs(u);
    float cdf2; // 1 + erf(u)
    if (a < 1f) {
      float e = smallErf(a);
      cdf2 = u < 0f ? 1f - e : 1f + e;
    } else {
      float c = largeErfc(a);
      cdf2 = u < 0f ? c : 2f - c;
    }
    return (0.5f * x) * cdf2;
  }

  /** Exact GELU: {@code 0.5 x (1 + erf(x / sqrt 2))}, in place over {@code x[0, len)}. */
  public static void geluInPlace(Workers w, float[] x, int len) {
    Checks.nonNegative("len", len);
    Checks.length("x", x, len);
    int tasks = (len + GELU_TASK - 1) / GELU_TASK;
    w.parallelFor(
        tasks,
        t -> {
          int from = t * GELU_TASK;
          int to = Math.min(len, from + GELU_TASK);
          geluRange(x, from, to);
        });
  }

  /** GELU in place over {@code x[from, to)} on the calling thread (vector body, scalar tail). */
  static void geluRange(float[] x, int from, int to) {
    int i = from;
    for (int upper = from + SPECIES.loopBound(to - from); i < upper; i += LANES) {
      gelu(FloatVector.fromArray(SPECIES, x, i)).intoArray(x, i);
    }
    for (; i < to; i++) {
      x[i] = gelu(x[i]);
    }
  }

  /** Vector twin of {@link #gelu(float)}. */
  static FloatVector gelu(FloatVector x) {
    FloatVector u = x.mul(V_INV_SQRT2);
    FloatVector a = u.abs();
    VectorMask<Float> small = a.compare(VectorOperators.LT, ONE);
    VectorMask<Float> negative = u.compare(VectorOperators.LT, ZERO);
    FloatVector e = smallErf(a);
    FloatVector c = largeErfc(a);
    FloatVector viaSmall = ONE.add(e.lanewise(VectorOperators.NEG, negative));
    FloatVector viaLarge = TWO.sub(c).blend(c, negative);
    return x.mul(HALF).mul(viaLarge.blend(viaSmall, small));
  }

  /** Vector twin of {@link #erf(float)}. */
  static FloatVector erf(FloatVector x) {
    FloatVector a = x.abs();
    VectorMask<Float> small = a.compare(VectorOperators.LT, ONE);
    FloatVector r = ONE.sub(largeErfc(a)).blend(smallErf(a), small);
    IntVector sign = x.viewAsIntegralLanes().lanewise(VectorOperators.AND, SIGN_BIT);
    return r.viewAsIntegralLanes().lanewise(VectorOperators.OR, sign).viewAsFloatingLanes();
  }

  private static float smallErf(float a) {
    float t = a * a;
    float q = Math.fma(t, Q6, Q5);
    q = Math.fma(q, t, Q4);
    q = Math.fma(q, t, Q3);
    q = Math.fma(q, t, Q2);
    q = Math.fma(q, t, Q1);
    q = Math.fma(q, t, Q0);
    return Math.fma(a, q, a);
  }

  private static FloatVector smallErf(FloatVector a) {
    FloatVector t = a.mul(a);
    FloatVector q = t.fma(V_Q6, V_Q5);
    q = q.fma(t, V_Q4);
    q = q.fma(t, V_Q3);
    q = q.fma(t, V_Q2);
    q = q.fma(t, V_Q1);
    q = q.fma(t, V_Q0);
    return a.fma(q, a);
  }

  /** erfc(a) for a >= 1 (0 from {@link #ERF_ONE} on; NaN stays NaN). */
  private static float largeErfc(float a) {
    float b = Math.min(a, ERF_ONE);
    float z = 1f / Math.fma(0.5f, b, 1f) - 0.5f;
    float g = Math.fma(z, G7, G6);
    g = Math.fma(g, z, G5);
    g = Math.fma(g, z, G4);
    g = Math.fma(g, z, G3);
    g = Math.fma(g, z, G2);
    g = Math.fma(g, z, G1);
    g = Math.fma(g, z, G0);
    float c = VectorMath.exp(-(b * b)) * g;
    return b >= ERF_ONE ? 0f : c;
  }

  private static FloatVector largeErfc(FloatVector a) {
    FloatVector b = a.min(V_ERF_ONE);
    FloatVector z = ONE.div(b.fma(HALF, ONE)).sub(HALF);
    FloatVector g = z.fma(V_G7, V_G6);
    g = g.fma(z, V_G5);
    g = g.fma(z, V_G4);
    g = g.fma(z, V_G3);
    g = g.fma(z, V_G2);
    g = g.fma(z, V_G1);
    g = g.fma(z, V_G0);
    FloatVector c = VectorMath.exp(b.mul(b).neg()).mul(g);
    return c.blend(ZERO, b.compare(VectorOperators.GE, V_ERF_ONE));
  }
}
