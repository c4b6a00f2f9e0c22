package io.github.mezo4j.train.trainer;

import io.github.mezo4j.core.noise.VirtualPerturbation;

/**
 * A model kind's training loss as a distributed run computes it ({@link ShardedObjective}): a batch
 * splits into shares, each share gives summable integers (counts and exact sums), and the sums of
 * all shares, added in any order, give the loss of the whole batch bit for bit.
 *
 * @param <B> the kind's batch
 */
public interface ShardedLoss<B> {
  /** The number of units {@link #shard} deals out (a worker needs at least one). */
  int shares(B batch);

  /** The units {@code rank, rank + ranks, ...} of {@code batch}: one worker's share. */
  B shard(B batch, int rank, int ranks);

  /**
   * The sums of {@code batch} at the perturbation: one array, or with {@code pair} two (at {@code
   * perturbation} and at its mirror, the weights read once for both).
   */
  long[][] sums(B batch, VirtualPerturbation perturbation, boolean pair);

  /** The sums of two disjoint parts of a batch. */
  long[] add(long[] a, long[] b);

  /** The loss of a batch from its sums. */
  double lossOf(long[] sums);
}
