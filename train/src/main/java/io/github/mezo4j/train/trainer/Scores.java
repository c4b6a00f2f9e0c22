package io.github.mezo4j.train.trainer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.train.metrics.DevMetric;

/**
 * A model's metrics on one set, as every kind of run reports them: the loss of its objective, the
 * named metrics, and one JSON vocabulary ({@code prefix + name}: {@code dev_loss}, {@code
 * dev_accuracy}, {@code dev_macro_f1}, {@code dev_spearman}, {@code dev_perplexity}, ...).
 */
public interface Scores {
  /** The loss of the run's objective over the set. */
  double loss();

  /**
   * The value of {@code metric}.
   *
   * @throws IllegalArgumentException if this kind of run does not measure it
   */
  double metric(DevMetric metric);

  /** Puts the loss and every metric that applies as {@code prefix + name}. */
  void putInto(ObjectNode json, String prefix);
}
