package io.github.mezo4j.core.mezo;

/**
 * What a training step does when a loss it needs is NaN or infinite. In both cases the parameters
 * are restored (up to the rounding drift stated on {@link Mezo}) and no update is applied.
 */
public enum NanPolicy {
  /**
   * Skip the step: log a warning (System.Logger {@code io.github.mezo4j.core.mezo.MezoStep}) naming
   * the step and seed, record the step as skipped in the step log, and go on. The optimizer's
   * update count does not advance.
   */
  SKIP,
  /** Throw {@link NonFiniteLossException} naming the step and seed; nothing is logged. */
  FAIL
}
