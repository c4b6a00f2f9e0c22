package io.github.mezo4j.train.trainer;

import java.util.Locale;

/**
 * What MeZO minimises on each batch. MeZO only needs loss values, so the non-differentiable metrics
 * can be trained on directly (the MeZO paper's Table 3 setting): their losses are {@code 1 -
 * accuracy} and {@code 1 - macro F1}.
 */
public enum TrainObjective {
  /** Mean cross-entropy. */
  CE("ce", "accuracy"),
  /** {@code 1 - accuracy}. */
  ACCURACY("accuracy", "accuracy"),
  /** {@code 1 - macro F1}. */
  F1("f1", "f1");

  private final String cliName;
  private final String devMetric;

  TrainObjective(String cliName, String devMetric) {
    this.cliName = cliName;
    this.devMetric = devMetric;
  }

  /** The {@code --objective} value. */
  public String cliName() {
    return cliName;
  }

  /** The dev metric that picks the best checkpoint under this objective. */
  public String devMetric() {
    return devMetric;
  }

  /** The loss of an evaluation under this objective. */
  public double loss(Evaluation e) {
    return switch (this) {
      case CE -> e.loss();
      case ACCURACY -> 1 - e.accuracy();
      case F1 -> 1 - e.macroF1();
    };
  }

  /** Parses an {@code --objective} value. */
  public static TrainObjective parse(String s) {
    for (TrainObjective o : values()) {
      if (o.cliName.equals(s.toLowerCase(Locale.ROOT))) {
        return o;
      }
    }
    throw new IllegalArgumentException(
        "--objective '%s': expected ce, accuracy or f1".formatted(s));
  }
}
