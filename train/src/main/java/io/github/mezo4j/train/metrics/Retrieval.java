package io.github.mezo4j.train.metrics;

/**
 * Retrieval metrics of positive (query, passage) pairs: every query searches all passages of the
 * evaluation set by cosine, and its own passage's rank gives recall@1, recall@10 and MRR@10 (the MS
 * MARCO metric), averaged over queries.
 *
 * <p>Exact search: {@code queries x passages} cosines of {@code dim}-wide vectors, that is {@code 3
 * * queries * passages * dim} multiply-adds in double precision on one thread, and memory for one
 * query's scores ({@code passages} doubles); 1,500 queries against 1,500 passages of 384 dimensions
 * is 2.6 G multiply-adds, about a second. A passage scoring exactly as high as the right one counts
 * ahead of it when it comes first in the set, so ties never flatter the model and the result is
 * deterministic.
 *
 * @param recallAt1 fraction of queries whose passage ranks first
 * @param recallAt10 fraction whose passage ranks in the top 10
 * @param mrrAt10 mean of 1/rank over queries, counting ranks beyond 10 as 0
 * @param queries how many queries were scored
 */
public record Retrieval(double recallAt1, double recallAt10, double mrrAt10, int queries) {

  /**
   * Ranks each query's passage among all passages.
   *
   * @param queries query embeddings {@code [q, dim]} row-major
   * @param passages passage embeddings {@code [p, dim]}
   * @param gold the row of each query's own passage in {@code passages}
   */
  public static Retrieval of(float[] queries, float[] passages, int dim, int[] gold) {
    int q = gold.length;
    int p = passages.length / dim;
    if (q < 1 || queries.length != q * dim || passages.length != p * dim || p < 1) {
      throw new IllegalArgumentException(
          "expected [%d, %d] queries and [p, %d] passages, got %d and %d floats"
              .formatted(q, dim, dim, queries.length, passages.length));
    }
    int top1 = 0;
    int top10 = 0;
    double reciprocal = 0;
    double[] scores = new double[p];
    for (int i = 0; i < q; i++) {
      if (gold[i] < 0 || gold[i] >= p) {
        throw new IllegalArgumentException(
            "query %d's passage %d is not among the %d passages".formatted(i, gold[i], p));
      }
      for (int j = 0; j < p; j++) {
        scores[j] = PairLoss.cosine(queries, i * dim, passages, j * dim, dim);
      }
      int rank = rank(scores, gold[i]);
      if (rank == 1) {
        top1++;
      }
      if (rank <= 10) {
        top10++;
        reciprocal += 1.0 / rank;
      }
    }
    return new Retrieval((double) top1 / q, (double) top10 / q, reciprocal / q, q);
  }

  /** The 1-based rank of {@code scores[right]}: one more than those above it or tied before it. */
  static int rank(double[] scores, int right) {
    double s = scores[right];
    int rank = 1;
    for (int j = 0; j < scores.length; j++) {
      if (scores[j] > s || (scores[j] == s && j < right)) {
        rank++;
      }
    }
    return rank;
  }
}
