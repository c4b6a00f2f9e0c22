package io.github.mezo4j.core.mezo;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;

/**
 * A MeZO value-and-gradient function made by {@link Mezo#valueAndGrad}: mezo-jax's {@code
 * mezo_value_and_grad(fn)}. The value is {@code (L+ + L-) / 2}, as in mezo-jax.
 *
 * @param <B> the batch type
 */
@FunctionalInterface
public interface MezoValueAndGrad<B> {

  /** As {@link MezoGrad#apply}, also returning the losses; see {@link ValueAndGrad}. */
  ValueAndGrad apply(ParameterSet params, double eps, long seed, B batch, Workers workers);

  /** On {@link Workers#shared()}. */
  default ValueAndGrad apply(ParameterSet params, double eps, long seed, B batch) {
    return apply(params, eps, seed, batch, Workers.shared());
  }
}
