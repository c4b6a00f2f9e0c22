package io.github.mezo4j.train.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.mezo.Mezo;
import io.github.mezo4j.core.mezo.PerturbedObjective;
import io.github.mezo4j.core.mezo.ValueAndGrad;
import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.core.param.Selector;
import io.github.mezo4j.train.TinyTask;
import io.github.mezo4j.train.head.LinearHead;
import io.github.mezo4j.train.head.SimilarityHead;
import io.github.mezo4j.train.metrics.ClassificationLoss;
import org.junit.jupiter.api.Test;

/**
 * The fine-tuner's paired objective: {@link EncoderClassifier#logitsPair} and the objective's
 * {@link PerturbedObjective#lossPair} (one {@code forwardPair} per bucket) equal, bit for bit, the
 * two single-sign calls, for every head kind, and write no weight.
 */
class EncoderLossPairTest {
  private static final long SEED = 0xB0B5L;
  private static final float SCALE = 1e-2f;

  @Test
  void promptHead() {
    assertPairEqualsSingles(TinyTask.classifier(3), Selector.all());
  }

  @Test
  void linearHead() {
    LinearHead head = LinearHead.zeros(16, TinyTask.LABELS);
    for (int i = 0; i < head.weight().size(); i++) {
      head.weight().set(i, (float) Math.cos(i)); // nonzero, so the head's noise shows
    }
    assertPairEqualsSingles(TinyTask.classifier(3).withHead(head), Selector.all());
  }

  @Test
  void zeroHead() {
    EncoderClassifier c = TinyTask.classifier(4);
    assertPairEqualsSingles(c.withHead(LinearHead.zeros(16, TinyTask.LABELS)), Selector.all());
  }

  @Test
  void similarityHeadWithOnlyBiasAndNormWeights() {
    EncoderClassifier base = TinyTask.classifier(3);
    SimilarityHead head =
        SimilarityHead.zeros(TinyTask.promptHead().labels(), 5, base.tokenizer(), 0);
    head.weight().set(0, 1);
    head.weight().set(3, -0.5f);
    assertPairEqualsSingles(base.withHead(head), Selector.biasOrNorm());
  }

  @Test
  void buffersLeftLongerByEarlierBatchesGiveTheBitsOfAFreshClassifier() {
    Workers workers = Workers.of(2);
    EncoderClassifier used = TinyTask.classifier(3);
    ParameterSet trainable = used.trainable();
    VirtualPerturbation plus = new VirtualPerturbation(trainable, SEED, SCALE);
    // 40 examples of up to 8 words: buckets longer than any of the 5-example batch's
    EncoderClassifier.Batch big = used.batch(used.tokenize(TinyTask.data(40, 21)));
    EncoderClassifier.Batch small = used.batch(used.tokenize(TinyTask.data(5, 22)));
    assertTrue(
        big.buckets().getLast().positions() > small.buckets().getLast().positions(),
        "the first batch must leave larger buffers behind");
    used.logitsPair(big, workers, plus);
    used.logits(big, workers, plus);

    // withHead: the same encoder and head, buffers not yet allocated
    EncoderClassifier fresh = used.withHead(used.head());
    double[][] expected = fresh.logitsPair(small, workers, plus);
    double[][] got = used.logitsPair(small, workers, plus);
    assertArrayEquals(expected[0], got[0], "+ logits after larger batches");
    assertArrayEquals(expected[1], got[1], "- logits after larger batches");
    assertArrayEquals(
        used.withHead(used.head()).logits(small, workers, plus),
        used.logits(small, workers, plus),
        "single logits after larger batches");
  }

  private static void assertPairEqualsSingles(EncoderClassifier c, Selector encoderWeights) {
    Workers workers = Workers.of(2);
    // 13 examples in buckets of 8: a full and a partial bucket of different lengths
    EncoderClassifier.Batch batch = c.batch(c.tokenize(TinyTask.data(13, 6)));
    ParameterSet trainable = c.trainable(encoderWeights);
    ParameterSet before = trainable.copy();
    VirtualPerturbation plus = new VirtualPerturbation(trainable, SEED, SCALE);
    VirtualPerturbation minus = new VirtualPerturbation(trainable, SEED, -SCALE);

    double[][] pair = c.logitsPair(batch, workers, plus);
    assertTrue(trainable.contentEquals(before), "a paired forward pass wrote the weights");
    assertArrayEquals(c.logits(batch, workers, plus), pair[0], "+ logits differ");
    assertArrayEquals(c.logits(batch, workers, minus), pair[1], "- logits differ");

    for (ClassificationLoss loss : ClassificationLoss.values()) {
      PerturbedObjective<EncoderClassifier.Batch> objective = c.objective(loss, workers);
      double[] l = objective.lossPair(batch, plus);
      assertEquals(2, l.length);
      double lp = objective.loss(batch, plus);
      double lm = objective.loss(batch, minus);
      // raw bits: even 0.0 vs -0.0 or two NaN payloads would fail
      assertEquals(Double.doubleToRawLongBits(lp), Double.doubleToRawLongBits(l[0]), loss + " L+");
      assertEquals(Double.doubleToRawLongBits(lm), Double.doubleToRawLongBits(l[1]), loss + " L-");
      if (loss == ClassificationLoss.CROSS_ENTROPY) {
        assertNotEquals(lp, lm, "the perturbation changed nothing");
        // Mezo's functional two-sided estimate goes through lossPair with the same results
        ValueAndGrad vg =
            Mezo.virtualValueAndGrad(objective).apply(trainable, SCALE, SEED, batch, workers);
        assertEquals(Double.doubleToRawLongBits(lp), Double.doubleToRawLongBits(vg.lossPlus()));
        assertEquals(Double.doubleToRawLongBits(lm), Double.doubleToRawLongBits(vg.lossMinus()));
      }
    }
    assertTrue(trainable.contentEquals(before), "the objective wrote the weights");
  }
}
