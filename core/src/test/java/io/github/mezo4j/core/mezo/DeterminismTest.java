package io.github.mezo4j.core.mezo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.method.Estimator;
import io.github.mezo4j.core.optim.Optimizers;
import io.github.mezo4j.core.optim.Schedule;
import io.github.mezo4j.core.optim.ZoTransform;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.ParameterSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Losses and parameters after N steps are bit-identical with 1, 2 and 8 threads. */
class DeterminismTest {
  static final int STEPS = 12;

  record Run(long[] lossBits, ParameterSet model) {}

  static Run run(int threads, String name) throws Exception {
    ZoTransform opt =
        name.startsWith("adam")
            ? Optimizers.adamw(Schedule.constant(0.005), 0.01)
            : Optimizers.sgd(0.02);
    Estimator est =
        switch (name) {
          case "adam" -> Estimator.nSpsa(2);
          case "normalized" -> Estimator.normalized(3);
          default -> Estimator.twoSided();
        };
    DType dtype = name.endsWith("bf16") ? DType.BF16 : DType.F32;
    ParameterSet model = BigModel.model(dtype);
    long[] losses = new long[STEPS];
    try (Workers w = Workers.of(threads)) {
      MezoTrainer<Integer> t =
          MezoTrainer.builder(BigModel.objective(model, w))
              .optimizer(opt)
              .estimator(est)
              .runSeed(99)
              .workers(w)
              .build(BigModel.trainable(model));
      for (int s = 0; s < STEPS; s++) {
        losses[s] = Double.doubleToRawLongBits(t.step(s % 3).loss());
      }
    }
    return new Run(losses, model);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sgd", "adam", "sgd-bf16", "normalized"})
  void sameBitsWithOneTwoAndEightThreads(String name) throws Exception {
    Run one = run(1, name);
    for (int threads : new int[] {2, 8}) {
      Run other = run(threads, name);
      assertArrayEquals(one.lossBits(), other.lossBits(), threads + " threads: losses");
      assertTrue(one.model().contentEquals(other.model()), threads + " threads: parameters");
    }
    assertTrue(
        !BigModel.model(name.endsWith("bf16") ? DType.BF16 : DType.F32).contentEquals(one.model()),
        "training changed something");
  }
}
