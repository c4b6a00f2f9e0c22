package io.github.mezo4j.train.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Metrics against hand-worked cases and naive reference implementations. */
class ClassMetricsTest {

  // 4 examples, 3 classes; predictions 0, 1, 2, 0; gold 0, 1, 1, 2
  private static final float[] SCORES = {
    3, 1, 0, //
    0, 2, 1, //
    0, 1, 5, //
    1, 0, 0.5f
  };
  private static final int[] GOLD = {0, 1, 1, 2};

  @Test
  void handWorkedAccuracyAndF1() {
    assertArrayEquals(new int[] {0, 1, 2, 0}, ClassMetrics.predictions(SCORES, 3));
    assertEquals(0.5, ClassMetrics.accuracy(SCORES, 3, GOLD));
    // class 0: tp 1 fp 1 fn 0 -> 2/3; class 1: tp 1 fp 0 fn 1 -> 2/3; class 2: tp 0 fp 1 fn 1 -> 0
    assertEquals((2.0 / 3 + 2.0 / 3 + 0) / 3, ClassMetrics.macroF1(SCORES, 3, GOLD), 1e-15);
    assertEquals(2.0 / 3, ClassMetrics.f1(SCORES, 3, GOLD, 1), 1e-15);
    assertEquals(0.0, ClassMetrics.f1(SCORES, 3, GOLD, 2));
  }

  @Test
  void macroF1SkipsClassesNeitherGoldNorPredicted() {
    float[] scores = {2, 1, 0, 1, 2, 0}; // predicts 0, 1; class 2 absent everywhere
    assertEquals(1.0, ClassMetrics.macroF1(scores, 3, new int[] {0, 1}));
    assertEquals(0.0, ClassMetrics.f1(scores, 3, new int[] {0, 1}, 2));
  }

  @Test
  void tiesGoToTheFirstClassAndNaNNeverWins() {
    assertEquals(0, ClassMetrics.argmax(new float[] {1, 1}, 2, 0));
    assertEquals(1, ClassMetrics.argmax(new float[] {Float.NaN, -5}, 2, 0));
    assertEquals(0, ClassMetrics.argmax(new float[] {Float.NaN, Float.NaN}, 2, 0));
  }

  @Test
  void handWorkedCrossEntropy() {
    // equal scores: -log(1/2) = log 2 whatever the gold label
    assertEquals(
        Math.log(2), ClassMetrics.crossEntropy(new float[] {7, 7}, 2, new int[] {1}), 1e-15);
    // scores (0, ln 3): p = (1/4, 3/4)
    float[] s = {0, (float) Math.log(3)};
    assertEquals(-Math.log(0.25), ClassMetrics.crossEntropy(s, 2, new int[] {0}), 1e-7);
    assertEquals(-Math.log(0.75), ClassMetrics.crossEntropy(s, 2, new int[] {1}), 1e-7);
  }

  @Test
  void crossEntropyIsStableForLargeScores() {
    // naive exp(1000) overflows; shifted by the max it is log(1 + e^-1)
    double ce = ClassMetrics.crossEntropy(new float[] {1000, 999}, 2, new int[] {0});
    assertEquals(Math.log1p(Math.exp(-1)), ce, 1e-12);
    double far = ClassMetrics.crossEntropy(new float[] {-1e4f, 1e4f}, 2, new int[] {0});
    assertEquals(2e4, far, 1e-6);
  }

  @Test
  void matchesNaiveImplementationsOnRandomScores() {
    SplittableRandom random = new SplittableRandom(7);
    for (int trial = 0; trial < 200; trial++) {
      int n = 1 + random.nextInt(40);
      int c = 2 + random.nextInt(5);
      float[] scores = new float[n * c];
      int[] gold = new int[n];
      for (int i = 0; i < scores.length; i++) {
        scores[i] = (float) (random.nextGaussian() * 3);
      }
      for (int i = 0; i < n; i++) {
        gold[i] = random.nextInt(c);
      }
      assertEquals(naiveAccuracy(scores, c, gold), ClassMetrics.accuracy(scores, c, gold));
      assertEquals(naiveMacroF1(scores, c, gold), ClassMetrics.macroF1(scores, c, gold), 1e-12);
      assertEquals(
          naiveCrossEntropy(scores, c, gold), ClassMetrics.crossEntropy(scores, c, gold), 1e-9);
      double[] ls = ClassMetrics.logSoftmax(scores, c);
      for (int i = 0; i < n; i++) {
        double total = 0;
        for (int k = 0; k < c; k++) {
          total += Math.exp(ls[i * c + k]);
        }
        assertEquals(1.0, total, 1e-12, "softmax rows sum to one");
      }
    }
  }

