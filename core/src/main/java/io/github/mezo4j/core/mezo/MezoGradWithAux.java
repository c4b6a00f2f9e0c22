package io.github.mezo4j.core.mezo;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;

/**
 * A MeZO gradient function of an {@link AuxObjective}, made by {@link Mezo#gradWithAux}: mezo-jax's
 * {@code mezo_grad(fn, has_aux=True)}.
 *
 * @param <B> the batch type
 * @param <A> the auxiliary value's type
 */
@FunctionalInterface
public interface MezoGradWithAux<B, A> {

  /** As {@link MezoGrad#apply}, also returning the auxiliary values; see {@link GradAndAux}. */
  GradAndAux<A> apply(ParameterSet params, double eps, long seed, B batch, Workers workers);

  /** On {@link Workers#shared()}. */
  default GradAndAux<A> apply(ParameterSet params, double eps, long seed, B batch) {
    return apply(params, eps, seed, batch, Workers.shared());
  }
}
