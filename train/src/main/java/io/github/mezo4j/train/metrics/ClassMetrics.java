package io.github.mezo4j.train.metrics;

/**
 * Classification metrics and losses computed from class scores.
 *
 * <p>Every function takes {@code scores}, row-major {@code [n, numClasses]} (logits, similarities
 * or log-likelihoods: larger is more likely), and {@code gold[n]} class ids. Counts are integers
 * and cross-entropies are summed exactly ({@link ExactSum}), so every result is a pure function of
 * the inputs (the determinism MeZO's two-point difference relies on) and does not depend on how the
 * rows were split. The predicted class is the first maximum; a NaN score never wins (a row of NaNs
 * predicts class 0).
 */
public final class ClassMetrics {
  private ClassMetrics() {}

  /** The predicted class of row {@code row}: the first index of the largest score. */
  public static int argmax(float[] scores, int numClasses, int row) {
    int base = row * numClasses;
    int best = 0;
    float bestScore = Float.NEGATIVE_INFINITY;
    for (int c = 0; c < numClasses; c++) {
      float s = scores[base + c];
      if (s > bestScore) {
        bestScore = s;
        best = c;
      }
    }
    return best;
  }

  /** The predicted class of every row. */
  public static int[] predictions(float[] scores, int numClasses) {
    int n = rows(scores, numClasses);
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = argmax(scores, numClasses, i);
    }
    return out;
  }

  /** The fraction of rows whose predicted class is the gold one. */
  public static double accuracy(float[] scores, int numClasses, int[] gold) {
    return (double) correct(scores, numClasses, gold) / gold.length;
  }

  /** The number of rows whose predicted class is the gold one. */
  static int correct(float[] scores, int numClasses, int[] gold) {
    check(scores, numClasses, gold);
    int correct = 0;
    for (int i = 0; i < gold.length; i++) {
      if (argmax(scores, numClasses, i) == gold[i]) {
        correct++;
      }
    }
    return correct;
  }

  /**
   * The unweighted mean of the per-class F1 = 2TP / (2TP + FP + FN) over the classes that occur in
   * the gold labels or the predictions (scikit-learn's {@code f1_score(average="macro")}
   * convention, so a class absent from a small batch does not count as a zero).
   */
  public static double macroF1(float[] scores, int numClasses, int[] gold) {
    long[] counts = new long[3 * numClasses];
    addConfusionCounts(scores, numClasses, gold, counts, 0);
    return macroF1(counts, 0, numClasses);
  }

  /**
   * Macro F1 from confusion counts at {@code counts[offset...]}: true positives, false positives,
   * then false negatives of each of the {@code numClasses} classes.
   */
  static double macroF1(long[] counts, int offset, int numClasses) {
    double sum = 0;
    int present = 0;
    for (int c = 0; c < numClasses; c++) {
      long tp = counts[offset + c];
      long fp = counts[offset + numClasses + c];
      long fn = counts[offset + 2 * numClasses + c];
      if (tp + fp + fn > 0) {
        sum += (2.0 * tp) / (2.0 * tp + fp + fn);
        present++;
      }
    }
    return sum / present;
  }

  /**
   * The F1 of one class against the rest (binary F1 with {@code positive} as the positive class); 0
   * when that class is neither gold nor predicted anywhere (scikit-learn's zero_division=0).
   */
  public static double f1(float[] scores, int numClasses, int[] gold, int positive) {
    if (positive < 0 || positive >= numClasses) {
      throw new IllegalArgumentException(
          "positive class %d is not in 0..%d".formatted(positive, numClasses - 1));
    }
    long[] counts = new long[3 * numClasses];
    addConfusionCounts(scores, numClasses, gold, counts, 0);
    long tp = counts[positive];
    long denominator = 2 * tp + counts[numClasses + positive] + counts[2 * numClasses + positive];
    return denominator == 0 ? 0.0 : (2.0 * tp) / denominator;
  }

  /**
   * The mean cross-entropy {@code -log softmax(scores_i)[gold_i]}, with the log-sum-exp shifted by
   * the row maximum so that large scores neither overflow nor lose the small differences.
   */
  public static double crossEntropy(float[] scores, int numClasses, int[] gold) {
    long[] sum = {gold.length, 0, 0};
    addCrossEntropies(scores, numClasses, gold, sum, 1);
    return ExactSum.mean(sum);
  }

  /**
   * Adds every row's cross-entropy to the {@link ExactSum} at {@code sum[at], sum[at + 1]}: the sum
   * of a batch is the same bits however its rows are split and added back.
   */
  static void addCrossEntropies(float[] scores, int numClasses, int[] gold, long[] sum, int at) {
    check(scores, numClasses, gold);
    for (int i = 0; i < gold.length; i++) {
      int base = i * numClasses;
      ExactSum.add(sum, at, logSumExp(scores, base, numClasses) - scores[base + gold[i]]);
    }
  }

  /** {@code log(sum_c exp(scores[offset + c]))} computed stably. */
  public static double logSumExp(float[] scores, int offset, int length) {
    double max = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < length; c++) {
      max = Math.max(max, scores[offset + c]);
    }
    if (max == Double.NEGATIVE_INFINITY || Double.isNaN(max)) {
      return max; // all -inf (log 0) or a NaN: nothing finite to shift by
    }
    if (max == Double.POSITIVE_INFINITY) {
      return max;
    }
    double sum = 0;
    for (int c = 0; c < length; c++) {
      sum += Math.exp(scores[offset + c] - max);
    }
    return max + Math.log(sum);
  }

  /** The log-softmax of every row, row-major like {@code scores}. */
  public static double[] logSoftmax(float[] scores, int numClasses) {
    int n = rows(scores, numClasses);
    double[] out = new double[scores.length];
    for (int i = 0; i < n; i++) {
      int base = i * numClasses;
      double lse = logSumExp(scores, base, numClasses);
      for (int c = 0; c < numClasses; c++) {
        out[base + c] = scores[base + c] - lse;
      }
    }
    return out;
  }

  /**
   * Adds the rows' true positives, false positives and false negatives per class to {@code
   * counts[offset...]} (the layout {@link #macroF1(long[], int, int)} reads).
   */
  static void addConfusionCounts(
      float[] scores, int numClasses, int[] gold, long[] counts, int offset) {
    check(scores, numClasses, gold);
    for (int i = 0; i < gold.length; i++) {
      int p = argmax(scores, numClasses, i);
      if (p == gold[i]) {
        counts[offset + p]++;
      } else {
        counts[offset + numClasses + p]++;
        counts[offset + 2 * numClasses + gold[i]]++;
      }
    }
  }

  private static int rows(float[] scores, int numClasses) {
    if (numClasses < 1) {
      throw new IllegalArgumentException("numClasses must be >= 1, got " + numClasses);
    }
    if (scores.length % numClasses != 0) {
      throw new IllegalArgumentException(
          "scores length %d is not a multiple of numClasses %d"
              .formatted(scores.length, numClasses));
    }
    return scores.length / numClasses;
  }

  private static void check(float[] scores, int numClasses, int[] gold) {
    int n = rows(scores, numClasses);
    if (n != gold.length) {
      throw new IllegalArgumentException(
          "scores hold %d rows of %d classes but there are %d gold labels"
              .formatted(n, numClasses, gold.length));
    }
    if (n == 0) {
      throw new IllegalArgumentException("no examples to score");
    }
    for (int i = 0; i < n; i++) {
      if (gold[i] < 0 || gold[i] >= numClasses) {
        throw new IllegalArgumentException(
            "gold label %d of example %d is not in 0..%d".formatted(gold[i], i, numClasses - 1));
      }
    }
  }
}
