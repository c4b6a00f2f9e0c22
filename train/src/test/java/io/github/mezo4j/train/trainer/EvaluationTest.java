package io.github.mezo4j.train.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.train.metrics.DevMetric;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EvaluationTest {
  @Test
  void lossAccuracyAndMacroF1ByHand() {
    // three examples, two classes; predictions 1, 0, 1 against gold 1, 1, 0
    double[] logits = {0, 2, 1, 0, -1, 3};
    Evaluation e = Evaluation.of(logits, new int[] {1, 1, 0}, 2);
    double ce =
        (Math.log(1 + Math.exp(-2)) + Math.log(1 + Math.exp(1)) + Math.log(1 + Math.exp(4))) / 3;
    assertEquals(ce, e.loss(), 1e-12);
    assertEquals(1.0 / 3, e.accuracy(), 1e-15);
    // class 0: tp 0 -> F1 0; class 1: tp 1, predicted 2, actual 2 -> F1 0.5
    assertEquals(0.25, e.macroF1(), 1e-15);
    assertEquals(e.macroF1(), e.metric(DevMetric.MACRO_F1));
    assertEquals(e.accuracy(), e.metric(DevMetric.ACCURACY));
    assertThrows(IllegalArgumentException.class, () -> e.metric(DevMetric.SPEARMAN));
  }

  @Test
  void samplerIsAPureFunctionOfSeedAndStepAndCoversEachEpoch() {
    BatchSampler a = new BatchSampler(10, 4, 9);
    BatchSampler b = new BatchSampler(10, 4, 9);
    // steps 0..4 hold slots 0..19: epochs 0 and 1, each a permutation of 0..9
    int[] slots = new int[20];
    for (int step = 0; step < 5; step++) {
      System.arraycopy(a.indices(step), 0, slots, step * 4, 4);
    }
    for (int epoch = 0; epoch < 2; epoch++) {
      Set<Integer> seen = new HashSet<>();
      Arrays.stream(slots, epoch * 10, epoch * 10 + 10).forEach(seen::add);
      assertEquals(10, seen.size());
    }
    // asked in another order (as a resumed run does), the same batches
    assertArrayEquals(a.indices(3), b.indices(3));
    assertArrayEquals(a.indices(0), b.indices(0));
    assertNotEquals(
        Arrays.toString(new BatchSampler(10, 4, 10).indices(0)), Arrays.toString(a.indices(0)));
    assertArrayEquals(new int[] {0, 1, 2}, new BatchSampler(3, 8, 1).indices(5));
    assertTrue(new BatchSampler(3, 8, 1).batch() == 3);
  }
}
