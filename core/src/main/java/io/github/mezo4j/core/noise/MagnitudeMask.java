package io.github.mezo4j.core.noise;

import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sparse MeZO's mask thresholds (Liu et al. 2024, "Sparse MeZO: Less Parameters for Better
 * Performance in Zeroth-Order LLM Fine-Tuning", arXiv 2402.15751): per parameter, the magnitude
 * below which its weights are perturbed and trained, chosen so that a given fraction of them, the
 * smallest in magnitude, is.
 *
 * <p>For a parameter of {@code n} elements and sparsity {@code s} in [0, 1), {@code frozen =
 * floor(s * n)} and the threshold is the {@code (n - frozen)}-th smallest {@code |theta|}: every
 * element with {@code |theta| <= t} trains (ties at {@code t} all do, so a few more than {@code n -
 * frozen} may). It is found by bisection over the bit patterns of non-negative floats, which order
 * like their values: 31 counting passes over the weights and no copy of them.
 *
 * <p>The thresholds are computed once, from the weights the run starts from, and recorded (the step
 * log's header holds them); the mask itself is read off the weights at every step ({@link
 * Directions}).
 */
public final class MagnitudeMask {
  private MagnitudeMask() {}

  /**
   * The threshold of every parameter of {@code params} for sparsity {@code sparsity}, by name.
   *
   * @throws IllegalArgumentException if {@code sparsity} is not in [0, 1) or a parameter holds a
   *     NaN (its magnitude has no rank)
   */
  public static Map<String, Float> thresholds(ParameterSet params, double sparsity) {
    if (!(sparsity >= 0 && sparsity < 1)) {
      throw new IllegalArgumentException(
          "sparsity must be in [0, 1) (the fraction of each weight matrix left untrained), got "
              + sparsity);
    }
    Map<String, Float> t = new LinkedHashMap<>();
    for (Parameter p : params) {
      long frozen = (long) Math.floor(sparsity * p.size());
      t.put(p.name(), kthSmallestMagnitude(p, p.size() - frozen));
    }
    return t;
  }

  /**
   * The {@code k}-th smallest {@code |theta|} of {@code p} ({@code 1 <= k <= p.size()}): the least
   * float {@code t >= 0} with at least {@code k} elements {@code |theta| <= t}.
   */
  static float kthSmallestMagnitude(Parameter p, long k) {
    if (k < 1 || k > p.size()) {
      throw new IllegalArgumentException("k must be in [1, %d], got %d".formatted(p.size(), k));
    }
    int lo = 0; // bits of +0
    int hi = Float.floatToRawIntBits(Float.POSITIVE_INFINITY);
    if (count(p, Float.POSITIVE_INFINITY) < p.size()) {
      throw new IllegalArgumentException(
          "parameter '%s' holds NaN: its weights have no magnitude order".formatted(p.name()));
    }
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (count(p, Float.intBitsToFloat(mid)) >= k) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return Float.intBitsToFloat(lo);
  }

  /** Elements of {@code p} with {@code |theta| <= threshold}: those a mask of it trains. */
  public static long count(Parameter p, float threshold) {
    float[] chunk = new float[8192];
    long n = 0;
    for (int from = 0; from < p.size(); from += chunk.length) {
      int len = Math.min(chunk.length, p.size() - from);
      p.read(from, chunk, 0, len);
      for (int i = 0; i < len; i++) {
        if (Math.abs(chunk[i]) <= threshold) {
          n++;
        }
      }
    }
    return n;
  }

  /**
   * The elements of {@code params} that {@code directions} perturb at their current values: all of
   * a dense parameter's, those inside the mask of a masked one's.
   */
  public static long trainableCount(ParameterSet params, Directions directions) {
    long n = 0;
    for (Parameter p : params) {
      float t = directions.threshold(p);
      n += t == Directions.NO_MASK ? p.size() : count(p, t);
    }
    return n;
  }
}
