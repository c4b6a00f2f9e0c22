package io.github.mezo4j.core.mezo;

/**
 * Thrown under {@link NanPolicy#FAIL} when a loss is NaN or infinite. The parameters have been
 * restored and no update applied, so training may continue (with another batch, say).
 */
public final class NonFiniteLossException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The step whose loss was not finite. */
  private final long step;

  /** The seed of the sample whose loss was not finite. */
  private final long seed;

  /** The loss of sample {@code seed} at {@code step} was not finite, as {@code message} says. */
  public NonFiniteLossException(long step, long seed, String message) {
    super(message);
    this.step = step;
    this.seed = seed;
  }

  /** The step whose loss was not finite. */
  public long step() {
    return step;
  }

  /** The seed of the sample whose loss was not finite. */
  public long seed() {
    return seed;
  }
}
