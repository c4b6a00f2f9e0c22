package io.github.mezo4j.train.head;

import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.nn.model.EncoderInput;
import io.github.mezo4j.nn.model.SentenceEmbedder;
import io.github.mezo4j.tokenizer.WordPieceTokenizer;
import java.util.List;

/** The verbalised label sentences that the prompt and similarity heads compare inputs with. */
final class LabelSentences {
  private LabelSentences() {}

  /** Tokenizes the label texts (no tokenizer padding; padded here with {@code padId}). */
  static EncoderInput tokenize(List<String> labelTexts, WordPieceTokenizer tokenizer, int padId) {
    // a tokenizer.json that pads to a fixed length would have its pad tokens embedded as words
    WordPieceTokenizer unpadded = tokenizer.withoutPadding();
    int[][] ids = new int[labelTexts.size()][];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = unpadded.encode(labelTexts.get(i)).ids();
    }
    return EncoderInput.padded(ids, padId);
  }

  /**
   * Checks a head's label texts, scale and tokenized labels.
   *
   * @param head the head's name for messages ("prompt", "similarity")
   */
  static void check(List<String> labelTexts, double scale, EncoderInput labelInput, String head) {
    if (labelTexts.size() < 2) {
      throw new IllegalArgumentException("need at least two label texts, got " + labelTexts);
    }
    if (!(scale > 0) || Double.isInfinite(scale)) {
      throw new IllegalArgumentException(
          "the %s head's scale must be > 0, got %s".formatted(head, scale));
    }
    if (labelInput.batch() != labelTexts.size()) {
      throw new IllegalArgumentException(
          "%d label texts but %d tokenized rows".formatted(labelTexts.size(), labelInput.batch()));
    }
  }

  /**
   * Embeds the labels with the same (perturbed) encoder as the inputs, L2-normalised, one row of
   * {@code embedder.dimension()} per class.
   *
   * @param head the head's name for messages ("prompt", "similarity")
   */
  static float[] embed(
      EncoderInput labelInput,
      SentenceEmbedder embedder,
      Workers workers,
      VirtualPerturbation perturbation,
      String head) {
    if (!embedder.normalize()) {
      throw new IllegalArgumentException(
          "the %s head needs an L2-normalising embedder".formatted(head));
    }
    // through the embedder: with a frozen-prefix cache, the label sentences' lower layers are
    // computed once, not on every forward pass
    return SentenceEmbedder.pool(
        embedder.hiddenStates(labelInput, workers, perturbation),
        labelInput,
        embedder.dimension(),
        embedder.pooling(),
        true);
  }
}
