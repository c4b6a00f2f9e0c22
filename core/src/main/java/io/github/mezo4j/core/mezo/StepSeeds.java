package io.github.mezo4j.core.mezo;

/**
 * The seeds of a training run: seed k of step t is a pure function of (run seed, t, k), so a run is
 * reproducible from its run seed, and any step's noise can be regenerated on its own.
 *
 * <p>{@code seed = mix(mix(mix(runSeed) ^ t) ^ k)} with {@code mix} the SplitMix64 finalizer
 * (Steele et al. 2014) applied to its argument plus the golden-ratio increment. The step log stores
 * the seeds themselves, so replay does not depend on this formula.
 */
public final class StepSeeds {
  private StepSeeds() {}

  /** Seed {@code k} of step {@code step}. */
  public static long of(long runSeed, long step, int k) {
    return mix(mix(mix(runSeed) ^ step) ^ k);
  }

  /** The {@code n} seeds of step {@code step}. */
  public static long[] forStep(long runSeed, long step, int n) {
    long[] seeds = new long[n];
    for (int k = 0; k < n; k++) {
      seeds[k] = of(runSeed, step, k);
    }
    return seeds;
  }

  private static long mix(long x) {
    long z = x + 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
