package io.github.mezo4j.core.mezo;

import io.github.mezo4j.core.param.ParameterSet;

/**
 * A scalar function of the parameters and a batch: the thing MeZO minimizes. It need not be
 * differentiable; negative accuracy works like cross-entropy. It is evaluated at perturbed
 * parameters, so it must read the parameters' current values on every call (models usually hold
 * references to their {@code Parameter}s and ignore the argument, or look them up by name).
 *
 * <p>For bit-identical results across thread counts, the function must reduce in a fixed order.
 *
 * @param <B> the batch type
 */
@FunctionalInterface
public interface Objective<B> {
  /**
   * The loss at the parameters' current values. NaN or infinity is handled by {@link NanPolicy}.
   */
  double loss(ParameterSet params, B batch);
}
