package io.github.mezo4j.train.trainer;

import io.github.mezo4j.core.method.Estimator;

/**
 * How a distributed run spreads a MeZO step over its workers ({@link LossExchange}). Either way
 * every replica makes the same update and the step log equals a single process's.
 */
public enum ParallelMode {
  /**
   * Data-parallel: every worker runs its share of the batch's forward buckets at the same
   * perturbation. A step costs one batch's passes divided by the workers: pays when batches are
   * large.
   */
  DATA,
  /**
   * Seed-parallel: n-SPSA with one sample per worker ({@code --samples} equal to the worker count):
   * worker k runs the whole batch at {@code theta +- eps z_k} for its own seed. A step averages N
   * directions in the time of one: pays when the estimate's variance, not the batch, limits
   * progress, or when the batch is too small to split.
   */
  SEEDS;

  /** The {@code --parallel} value. */
  public String option() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /**
   * Refuses settings this mode cannot run on {@code workers} workers, before any step: in {@link
   * #DATA} mode a batch of fewer {@code shares} (the units a kind deals out to its workers: {@link
   * ShardedLoss#part}) than workers; in {@link #SEEDS} mode an estimator other than two-sided
   * n-SPSA with one sample per worker. Shares need not divide evenly: each worker's sums carry
   * their counts.
   *
   * @param shareName what a share is, for the message (e.g. "forward buckets of up to 8 sentences")
   * @throws IllegalArgumentException naming the setting and what the mode needs
   */
  public void check(OptimizerSettings optim, int shares, String shareName, int workers) {
    if (this == DATA) {
      if (shares < workers) {
        throw new IllegalArgumentException(
            ("a batch of %d %s leaves some of %d workers without work: use a --batch that gives"
                    + " every worker at least one, or fewer workers")
                .formatted(shares, shareName, workers));
      }
      return;
    }
    Estimator e = optim.estimator();
    if (e.isOneSided() || e.isNormalized() || e.samples() != workers || optim.conservative()) {
      throw new IllegalArgumentException(
          ("seed-parallel runs are two-sided n-SPSA with one sample per worker: use --estimator"
                  + " two-sided --samples %d without --conservative (got --estimator %s%s)")
              .formatted(workers, e.spec(), optim.conservative() ? " --conservative" : ""));
    }
  }

  /**
   * {@link #check} for batches of {@code sentences} sentences that run in forward buckets of up to
   * {@code bucketSize}: the buckets are the shares.
   */
  void checkBuckets(OptimizerSettings optim, int sentences, int bucketSize, int workers) {
    check(
        optim,
        Math.ceilDiv(sentences, bucketSize),
        "forward buckets of up to " + bucketSize + " sentences",
        workers);
  }

  /**
   * The mode named {@code option}: {@code data} or {@code seeds}.
   *
   * @throws IllegalArgumentException naming the accepted values
   */
  public static ParallelMode parse(String option) {
    return switch (option.strip().toLowerCase(java.util.Locale.ROOT)) {
      case "data" -> DATA;
      case "seeds", "seed" -> SEEDS;
      default ->
          throw new IllegalArgumentException(
              "unknown --parallel '%s'; expected data or seeds".formatted(option));
    };
  }
}
