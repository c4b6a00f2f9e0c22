package io.github.mezo4j.core.mezo;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.method.Estimator;
import io.github.mezo4j.core.optim.Optimizers;
import io.github.mezo4j.core.optim.Schedule;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.core.param.Selector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bad inputs fail with an IllegalArgumentException that names the value. */
class ValidationTest {
  static final Objective<Void> F = (params, b) -> MezoTest.quadratic(params);

  static void assertMessageHas(Throwable e, String part) {
    assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' lacks " + part);
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.0, -1e-3, Double.NaN, Double.POSITIVE_INFINITY, 1e-60})
  void badEpsIsRejectedEverywhere(double eps) {
    ParameterSet p = MezoTest.model();
    String shown = Double.toString(eps);
    assertMessageHas(
        assertThrows(
            IllegalArgumentException.class,
            () -> Mezo.grad(F).apply(p, eps, 1, null, Workers.serial())),
        shown);
    assertMessageHas(
        assertThrows(
            IllegalArgumentException.class,
            () -> Mezo.sgdStep(F).apply(p, eps, 0.1, 1, null, Workers.serial())),
        shown);
    assertMessageHas(
        assertThrows(
            IllegalArgumentException.class,
            () -> MezoConfig.builder().eps(eps).optimizer(Optimizers.sgd(0.1)).build()),
        shown);
    assertTrue(MezoTest.model().contentEquals(p), "params untouched");
  }

  @ParameterizedTest
  @ValueSource(doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.1})
  void badLearningRateIsRejected(double lr) {
    String shown = Double.toString(lr);
    assertMessageHas(
        assertThrows(IllegalArgumentException.class, () -> Schedule.constant(lr)), shown);
    assertMessageHas(assertThrows(IllegalArgumentException.class, () -> Optimizers.sgd(lr)), shown);
    assertMessageHas(
        assertThrows(
            IllegalArgumentException.class,
            () -> Mezo.sgdStep(F).apply(MezoTest.model(), 1e-3, lr, 1, null, Workers.serial())),
        shown);
    if (!Double.isFinite(lr)) {
      assertMessageHas(
          assertThrows(
              IllegalArgumentException.class,
              () -> Mezo.applyUpdates(MezoTest.model(), lr, 1, Workers.serial())),
          shown);
    }
  }

  @Test
  void scheduleGoingNonFiniteMidRunFailsTheStepAndRestores() throws Exception {
    Schedule exploding =
        new Schedule() {
          @Override
          public double value(long count) {
            return count < 2 ? 0.01 : Double.NaN;
          }

          @Override
          public String spec() {
            return "exploding()";
          }
        };
    ParameterSet p = MezoTest.model();
    MezoTrainer<Void> t =
        MezoTrainer.builder(F)
            .optimizer(Optimizers.sgd(exploding))
            .workers(Workers.serial())
            .build(p);
    t.step(null);
    t.step(null);
    float[] before = MezoTest.flat(p);
    var e = assertThrows(IllegalArgumentException.class, () -> t.step(null));
    assertMessageHas(e, "step 2");
    assertMessageHas(e, "NaN");
    float[] after = MezoTest.flat(p);
    for (int i = 0; i < before.length; i++) {
      org.junit.jupiter.api.Assertions.assertEquals(before[i], after[i], 1e-6);
    }
    org.junit.jupiter.api.Assertions.assertEquals(2, t.nextStep());
  }

  @Test
  void emptySelectionIsAClearError() {
    ParameterSet none = MezoTest.model().select(Selector.glob("no.such.*"));
    String part = "empty";
    assertMessageHas(
        assertThrows(
            IllegalArgumentException.class,
            () -> Mezo.grad(F).apply(none, 1e-3, 1, null, Workers.serial())),
        part);
    assertMessageHas(
        assertThrows(
            IllegalArgumentException.class,
            () -> Mezo.valueAndGrad(F).apply(none, 1e-3, 1, null, Workers.serial())),
        part);
    assertMessageHas(
        assertThrows(
            IllegalArgumentException.class,
            () -> Mezo.applyUpdates(none, 0.1, 1, Workers.serial())),
        part);
    assertMessageHas(
        assertThrows(
            IllegalArgumentException.class,
            () -> MezoTrainer.builder(F).optimizer(Optimizers.sgd(0.1)).build(none)),
        part);
  }

  @Test
  void nonFiniteUpdateCoefficientIsRejected() {
    assertMessageHas(
        assertThrows(
            IllegalArgumentException.class,
            () -> Mezo.applyUpdates(MezoTest.model(), Double.NaN, 1, Workers.serial())),
        "NaN");
  }

  @Test
  void conservativeRuleRejectsStatefulOptimizers() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                MezoConfig.builder()
                    .optimizer(Optimizers.sgdMomentum(Schedule.constant(0.1), 0.9))
                    .conservative(true)
                    .build());
    assertMessageHas(e, "momentum(0.9)");
  }

  @Test
  void estimatorNeedsAtLeastOneSample() {
    assertMessageHas(
        assertThrows(IllegalArgumentException.class, () -> Estimator.twoSided(0)), "0");
    assertMessageHas(
        assertThrows(IllegalArgumentException.class, () -> Estimator.parse("threeSided(1)")),
        "threeSided");
  }
}
