package io.github.mezo4j.core.mezo;

import io.github.mezo4j.core.log.StepRecord;
import io.github.mezo4j.core.method.ConservativeChoice;

/**
 * What one training step did. Losses are NaN where they were not evaluated (and always in replay).
 *
 * @param step the step index
 * @param seeds one seed per sample
 * @param grads the coefficient of each sample: its projected gradient, or for the normalized
 *     estimator {@code (L+_k - L0) / sigma}
 * @param loss the step's loss estimate: {@code loss0} for the one-sided estimator, else the mean
 *     over samples of {@code (L+ + L-) / 2} (mezo-jax's value); NaN in replay
 * @param lossPlus {@code L(theta + eps z_k)} per sample
 * @param lossMinus {@code L(theta - eps z_k)} per sample (NaN for the one-sided estimator)
 * @param loss0 {@code L(theta)} if evaluated (one-sided estimator, conservative rule), else NaN
 * @param applied false if the step was skipped for a non-finite loss
 * @param choice the conservative rule's choice, {@link ConservativeChoice#NONE} if off or skipped
 */
public record StepResult(
    long step,
    long[] seeds,
    double[] grads,
    double loss,
    double[] lossPlus,
    double[] lossMinus,
    double loss0,
    boolean applied,
    ConservativeChoice choice) {

  /** This step as a step-log record. */
  public StepRecord toRecord() {
    return new StepRecord(step, seeds, grads, !applied, choice);
  }
}
