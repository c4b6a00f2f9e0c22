package io.github.mezo4j.core.method;

import java.util.Locale;

/**
 * Where a MeZO step's perturbation {@code theta +- eps z} lives. Recorded in the step log header:
 * the two modes make different passes over the weights, so replay must know which one ran.
 */
public enum PerturbationMode {
  /**
   * The weights are perturbed in place ({@code +eps z}, {@code -2 eps z}) for an {@link
   * io.github.mezo4j.core.mezo.Objective} that reads them, then restored by the update pass: 3
   * passes over the weights per two-sided step, and the rounding of those passes leaves a small
   * deterministic drift.
   */
  IN_PLACE,
  /**
   * The weights are never written during the estimate: a {@link
   * io.github.mezo4j.core.mezo.PerturbedObjective} gets a {@link
   * io.github.mezo4j.core.noise.VirtualPerturbation} and applies it while reading the weights.
   * Restoring is exact and free; the update is one pass over the weights.
   */
  VIRTUAL;

  /** The name stored in the step log header: {@code in-place} or {@code virtual}. */
  public String spec() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /**
   * The mode whose {@link #spec()} is {@code spec}.
   *
   * @throws IllegalArgumentException naming the value and the accepted ones
   */
  public static PerturbationMode parse(String spec) {
    for (PerturbationMode m : values()) {
      if (m.spec().equals(spec)) {
        return m;
      }
    }
    throw new IllegalArgumentException(
        "perturbation mode must be 'in-place' or 'virtual', got '" + spec + "'");
  }
}
