package io.github.mezo4j.train.head;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.train.trainer.EncoderClassifier;
import io.github.mezo4j.train.trainer.LabeledTexts;
import java.util.List;

/**
 * How to build a run's initial head ({@code --head}): {@code prompt}, a {@link PromptHead} on the
 * task's label sentences; or {@code linear}, a {@link LinearHead} fitted by {@link LinearProbe} on
 * the training split's sentence embeddings at the base weights.
 *
 * @param kind "prompt" or "linear"
 * @param labelSentences the prompt head's verbalised labels, one per class
 * @param scale the prompt head's logit scale
 * @param probe the linear probe's settings
 */
public record HeadSpec(
    String kind, List<String> labelSentences, double scale, LinearProbe.Options probe) {
  public HeadSpec {
    labelSentences = List.copyOf(labelSentences);
    if (!kind.equals("prompt") && !kind.equals("linear")) {
      throw new IllegalArgumentException("--head '%s': expected linear or prompt".formatted(kind));
    }
  }

  /** The head for {@code classifier}'s encoder at its current (base) weights. */
  public ClassifierHead create(EncoderClassifier classifier, LabeledTexts train, Workers workers) {
    if (kind.equals("prompt")) {
      return PromptHead.of(labelSentences, scale, classifier.tokenizer(), classifier.padId());
    }
    EncoderClassifier.Batch all = classifier.batch(classifier.tokenize(train));
    return LinearProbe.fit(
            classifier.features(all, workers),
            all.labels(),
            classifier.embedder().dimension(),
            train.labelNames(),
            probe,
            workers)
        .head();
  }
}
