package io.github.mezo4j.core.mezo;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;

/**
 * A MeZO value-and-gradient function of an {@link AuxObjective}, made by {@link
 * Mezo#valueAndGradWithAux}: mezo-jax's {@code mezo_value_and_grad(fn, has_aux=True)}.
 *
 * @param <B> the batch type
 * @param <A> the auxiliary value's type
 */
@FunctionalInterface
public interface MezoValueAndGradWithAux<B, A> {

  /** As {@link MezoValueAndGrad#apply}, also returning the auxiliary values. */
  ValueAndGradWithAux<A> apply(
      ParameterSet params, double eps, long seed, B batch, Workers workers);

  /** On {@link Workers#shared()}. */
  default ValueAndGradWithAux<A> apply(ParameterSet params, double eps, long seed, B batch) {
    return apply(params, eps, seed, batch, Workers.shared());
  }
}
