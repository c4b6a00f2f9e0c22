package io.github.mezo4j.train.trainer;

import io.github.mezo4j.train.data.PairKind;

/**
 * A tuned MeZO setting for a kind of run: what {@code finetune} uses when the user gives none of
 * the method options ({@code --train-params --lr --eps --optimizer --schedule --estimator
 * --samples}), and for the budget options ({@code --steps --batch --eval-every}) the user leaves
 * out. The method options go together: a learning rate tuned for 30,720 bias and LayerNorm weights
 * would wreck all 22.6 M, so a user who sets any of them gets MeZO's defaults ({@link #MEZO}) for
 * the others. docs/results.md names the sweep that chose each recipe.
 *
 * @param name what the run's header line calls it
 * @param trainParams {@code --train-params}
 * @param lr {@code --lr}
 * @param eps {@code --eps}
 * @param optim {@code --optimizer --schedule --estimator --samples} (its other settings are not
 *     part of a recipe)
 * @param steps {@code --steps}
 * @param batch {@code --batch}
 * @param evalEvery {@code --eval-every}
 * @param objective {@code --objective} of a sentence-pair recipe, or null for the task's default
 */
public record Recipe(
    String name,
    String trainParams,
    double lr,
    double eps,
    OptimizerSettings optim,
    int steps,
    int batch,
    int evalEvery,
    String objective) {

  /** MeZO's settings (the paper's ZO-SGD on every weight): decoders, and any hand-set method. */
  public static final Recipe MEZO =
      new Recipe("mezo", "all", 1.5e-4, 1e-3, OptimizerSettings.DEFAULT, 1000, 32, 100, null);

  /**
   * Sentence encoders (all-MiniLM-L6-v2 and its BERT family) on k-shot classification: ZO-SGD on
   * the biases and LayerNorm weights, lr chosen by a sweep on the SST-2 k-shot dev splits of three
   * LM-BFF seeds (docs/results.md).
   */
  public static final Recipe ENCODER_K_SHOT =
      new Recipe(
          "encoder-k-shot",
          "bias-norm",
          1e-3,
          1e-3,
          OptimizerSettings.DEFAULT,
          1000,
          16,
          100,
          null);

  /**
   * Sentence encoders on a full training set: the k-shot method with more steps and fewer
   * evaluations. Not yet chosen by a sweep on full data (docs/results.md).
   */
  public static final Recipe ENCODER_FULL_DATA =
      new Recipe(
          "encoder-full-data",
          "bias-norm",
          1e-3,
          1e-3,
          OptimizerSettings.DEFAULT,
          5000,
          16,
          500,
          null);

  /**
   * Sentence-embedding models on scored pairs (STS-B and the user's own): cosine-similarity
   * regression on every weight, lr 3e-4, 500 steps, chosen on STS-B dev over objectives (CoSENT,
   * cosine), weight subsets (bias-norm, all), rates and lengths (docs/results.md): CoSENT lowered
   * dev Spearman at every rate tried, bias-norm barely moved it, lr 1e-3 fell after 200 steps.
   */
  public static final Recipe EMBEDDING_SCORED =
      new Recipe(
          "embedding-scored", "all", 3e-4, 1e-3, OptimizerSettings.DEFAULT, 500, 16, 100, "cosine");

  /**
   * Sentence-embedding models on labeled or positive pairs: the encoder k-shot method (ZO-SGD on
   * biases and LayerNorm weights, lr 1e-3) with the kind's default objective (CoSENT, ranking). Not
   * yet chosen by a sweep on such pairs.
   */
  public static final Recipe EMBEDDING_PAIRS =
      new Recipe(
          "embedding-pairs",
          "bias-norm",
          1e-3,
          1e-3,
          OptimizerSettings.DEFAULT,
          1000,
          16,
          200,
          null);

  /** The recipe for sentence pairs of {@code kind}. */
  public static Recipe forPairs(PairKind kind) {
    return kind == PairKind.SCORED ? EMBEDDING_SCORED : EMBEDDING_PAIRS;
  }

  /** The recipe for an encoder or a decoder run, on a k-shot split or a full training set. */
  public static Recipe of(boolean decoder, boolean kShot) {
    if (decoder) {
      return MEZO;
    }
    return kShot ? ENCODER_K_SHOT : ENCODER_FULL_DATA;
  }

  /** The method options as a command line fragment, for the run's header line. */
  public String methodOptions() {
    return (objective != null ? "--objective " + objective + " " : "")
        + "--train-params %s --lr %s --eps %s --optimizer %s --schedule %s --estimator %s --samples %d"
            .formatted(
                trainParams,
                lr,
                eps,
                optim.optimizer(),
                optim.schedule(),
                optim.estimatorName(),
                optim.samples());
  }
}
