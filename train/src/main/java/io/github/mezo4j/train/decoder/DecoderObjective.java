package io.github.mezo4j.train.decoder;

import io.github.mezo4j.train.metrics.ClassificationLoss;
import java.util.Locale;

/**
 * What MeZO minimises when it fine-tunes a decoder ({@code --objective}): a classification loss of
 * the candidate scores ({@link DecoderClassifier}), or the language-model loss of the task's texts
 * ({@link LanguageModeling}, domain adaptation, evaluated by perplexity).
 */
public enum DecoderObjective {
  /** Cross-entropy of the candidate scores ({@code ce}). */
  CROSS_ENTROPY("ce", ClassificationLoss.CROSS_ENTROPY),
  /** Minus the batch accuracy ({@code accuracy}). */
  ACCURACY("accuracy", ClassificationLoss.ACCURACY),
  /** Minus the batch macro F1 ({@code f1}). */
  F1("f1", ClassificationLoss.F1),
  /** Mean next-token negative log-likelihood of the texts ({@code lm}). */
  LANGUAGE_MODEL("lm", null);

  private final String option;
  private final ClassificationLoss classification;

  DecoderObjective(String option, ClassificationLoss classification) {
    this.option = option;
    this.classification = classification;
  }

  /** The {@code --objective} value. */
  public String option() {
    return option;
  }

  /** Whether this is the language-model objective. */
  public boolean languageModel() {
    return classification == null;
  }

  /** The classification loss, or null for {@link #LANGUAGE_MODEL}. */
  public ClassificationLoss classification() {
    return classification;
  }

  /**
   * {@code ce}, {@code accuracy}, {@code f1} (the names {@link ClassificationLoss#parse} accepts)
   * or {@code lm}.
   *
   * @throws IllegalArgumentException listing the accepted names
   */
  public static DecoderObjective parse(String option) {
    String o = option.strip().toLowerCase(Locale.ROOT);
    if (o.equals("lm") || o.equals("language_model") || o.equals("nll")) {
      return LANGUAGE_MODEL;
    }
    ClassificationLoss c;
    try {
      c = ClassificationLoss.parse(option);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "unknown objective '%s'; expected ce, accuracy, f1 or lm".formatted(option), e);
    }
    for (DecoderObjective d : values()) {
      if (d.classification == c) {
        return d;
      }
    }
    throw new AssertionError(c);
  }
}
