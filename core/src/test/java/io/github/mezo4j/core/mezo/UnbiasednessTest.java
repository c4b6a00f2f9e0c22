package io.github.mezo4j.core.mezo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.method.Estimator;
import io.github.mezo4j.core.noise.GaussianNoise;
import io.github.mezo4j.core.optim.Optimizers;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * On a quadratic, the implicit gradient {@code (1/n) sum_k g_k z_k} is an unbiased estimate of the
 * true gradient for every estimator (two-sided differences are exact on a quadratic; the one-sided
 * bias {@code eps/2 E[(z'Az) z]} vanishes because odd moments of z are 0). Tolerance: each
 * component of the mean over N = 20,000 steps lies within 5 standard errors (estimated from the
 * samples) of the true gradient; the standard error itself must be under 3% of |grad|, so the test
 * has power.
 */
class UnbiasednessTest {
  static final int N = 20_000;

  @ParameterizedTest
  @ValueSource(strings = {"twoSided(1)", "oneSided(1)", "twoSided(4)", "oneSided(3)"})
  void meanImplicitGradientApproachesTheTrueGradient(String estimator) {
    ParameterSet p = MezoTest.model();
    float[] theta = MezoTest.flat(p);
    double[] truth = new double[6];
    double norm = 0;
    for (int i = 0; i < 6; i++) {
      truth[i] = MezoTest.A[i] * (theta[i] - MezoTest.C[i]);
      norm += truth[i] * truth[i];
    }
    norm = Math.sqrt(norm);

    // scale(0): estimate only; the fused pass restores the parameters and updates nothing.
    MezoConfig config =
        MezoConfig.builder()
            .eps(1e-3)
            .estimator(Estimator.parse(estimator))
            .optimizer(Optimizers.scale(0.0))
            .build();
    MezoStep<Void> step =
        new MezoStep<>(config, p, (params, b) -> MezoTest.quadratic(params), Workers.serial());
    int n = config.estimator().samples();
    long idW = p.get("w").id();
    long idB = p.get("b").id();
    double[] sum = new double[6];
    double[] sumSq = new double[6];
    for (int t = 0; t < N; t++) {
      StepResult r = step.run(t, StepSeeds.forStep(77, t, n), null);
      double[] est = new double[6];
      for (int k = 0; k < n; k++) {
        long s = r.seeds()[k];
        for (int i = 0; i < 6; i++) {
          double z = i < 5 ? GaussianNoise.normal(s, idW, i) : GaussianNoise.normal(s, idB, 0);
          est[i] += r.grads()[k] * z / n;
        }
      }
      for (int i = 0; i < 6; i++) {
        sum[i] += est[i];
        sumSq[i] += est[i] * est[i];
      }
    }
    for (int i = 0; i < 6; i++) {
      double mean = sum[i] / N;
      double sd = Math.sqrt(Math.max(0, sumSq[i] / N - mean * mean));
      double se = sd / Math.sqrt(N);
      assertTrue(se < 0.03 * norm, "standard error %g too large vs |grad| %g".formatted(se, norm));
      assertTrue(
          Math.abs(mean - truth[i]) <= 5 * se,
          "%s component %d: mean %.5f, true %.5f, 5 SE = %.5f"
              .formatted(estimator, i, mean, truth[i], 5 * se));
    }
  }
}
