package io.github.mezo4j.train.trainer;

import java.util.SplittableRandom;

/**
 * Which training examples step {@code t} sees, as a pure function of (seed, t): example slot {@code
 * p = t * batch + i} is {@code permutation(seed, p / n)[p % n]}, a fresh shuffle per epoch. A
 * resumed run therefore sees exactly the batches an uninterrupted run would, wherever it stopped.
 * When the batch is at least the whole set, every step uses the whole set.
 */
public final class BatchSampler {
  private final int n;
  private final int batch;
  private final long seed;
  private long cachedEpoch = -1;
  private int[] cachedPermutation;

  /**
   * Batches of {@code min(batch, n)} out of {@code n} examples, in an order fixed by {@code seed}.
   *
   * @param n training examples
   * @param batch examples per step
   * @param seed the run seed
   */
  public BatchSampler(int n, int batch, long seed) {
    if (n < 1 || batch < 1) {
      throw new IllegalArgumentException(
          "need at least one example and batch >= 1, got %d and %d".formatted(n, batch));
    }
    this.n = n;
    this.batch = Math.min(batch, n);
    this.seed = seed;
  }

  /** Examples per step (the requested batch, at most the set size). */
  public int batch() {
    return batch;
  }

  /** The example indices of step {@code step}. */
  public int[] indices(long step) {
    int[] out = new int[batch];
    if (batch == n) {
      for (int i = 0; i < n; i++) {
        out[i] = i;
      }
      return out;
    }
    for (int i = 0; i < batch; i++) {
      long p = step * batch + i;
      out[i] = permutation(p / n)[(int) (p % n)];
    }
    return out;
  }

  /** The shuffle of epoch {@code epoch}: Fisher-Yates driven by (seed, epoch). */
  private int[] permutation(long epoch) {
    if (epoch != cachedEpoch) {
      // golden-ratio mixing keeps neighbouring epochs' generators unrelated
      SplittableRandom r = new SplittableRandom(seed ^ (epoch + 1) * 0x9E3779B97F4A7C15L);
      int[] perm = new int[n];
      for (int i = 0; i < n; i++) {
        perm[i] = i;
      }
      for (int i = n - 1; i > 0; i--) {
        int j = r.nextInt(i + 1);
        int tmp = perm[i];
        perm[i] = perm[j];
        perm[j] = tmp;
      }
      cachedPermutation = perm;
      cachedEpoch = epoch;
    }
    return cachedPermutation;
  }
}
