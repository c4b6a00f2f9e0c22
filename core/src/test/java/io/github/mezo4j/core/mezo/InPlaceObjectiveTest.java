package io.github.mezo4j.core.mezo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.mezo4j.core.noise.Perturbation;
import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The in-place adapter makes exactly the weight passes the in-place step is documented to make. */
class InPlaceObjectiveTest {
  private static final float EPS = 1e-3f;

  @Test
  void movesLazilyBetweenPerturbationsAndRestores() {
    ParameterSet params = Problems.linearModel(300, 1, 3.0);
    ParameterSet expected = Problems.linearModel(300, 1, 3.0);
    List<float[]> seen = new ArrayList<>();
    InPlaceObjective<Void> a =
        new InPlaceObjective<>(
            (p, b) -> {
              seen.add(p.get("w").f32Data().clone());
              return 0;
            },
            params,
            Workers.serial());
    VirtualPerturbation plusA = new VirtualPerturbation(params, 11, EPS);
    VirtualPerturbation plusB = new VirtualPerturbation(params, 12, EPS);

    a.loss(null, plusA);
    pass(expected, 11, EPS);
    assertArrayEquals(w(expected), seen.get(0));
    a.loss(null, plusA.negated()); // same direction: one pass of -2 eps z
    pass(expected, 11, -2 * EPS);
    assertArrayEquals(w(expected), seen.get(1));
    a.loss(null, plusB); // another direction: back to theta, then forward
    pass(expected, 11, EPS);
    pass(expected, 12, EPS);
    assertArrayEquals(w(expected), seen.get(2));
    a.loss(null, VirtualPerturbation.none());
    pass(expected, 12, -EPS);
    assertArrayEquals(w(expected), seen.get(3));
    a.restore(); // nothing written: no pass
    assertArrayEquals(w(expected), w(params));
  }

  @Test
  void leavesTheLastDirectionForTheUpdateToRemove() {
    ParameterSet params = Problems.linearModel(300, 2, 3.0);
    ParameterSet expected = Problems.linearModel(300, 2, 3.0);
    InPlaceObjective<Void> a = new InPlaceObjective<>((p, b) -> 0, params, Workers.serial());
    VirtualPerturbation plus = new VirtualPerturbation(params, 5, EPS);
    a.lossPair(null, plus);
    assertEquals(-EPS, a.takeWritten(5));
    assertEquals(0f, a.takeWritten(5), "taken once");
    pass(expected, 5, EPS);
    pass(expected, 5, -2 * EPS);
    assertArrayEquals(w(expected), w(params), "the caller now owns the removal");

    a.loss(null, plus);
    assertEquals(0f, a.takeWritten(6), "another direction is restored, not handed over");
    pass(expected, 5, EPS);
    pass(expected, 5, -EPS);
    assertArrayEquals(w(expected), w(params));
  }

  @Test
  void sgdStepFoldsTheRestoreIntoTheUpdate() {
    ParameterSet params = Problems.linearModel(300, 3, 3.0);
    ParameterSet expected = Problems.linearModel(300, 3, 3.0);
    Objective<Void> f =
        (p, b) -> {
          double s = 0;
          for (float x : p.get("w").f32Data()) {
            s += x * x;
          }
          return s;
        };
    double lr = 1e-4;
    ValueAndGrad r = Mezo.sgdStep(f).apply(params, EPS, lr, 9, null, Workers.serial());
    pass(expected, 9, EPS);
    assertEquals(f.loss(expected, null), r.lossPlus());
    pass(expected, 9, -2 * EPS);
    assertEquals(f.loss(expected, null), r.lossMinus());
    pass(expected, 9, (float) (EPS - lr * r.grad()));
    assertArrayEquals(w(expected), w(params));
  }

  private static void pass(ParameterSet p, long seed, float scale) {
    Perturbation.addScaledNoise(p, seed, scale, Workers.serial());
  }

  private static float[] w(ParameterSet p) {
    return p.get("w").f32Data();
  }
}
