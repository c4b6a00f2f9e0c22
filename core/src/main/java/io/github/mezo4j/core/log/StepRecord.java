package io.github.mezo4j.core.log;

import io.github.mezo4j.core.method.ConservativeChoice;
import java.util.Objects;

/**
 * One training step as the step log stores it: the step index, one (seed, projected gradient) pair
 * per sample, whether the step was skipped, and the conservative rule's choice. With the log's
 * header this is all replay needs.
 *
 * @param step the step index; record i of a log holds step i
 * @param seeds one seed per estimator sample
 * @param grads the coefficient per sample, the projected gradient or the normalized estimator's
 *     {@code (L+_k - L0) / sigma} (may be non-finite only in a skipped step)
 * @param skipped true if a non-finite loss meant no update was applied
 * @param choice the conservative rule's choice ({@link ConservativeChoice#NONE} if off or skipped)
 */
public record StepRecord(
    long step, long[] seeds, double[] grads, boolean skipped, ConservativeChoice choice) {

  /**
   * Checks that there is one gradient per seed and that a skipped step made no choice; copies the
   * arrays.
   */
  public StepRecord {
    Objects.requireNonNull(choice, "choice");
    if (step < 0) {
      throw new IllegalArgumentException("step must be >= 0, got " + step);
    }
    if (seeds.length == 0 || seeds.length != grads.length) {
      throw new IllegalArgumentException(
          "step %d: need one gradient per seed, got %d seeds and %d gradients"
              .formatted(step, seeds.length, grads.length));
    }
    if (skipped && choice != ConservativeChoice.NONE) {
      throw new IllegalArgumentException(
          "step " + step + ": a skipped step has no conservative choice, got " + choice);
    }
    seeds = seeds.clone();
    grads = grads.clone();
  }

  /** A copy of the seeds, one per estimator sample. */
  @Override
  public long[] seeds() {
    return seeds.clone();
  }

  /** A copy of the coefficients, one per sample. */
  @Override
  public double[] grads() {
    return grads.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StepRecord r
        && step == r.step
        && skipped == r.skipped
        && choice == r.choice
        && java.util.Arrays.equals(seeds, r.seeds)
        && java.util.Arrays.equals(grads, r.grads);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        step, skipped, choice, java.util.Arrays.hashCode(seeds), java.util.Arrays.hashCode(grads));
  }

  @Override
  public String toString() {
    return "StepRecord[step=%d, seeds=%s, grads=%s, skipped=%s, choice=%s]"
        .formatted(
            step,
            java.util.Arrays.toString(seeds),
            java.util.Arrays.toString(grads),
            skipped,
            choice);
  }
}
