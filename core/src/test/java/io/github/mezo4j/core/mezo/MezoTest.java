package io.github.mezo4j.core.mezo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.noise.GaussianNoise;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.core.param.Selector;
import org.junit.jupiter.api.Test;

/** The mezo-jax style transforms: grad, valueAndGrad, has-aux variants, applyUpdates, sgdStep. */
class MezoTest {
  static final Workers SERIAL = Workers.serial();
  static final double EPS = 1e-3;

  /**
   * f = 1/2 sum a_i (theta_i - c_i)^2 over all elements of w then b; gradient a_i (theta_i - c_i).
   */
  static final double[] A = {1, 2, 3, 0.5, 4, 1.5};

  static final double[] C = {0.3, -0.2, 0.1, 0.7, -0.5, 0.25};

  static double quadratic(ParameterSet p) {
    float[] t = flat(p);
    double s = 0;
    for (int i = 0; i < t.length; i++) {
      s += 0.5 * A[i] * (t[i] - C[i]) * (t[i] - C[i]);
    }
    return s;
  }

  static float[] flat(ParameterSet p) {
    float[] w = p.get("w").toFloatArray();
    float[] out = new float[w.length + 1];
    System.arraycopy(w, 0, out, 0, w.length);
    out[w.length] = p.get("b").get(0);
    return out;
  }

  static ParameterSet model() {
    return ParameterSet.of(
        Parameter.f32("w", new int[] {5}, new float[] {0.1f, 0.4f, -0.3f, 0.2f, 0.05f}),
        Parameter.f32("b", new int[] {1}, new float[] {-0.1f}));
  }

  /** z over all elements of w then b, as the perturbation draws it. */
  static double[] noise(ParameterSet p, long seed) {
    double[] z = new double[6];
    for (int i = 0; i < 5; i++) {
      z[i] = GaussianNoise.normal(seed, p.get("w").id(), i);
    }
    z[5] = GaussianNoise.normal(seed, p.get("b").id(), 0);
    return z;
  }

  static double directional(ParameterSet p, long seed) {
    float[] t = flat(p);
    double[] z = noise(p, seed);
    double s = 0;
    for (int i = 0; i < t.length; i++) {
      s += A[i] * (t[i] - C[i]) * z[i];
    }
    return s;
  }

  @Test
  void gradIsTheDirectionalDerivativeAndParamsComeBack() {
    ParameterSet p = model();
    float[] before = flat(p);
    MezoGrad<Void> grad = Mezo.grad((params, batch) -> quadratic(params));
    for (long seed = 1; seed <= 20; seed++) {
      double g = grad.apply(p, EPS, seed, null, SERIAL);
      double expected = directional(p, seed);
      // Two-sided differences are exact on a quadratic; what is left is f32 rounding of theta.
      assertEquals(expected, g, 1e-3 * (1 + Math.abs(expected)), "seed " + seed);
    }
    float[] after = flat(p);
    for (int i = 0; i < before.length; i++) {
      assertEquals(before[i], after[i], 20 * 3 * 0x1p-24 * (Math.abs(before[i]) + 0.01));
    }
  }

  @Test
  void valueAndGradReturnsTheMeanOfBothLosses() {
    ParameterSet p = model();
    double f0 = quadratic(p);
    ValueAndGrad r =
        Mezo.valueAndGrad((ParameterSet params, Void b) -> quadratic(params))
            .apply(p, EPS, 7, null, SERIAL);
    assertEquals((r.lossPlus() + r.lossMinus()) / 2, r.value());
    assertEquals((r.lossPlus() - r.lossMinus()) / (2 * (double) (float) EPS), r.grad());
    assertNotEquals(r.lossPlus(), r.lossMinus());
    // The midpoint differs from f(theta) by eps^2 z'Az / 2 only.
    assertEquals(f0, r.value(), 1e-4);
    double g =
        Mezo.grad((ParameterSet params, Void b) -> quadratic(params))
            .apply(p, EPS, 7, null, SERIAL);
    assertEquals(g, r.grad(), 1e-9);
  }

