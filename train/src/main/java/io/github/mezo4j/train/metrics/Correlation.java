package io.github.mezo4j.train.metrics;

/**
 * Pearson's and Spearman's correlation, the STS metrics: how well the cosine of each pair's
 * embeddings follows its gold score (sentence-transformers' {@code EmbeddingSimilarityEvaluator}
 * reports Spearman's of the cosine). Double precision, fixed order.
 */
public final class Correlation {
  private Correlation() {}

  /**
   * Pearson's correlation of {@code x} and {@code y}: covariance over the product of standard
   * deviations, with the means subtracted first (two passes) for accuracy. NaN when either is
   * constant.
   */
  public static double pearson(double[] x, double[] y) {
    check(x, y);
    int n = x.length;
    double mx = 0;
    double my = 0;
    for (int i = 0; i < n; i++) {
      mx += x[i];
      my += y[i];
    }
    mx /= n;
    my /= n;
    double sxy = 0;
    double sxx = 0;
    double syy = 0;
    for (int i = 0; i < n; i++) {
      double dx = x[i] - mx;
      double dy = y[i] - my;
      sxy += dx * dy;
      sxx += dx * dx;
      syy += dy * dy;
    }
    return sxy / Math.sqrt(sxx * syy);
  }

  /**
   * Spearman's rank correlation: Pearson's of the ranks, tied values sharing the average of their
   * ranks (as scipy.stats.spearmanr does; STS-B's gold scores have many ties).
   */
  public static double spearman(double[] x, double[] y) {
    check(x, y);
    return pearson(ranks(x), ranks(y));
  }

  /** The 1-based ranks of {@code values} in ascending order, ties getting their average rank. */
  public static double[] ranks(double[] values) {
    int n = values.length;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, (a, b) -> Double.compare(values[a], values[b]));
    double[] ranks = new double[n];
    int i = 0;
    while (i < n) {
      int j = i;
      while (j + 1 < n && values[order[j + 1]] == values[order[i]]) {
        j++;
      }
      double average = (i + j) / 2.0 + 1; // ranks i+1 .. j+1
      for (int k = i; k <= j; k++) {
        ranks[order[k]] = average;
      }
      i = j + 1;
    }
    return ranks;
  }

  private static void check(double[] x, double[] y) {
    if (x.length != y.length || x.length < 2) {
      throw new IllegalArgumentException(
          "need two equally long series of at least 2 values, got %d and %d"
              .formatted(x.length, y.length));
    }
  }
}
