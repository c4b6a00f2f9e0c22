package io.github.mezo4j.core.mezo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import org.junit.jupiter.api.Test;

/** mezo-jax's README example, in mezo4j: fn(params, x) = ((x @ w + b)^2).mean(), grad, update. */
class ReadmeExampleTest {

  @Test
  void readmeExampleRunsAndLowersTheLoss() {
    // params = {'w': jnp.ones((2,2)), 'b': jnp.zeros((2,))}
    ParameterSet params =
        ParameterSet.of(
            Parameter.f32("w", new int[] {2, 2}, new float[] {1, 1, 1, 1}),
            Parameter.zeros("b", DType.F32, 2));
    // def fn(params, x): y = x @ params['w'] + params['b']; return (y**2).mean()
    Objective<float[]> fn =
        (p, x) -> {
          float[] w = p.get("w").f32Data();
          float[] b = p.get("b").f32Data();
          double sum = 0;
          for (int j = 0; j < 2; j++) {
            double y = x[0] * w[j] + x[1] * w[2 + j] + b[j];
            sum += y * y;
          }
          return sum / 2;
        };
    MezoGrad<float[]> gradFn = Mezo.grad(fn); // grad_fn = mezo_grad(fn)
    float[] x = {0.3f, -1.2f};
    double scale = 1e-3;
    double learningRate = 1e-4;
    long seed = 0xffff;
    double grad = gradFn.apply(params, scale, seed, x); // grad_fn(params, scale, mezo_key, x)
    Mezo.applyUpdates(params, learningRate * grad, seed); // apply_updates(params, lr*grad, key)

    // ...and a few hundred more steps with a usable learning rate actually train it
    double before = fn.loss(params, x);
    for (long s = 1; s <= 300; s++) {
      double g = gradFn.apply(params, scale, s, x);
      Mezo.applyUpdates(params, 0.05 * g, s);
    }
    double after = fn.loss(params, x);
    assertTrue(after < 0.01 * before, "loss " + before + " -> " + after);
  }
}
