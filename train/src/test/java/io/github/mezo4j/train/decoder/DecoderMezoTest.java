package io.github.mezo4j.train.decoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.mezo.MezoTrainer;
import io.github.mezo4j.core.optim.Optimizers;
import io.github.mezo4j.core.optim.Schedule;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.train.prompt.DecoderTemplates;
import io.github.mezo4j.train.trainer.Evaluation;
import java.io.IOException;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** MeZO on stories260K through the decoder objectives lowers them on a fixed batch. */
class DecoderMezoTest {
  private static final Workers WORKERS = Workers.of(2);

  @Test
  void mezoStepsLowerTheLanguageModelLossOnAFixedBatch() throws IOException {
    DecoderLm lm = Stories260kLm.load().lm();
    LanguageModeling m = new LanguageModeling(lm, 16);
    LanguageModeling.Tokenized set = m.tokenize(LanguageModeling.texts(Stories260kLm.REVIEWS));
    int[] all = IntStream.range(0, set.size()).toArray();
    double before = m.nll(set, WORKERS).mean();
    ParameterSet weights = lm.model().parameters();
    ParameterSet start = weights.copy();
    try (MezoTrainer<int[]> t =
        MezoTrainer.<int[]>builder((p, batch) -> m.nll(set, batch, WORKERS).mean())
            .eps(1e-3)
            .optimizer(Optimizers.sgd(Schedule.constant(1e-4)))
            .runSeed(7)
            .workers(WORKERS)
            .build(weights)) {
      for (int i = 0; i < 20; i++) {
        t.step(all);
      }
    }
    double after = m.nll(set, WORKERS).mean();
    assertTrue(!weights.contentEquals(start), "MeZO did not change the weights");
    // 20 steps of 2 forward passes each on 260K weights: a clear drop, not rounding noise
    assertTrue(after < before - 0.1, "LM loss went from " + before + " to " + after);
  }

  @Test
  void mezoStepsLowerTheCandidateCrossEntropyOnAFixedBatch() throws IOException {
    DecoderLm lm = Stories260kLm.load().lm();
    DecoderClassifier c =
        new DecoderClassifier(lm, DecoderTemplates.forTask("sst2"), 2, CandidateScore.MEAN, 16);
    DecoderClassifier.Tokenized set = c.tokenize(Stories260kLm.REVIEWS);
    int[] all = IntStream.range(0, set.size()).toArray();
    Evaluation before = c.evaluate(set, WORKERS);
    try (MezoTrainer<int[]> t =
        MezoTrainer.<int[]>builder(
                (p, batch) ->
                    Evaluation.of(
                            c.scores(set, batch, WORKERS), DecoderClassifier.labels(set, batch), 2)
                        .loss())
            .eps(1e-3)
            .optimizer(Optimizers.sgd(Schedule.constant(1e-4)))
            .runSeed(11)
            .workers(WORKERS)
            .build(lm.model().parameters())) {
      for (int i = 0; i < 20; i++) {
        t.step(all);
      }
    }
    Evaluation after = c.evaluate(set, WORKERS);
    assertEquals(set.size(), after.examples());
    assertTrue(
        after.loss() < before.loss() - 0.04,
        "cross-entropy went from " + before.loss() + " to " + after.loss());
  }
}
