package io.github.mezo4j.train.metrics;

/**
 * The objective MeZO minimises on a batch, from class scores (the {@code --objective} option). MeZO
 * needs only loss values, never gradients, so the non-differentiable metrics can be optimised
 * directly as their negatives (the MeZO paper's Table 3 setting).
 */
public enum ClassificationLoss {
  /** Mean cross-entropy of the softmax of the scores ({@code ce}). */
  CROSS_ENTROPY("ce"),
  /** Minus the batch accuracy ({@code accuracy}). */
  ACCURACY("accuracy"),
  /** Minus the batch macro F1 ({@code f1}). */
  F1("f1");

  private final String option;

  ClassificationLoss(String option) {
    this.option = option;
  }

  /** The {@code --objective} value, e.g. {@code ce}. */
  public String option() {
    return option;
  }

  /** The loss of class scores {@code [n, numClasses]} against {@code gold[n]}; lower is better. */
  public double loss(float[] scores, int numClasses, int[] gold) {
    return switch (this) {
      case CROSS_ENTROPY -> ClassMetrics.crossEntropy(scores, numClasses, gold);
      case ACCURACY -> -ClassMetrics.accuracy(scores, numClasses, gold);
      case F1 -> -ClassMetrics.macroF1(scores, numClasses, gold);
    };
  }

  /**
   * The objective named {@code option}: {@code ce} (or {@code cross_entropy}), {@code accuracy},
   * {@code f1}.
   *
   * @throws IllegalArgumentException listing the accepted names
   */
  public static ClassificationLoss parse(String option) {
    String o = option.strip().toLowerCase(java.util.Locale.ROOT).replace('-', '_');
    return switch (o) {
      case "ce", "cross_entropy", "crossentropy" -> CROSS_ENTROPY;
      case "accuracy", "acc" -> ACCURACY;
      case "f1", "macro_f1" -> F1;
      default ->
          throw new IllegalArgumentException(
              "unknown objective '%s'; expected ce, accuracy or f1".formatted(option));
    };
  }
}