  @Test
  void auxValuesComeFromThePlusAndMinusEvaluations() {
    ParameterSet p = model();
    // aux: b as the objective saw it; it must be b + eps z_b, then b - eps z_b.
    AuxObjective<Void, Float> f =
        (params, batch) -> new LossAndAux<>(quadratic(params), params.get("b").get(0));
    float b = p.get("b").get(0);
    double zb = noise(p, 11)[5];
    GradAndAux<Float> ga = Mezo.gradWithAux(f).apply(p, EPS, 11, null, SERIAL);
    assertEquals(b + EPS * zb, ga.auxPlus(), 1e-6);
    assertEquals(b - EPS * zb, ga.auxMinus(), 1e-6);
    assertEquals(directional(p, 11), ga.grad(), 1e-3);
    ValueAndGradWithAux<Float> va = Mezo.valueAndGradWithAux(f).apply(p, EPS, 11, null, SERIAL);
    // The first call's restore may drift theta by an ulp, so compare with a tolerance.
    assertEquals(ga.grad(), va.grad(), 1e-3);
    assertEquals(ga.auxPlus(), va.auxPlus(), 1e-6);
    assertEquals((va.lossPlus() + va.lossMinus()) / 2, va.value());
  }

  @Test
  void applyUpdatesSubtractsCoefficientTimesZ() {
    ParameterSet p = model();
    float[] before = flat(p);
    double[] z = noise(p, 3);
    Mezo.applyUpdates(p, 0.25, 3, SERIAL);
    float[] after = flat(p);
    for (int i = 0; i < 6; i++) {
      assertEquals(before[i] - 0.25 * z[i], after[i], 1e-6, "element " + i);
    }
  }

  @Test
  void sgdStepEqualsGradThenUpdateInThreePasses() {
    ParameterSet fused = model();
    ParameterSet reference = model();
    double lr = 0.05;
    Objective<Void> f = (params, b) -> quadratic(params);
    ValueAndGrad r = Mezo.sgdStep(f).apply(fused, EPS, lr, 5, null, SERIAL);
    double g = Mezo.grad(f).apply(reference, EPS, 5, null, SERIAL);
    assertEquals(g, r.grad()); // same two evaluations, same bits
    Mezo.applyUpdates(reference, lr * g, 5, SERIAL);
    float[] a = flat(fused);
    float[] b = flat(reference);
    for (int i = 0; i < 6; i++) {
      assertEquals(b[i], a[i], 1e-6, "element " + i);
    }
    assertTrue(quadratic(fused) < quadratic(model()) || g == 0);
  }

  @Test
  void sgdStepWithNanLossOnlyRestores() {
    ParameterSet p = model();
    float[] before = flat(p);
    ValueAndGrad r =
        Mezo.sgdStep((ParameterSet params, Void b) -> Double.NaN)
            .apply(p, EPS, 0.1, 5, null, SERIAL);
    assertTrue(Double.isNaN(r.grad()));
    float[] after = flat(p);
    for (int i = 0; i < 6; i++) {
      assertEquals(before[i], after[i], 1e-6);
    }
  }

  @Test
  void paramsAreRestoredWhenTheObjectiveThrows() {
    ParameterSet p = model();
    float[] before = flat(p);
    int[] calls = {0};
    Objective<Void> f =
        (params, b) -> {
          if (++calls[0] == 2) {
            throw new IllegalStateException("boom");
          }
          return quadratic(params);
        };
    var e = assertThrows(IllegalStateException.class, () -> Mezo.grad(f).apply(p, EPS, 1, null));
    assertEquals("boom", e.getMessage());
    float[] after = flat(p);
    for (int i = 0; i < 6; i++) {
      assertEquals(before[i], after[i], 1e-6);
    }
  }

  @Test
  void transformsTouchOnlyTheSelectionTheyAreGiven() {
    ParameterSet p = model();
    Parameter bBefore = p.get("b").copy();
    ParameterSet weightsOnly = p.select(Selector.glob("w"));
    ParameterSet[] seen = new ParameterSet[1];
    Objective<Void> f =
        (params, b) -> {
          seen[0] = params;
          return quadratic(p);
        };
    double g = Mezo.grad(f).apply(weightsOnly, EPS, 9, null, SERIAL);
    assertSame(weightsOnly, seen[0]);
    Mezo.applyUpdates(weightsOnly, 0.1 * g, 9, SERIAL);
    Mezo.sgdStep(f).apply(weightsOnly, EPS, 0.1, 10, null, SERIAL);
    assertTrue(bBefore.contentEquals(p.get("b")), "b was outside the selection");
    assertNotEquals(0.1f, p.get("w").get(0));
  }
}
