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
    return lossOf(sums(scores, numClasses, gold));
  }

  /**
   * The loss's sufficient statistics on a batch, as integers: the {@link #add} of the sums of a
   * batch's parts, in any order, gives {@link #lossOf} the loss of the whole batch bit for bit. So
   * a distributed run exchanges these few numbers per worker instead of its scores. Layouts: {@code
   * ce} the example count and the exact sum of the cross-entropies ({@link ExactSum}'s counted
   * sum); {@code accuracy} the count and the correct predictions (2); {@code f1} the count, then
   * the true positives, false positives and false negatives of each class (1 + 3 * numClasses).
   */
  public long[] sums(float[] scores, int numClasses, int[] gold) {
    long[] sums =
        new long
            [switch (this) {
              case CROSS_ENTROPY -> 3;
              case ACCURACY -> 2;
              case F1 -> 1 + 3 * numClasses;
            }];
    sums[0] = gold.length;
    switch (this) {
      case CROSS_ENTROPY -> ClassMetrics.addCrossEntropies(scores, numClasses, gold, sums, 1);
      case ACCURACY -> sums[1] = ClassMetrics.correct(scores, numClasses, gold);
      case F1 -> ClassMetrics.addConfusionCounts(scores, numClasses, gold, sums, 1);
    }
    return sums;
  }

  /**
   * The sums of two disjoint parts of a batch, as {@link #sums} gives them.
   *
   * @throws IllegalArgumentException if the two do not have this loss's layout or the same length
   */
  public long[] add(long[] a, long[] b) {
    boolean layout =
        switch (this) {
          case CROSS_ENTROPY -> a.length == 3;
          case ACCURACY -> a.length == 2;
          case F1 -> a.length >= 4 && (a.length - 1) % 3 == 0;
        };
    if (a.length != b.length || !layout) {
      throw new IllegalArgumentException(
          "%s sums of %d and %d numbers cannot be added".formatted(option, a.length, b.length));
    }
    if (this == CROSS_ENTROPY) {
      return ExactSum.addCounted(a, b);
    }
    long[] out = new long[a.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = Math.addExact(a[i], b[i]);
    }
    return out;
  }

  /** The loss of a batch from its {@link #sums}. */
  public double lossOf(long[] sums) {
    long n = sums[0];
    return switch (this) {
      case CROSS_ENTROPY -> ExactSum.mean(sums);
      case ACCURACY -> -((double) sums[1] / n);
      case F1 -> -ClassMetrics.macroF1(sums, 1, (sums.length - 1) / 3);
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
