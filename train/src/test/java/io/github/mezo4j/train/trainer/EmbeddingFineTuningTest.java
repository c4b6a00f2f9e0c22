package io.github.mezo4j.train.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.io.MiniLm;
import io.github.mezo4j.train.data.TextPair;
import io.github.mezo4j.train.metrics.PairLoss;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The in-memory path a developer takes: the built-in MiniLM, a list of scored pairs, fit, eval. */
class EmbeddingFineTuningTest {
  private static final List<TextPair> TRAIN =
      List.of(
          new TextPair("A man is playing a guitar.", "A man plays the guitar.", 4.8),
          new TextPair("A woman is slicing an onion.", "A woman cuts an onion.", 4.2),
          new TextPair("A dog runs in the park.", "A cat sleeps on a sofa.", 0.6),
          new TextPair("Kids are playing football.", "Children play soccer.", 4.4),
          new TextPair("The stock market fell today.", "A girl rides a horse.", 0.0),
          new TextPair("A chef is cooking pasta.", "Someone prepares food.", 3.1),
          new TextPair("Two men are fighting.", "Two men are talking.", 1.8),
          new TextPair("It is raining in the city.", "The city streets are wet.", 2.9));
  private static final List<TextPair> DEV =
      List.of(
          new TextPair("A boy is reading a book.", "A child reads.", 3.9),
          new TextPair("A plane is taking off.", "A man eats an apple.", 0.2),
          new TextPair("The sun is setting.", "The sun goes down.", 4.6),
          new TextPair("A band plays music.", "People listen to a concert.", 2.7),
          new TextPair("A car is parked outside.", "A bird sings in a tree.", 0.4));

  @TempDir Path dir;

  @Test
  void fitsInPlaceAndEvaluatesLikeTheRun() throws Exception {
    BertCheckpoint base = MiniLm.load();
    ParameterSet before = base.parameters().copy();
    EmbeddingFineTuning tuning =
        EmbeddingFineTuning.scored(0, 5)
            .objective(PairLoss.COSINE)
            .trainParams("bias-norm")
            .lr(1e-2)
            .steps(4)
            .batch(4)
            .evalEvery(2)
            .threads(2)
            .out(dir.resolve("run"));
    double untrained = tuning.evaluate(EmbeddingFineTuning.model(base), DEV).spearman();

    PairFineTuner.Result r = tuning.fit(base, TRAIN, DEV);

    assertEquals(untrained, r.initialDevMetric(), "evaluate and the run's step 0 agree");
    assertEquals(
        r.finalDevMetric(), tuning.evaluate(r.model(), DEV).spearman(), "and at the last step");
    assertTrue(Files.isRegularFile(dir.resolve("run/summary.json")));
    boolean changed = false;
    for (Parameter p : base.parameters()) {
      boolean same = p.contentEquals(before.get(p.name()));
      assertTrue(same || p.name().contains("bias") || p.name().contains("LayerNorm"), p.name());
      changed |= !same;
    }
    assertTrue(changed, "fit trains the base model's biases and LayerNorm weights in place");
  }

  @Test
  void badPairsNameTheSplitAndPair() {
    EmbeddingFineTuning scored = EmbeddingFineTuning.scored(0, 5).out(dir.resolve("a"));
    List<TextPair> outOfRange = List.of(TRAIN.get(0), new TextPair("a", "b", 7));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> scored.fit(null, outOfRange, DEV));
    assertEquals("train pair 1: score 7.0 outside [0.0, 5.0]", e.getMessage());

    e = assertThrows(IllegalArgumentException.class, () -> scored.fit(null, TRAIN, List.of()));
    assertEquals("the dev pairs are empty", e.getMessage());

    List<TextPair> twice =
        List.of(
            TextPair.positive("q", "p1"),
            TextPair.positive("r", "p2"),
            TextPair.positive("q", "p3"));
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> EmbeddingFineTuning.positive().fit(null, twice, DEV));
    assertTrue(
        e.getMessage().startsWith("train pair 2: query 'q' already has a passage at pair 0"));

    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                EmbeddingFineTuning.labeled().fit(null, List.of(new TextPair("a", "b", 0.5)), DEV));
    assertEquals("train pair 0: label 0.5, expected 0 or 1", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> EmbeddingFineTuning.scored(5, 5));
    EmbeddingFineTuning defaults = EmbeddingFineTuning.scored(0, 5);
    assertEquals(Recipe.EMBEDDING_SCORED.trainParams(), defaults.trainParams());
    assertEquals(PairLoss.COSINE, defaults.objective());
    assertFalse(Files.exists(dir.resolve("a")), "nothing written for bad input");
  }
}
