package io.github.mezo4j.train.metrics;

import io.github.mezo4j.train.data.PairKind;
import java.util.Locale;

/**
 * The objectives of embedding fine-tuning ({@code --objective} for pair tasks): functions of the
 * two sentences' embeddings of each pair in a batch and, for scored pairs, their gold scores
 * normalised to [0, 1]. MeZO needs only their values.
 *
 * <p>All arithmetic is in double precision over the f32 embeddings, in a fixed order (pairs in
 * batch order, then dimensions), so the value does not depend on threads. Cosines are computed from
 * the embeddings as given (dot product over the product of norms), so they are right whether or not
 * the pooling normalised.
 */
public enum PairLoss {
  /**
   * Cosine-similarity regression: the mean over pairs of {@code (cos(u, v) - score)^2}, the
   * sentence-transformers {@code CosineSimilarityLoss} (Reimers and Gurevych 2019, "Sentence-BERT",
   * arXiv 1908.10084). Scored or labeled pairs.
   */
  COSINE("cosine"),
  /**
   * CoSENT (Su 2022, "CoSENT: a more efficient sentence vector scheme than Sentence-BERT",
   * kexue.fm/archives/8847; the sentence-transformers {@code CoSENTLoss}): {@code log(1 + sum over
   * pairs (i, j) with score_i > score_j of exp(scale * (cos_j - cos_i)))}. Only the order of the
   * scores matters, so it ranks pairs rather than regress cosines onto scores. Scored or labeled
   * pairs.
   */
  COSENT("cosent"),
  /**
   * Multiple-negatives ranking, InfoNCE with in-batch negatives (Henderson et al. 2017, "Efficient
   * Natural Language Response Suggestion for Smart Reply", arXiv 1705.00652; van den Oord et al.
   * 2018, "Representation Learning with Contrastive Predictive Coding", arXiv 1807.03748): for each
   * query {@code i} the cross-entropy of {@code softmax_j(scale * cos(u_i, v_j))} against its own
   * passage {@code j = i}, averaged over the batch; the batch's other passages are the negatives.
   * {@code scale} is 1 / temperature. Positive pairs.
   */
  MULTIPLE_NEGATIVES("mnr");

  /** The default scale of CoSENT and multiple-negatives ranking (temperature 0.05). */
  public static final double DEFAULT_SCALE = 20;

  private final String option;

  PairLoss(String option) {
    this.option = option;
  }

  /** The {@code --objective} value, e.g. {@code cosent}. */
  public String option() {
    return option;
  }

  /** Whether this objective reads scores (scored and labeled pairs) rather than positives. */
  public boolean needsScores() {
    return this != MULTIPLE_NEGATIVES;
  }

  /** The default objective for a kind of pairs: CoSENT for scores, ranking for positives. */
  public static PairLoss defaultFor(PairKind kind) {
    return kind.scored() ? COSENT : MULTIPLE_NEGATIVES;
  }

  /**
   * The loss of a batch.
   *
   * @param u the first sentences' embeddings {@code [n, dim]} row-major
   * @param v the second sentences' embeddings {@code [n, dim]}, pair {@code i} is (row i of u, row
   *     i of v)
   * @param target the gold scores normalised to [0, 1] (ignored by multiple-negatives ranking)
   * @param scale CoSENT's and ranking's cosine scale (ignored by cosine regression)
   */
  public double loss(float[] u, float[] v, int n, int dim, double[] target, double scale) {
    return switch (this) {
      case COSINE -> cosineMse(cosines(u, v, n, dim), target);
      case COSENT -> cosent(cosines(u, v, n, dim), target, scale);
      case MULTIPLE_NEGATIVES -> multipleNegatives(u, v, n, dim, scale);
    };
  }

  /** The cosine of each pair: rows {@code i} of {@code u} and {@code v}, each {@code dim} wide. */
  public static double[] cosines(float[] u, float[] v, int n, int dim) {
    checkShape(u, v, n, dim);
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] = cosine(u, i * dim, v, i * dim, dim);
    }
    return out;
  }

  /** The cosine of {@code a[ao .. ao+dim)} and {@code b[bo .. bo+dim)}; 0 if either is zero. */
  public static double cosine(float[] a, int ao, float[] b, int bo, int dim) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int k = 0; k < dim; k++) {
      double x = a[ao + k];
      double y = b[bo + k];
      dot += x * y;
      na += x * x;
      nb += y * y;
    }
    return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
  }

  /** Mean squared difference of cosines and targets. */
  public static double cosineMse(double[] cos, double[] target) {
    checkTargets(cos, target);
    double sum = 0;
    for (int i = 0; i < cos.length; i++) {
      double d = cos[i] - target[i];
      sum += d * d;
    }
    return sum / cos.length;
  }

  /**
   * CoSENT's loss, as log-sum-exp over the terms and a 0 (the "1 +"), shifted by their maximum so
   * that large scales cannot overflow. With no ordered pair (all scores equal) it is {@code log 1 =
   * 0}.
   */
  public static double cosent(double[] cos, double[] score, double scale) {
    checkTargets(cos, score);
    int n = cos.length;
    double max = 0;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        if (score[i] > score[j]) {
          max = Math.max(max, scale * (cos[j] - cos[i]));
        }
      }
    }
    double sum = Math.exp(-max);
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        if (score[i] > score[j]) {
          sum += Math.exp(scale * (cos[j] - cos[i]) - max);
        }
      }
    }
    return max + Math.log(sum);
  }

  /** Multiple-negatives ranking of pairs {@code (u_i, v_i)} against every {@code v_j}. */
  public static double multipleNegatives(float[] u, float[] v, int n, int dim, double scale) {
    checkShape(u, v, n, dim);
    double total = 0;
    double[] logits = new double[n];
    for (int i = 0; i < n; i++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < n; j++) {
        logits[j] = scale * cosine(u, i * dim, v, j * dim, dim);
        max = Math.max(max, logits[j]);
      }
      double sum = 0;
      for (int j = 0; j < n; j++) {
        sum += Math.exp(logits[j] - max);
      }
      total += max + Math.log(sum) - logits[i];
    }
    return total / n;
  }

  /**
   * The objective named {@code option}: {@code cosine}, {@code cosent} or {@code mnr} (also {@code
   * multiple-negatives}, {@code infonce}).
   *
   * @throws IllegalArgumentException listing the accepted names
   */
  public static PairLoss parse(String option) {
    String o = option.strip().toLowerCase(Locale.ROOT).replace('_', '-');
    return switch (o) {
      case "cosine", "cosine-mse", "cosine-similarity" -> COSINE;
      case "cosent" -> COSENT;
      case "mnr", "multiple-negatives", "infonce" -> MULTIPLE_NEGATIVES;
      default ->
          throw new IllegalArgumentException(
              "unknown pair objective '%s'; expected cosine, cosent or mnr".formatted(option));
    };
  }

  private static void checkShape(float[] u, float[] v, int n, int dim) {
    if (n < 1 || dim < 1 || u.length != n * dim || v.length != n * dim) {
      throw new IllegalArgumentException(
          "expected two [%d, %d] embedding arrays, got %d and %d floats"
              .formatted(n, dim, u.length, v.length));
    }
  }

  private static void checkTargets(double[] cos, double[] target) {
    if (cos.length == 0 || target == null || target.length != cos.length) {
      throw new IllegalArgumentException(
          "expected one target per pair, got %d pairs and %s targets"
              .formatted(cos.length, target == null ? "no" : target.length));
    }
  }
}
