package io.github.mezo4j.core.mezo;

import io.github.mezo4j.core.param.ParameterSet;

/**
 * An {@link Objective} that also returns an auxiliary value, such as accuracy beside the loss:
 * mezo-jax's {@code has_aux=True}. Only the loss enters the gradient.
 *
 * @param <B> the batch type
 * @param <A> the auxiliary value's type
 */
@FunctionalInterface
public interface AuxObjective<B, A> {
  /** The loss of {@code batch} at the current values of {@code params}, and the auxiliary value. */
  LossAndAux<A> evaluate(ParameterSet params, B batch);
}
