package io.github.mezo4j.train.metrics;

import java.util.Arrays;
import java.util.Locale;

/** The metric a task is reported with; larger is better. */
public enum Metric {
  /** The fraction of correct predictions (SST-2, SST-5, TREC, RTE, MNLI, SNLI, BoolQ, ...). */
  ACCURACY("accuracy"),
  /** The unweighted mean of per-class F1 (CB, whose classes are unbalanced). */
  MACRO_F1("macro_f1"),
  /** The F1 of class 1 against the rest, for binary tasks reported that way (e.g. MRPC). */
  POSITIVE_F1("f1");

  private final String label;

  Metric(String label) {
    this.label = label;
  }

  /** The name used in metrics.jsonl and summary.json, e.g. {@code macro_f1}. */
  public String label() {
    return label;
  }

  /** This metric of the class scores {@code [n, numClasses]} against {@code gold[n]}. */
  public double compute(float[] scores, int numClasses, int[] gold) {
    return switch (this) {
      case ACCURACY -> ClassMetrics.accuracy(scores, numClasses, gold);
      case MACRO_F1 -> ClassMetrics.macroF1(scores, numClasses, gold);
      case POSITIVE_F1 -> ClassMetrics.f1(scores, numClasses, gold, 1);
    };
  }

  /**
   * The metric called {@code name} ({@link #label()} or the constant's name, any case).
   *
   * @throws IllegalArgumentException listing the known names
   */
  public static Metric parse(String name) {
    for (Metric m : values()) {
      if (m.label.equalsIgnoreCase(name.strip()) || m.name().equalsIgnoreCase(name.strip())) {
        return m;
      }
    }
    throw new IllegalArgumentException(
        "unknown metric '%s'; expected one of %s"
            .formatted(
                name,
                Arrays.stream(values())
                    .map(Metric::label)
                    .toList()
                    .toString()
                    .toLowerCase(Locale.ROOT)));
  }
}
