package io.github.mezo4j.core.mezo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.method.Estimator;
import io.github.mezo4j.core.method.PerturbationMode;
import io.github.mezo4j.core.noise.Perturbation;
import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.optim.Optimizers;
import io.github.mezo4j.core.optim.Schedule;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The normalized (FZOO) estimator: {@code g_k = (L_k - L0) / sigma}, SGD's update {@code -lr (1/n)
 * sum_k g_k z_k}, no update when sigma is 0, and it trains. Replay, thread counts, resume and the
 * conservative rule are covered with the other estimators in ReplayTest, DeterminismTest and
 * ResumeTest.
 */
class NormalizedEstimatorTest {
  static final long[] SEEDS = {101, 202, 303, 404};
  static final double LR = 0.01;

  @Test
  void specRoundTripsAndOldSpecsStillParse() {
    for (Estimator e :
        new Estimator[] {
          Estimator.normalized(2),
          Estimator.fzoo(7),
          Estimator.twoSided(),
          Estimator.nSpsa(3),
          Estimator.oneSided(4)
        }) {
      assertEquals(e, Estimator.parse(e.spec()), e.spec());
    }
    assertEquals("normalized(4)", Estimator.fzoo(4).spec());
    assertEquals(Estimator.normalized(4), Estimator.parse("normalized(4)"));
    assertEquals(new Estimator(true, 3), Estimator.parse("oneSided(3)"));
    assertEquals(new Estimator(false, 2, false), Estimator.parse("twoSided(2)"));
    Estimator e = Estimator.normalized(5);
    assertTrue(e.isOneSided() && e.isNormalized());
    assertEquals(6, e.forwardPasses(), "n probes and L0");
  }

  @Test
  void oneProbeOrTwoSidedNormalizationIsRefused() {
    var one = assertThrows(IllegalArgumentException.class, () -> Estimator.normalized(1));
    assertTrue(one.getMessage().contains("n >= 2"), one.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Estimator.parse("normalized(1)"));
    var two = assertThrows(IllegalArgumentException.class, () -> new Estimator(false, 3, true));
    assertTrue(two.getMessage().contains("one-sided"), two.getMessage());
  }

  /**
   * A step on MezoTest's quadratic, in place or virtual (the objective then copies and perturbs).
   */
  static StepResult step(
      PerturbationMode mode, ParameterSet model, Estimator est, Objective<Void> objective) {
    MezoConfig c =
        MezoConfig.builder()
            .eps(1e-3)
            .optimizer(Optimizers.sgd(LR))
            .estimator(est)
            .perturbation(mode)
            .build();
    long[] seeds = Arrays.copyOf(SEEDS, est.samples());
    if (mode == PerturbationMode.IN_PLACE) {
      return new MezoStep<>(c, model, objective, Workers.serial()).run(0, seeds, null);
    }
    PerturbedObjective<Void> virtual =
        new PerturbedObjective<>() {
          @Override
          public double loss(Void batch, VirtualPerturbation p) {
            ParameterSet q = model.copy();
            if (!p.isNone()) {
              Perturbation.addScaledNoise(q, p.seed(), p.scale(), Workers.serial());
            }
            return objective.loss(q, batch);
          }

          @Override
          public double[] lossPair(Void batch, VirtualPerturbation p) {
            throw new AssertionError("one-sided probes take single losses");
          }
        };
    return MezoStep.virtual(c, model, virtual, Workers.serial()).run(0, seeds, null);
  }

  @ParameterizedTest
  @EnumSource(PerturbationMode.class)
  void gradsAreProbeDifferencesOverSigmaAndTheUpdateIsFzoos(PerturbationMode mode) {
    ParameterSet p = MezoTest.model();
    float[] before = MezoTest.flat(p);
    double l0 = MezoTest.quadratic(p);
    int n = SEEDS.length;
    StepResult r =
        step(mode, p, Estimator.normalized(n), (params, b) -> MezoTest.quadratic(params));

    assertTrue(r.applied());
    assertEquals(l0, r.loss0(), 0.0, "L0 is the unperturbed loss");
    assertEquals(r.loss0(), r.loss(), 0.0, "the step reports L0");
    double[] lp = r.lossPlus();
    double mean = 0;
    for (double l : lp) {
      mean += l / n;
    }
    double var = 0;
    for (double l : lp) {
      var += (l - mean) * (l - mean) / n;
    }
    double sigma = Math.sqrt(var);
    assertTrue(sigma > 0);
    double[] expected = new double[n];
    for (int k = 0; k < n; k++) {
      expected[k] = (lp[k] - l0) / sigma;
      assertEquals(expected[k], r.grads()[k], 1e-9 * Math.abs(expected[k]), "g_" + k);
    }

    // FZOO: theta <- theta - lr * sum_k (L_k - L0) / (n sigma) * z_k
    float[] after = MezoTest.flat(p);
    double[][] z = new double[n][];
    for (int k = 0; k < n; k++) {
      z[k] = MezoTest.noise(p, SEEDS[k]);
    }
    double largest = 0;
    for (int i = 0; i < after.length; i++) {
      double u = 0;
      for (int k = 0; k < n; k++) {
        u += expected[k] / n * z[k][i];
      }
      double change = -LR * u;
      largest = Math.max(largest, Math.abs(change));
      // f32 weights; in place adds the rounding drift of perturbing and restoring
      assertEquals(change, after[i] - before[i], 1e-6, "element " + i);
    }
    assertTrue(largest > 1e-3, "the step moved the weights: " + largest);
  }

  @ParameterizedTest
  @EnumSource(PerturbationMode.class)
  void equalProbeLossesGiveNoUpdate(PerturbationMode mode) {
    ParameterSet p = MezoTest.model();
    ParameterSet before = p.copy();
    // L0 = 1, every probe 2: sigma is 0 and (L_k - L0) / sigma would be infinite
    int[] calls = {0};
    StepResult r = step(mode, p, Estimator.normalized(3), (params, b) -> calls[0]++ == 0 ? 1 : 2);
    assertEquals(4, calls[0]);
    assertTrue(r.applied());
    assertArrayEquals(new double[] {0, 0, 0}, r.grads(), 0.0);
    if (mode == PerturbationMode.VIRTUAL) {
      assertTrue(p.contentEquals(before), "nothing written");
    } else {
      assertArrayEquals(MezoTest.flat(before), MezoTest.flat(p), 1e-6f, "only restore drift");
    }
  }

  @Test
  void itTrainsAQuadratic() throws Exception {
    ParameterSet p = MezoTest.model();
    double initial = MezoTest.quadratic(p);
    MezoTrainer<Void> t =
        MezoTrainer.builder((ParameterSet params, Void b) -> MezoTest.quadratic(params))
            .eps(1e-3)
            .optimizer(Optimizers.sgd(Schedule.cosineDecay(0.05, 200, 0.0)))
            .estimator(Estimator.normalized(4))
            .runSeed(3)
            .workers(Workers.serial())
            .build(p);
    for (int s = 0; s < 200; s++) {
      t.step(null);
    }
    double last = MezoTest.quadratic(p);
    System.out.printf(
        "normalized(4) on the quadratic: %.4g -> %.3g after 200 steps%n", initial, last);
    assertTrue(last < 0.05 * initial, "final " + last + ", initial " + initial);
  }
}
