package io.github.mezo4j.train.head;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.model.EncoderInput;
import io.github.mezo4j.nn.model.SentenceEmbedder;
import io.github.mezo4j.nn.tokenizer.WordPieceTokenizer;
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
   * @param labelTexts one verbalised label per class, class 0 first
   * @param scale the logit scale (an inverse temperature; 20 suits MiniLM's cosines)
   * @param labelInput the tokenized label texts, one row per class
   */
  public PromptHead(List<String> labelTexts, double scale, EncoderInput labelInput) {
    if (labelTexts.size() < 2) {
      throw new IllegalArgumentException("need at least two label texts, got " + labelTexts);
    }
    if (!(scale > 0) || Double.isInfinite(scale)) {
      throw new IllegalArgumentException("the prompt head's scale must be > 0, got " + scale);
    }
    if (labelInput.batch() != labelTexts.size()) {
      throw new IllegalArgumentException(
          "%d label texts but %d tokenized rows".formatted(labelTexts.size(), labelInput.batch()));
    }
    this.labelTexts = List.copyOf(labelTexts);
    this.scale = scale;
    this.labelInput = labelInput;
  }

  /** Tokenizes the label texts with {@code tokenizer} (no padding; padded here with padId). */
  public static PromptHead of(
      List<String> labelTexts, double scale, WordPieceTokenizer tokenizer, int padId) {
    int[][] ids = new int[labelTexts.size()][];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = tokenizer.encode(labelTexts.get(i)).ids();
    }
    return new PromptHead(labelTexts, scale, EncoderInput.padded(ids, padId));
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

  public double scale() {
    return scale;
  }

  @Override
  public Scorer scorer(SentenceEmbedder embedder, Workers workers) {
    if (!embedder.normalize()) {
      throw new IllegalArgumentException("the prompt head needs an L2-normalising embedder");
    }
    float[] labels = embedder.embed(labelInput, workers);
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
