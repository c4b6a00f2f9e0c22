package io.github.mezo4j.train.trainer;

import io.github.mezo4j.core.noise.VirtualPerturbation;

/**
 * A model kind's training loss as a distributed run computes it ({@link ShardedObjective}): a batch
 * splits into shares, each worker turns its shares into a part (integers: counts and exact sums, or
 * what a loss that is not a sum needs, such as embeddings), and the parts of all shares, combined
 * in any order, give the loss of the whole batch bit for bit.
 *
 * @param <B> the kind's batch
 */
public interface ShardedLoss<B> {
  /**
   * The part of shares {@code rank, rank + ranks, ...} of {@code batch} at the perturbation: one
   * array, or with {@code pair} two (at {@code perturbation} and at its mirror, the weights read
   * once for both). {@code (0, 1)} is the whole batch.
   */
  long[][] part(B batch, int rank, int ranks, VirtualPerturbation perturbation, boolean pair);

  /** The part of two disjoint sets of shares; the same whichever comes first. */
  long[] combine(long[] a, long[] b);

  /** The loss of {@code batch} from the part of all its shares. */
  double lossOf(B batch, long[] part);
}
