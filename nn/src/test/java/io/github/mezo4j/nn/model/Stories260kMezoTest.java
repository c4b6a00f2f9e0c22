package io.github.mezo4j.nn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.mezo.Mezo;
import io.github.mezo4j.core.mezo.Objective;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.Llama2cCheckpoint;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * MeZO trains the real decoder: the loss is the mean negative log-likelihood of the answer tokens
 * of two prompt/answer pairs, computed by {@link SequenceScorer}, and one MeZO-SGD step lowers it
 * by about the amount the projected gradient predicts.
 */
class Stories260kMezoTest {
  private static final Workers WORKERS = Workers.serial();
  private static final float EPS = 1e-3f;
  private static final long SEED = 7;

  /** BOS + "Once upon a time" tokens, with answers taken from the reference story. */
  private static final int[] PROMPT = {1, 403, 407, 261, 378};

  private static final List<int[]> ANSWERS = List.of(new int[] {432, 383, 286}, new int[] {261});

  @Test
  void oneMezoStepOnTheDecoderLowersTheAnswerLoss() throws IOException {
    DecoderModel model =
        Llama2cCheckpoint.read(Stories260k.folder().resolve("stories260K.bin")).model();
    ParameterSet params = model.parameters();
    SequenceScorer scorer = new SequenceScorer(model);
    Objective<List<int[]>> loss =
        (p, answers) -> {
          double[] s =
              scorer.scoreContinuations(WORKERS, PROMPT, answers, SequenceScorer.Reduction.MEAN);
          return -(s[0] + s[1]) / 2;
        };
    double l0 = loss.loss(params, ANSWERS);
    double g = Mezo.grad(loss).apply(params, EPS, SEED, ANSWERS, WORKERS);
    assertTrue(Double.isFinite(g) && g != 0, "projected gradient " + g);
    assertEquals(l0, loss.loss(params, ANSWERS), 1e-5, "weights restored after the estimate");
    double lr = 1e-3 / Math.abs(g);
    Mezo.applyUpdates(params, lr * g, SEED, WORKERS);
    double l1 = loss.loss(params, ANSWERS);
    assertTrue(l1 < l0, "loss went from %s to %s".formatted(l0, l1));
    double ratio = (l1 - l0) / (-lr * g * g);
    assertTrue(ratio > 0.5 && ratio < 1.5, "actual / predicted loss change = " + ratio);
  }
}
