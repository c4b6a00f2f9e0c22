package io.github.mezo4j.train.decoder;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.train.data.Example;
import io.github.mezo4j.train.prompt.DecoderTemplate;
import java.util.List;

/**
 * One-shot evaluations of a decoder on a list of examples, for {@code mezo4j eval} and reports:
 * prompted classification accuracy and the perplexity of the examples' texts.
 */
public final class DecoderMetrics {
  /** Sequences per forward pass. */
  public static final int CHUNK = 32;

  private DecoderMetrics() {}

  /** Cross-entropy, accuracy and macro F1 of the prompted candidates' scores. */
  public static DecoderEvaluation classification(
      DecoderLm lm,
      DecoderTemplate template,
      int classes,
      CandidateScore score,
      List<Example> examples,
      Workers workers) {
    DecoderClassifier c = new DecoderClassifier(lm, template, classes, score, CHUNK);
    return DecoderEvaluation.of(c.evaluate(c.tokenize(examples), workers));
  }

  /** Mean NLL per token and perplexity of the examples' texts ({@link LanguageModeling#texts}). */
  public static DecoderEvaluation perplexity(
      DecoderLm lm, List<Example> examples, Workers workers) {
    LanguageModeling m = new LanguageModeling(lm, CHUNK);
    return DecoderEvaluation.of(
        m.nll(m.tokenize(LanguageModeling.texts(examples)), workers), examples.size());
  }
}