  @Test
  void resultsAreBitIdenticalOnRepeat() {
    float[] scores = new float[3 * 1000];
    int[] gold = new int[1000];
    SplittableRandom random = new SplittableRandom(1);
    for (int i = 0; i < scores.length; i++) {
      scores[i] = (float) random.nextGaussian();
    }
    for (int i = 0; i < gold.length; i++) {
      gold[i] = random.nextInt(3);
    }
    double a = ClassMetrics.crossEntropy(scores, 3, gold);
    assertEquals(
        Double.doubleToRawLongBits(a),
        Double.doubleToRawLongBits(ClassMetrics.crossEntropy(scores.clone(), 3, gold.clone())));
  }

  @Test
  void objectivesAreNegatedMetrics() {
    assertEquals(-0.5, ClassificationLoss.ACCURACY.loss(SCORES, 3, GOLD));
    assertEquals(
        -ClassMetrics.macroF1(SCORES, 3, GOLD), ClassificationLoss.F1.loss(SCORES, 3, GOLD));
    assertEquals(
        ClassMetrics.crossEntropy(SCORES, 3, GOLD),
        ClassificationLoss.CROSS_ENTROPY.loss(SCORES, 3, GOLD));
    assertEquals(ClassificationLoss.CROSS_ENTROPY, ClassificationLoss.parse("CE"));
    assertEquals(ClassificationLoss.ACCURACY, ClassificationLoss.parse("accuracy"));
    assertEquals(ClassificationLoss.F1, ClassificationLoss.parse("f1"));
    var e = assertThrows(IllegalArgumentException.class, () -> ClassificationLoss.parse("mse"));
    assertTrue(e.getMessage().contains("mse"));
    assertEquals(Metric.MACRO_F1, Metric.parse("macro_f1"));
    assertEquals(0.5, Metric.ACCURACY.compute(SCORES, 3, GOLD));
  }

  @Test
  void badShapesAndLabelsAreRejected() {
    assertThrows(
        IllegalArgumentException.class, () -> ClassMetrics.accuracy(new float[5], 2, new int[2]));
    assertThrows(
        IllegalArgumentException.class, () -> ClassMetrics.accuracy(new float[4], 2, new int[3]));
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ClassMetrics.accuracy(new float[4], 2, new int[] {0, 2}));
    assertTrue(e.getMessage().contains("example 1"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> ClassMetrics.accuracy(new float[0], 2, new int[0]));
  }

  private static int naiveArgmax(float[] s, int c, int i) {
    int best = 0;
    for (int k = 1; k < c; k++) {
      if (s[i * c + k] > s[i * c + best]) {
        best = k;
      }
    }
    return best;
  }

  private static double naiveAccuracy(float[] s, int c, int[] gold) {
    int ok = 0;
    for (int i = 0; i < gold.length; i++) {
      ok += naiveArgmax(s, c, i) == gold[i] ? 1 : 0;
    }
    return ok / (double) gold.length;
  }

  // precision/recall form of F1 over classes seen in gold or predictions
  private static double naiveMacroF1(float[] s, int c, int[] gold) {
    double sum = 0;
    int classes = 0;
    for (int k = 0; k < c; k++) {
      int tp = 0;
      int predicted = 0;
      int actual = 0;
      for (int i = 0; i < gold.length; i++) {
        boolean p = naiveArgmax(s, c, i) == k;
        boolean g = gold[i] == k;
        predicted += p ? 1 : 0;
        actual += g ? 1 : 0;
        tp += p && g ? 1 : 0;
      }
      if (predicted == 0 && actual == 0) {
        continue;
      }
      classes++;
      double precision = predicted == 0 ? 0 : tp / (double) predicted;
      double recall = actual == 0 ? 0 : tp / (double) actual;
      sum += precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
    }
    return sum / classes;
  }

  // the textbook softmax without the max shift (safe for these small scores)
  private static double naiveCrossEntropy(float[] s, int c, int[] gold) {
    double sum = 0;
    for (int i = 0; i < gold.length; i++) {
      double z = 0;
      for (int k = 0; k < c; k++) {
        z += Math.exp(s[i * c + k]);
      }
      sum += -Math.log(Math.exp(s[i * c + gold[i]]) / z);
    }
    return sum / gold.length;
  }
}
