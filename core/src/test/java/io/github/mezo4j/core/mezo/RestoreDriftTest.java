package io.github.mezo4j.core.mezo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.noise.GaussianNoise;
import io.github.mezo4j.core.optim.Optimizers;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * In-place perturb (+eps z), perturb (-2 eps z), restore (+eps z) brings every element back within
 * the bound stated on {@link Mezo}: {@code |drift| <= 3 u (|theta| + eps |z|)}, u = 2^-24 (f32) or
 * 2^-8 (bf16). Checked for the plain transform and for the trainer's fused restore pass.
 */
class RestoreDriftTest {
  static final double EPS = 1e-3;
  static final int N = 20_000;

  static ParameterSet params(DType dtype) {
    SplittableRandom r = new SplittableRandom(5);
    float[] v = new float[N];
    for (int i = 0; i < N; i++) {
      // magnitudes from 1e-4 to 10, both signs: where eps z is large and small vs theta
      double mag = Math.pow(10, -4 + 5 * r.nextDouble());
      v[i] = (float) (r.nextBoolean() ? mag : -mag);
    }
    return ParameterSet.of(Parameter.of("weights", dtype, new int[] {N}, v));
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void restoreDriftStaysWithinTheStatedBound(DType dtype) throws Exception {
    double u = dtype == DType.F32 ? 0x1p-24 : 0x1p-8;
    ParameterSet p = params(dtype);
    Objective<Void> zero = (params, b) -> 0.0;
    // the trainer's fused pass: scale(0) estimates, restores in the update pass, updates nothing
    MezoTrainer<Void> fused =
        MezoTrainer.builder(zero)
            .eps(EPS)
            .optimizer(Optimizers.scale(0.0))
            .workers(Workers.serial())
            .runSeed(8)
            .build(p);
    Parameter w = p.get("weights");
    double worst = 0;
    long drifted = 0;
    for (int round = 0; round < 8; round++) {
      float[] before = w.toFloatArray();
      long seed;
      if (round % 2 == 0) {
        seed = 1000 + round;
        Mezo.grad(zero).apply(p, EPS, seed, null, Workers.serial());
      } else {
        seed = StepSeeds.of(8, fused.nextStep(), 0);
        fused.step(null);
      }
      float[] after = w.toFloatArray();
      for (int i = 0; i < N; i++) {
        double z = GaussianNoise.normal(seed, w.id(), i);
        double bound = 3 * u * (Math.abs(before[i]) + EPS * Math.abs(z)) * (1 + 1e-3);
        double d = Math.abs((double) after[i] - before[i]);
        assertTrue(
            d <= bound,
            "%s round %d element %d: theta %g drifted by %g > bound %g"
                .formatted(dtype, round, i, before[i], d, bound));
        worst = Math.max(worst, d / (u * (Math.abs(before[i]) + EPS * Math.abs(z))));
        drifted += d > 0 ? 1 : 0;
      }
    }
    System.out.printf(
        "restore drift %s: %.2f%% of elements moved; worst |drift| = %.3f u (|theta| + eps|z|)"
            + " (bound 3)%n",
        dtype, 100.0 * drifted / (8.0 * N), worst);
    // In-place restore is not exact: this is why replay repeats the perturbation passes.
    assertTrue(drifted > 0, "some element drifted");
  }
}
