package io.github.mezo4j.train.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.noise.Perturbation;
import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.core.param.Selector;
import io.github.mezo4j.train.TinyTask;
import io.github.mezo4j.train.head.LinearHead;
import io.github.mezo4j.train.head.SimilarityHead;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The fine-tuner's virtual-mode loss: logits at {@code theta + scale z} read through a {@link
 * VirtualPerturbation} (encoder and head) equal, bit for bit, the logits after writing the same
 * perturbation into the weights, and the weights stay untouched.
 */
class VirtualLogitsTest {
  private static final long SEED = 0x5EEDL;
  private static final float SCALE = 1e-2f;

  @Test
  void linearHeadAndEncoderReadThePerturbationWithoutWritingIt() {
    LinearHead head = LinearHead.zeros(16, TinyTask.LABELS);
    for (int i = 0; i < head.weight().size(); i++) {
      head.weight().set(i, (float) Math.sin(i)); // nonzero, so the head's noise shows
    }
    assertVirtualEqualsInPlace(TinyTask.classifier(3).withHead(head), Selector.biasOrNorm());
  }

  @Test
  void similarityHeadReadsItsWeightsAndLabelsThroughThePerturbation() {
    EncoderClassifier base = TinyTask.classifier(3);
    SimilarityHead head =
        SimilarityHead.zeros(TinyTask.promptHead().labels(), 5, base.tokenizer(), 0);
    head.weight().set(0, 1);
    head.weight().set(3, 0.5f);
    assertVirtualEqualsInPlace(base.withHead(head), Selector.biasOrNorm());
  }

  @Test
  void promptHeadEncodesItsLabelsAtThePerturbedWeights() {
    assertVirtualEqualsInPlace(TinyTask.classifier(3), Selector.all());
  }

  private static void assertVirtualEqualsInPlace(EncoderClassifier c, Selector encoderWeights) {
    Workers workers = Workers.of(2);
    EncoderClassifier.Batch batch = c.batch(c.tokenize(TinyTask.data(12, 5)));
    ParameterSet trainable = c.trainable(encoderWeights);
    ParameterSet before = trainable.copy();
    double[] plain = c.logits(batch, workers);

    double[] virtual = c.logits(batch, workers, new VirtualPerturbation(trainable, SEED, SCALE));
    assertTrue(trainable.contentEquals(before), "a virtual forward pass wrote the weights");
    assertFalse(Arrays.equals(plain, virtual), "the perturbation changed nothing");

    // leaving the head out of the perturbation changes the logits: its noise counts
    if (!c.head().parameters().isEmpty()) {
      ParameterSet encoderOnly = c.embedder().encoder().parameters().select(encoderWeights);
      double[] encoderNoise =
          c.logits(batch, workers, new VirtualPerturbation(encoderOnly, SEED, SCALE));
      assertFalse(Arrays.equals(encoderNoise, virtual), "the head's noise did not count");
    }

    Perturbation.addScaledNoise(trainable, SEED, SCALE, workers);
    double[] inPlace = c.logits(batch, workers);
    assertArrayEquals(inPlace, virtual, "virtual and in-place perturbation differ");
  }
}
