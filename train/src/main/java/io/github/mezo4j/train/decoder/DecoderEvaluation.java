package io.github.mezo4j.train.decoder;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.train.metrics.DevMetric;
import io.github.mezo4j.train.trainer.Evaluation;
import io.github.mezo4j.train.trainer.Scores;

/**
 * A decoder's metrics on a split: classification metrics from candidate scores, or the
 * language-model loss and perplexity. Metrics that were not measured are NaN.
 *
 * @param loss mean cross-entropy of the class scores, or mean NLL per token (language modelling)
 * @param accuracy fraction of examples whose gold candidate scores highest, or NaN
 * @param macroF1 macro F1 of those predictions, or NaN
 * @param perplexity exp(mean NLL per token), or NaN
 * @param examples examples measured
 */
public record DecoderEvaluation(
    double loss, double accuracy, double macroF1, double perplexity, int examples)
    implements Scores {

  /** From a classification evaluation. */
  public static DecoderEvaluation of(Evaluation e) {
    return new DecoderEvaluation(e.loss(), e.accuracy(), e.macroF1(), Double.NaN, e.examples());
  }

  /** From a language-model NLL over {@code examples} texts. */
  public static DecoderEvaluation of(LanguageModeling.Nll nll, int examples) {
    return new DecoderEvaluation(nll.mean(), Double.NaN, Double.NaN, nll.perplexity(), examples);
  }

  @Override
  public double metric(DevMetric metric) {
    return switch (metric) {
      case ACCURACY -> accuracy;
      case MACRO_F1 -> macroF1;
      case PERPLEXITY -> perplexity;
      default ->
          throw new IllegalArgumentException(
              "decoder runs do not measure %s: expected accuracy, macro_f1 or perplexity"
                  .formatted(metric.label()));
    };
  }

  /** Puts the measured metrics into {@code json} with {@code prefix} (NaN ones are left out). */
  @Override
  public void putInto(ObjectNode json, String prefix) {
    json.put(prefix + "loss", loss);
    if (!Double.isNaN(accuracy)) {
      json.put(prefix + "accuracy", accuracy);
      json.put(prefix + "macro_f1", macroF1);
    }
    if (!Double.isNaN(perplexity)) {
      json.put(prefix + "perplexity", perplexity);
    }
  }
}
