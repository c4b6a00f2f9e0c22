package io.github.mezo4j.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.mezo.PerturbedObjective;
import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.io.MiniLm;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.nn.model.EncoderInput;
import org.junit.jupiter.api.Test;

/**
 * The objective of {@code bench step}: its paired losses are its two single losses, bit for bit.
 */
class StepBenchmarkTest {
  @Test
  void lossPairOfTheMiniLmObjectiveEqualsTwoSingleLosses() throws Exception {
    BertCheckpoint minilm = MiniLm.load();
    BertEncoder encoder = BertEncoder.of(minilm.config(), minilm.parameters());
    EncoderInput input = EncoderInput.random(3, 2, 9, minilm.config().vocabSize(), 0);
    ParameterSet trainable = encoder.parameters();
    ParameterSet before = trainable.copy();
    try (Workers two = Workers.of(2)) {
      PerturbedObjective<EncoderInput> loss =
          StepBenchmark.clsCosineLoss(encoder, two, StepBenchmark.target(384, 7));
      VirtualPerturbation plus = new VirtualPerturbation(trainable, 99, 1e-3f);
      VirtualPerturbation minus = new VirtualPerturbation(trainable, 99, -1e-3f);
      double[] pair = loss.lossPair(input, plus);
      assertEquals(2, pair.length);
      assertEquals(loss.loss(input, plus), pair[0], 0.0, "L+");
      assertEquals(loss.loss(input, minus), pair[1], 0.0, "L-");
      assertNotEquals(pair[0], pair[1], "the noise moves the loss");
    }
    assertTrue(trainable.contentEquals(before), "weights untouched");
  }
}
