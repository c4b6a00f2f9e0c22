package io.github.mezo4j.train.metrics;

import java.util.Arrays;
import java.util.List;

/**
 * The dev-split number that picks a run's best checkpoint ({@code --metric}), for every model kind.
 * Its {@link #label()} is the name in run.json, metrics.jsonl and summary.json.
 */
public enum DevMetric {
  /** Classification accuracy. */
  ACCURACY("accuracy", true),
  /** The unweighted mean of per-class F1. */
  MACRO_F1("macro_f1", true),
  /** Spearman correlation of cosine against gold score (scored or labeled pairs). */
  SPEARMAN("spearman", true),
  /** Pearson correlation of cosine against gold score. */
  PEARSON("pearson", true),
  /** Mean reciprocal rank of the positive within the top 10 (positive pairs). */
  MRR_AT_10("mrr@10", true),
  /** Fraction of queries whose positive is in the top 10. */
  RECALL_AT_10("recall@10", true),
  /** Fraction of queries whose positive ranks first. */
  RECALL_AT_1("recall@1", true),
  /** Per-token perplexity of a language model (lower is better). */
  PERPLEXITY("perplexity", false);

  private final String label;
  private final boolean higherIsBetter;

  DevMetric(String label, boolean higherIsBetter) {
    this.label = label;
    this.higherIsBetter = higherIsBetter;
  }

  /** The name in files and on the command line, e.g. {@code macro_f1}. */
  public String label() {
    return label;
  }

  /** Whether a larger value is a better checkpoint. */
  public boolean higherIsBetter() {
    return higherIsBetter;
  }

  /** The dev metric a task reported with {@code metric} is checkpointed by. */
  public static DevMetric of(Metric metric) {
    return metric == Metric.ACCURACY ? ACCURACY : MACRO_F1;
  }

  /**
   * The metric labelled {@code label}, one of {@code allowed}.
   *
   * @param what what the metrics are for, for the message (e.g. "scored pairs")
   * @throws IllegalArgumentException naming the value and the allowed labels
   */
  public static DevMetric parse(String label, List<DevMetric> allowed, String what) {
    for (DevMetric m : allowed) {
      if (m.label.equals(label)) {
        return m;
      }
    }
    throw notAllowed(label, allowed, what);
  }

  /**
   * Checks that {@code metric} is one of {@code allowed}.
   *
   * @throws IllegalArgumentException as {@link #parse(String, List, String)}
   */
  public static void check(DevMetric metric, List<DevMetric> allowed, String what) {
    if (!allowed.contains(metric)) {
      throw notAllowed(metric.label, allowed, what);
    }
  }

  private static IllegalArgumentException notAllowed(
      String label, List<DevMetric> allowed, String what) {
    return new IllegalArgumentException(
        "dev metric '%s': %s are reported with %s"
            .formatted(label, what, allowed.stream().map(DevMetric::label).toList()));
  }

  /** {@link #parse(String, List, String)} over every metric. */
  public static DevMetric parse(String label) {
    return parse(label, Arrays.asList(values()), "runs");
  }
}
