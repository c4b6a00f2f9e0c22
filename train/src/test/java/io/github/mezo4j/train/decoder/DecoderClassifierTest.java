package io.github.mezo4j.train.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.nn.model.DecoderModel;
import io.github.mezo4j.nn.model.TokenBatch;
import io.github.mezo4j.train.data.Example;
import io.github.mezo4j.train.prompt.DecoderPrompt;
import io.github.mezo4j.train.prompt.DecoderTemplate;
import io.github.mezo4j.train.prompt.DecoderTemplates;
import io.github.mezo4j.train.trainer.Evaluation;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Candidate scores and language-model losses against a naive reference: each sequence run alone
 * through the full forward pass, log-softmax in double precision, summed token by token.
 */
class DecoderClassifierTest {
  private static final Workers WORKERS = Workers.of(2);

  /** log p(s[t+1] | s[..t]) for every t, from one unpadded forward pass of s alone. */
  private static double[] naiveLogProbs(DecoderModel m, int[] s) {
    float[] logits = m.forward(Workers.serial(), TokenBatch.of(s));
    int v = m.vocabSize();
    double[] out = new double[s.length - 1];
    for (int t = 0; t + 1 < s.length; t++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < v; j++) {
        max = Math.max(max, logits[t * v + j]);
      }
      double sum = 0;
      for (int j = 0; j < v; j++) {
        sum += Math.exp(logits[t * v + j] - max);
      }
      out[t] = logits[t * v + s[t + 1]] - max - Math.log(sum);
    }
    return out;
  }

  /** The naive score of a candidate: its tokens are what the full text adds to the context. */
  private static double naiveScore(DecoderLm lm, DecoderPrompt p, int c, boolean mean) {
    int[] full = lm.encode(p.full(c));
    int len = full.length - lm.encode(p.context()).length;
    double[] lp = naiveLogProbs(lm.model(), full);
    double sum = 0;
    for (int t = lp.length - len; t < lp.length; t++) {
      sum += lp[t];
    }
    return mean ? sum / len : sum;
  }

  @Test
  void candidateScoresEqualANaivePerCandidateForwardPass() throws IOException {
    DecoderLm lm = Stories260kLm.load().lm();
    List<Example> copa =
        List.of(
            new Example(
                "The girl found a bug in her cereal.",
                null,
                1,
                Map.of(
                    "premise", "The girl found a bug in her cereal.",
                    "question", "effect",
                    "choice1", "She poured milk in the bowl.",
                    "choice2", "She lost her appetite.")),
            new Example(
                "I opened the door.",
                null,
                0,
                Map.of(
                    "premise", "I opened the door.",
                    "question", "cause",
                    "choice1", "The cat wanted to go out.",
                    "choice2", "The sun was hot.")));
    record Case(DecoderTemplate template, List<Example> examples) {}
    for (Case k :
        List.of(
            new Case(DecoderTemplates.forTask("sst2"), Stories260kLm.REVIEWS),
            new Case(DecoderTemplates.forTask("copa"), copa))) {
      for (CandidateScore score : CandidateScore.values()) {
        // a chunk of 3 mixes lengths and splits examples across forward passes
        DecoderClassifier c = new DecoderClassifier(lm, k.template(), 2, score, 3);
        DecoderClassifier.Tokenized set = c.tokenize(k.examples());
        double[] scores = c.scores(set, WORKERS);
        for (int i = 0; i < k.examples().size(); i++) {
          DecoderPrompt p = k.template().render(k.examples().get(i));
          for (int cand = 0; cand < 2; cand++) {
            double expected = naiveScore(lm, p, cand, score == CandidateScore.MEAN);
            assertEquals(expected, scores[i * 2 + cand], 1e-4, p.full(cand) + " " + score);
          }
        }
        // a subset in another order gets the same scores, whatever the batch around it
        int[] some = {3, 0};
        if (k.examples().size() > 3) {
          double[] sub = c.scores(set, some, Workers.serial());
          assertArrayEquals(
              new double[] {scores[6], scores[7], scores[0], scores[1]}, sub, 0, "subset");
        }
        Evaluation e = c.evaluate(set, WORKERS);
        assertEquals(Evaluation.of(scores, set.labels(), 2), e);
      }
    }
    // COPA's multi-token answers: mean and sum rank by different numbers
    DecoderClassifier mean =
        new DecoderClassifier(lm, DecoderTemplates.forTask("copa"), 2, CandidateScore.MEAN, 8);
    DecoderClassifier sum =
        new DecoderClassifier(lm, DecoderTemplates.forTask("copa"), 2, CandidateScore.SUM, 8);
    assertNotEquals(
        Arrays.toString(mean.scores(mean.tokenize(copa), WORKERS)),
        Arrays.toString(sum.scores(sum.tokenize(copa), WORKERS)));
  }

  @Test
  void languageModelLossIsTheTokenWeightedMeanOfNaiveNegativeLogLikelihoods() throws IOException {
    DecoderLm lm = Stories260kLm.load().lm();
    LanguageModeling m = new LanguageModeling(lm, 5);
    List<String> texts = LanguageModeling.texts(Stories260kLm.REVIEWS);
    LanguageModeling.Tokenized set = m.tokenize(texts);
    double nll = 0;
    long tokens = 0;
    for (String text : texts) {
      double[] lp = naiveLogProbs(lm.model(), lm.encode(text));
      for (double v : lp) {
        nll -= v;
      }
      tokens += lp.length;
    }
    LanguageModeling.Nll got = m.nll(set, WORKERS);
    assertEquals(tokens, got.tokens());
    assertEquals(tokens, set.predicted());
    assertEquals(nll, got.nll(), 1e-3);
    assertEquals(Math.exp(nll / tokens), got.perplexity(), 1e-3);
    // a perplexity near the 512-token vocabulary would mean an untrained or broken model
    assertTrue(got.perplexity() > 1 && got.perplexity() < 200, "perplexity " + got.perplexity());
  }

  @Test
  void badPromptsAreRefusedNamingTheExample() throws IOException {
    DecoderLm lm = Stories260kLm.load().lm();
    DecoderClassifier three =
        new DecoderClassifier(lm, DecoderTemplates.forTask("sst2"), 3, CandidateScore.MEAN, 4);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> three.tokenize(Stories260kLm.REVIEWS));
    assertTrue(e.getMessage().contains("example 0"), e.getMessage());
    DecoderTemplate empty = ex -> new DecoderPrompt(ex.text(), List.of("", " no"), ex.label());
    DecoderClassifier c = new DecoderClassifier(lm, empty, 2, CandidateScore.MEAN, 4);
    e = assertThrows(IllegalArgumentException.class, () -> c.tokenize(Stories260kLm.REVIEWS));
    assertTrue(e.getMessage().contains("adds no token"), e.getMessage());
  }

  @Test
  void pairedLossesEqualTheTwoSingleOnesBitForBit() throws Exception {
    DecoderLm lm = Stories260kLm.load().lm();
    VirtualPerturbation plus = new VirtualPerturbation(lm.model().parameters(), 9, 1e-3f);
    int[] indices = {3, 0, 7, 5};
    LanguageModeling m = new LanguageModeling(lm, 3); // two chunks
    LanguageModeling.Tokenized texts = m.tokenize(LanguageModeling.texts(Stories260kLm.REVIEWS));
    LanguageModeling.Nll[] nll = m.nllPair(texts, indices, WORKERS, plus);
    assertEquals(m.nll(texts, indices, WORKERS, plus), nll[0]);
    assertEquals(m.nll(texts, indices, WORKERS, plus.negated()), nll[1]);
    assertNotEquals(nll[0], nll[1]);
    DecoderClassifier c =
        new DecoderClassifier(lm, DecoderTemplates.forTask("sst2"), 2, CandidateScore.MEAN, 3);
    DecoderClassifier.Tokenized set = c.tokenize(Stories260kLm.REVIEWS);
    double[][] scores = c.scoresPair(set, indices, WORKERS, plus);
    assertArrayEquals(c.scores(set, indices, WORKERS, plus), scores[0]);
    assertArrayEquals(c.scores(set, indices, WORKERS, plus.negated()), scores[1]);
  }
}
