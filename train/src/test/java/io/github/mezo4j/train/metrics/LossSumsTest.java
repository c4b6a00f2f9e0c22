package io.github.mezo4j.train.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The losses' sums ({@link ClassificationLoss#sums}): split a batch anywhere, add the parts' sums
 * in any order, and the loss has the bits of the whole batch's. A distributed run relies on it.
 */
class LossSumsTest {
  @Test
  void partsAddedInAnyOrderGiveTheWholeBatchsLossBitForBit() {
    SplittableRandom random = new SplittableRandom(11);
    for (int trial = 0; trial < 300; trial++) {
      int n = 2 + random.nextInt(60);
      int c = 2 + random.nextInt(5);
      float[] scores = new float[n * c];
      int[] gold = new int[n];
      for (int i = 0; i < scores.length; i++) {
        scores[i] = (float) (random.nextGaussian() * (1 + random.nextInt(30)));
      }
      for (int i = 0; i < n; i++) {
        gold[i] = random.nextInt(c);
      }
      int cut = 1 + random.nextInt(n - 1);
      for (ClassificationLoss loss : ClassificationLoss.values()) {
        double whole = loss.loss(scores, c, gold);
        long[] head = loss.sums(Arrays.copyOf(scores, cut * c), c, Arrays.copyOf(gold, cut));
        long[] tail =
            loss.sums(
                Arrays.copyOfRange(scores, cut * c, n * c), c, Arrays.copyOfRange(gold, cut, n));
        assertEquals(
            Double.doubleToRawLongBits(whole),
            Double.doubleToRawLongBits(loss.lossOf(loss.add(head, tail))),
            loss + " split at " + cut + " of " + n);
        assertEquals(
            Double.doubleToRawLongBits(whole),
            Double.doubleToRawLongBits(loss.lossOf(loss.add(tail, head))));
      }
    }
  }

  @Test
  void theSumIsExact() {
    // every term from 2^-11 up enters exactly: the fixed-point sum equals the BigDecimal sum
    long[] sum = new long[2];
    BigDecimal exact = BigDecimal.ZERO;
    SplittableRandom random = new SplittableRandom(3);
    for (int i = 0; i < 1000; i++) {
      double v = Math.scalb(1 + random.nextDouble(), random.nextInt(-11, 40));
      ExactSum.add(sum, 0, v);
      exact = exact.add(new BigDecimal(v));
    }
    BigDecimal held =
        new BigDecimal(sum[0])
            .add(new BigDecimal(sum[1]).divide(new BigDecimal(1L << 62).multiply(BigDecimal.TWO)));
    assertEquals(0, exact.compareTo(held), exact + " vs " + held);
    assertEquals(
        exact.doubleValue(), ExactSum.value(sum[0], sum[1]), Math.ulp(exact.doubleValue()));
  }

  @Test
  void negativeTermsGiveTheSameBitsInAnyOrder() {
    SplittableRandom random = new SplittableRandom(5);
    double[] terms = new double[200];
    for (int i = 0; i < terms.length; i++) {
      terms[i] = Math.scalb(random.nextDouble() - 0.5, random.nextInt(-30, 30));
    }
    long[] forward = new long[2];
    long[] backward = new long[2];
    for (int i = 0; i < terms.length; i++) {
      ExactSum.add(forward, 0, terms[i]);
      ExactSum.add(backward, 0, terms[terms.length - 1 - i]);
    }
    assertEquals(forward[0], backward[0]);
    assertEquals(forward[1], backward[1]);
    double naive = 0;
    for (double t : terms) {
      naive += t;
    }
    assertEquals(naive, ExactSum.value(forward[0], forward[1]), 1e-9 * Math.abs(naive) + 1e-12);
  }

  @Test
  void nanAndInfinityStick() {
    long[] sum = new long[2];
    ExactSum.add(sum, 0, 2.5);
    ExactSum.add(sum, 0, Double.POSITIVE_INFINITY);
    ExactSum.add(sum, 0, 1.0);
    assertEquals(Double.POSITIVE_INFINITY, ExactSum.value(sum[0], sum[1]));
    ExactSum.add(sum, 0, Double.NaN);
    ExactSum.add(sum, 0, 1.0);
    assertTrue(Double.isNaN(ExactSum.value(sum[0], sum[1])));
    long[] both = new long[2];
    ExactSum.add(both, 0, Double.NEGATIVE_INFINITY);
    assertEquals(Double.NEGATIVE_INFINITY, ExactSum.value(both[0], both[1]));
    ExactSum.add(both, 0, Double.POSITIVE_INFINITY);
    assertTrue(Double.isNaN(ExactSum.value(both[0], both[1])));
    // a row of NaN scores: the cross-entropy is NaN, as a double sum would make it
    float[] scores = {1, 2, Float.NaN, Float.NaN};
    assertTrue(Double.isNaN(ClassificationLoss.CROSS_ENTROPY.loss(scores, 2, new int[] {0, 1})));
  }

  @Test
  void theLayoutsAreTheDocumentedOnes() {
    float[] scores = {3, 1, 0, 0, 2, 1, 0, 1, 5, 1, 0, 0.5f}; // predictions 0, 1, 2, 0
    int[] gold = {0, 1, 1, 2};
    assertEquals(
        Arrays.toString(new long[] {4, 2}),
        Arrays.toString(ClassificationLoss.ACCURACY.sums(scores, 3, gold)));
    // tp per class, fp per class, fn per class
    assertEquals(
        Arrays.toString(new long[] {4, 1, 1, 0, 1, 0, 1, 0, 1, 1}),
        Arrays.toString(ClassificationLoss.F1.sums(scores, 3, gold)));
    assertEquals(3, ClassificationLoss.CROSS_ENTROPY.sums(scores, 3, gold).length);
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ClassificationLoss.ACCURACY.add(new long[] {1, 2}, new long[] {1, 2, 3}));
    assertTrue(e.getMessage().contains("accuracy"), e.getMessage());
  }
}
