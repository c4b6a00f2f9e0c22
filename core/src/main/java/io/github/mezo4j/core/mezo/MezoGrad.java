package io.github.mezo4j.core.mezo;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;

/**
 * A MeZO gradient function made by {@link Mezo#grad}: mezo-jax's {@code mezo_grad(fn)}.
 *
 * @param <B> the batch type
 */
@FunctionalInterface
public interface MezoGrad<B> {

  /**
   * Evaluates the objective at {@code theta + eps z} and {@code theta - eps z}, with {@code z}
   * regenerated from {@code seed}, and returns the projected gradient {@code (L+ - L-) / (2 eps)}.
   * {@code params} are restored afterwards, up to the rounding bound stated on {@link Mezo}.
   *
   * @throws IllegalArgumentException for an empty {@code params} or an {@code eps} that is not a
   *     finite number > 0
   */
  double apply(ParameterSet params, double eps, long seed, B batch, Workers workers);

  /** {@link #apply(ParameterSet, double, long, Object, Workers)} on {@link Workers#shared()}. */
  default double apply(ParameterSet params, double eps, long seed, B batch) {
    return apply(params, eps, seed, batch, Workers.shared());
  }
}
