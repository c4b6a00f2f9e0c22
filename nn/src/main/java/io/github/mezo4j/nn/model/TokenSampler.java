package io.github.mezo4j.nn.model;

import io.github.mezo4j.core.noise.Philox4x32;

/**
 * Chooses the next token from a row of logits: greedily (argmax, the lowest id on ties) or by
 * sampling from {@code softmax(logits / temperature)}. Sampling draws its uniform number for step
 * {@code n} from Philox4x32-10 keyed by the seed with counter {@code n}, so a (seed, step) pair
 * always gives the same token whatever happened before: generation is reproducible from the seed.
 */
public final class TokenSampler {
  private final double temperature; // 0: greedy
  private final long seed;

  private TokenSampler(double temperature, long seed) {
    this.temperature = temperature;
    this.seed = seed;
  }

  /** Always the most likely token. */
  public static TokenSampler greedy() {
    return new TokenSampler(0, 0);
  }

  /**
   * Samples from {@code softmax(logits / temperature)}; temperature must be finite and > 0 (smaller
   * is more conservative).
   */
  public static TokenSampler temperature(double temperature, long seed) {
    if (!(temperature > 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException(
          "temperature must be finite and > 0, got " + temperature + " (omit it for greedy)");
    }
    return new TokenSampler(temperature, seed);
  }

  /** True for {@link #greedy()}. */
  public boolean isGreedy() {
    return temperature == 0;
  }

  /** The token for generation step {@code step} from {@code logits[offset, offset + vocab)}. */
  public int sample(float[] logits, int offset, int vocab, long step) {
    if (vocab < 1 || offset < 0 || offset + vocab > logits.length) {
      throw new IllegalArgumentException(
          "logits row [%d, %d) is outside an array of %d"
              .formatted(offset, offset + vocab, logits.length));
    }
    int best = 0;
    for (int i = 1; i < vocab; i++) {
      if (logits[offset + i] > logits[offset + best]) {
        best = i;
      }
    }
    if (temperature == 0) {
      return best;
    }
    double max = logits[offset + best];
    double[] cumulative = new double[vocab];
    double sum = 0;
    for (int i = 0; i < vocab; i++) {
      sum += Math.exp((logits[offset + i] - max) / temperature);
      cumulative[i] = sum;
    }
    double u = uniform(step) * sum;
    for (int i = 0; i < vocab; i++) {
      if (u < cumulative[i]) {
        return i;
      }
    }
    return best; // only reachable through rounding at u ~ sum
  }

  /** A uniform double in [0, 1) with 53 random bits, from Philox(counter = step, key = seed). */
  double uniform(long step) {
    int[] w =
        Philox4x32.block((int) step, (int) (step >>> 32), 0, 0, (int) seed, (int) (seed >>> 32));
    long bits = ((w[0] & 0xFFFFFFFFL) << 21) ^ ((w[1] & 0xFFFFFFFFL) >>> 11);
    return bits * 0x1.0p-53;
  }
}
