package io.github.mezo4j.train.head;

import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.model.EncoderInput;
import io.github.mezo4j.nn.model.SentenceEmbedder;
import io.github.mezo4j.tokenizer.WordPieceTokenizer;
import java.util.List;

/**
 * A learned reading of the label prompts: with {@code s_j = cos(embed(input), embed(labelTexts[j]))
 * - mean_j' cos(...)} (each input's similarities centred over the labels), class {@code c}'s logit
 * is {@code scale * sum_j W[c,j] s_j} with {@code W [classes, classes]} ({@value #WEIGHT}).
 * Centring drops the part of the similarities that every label shares (sentences are about equally
 * close to all label sentences), which says nothing about the class. There is no bias: its effect
 * on the logits would be some twenty times a similarity difference's, so under MeZO's isotropic
 * noise it would drown the weights' signal (measured on the demo set: with a bias the run sat at
 * chance).
 *
 * <p>{@code W = I} scores as the {@link PromptHead} does (the same softmax: the logits differ by a
 * constant per input); {@link #zeros} starts uninformed (every class scores 0, chance accuracy), so
 * MeZO must learn from the data how the similarities map to classes. With only {@code classes *
 * (classes + 1)} head weights the SPSA estimate is far less noisy than for a {@link LinearHead}
 * over the full embedding. The label texts go through the same (perturbed) encoder on every forward
 * pass, as in the prompt head; {@code scale} multiplies the weights' effect so that they train at
 * the learning rate that suits the encoder.
 */
public final class SimilarityHead implements ClassifierHead {
  /** Name of the mixing matrix {@code [classes, classes]}. */
  public static final String WEIGHT = "head.weight";

  private final List<String> labelTexts;
  private final double scale;
  private final EncoderInput labelInput;
  private final Parameter weight;

  /**
   * A head over already tokenized label texts and a mixing matrix; checks its name and shape.
   *
   * @param labelTexts one verbalised label per class, class 0 first
   * @param scale the logit scale (> 0)
   * @param labelInput the tokenized label texts, one row per class
   * @param weight {@code [classes, classes]}, named {@value #WEIGHT}
   */
  public SimilarityHead(
      List<String> labelTexts, double scale, EncoderInput labelInput, Parameter weight) {
    int k = labelTexts.size();
    LabelSentences.check(labelTexts, scale, labelInput, "similarity");
    if (!WEIGHT.equals(weight.name())) {
      throw new IllegalArgumentException(
          "a similarity head's weight is named %s, got %s".formatted(WEIGHT, weight.name()));
    }
    if (weight.rank() != 2 || weight.dim(0) != k || weight.dim(1) != k) {
      throw new IllegalArgumentException(
          "a similarity head over %d labels needs shape [%d, %d], got %s"
              .formatted(k, k, k, weight));
    }
    this.labelTexts = List.copyOf(labelTexts);
    this.scale = scale;
    this.labelInput = labelInput;
    this.weight = weight;
  }

  /** An uninformed head (all weights zero: every class scores 0) over {@code labelTexts}. */
  public static SimilarityHead zeros(
      List<String> labelTexts, double scale, WordPieceTokenizer tokenizer, int padId) {
    int k = labelTexts.size();
    return of(
        labelTexts,
        scale,
        tokenizer,
        padId,
        Parameter.f32(WEIGHT, new int[] {k, k}, new float[k * k]));
  }

  /** A head with the given weights; tokenizes the label texts (padded here with padId). */
  public static SimilarityHead of(
      List<String> labelTexts,
      double scale,
      WordPieceTokenizer tokenizer,
      int padId,
      Parameter weight) {
    return new SimilarityHead(
        labelTexts, scale, LabelSentences.tokenize(labelTexts, tokenizer, padId), weight);
  }

  @Override
  public String kind() {
    return "similarity";
  }

  @Override
  public int classes() {
    return labelTexts.size();
  }

  @Override
  public ParameterSet parameters() {
    return ParameterSet.of(weight);
  }

  @Override
  public List<String> labels() {
    return labelTexts;
  }

  /** The logit scale. */
  public double scale() {
    return scale;
  }

  /** The mixing matrix {@code W [classes, classes]}. */
  public Parameter weight() {
    return weight;
  }

  @Override
  public Scorer scorer(
      SentenceEmbedder embedder, Workers workers, VirtualPerturbation perturbation) {
    float[] labels =
        LabelSentences.embed(labelInput, embedder, workers, perturbation, "similarity");
    float[] w = PerturbedValues.read(weight, perturbation);
    int k = classes();
    int dim = embedder.dimension();
    double[] cos = new double[k];
    return (e, rows, logits, firstRow) -> {
      for (int r = 0; r < rows; r++) {
        for (int j = 0; j < k; j++) {
          double dot = 0;
          for (int i = 0; i < dim; i++) {
            dot += (double) e[r * dim + i] * labels[j * dim + i];
          }
          cos[j] = dot;
        }
        double mean = 0;
        for (int j = 0; j < k; j++) {
          mean += cos[j];
        }
        mean /= k;
        for (int j = 0; j < k; j++) {
          cos[j] -= mean;
        }
        for (int c = 0; c < k; c++) {
          double z = 0;
          for (int j = 0; j < k; j++) {
            z += w[c * k + j] * cos[j];
          }
          logits[(firstRow + r) * k + c] = scale * z;
        }
      }
    };
  }

  @Override
  public SimilarityHead copy() {
    return new SimilarityHead(labelTexts, scale, labelInput, weight.copy());
  }

  @Override
  public String toString() {
    return "SimilarityHead[%s * W centred cos(input, %s)]".formatted(scale, labelTexts);
  }
}
