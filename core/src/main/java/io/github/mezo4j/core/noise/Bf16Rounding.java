package io.github.mezo4j.core.noise;

import java.util.Locale;

/**
 * How an update pass rounds the new value of a bf16-stored parameter. f32 parameters are not
 * affected. Recorded in the step log header, because replay must round the same way.
 */
public enum Bf16Rounding {
  /**
   * Round to nearest, ties to even. An update below half a bf16 ulp (2^-9 relative) is lost, which
   * is the usual size of a MeZO update {@code lr * g * z}: bf16 weights then never move.
   */
  NEAREST,
  /**
   * Round up with probability equal to the fraction of an ulp above the lower neighbour ({@link
   * StochasticRounding}): the stored value is the exact one in expectation, so small updates
   * accumulate. The random bits come from a counter-based stream, so runs stay deterministic.
   */
  STOCHASTIC;

  /** The name stored in the step log header: {@code nearest} or {@code stochastic}. */
  public String spec() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The value whose {@link #spec()} is {@code spec}.
   *
   * @throws IllegalArgumentException naming the value and the accepted ones
   */
  public static Bf16Rounding parse(String spec) {
    for (Bf16Rounding r : values()) {
      if (r.spec().equals(spec)) {
        return r;
      }
    }
    throw new IllegalArgumentException(
        "bf16 rounding must be 'nearest' or 'stochastic', got '" + spec + "'");
  }
}
