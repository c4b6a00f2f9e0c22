package io.github.mezo4j.core.mezo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.method.Estimator;
import io.github.mezo4j.core.optim.Optimizers;
import io.github.mezo4j.core.parallel.Workers;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MezoStepTest {
  @ParameterizedTest
  @CsvSource({
    "twoSided(1), false, 2",
    "twoSided(3), false, 6",
    "oneSided(1), false, 2",
    "oneSided(4), false, 5",
    "twoSided(1), true, 5", // L0, L+, L-, L(theta + delta), L(theta - delta)
    "oneSided(1), true, 4" // L0 is shared
  })
  void forwardPassesPerStepAreAsDocumented(String estimator, boolean conservative, int passes)
      throws Exception {
    int[] calls = {0};
    Objective<Void> f =
        (params, b) -> {
          calls[0]++;
          return MezoTest.quadratic(params);
        };
    Estimator est = Estimator.parse(estimator);
    MezoTrainer<Void> t =
        MezoTrainer.builder(f)
            .optimizer(Optimizers.sgd(0.01))
            .estimator(est)
            .conservative(conservative)
            .workers(Workers.serial())
            .build(MezoTest.model());
    StepResult r = t.step(null);
    assertEquals(passes, calls[0]);
    if (!conservative) {
      assertEquals(est.forwardPasses(), calls[0]);
    }
    assertEquals(est.samples(), r.seeds().length);
    assertEquals(est.samples(), r.grads().length);
    assertTrue(Double.isFinite(r.loss()));
    if (est.isOneSided()) {
      assertEquals(r.loss0(), r.loss(), "one-sided reports the unperturbed loss");
    }
  }
}
