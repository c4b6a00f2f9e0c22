package io.github.mezo4j.train.decoder;

import io.github.mezo4j.nn.model.SequenceScorer;
import java.util.Locale;

/**
 * How a candidate's per-token log-probabilities become its class score ({@code --score}).
 *
 * <p>{@link #MEAN} is the default because it is what the MeZO paper's code does for every
 * classification and multiple-choice task, both when it evaluates ({@code log_probs.mean()} in
 * {@code large_models/run.py}) and when it trains with {@code --train_as_classification} (the
 * cross-entropy of the per-token-averaged candidate log-likelihoods; its comment calls the earlier
 * sum a bug it fixed). With one-token verbalisers (SST-2's " terrible"/" great" under most
 * vocabularies) the two agree; they differ for multi-token answers such as COPA's, where the sum
 * favours short answers.
 */
public enum CandidateScore {
  /** Mean log-probability per candidate token (the MeZO paper's code). */
  MEAN("mean", SequenceScorer.Reduction.MEAN),
  /** Log-probability of the whole candidate. */
  SUM("sum", SequenceScorer.Reduction.SUM);

  private final String option;
  private final SequenceScorer.Reduction reduction;

  CandidateScore(String option, SequenceScorer.Reduction reduction) {
    this.option = option;
    this.reduction = reduction;
  }

  /** The {@code --score} value. */
  public String option() {
    return option;
  }

  /** The matching reduction of {@link SequenceScorer}. */
  public SequenceScorer.Reduction reduction() {
    return reduction;
  }

  /** The score of per-token log-probabilities {@code lp[from, from + len)}. */
  double reduce(float[] lp, int from, int len) {
    double sum = 0;
    for (int t = from; t < from + len; t++) {
      sum += lp[t];
    }
    return this == SUM ? sum : sum / len;
  }

  /**
   * {@code mean} or {@code sum}.
   *
   * @throws IllegalArgumentException listing the accepted values
   */
  public static CandidateScore parse(String option) {
    return switch (option.strip().toLowerCase(Locale.ROOT)) {
      case "mean", "avg", "average" -> MEAN;
      case "sum" -> SUM;
      default ->
          throw new IllegalArgumentException(
              "--score '%s': expected mean or sum".formatted(option));
    };
  }
}
