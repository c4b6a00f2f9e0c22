package io.github.mezo4j.train.head;

import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.model.EncoderInput;
import io.github.mezo4j.nn.model.SentenceEmbedder;
import io.github.mezo4j.tokenizer.WordPieceTokenizer;
import java.util.List;

/**
 * The label-prompt head: class {@code c}'s logit is {@code scale * cos(embed(input),
 * embed(labelTexts[c]))}, with verbalised labels such as "It was terrible." / "It was great.". It
 * has no weights: the label texts go through the same encoder on every forward pass, so when MeZO
 * moves the encoder the label embeddings move with it, and a pretrained sentence encoder classifies
 * zero-shot before any training (the role prompts play in the MeZO paper).
 *
 * <p>The embedder must L2-normalise, so the cosine is a dot product.
 */
public final class PromptHead implements ClassifierHead {
  private final List<String> labelTexts;
  private final double scale;
  private final EncoderInput labelInput;

  /**
   * Logits {@code scale * cos(embedding, label embedding)} over already tokenized label texts.
   *
   * @param labelTexts one verbalised label per class, class 0 first
   * @param scale the logit scale (an inverse temperature; 20 suits MiniLM's cosines)
   * @param labelInput the tokenized label texts, one row per class
   */
  public PromptHead(List<String> labelTexts, double scale, EncoderInput labelInput) {
    LabelSentences.check(labelTexts, scale, labelInput, "prompt");
    this.labelTexts = List.copyOf(labelTexts);
    this.scale = scale;
    this.labelInput = labelInput;
  }

  /** Tokenizes the label texts with {@code tokenizer} (no padding; padded here with padId). */
  public static PromptHead of(
      List<String> labelTexts, double scale, WordPieceTokenizer tokenizer, int padId) {
    return new PromptHead(labelTexts, scale, LabelSentences.tokenize(labelTexts, tokenizer, padId));
  }

  @Override
  public String kind() {
    return "prompt";
  }

  @Override
  public int classes() {
    return labelTexts.size();
  }

  @Override
  public ParameterSet parameters() {
    return ParameterSet.of();
  }

  @Override
  public List<String> labels() {
    return labelTexts;
  }

  /** The logit scale the cosines are multiplied by. */
  public double scale() {
    return scale;
  }

  @Override
  public Scorer scorer(
      SentenceEmbedder embedder, Workers workers, VirtualPerturbation perturbation) {
    // the label texts go through the same (perturbed) encoder as the inputs
    float[] labels = LabelSentences.embed(labelInput, embedder, workers, perturbation, "prompt");
    int k = classes();
    int dim = embedder.dimension();
    return (e, rows, logits, firstRow) -> {
      for (int r = 0; r < rows; r++) {
        for (int c = 0; c < k; c++) {
          double dot = 0;
          for (int j = 0; j < dim; j++) {
            dot += (double) e[r * dim + j] * labels[c * dim + j];
          }
          logits[(firstRow + r) * k + c] = scale * dot;
        }
      }
    };
  }

  @Override
  public PromptHead copy() {
    return this; // immutable
  }

  @Override
  public String toString() {
    return "PromptHead[%s * cos(input, %s)]".formatted(scale, labelTexts);
  }
}
