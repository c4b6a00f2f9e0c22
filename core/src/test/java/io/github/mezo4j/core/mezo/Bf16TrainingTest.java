package io.github.mezo4j.core.mezo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.noise.Bf16Rounding;
import io.github.mezo4j.core.noise.GaussianNoise;
import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.optim.Optimizers;
import io.github.mezo4j.core.optim.ZoUpdater;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import org.junit.jupiter.api.Test;

/** bf16 weights with stochastically rounded updates: unbiased, deterministic, and they learn. */
class Bf16TrainingTest {
  static final int N = 1 << 16;

  static ParameterSet ones(DType dtype) {
    float[] v = new float[N];
    java.util.Arrays.fill(v, 1f);
    return ParameterSet.of(Parameter.of("w", dtype, new int[] {N}, v));
  }

  @Test
  void anUpdateBelowBf16ResolutionSurvivesInExpectation() {
    long[] seeds = {31};
    double[] grads = {1.0};
    double lr = 1e-4; // |lr z| ~ 1e-4, bf16 ulp at 1 is 2^-7 = 0.0078
    ParameterSet nearest = ones(DType.BF16);
    new ZoUpdater(Optimizers.sgd(lr), nearest, Bf16Rounding.NEAREST)
        .update(seeds, grads, 0f, Workers.serial());
    assertTrue(nearest.contentEquals(ones(DType.BF16)), "round to nearest loses every update");

    ParameterSet stochastic = ones(DType.BF16);
    new ZoUpdater(Optimizers.sgd(lr), stochastic, Bf16Rounding.STOCHASTIC)
        .update(seeds, grads, 0f, Workers.of(2));
    float[] z = new float[N];
    GaussianNoise.fill(31, stochastic.get("w").id(), 0, z, 0, N);
    float[] got = stochastic.get("w").toFloatArray();
    double bias = 0;
    double variance = 0;
    int moved = 0;
    for (int i = 0; i < N; i++) {
      float exact = 1f - (float) lr * z[i]; // what an f32 weight would hold
      bias += got[i] - exact;
      moved += got[i] != 1f ? 1 : 0;
      // a rounding error is at most one ulp (2^-7 above 1, 2^-8 below)
      variance += Math.pow(2, -14) / 4;
    }
    double sigma = Math.sqrt(variance) / N;
    assertEquals(0, bias / N, 5 * sigma, "mean rounding error ~ 0 (sigma " + sigma + ")");
    assertTrue(moved > N / 200, "some weights moved a whole ulp: " + moved);
  }

  @Test
  void stochasticUpdatesAreIdenticalOnAnyThreadCount() {
    ParameterSet one = BigModel.model(DType.BF16);
    ParameterSet three = BigModel.model(DType.BF16);
    long[] seeds = {4, 5};
    double[] grads = {0.3, -0.7};
    ZoUpdater a = new ZoUpdater(Optimizers.sgd(1e-3), one, Bf16Rounding.STOCHASTIC);
    ZoUpdater b = new ZoUpdater(Optimizers.sgd(1e-3), three, Bf16Rounding.STOCHASTIC);
    try (Workers w3 = Workers.of(3)) {
      for (int step = 0; step < 3; step++) {
        a.update(seeds, grads, 0f, Workers.serial());
        b.update(seeds, grads, 0f, w3);
      }
    }
    assertTrue(one.contentEquals(three), "1 thread = 3 threads, bit for bit");
    assertTrue(!one.contentEquals(BigModel.model(DType.BF16)), "the weights moved");
  }

  @Test
  void aBf16RunLearnsWithStochasticRoundingAndStallsWithNearest() throws Exception {
    double start = loss(weights(DType.BF16), Bf16Rounding.NEAREST, 0);
    double nearest = loss(weights(DType.BF16), Bf16Rounding.NEAREST, STEPS);
    double stochastic = loss(weights(DType.BF16), Bf16Rounding.STOCHASTIC, STEPS);
    double f32 = loss(weights(DType.F32), Bf16Rounding.NEAREST, STEPS);
    assertTrue(f32 < 0.8 * start, "the f32 run learns: " + start + " -> " + f32);
    assertTrue(
        start - nearest < 0.1 * (start - f32),
        "nearest loses (almost) every update: " + start + " -> " + nearest);
    // Rounding adds variance but no bias: the bf16 run follows the f32 run.
    assertEquals(f32, stochastic, 0.25 * (start - f32), "f32 " + f32 + ", bf16 " + stochastic);
  }

  static final int SMALL = 16;
  static final int STEPS = 4000;

  static ParameterSet weights(DType dtype) {
    float[] v = new float[SMALL];
    java.util.Arrays.fill(v, 1f);
    return ParameterSet.of(Parameter.of("w", dtype, new int[] {SMALL}, v));
  }

  /**
   * Mean squared distance of w to 0.5 after {@code steps} virtual MeZO-SGD steps whose updates (|lr
   * g z| below 2e-3) stay under half a bf16 ulp (2^-9 in [0.5, 1)).
   */
  private static double loss(ParameterSet model, Bf16Rounding rounding, int steps)
      throws Exception {
    Parameter w = model.get("w");
    PerturbedObjective<Integer> f =
        (batch, p) -> {
          float[] z = new float[SMALL];
          boolean noisy = p.covers(w);
          if (noisy) {
            GaussianNoise.fill(p.seed(), w.id(), 0, z, 0, SMALL);
          }
          double s = 0;
          for (int i = 0; i < SMALL; i++) {
            float v = noisy ? Math.fma(p.scale(), z[i], w.get(i)) : w.get(i);
            s += (v - 0.5) * (v - 0.5);
          }
          return s / SMALL;
        };
    try (MezoTrainer<Integer> t =
        MezoTrainer.virtualBuilder(f)
            .eps(1e-3)
            .optimizer(Optimizers.sgd(5e-4))
            .bf16Rounding(rounding)
            .runSeed(3)
            .workers(Workers.serial())
            .build(model)) {
      for (int s = 0; s < steps; s++) {
        t.step(s);
      }
    }
    return f.loss(0, VirtualPerturbation.none());
  }
}
