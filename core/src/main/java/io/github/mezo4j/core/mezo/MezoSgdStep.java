package io.github.mezo4j.core.mezo;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;

/**
 * One fused MeZO-SGD training step, made by {@link Mezo#sgdStep}: three passes over the weights
 * instead of four, because restoring and updating are one pass: {@code theta += eps z} (L+), {@code
 * theta -= 2 eps z} (L-), then {@code theta += (eps - lr g) z}.
 *
 * @param <B> the batch type
 */
@FunctionalInterface
public interface MezoSgdStep<B> {

  /**
   * Runs the step and returns the losses and gradient. If a loss is NaN or infinite the update is
   * not applied: the parameters are restored (third pass {@code +eps z}) and the returned gradient
   * is not finite, so the caller can tell.
   *
   * @throws IllegalArgumentException for an empty {@code params}, a bad {@code eps}, or an {@code
   *     lr} that is not a finite number >= 0
   */
  ValueAndGrad apply(
      ParameterSet params, double eps, double lr, long seed, B batch, Workers workers);

  /** On {@link Workers#shared()}. */
  default ValueAndGrad apply(ParameterSet params, double eps, double lr, long seed, B batch) {
    return apply(params, eps, lr, seed, batch, Workers.shared());
  }
}
