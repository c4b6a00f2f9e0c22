package io.github.mezo4j.train.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The embedding objectives against direct implementations of their formulas, their invariances, and
 * the STS and retrieval metrics on hand-computed examples.
 */
class PairMetricsTest {

  private static float[] random(SplittableRandom r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) r.nextGaussian();
    }
    return a;
  }

  private static double naiveCos(float[] a, int i, float[] b, int j, int dim) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int k = 0; k < dim; k++) {
      dot += (double) a[i * dim + k] * b[j * dim + k];
      na += (double) a[i * dim + k] * a[i * dim + k];
      nb += (double) b[j * dim + k] * b[j * dim + k];
    }
    return dot / Math.sqrt(na) / Math.sqrt(nb);
  }

  @Test
  void cosineRegressionIsTheMeanSquaredError() {
    SplittableRandom r = new SplittableRandom(1);
    int n = 5;
    int dim = 4;
    float[] u = random(r, n * dim);
    float[] v = random(r, n * dim);
    double[] target = {0, 0.2, 0.5, 0.9, 1};
    double expected = 0;
    for (int i = 0; i < n; i++) {
      double d = naiveCos(u, i, v, i, dim) - target[i];
      expected += d * d / n;
    }
    assertEquals(expected, PairLoss.COSINE.loss(u, v, n, dim, target, 20), 1e-12);
  }

  @Test
  void cosentMatchesItsFormulaAndOnlyTheOrderOfScoresMatters() {
    SplittableRandom r = new SplittableRandom(2);
    int n = 6;
    int dim = 3;
    float[] u = random(r, n * dim);
    float[] v = random(r, n * dim);
    double[] score = {0.1, 0.8, 0.8, 0.3, 1.0, 0.0};
    double scale = 20;
    double sum = 0;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        if (score[i] > score[j]) {
          sum += Math.exp(scale * (naiveCos(u, j, v, j, dim) - naiveCos(u, i, v, i, dim)));
        }
      }
    }
    double loss = PairLoss.COSENT.loss(u, v, n, dim, score, scale);
    assertEquals(Math.log1p(sum), loss, 1e-12 * Math.max(1, loss));
    // a monotone map of the scores (shift, stretch, cube) changes nothing
    double[] mapped = new double[n];
    for (int i = 0; i < n; i++) {
      mapped[i] = Math.pow(3 * score[i] + 7, 3);
    }
    assertEquals(loss, PairLoss.COSENT.loss(u, v, n, dim, mapped, scale), 0);
    // equal scores give no ordered pair: log(1) = 0
    assertEquals(0, PairLoss.cosent(new double[] {0.3, -0.2}, new double[] {2, 2}, scale), 0);
    // a huge scale does not overflow (the naive formula would give infinity)
    double big = PairLoss.cosent(new double[] {-1, 1}, new double[] {1, 0}, 1e4);
    assertEquals(2e4, big, 1e-9);
  }

  @Test
  void cosentFallsWhenCosinesFollowTheScores() {
    double[] score = {0, 0.5, 1};
    double wrong = PairLoss.cosent(new double[] {0.9, 0.5, 0.1}, score, 20);
    double right = PairLoss.cosent(new double[] {0.1, 0.5, 0.9}, score, 20);
    assertTrue(right < wrong, right + " vs " + wrong);
  }

  @Test
  void multipleNegativesIsCrossEntropyOverInBatchPassages() {
    SplittableRandom r = new SplittableRandom(3);
    int n = 5;
    int dim = 4;
    float[] u = random(r, n * dim);
    float[] v = random(r, n * dim);
    double scale = 20;
    double expected = 0;
    for (int i = 0; i < n; i++) {
      double z = 0;
      for (int j = 0; j < n; j++) {
        z += Math.exp(scale * naiveCos(u, i, v, j, dim));
      }
      expected += -Math.log(Math.exp(scale * naiveCos(u, i, v, i, dim)) / z) / n;
    }
    double loss = PairLoss.MULTIPLE_NEGATIVES.loss(u, v, n, dim, null, scale);
    assertEquals(expected, loss, 1e-12 * Math.max(1, expected));
    // cosines ignore the embeddings' lengths
    float[] longer = u.clone();
    for (int k = 0; k < longer.length; k++) {
      longer[k] *= 4;
    }
    assertEquals(loss, PairLoss.multipleNegatives(longer, v, n, dim, scale), 1e-12);
    // one pair alone has no negative: loss 0
    assertEquals(
        0, PairLoss.multipleNegatives(new float[] {1, 2}, new float[] {3, -1}, 1, 2, 20), 0);
  }

  @Test
  void spearmanAveragesTiedRanks() {
    assertArrayEquals(
        new double[] {1, 2.5, 2.5, 4}, Correlation.ranks(new double[] {1, 2, 2, 3}), 0);
    // by hand: ranks x = 1, 2.5, 2.5, 4 and y = 1, 3, 2, 4; centred sums 4.5, 4.5, 5
    assertEquals(
        Math.sqrt(0.9),
        Correlation.spearman(new double[] {1, 2, 2, 3}, new double[] {10, 30, 20, 40}),
        1e-15);
    // by hand: sxy = 3, sxx = 2, syy = 42/9
    assertEquals(
        9 / Math.sqrt(84),
        Correlation.pearson(new double[] {1, 2, 3}, new double[] {1, 2, 4}),
        1e-15);
    assertEquals(-1, Correlation.spearman(new double[] {1, 2, 3}, new double[] {5, 1, 0.5}), 1e-15);
    assertThrows(
        IllegalArgumentException.class,
        () -> Correlation.pearson(new double[] {1}, new double[] {1}));
  }

  @Test
  void retrievalRanksEachQuerysPassage() {
    float[] passages = {1, 0, 0, 1, 1, 1};
    // query 0 is nearest its passage; query 1's passage comes third; query 2's second
    float[] queries = {1, 0.2f, 1, 0.9f, 0, 1};
    Retrieval r = Retrieval.of(queries, passages, 2, new int[] {0, 1, 2});
    assertEquals(1 / 3.0, r.recallAt1(), 1e-15);
    assertEquals(1, r.recallAt10(), 0);
    assertEquals((1 + 1 / 3.0 + 1 / 2.0) / 3, r.mrrAt10(), 1e-15);
    // a tie counts the earlier passage ahead
    assertEquals(2, Retrieval.rank(new double[] {0.5, 0.5, 0.2}, 1));
    assertEquals(1, Retrieval.rank(new double[] {0.5, 0.5, 0.2}, 0));
    // beyond 10: no recall@10, no reciprocal rank
    double[] scores = new double[12];
    for (int i = 0; i < 12; i++) {
      scores[i] = 12 - i;
    }
    assertEquals(12, Retrieval.rank(scores, 11));
  }
}
