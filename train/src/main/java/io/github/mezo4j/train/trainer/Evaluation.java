package io.github.mezo4j.train.trainer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.train.metrics.DevMetric;

/**
 * Metrics of a classifier on a set of examples, measured in one pass.
 *
 * @param loss mean cross-entropy of the logits against the gold labels
 * @param accuracy fraction of argmax predictions equal to the gold label
 * @param macroF1 unweighted mean over classes of the per-class F1 (a class never predicted nor
 *     present counts as F1 1; one present but never predicted right counts 0)
 * @param examples how many examples were scored
 */
public record Evaluation(double loss, double accuracy, double macroF1, int examples)
    implements Scores {
  /**
   * Scores {@code logits [n, k]} against {@code labels}: cross-entropy with max-subtraction in
   * double precision, ties resolved to the lower class index.
   */
  public static Evaluation of(double[] logits, int[] labels, int k) {
    int n = labels.length;
    if (logits.length != (long) n * k || n == 0) {
      throw new IllegalArgumentException(
          "%d logits for %d examples of %d classes".formatted(logits.length, n, k));
    }
    double lossSum = 0;
    int right = 0;
    int[] truePositives = new int[k];
    int[] predicted = new int[k];
    int[] actual = new int[k];
    for (int i = 0; i < n; i++) {
      int best = 0;
      double max = logits[i * k];
      for (int c = 1; c < k; c++) {
        if (logits[i * k + c] > max) {
          max = logits[i * k + c];
          best = c;
        }
      }
      double sumExp = 0;
      for (int c = 0; c < k; c++) {
        sumExp += Math.exp(logits[i * k + c] - max);
      }
      lossSum += max + Math.log(sumExp) - logits[i * k + labels[i]];
      predicted[best]++;
      actual[labels[i]]++;
      if (best == labels[i]) {
        right++;
        truePositives[best]++;
      }
    }
    double f1Sum = 0;
    for (int c = 0; c < k; c++) {
      int denominator = predicted[c] + actual[c];
      f1Sum += denominator == 0 ? 1 : 2.0 * truePositives[c] / denominator;
    }
    return new Evaluation(lossSum / n, (double) right / n, f1Sum / k, n);
  }

  @Override
  public double metric(DevMetric metric) {
    return switch (metric) {
      case ACCURACY -> accuracy;
      case MACRO_F1 -> macroF1;
      default ->
          throw new IllegalArgumentException(
              "classification runs do not measure %s: expected accuracy or macro_f1"
                  .formatted(metric.label()));
    };
  }

  /** Puts {@code loss}, {@code accuracy} and {@code macro_f1} with the prefix. */
  @Override
  public void putInto(ObjectNode json, String prefix) {
    json.put(prefix + "loss", loss);
    json.put(prefix + "accuracy", accuracy);
    json.put(prefix + "macro_f1", macroF1);
  }
}
