package io.github.mezo4j.train.head;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.train.report.PassProgress;
import io.github.mezo4j.train.trainer.EncoderClassifier;
import io.github.mezo4j.train.trainer.LabeledTexts;
import java.util.List;

/**
 * How to build a run's initial head ({@code --head}): {@code prompt}, a {@link PromptHead} on the
 * task's label sentences; {@code linear}, a {@link LinearHead} fitted by {@link LinearProbe} on the
 * training split's sentence embeddings at the base weights; {@code zero}, a {@link LinearHead} of
 * zeros; or {@code similarity}, a {@link SimilarityHead} of zeros over the label sentences (the
 * last two start uninformed: every class scores 0, and MeZO alone must train them).
 *
 * @param kind "prompt", "linear", "zero" or "similarity"
 * @param labelSentences the prompt head's verbalised labels, one per class
 * @param scale the prompt and similarity heads' logit scale
 * @param probe the linear probe's settings
 */
public record HeadSpec(
    String kind, List<String> labelSentences, double scale, LinearProbe.Options probe) {
  /** The values of {@code --head}. */
  public static final List<String> KINDS = List.of("prompt", "linear", "zero", "similarity");

  /** Rejects an unknown kind; copies the label sentences. */
  public HeadSpec {
    labelSentences = List.copyOf(labelSentences);
    if (!KINDS.contains(kind)) {
      throw new IllegalArgumentException("--head '%s': expected one of %s".formatted(kind, KINDS));
    }
  }

  /** The head for {@code classifier}'s encoder at its current (base) weights. */
  public ClassifierHead create(EncoderClassifier classifier, LabeledTexts train, Workers workers) {
    if (kind.equals("prompt")) {
      return PromptHead.of(labelSentences, scale, classifier.tokenizer(), classifier.padId());
    }
    if (kind.equals("similarity")) {
      return SimilarityHead.zeros(
          labelSentences, scale, classifier.tokenizer(), classifier.padId());
    }
    if (kind.equals("zero")) {
      return LinearHead.zeros(classifier.embedder().dimension(), train.labelNames());
    }
    EncoderClassifier.Batch all = classifier.batch(classifier.tokenize(train));
    return LinearProbe.fit(
            // a probe on a full training set embeds for minutes: say how far it is
            classifier.features(all, workers, PassProgress.onStderr("linear probe", all.size())),
            all.labels(),
            classifier.embedder().dimension(),
            train.labelNames(),
            probe,
            workers)
        .head();
  }
}
