package io.github.mezo4j.core.mezo;

/**
 * How a step estimates the projected gradient(s). With {@code n} samples a step draws {@code n}
 * seeds, estimates one projected gradient per seed and averages the implicit gradients: {@code
 * (1/n) sum_k g_k z_k} (n-SPSA). A step's log record holds just the {@code n} seeds and {@code n}
 * gradients.
 *
 * <ul>
 *   <li>{@link #twoSided()} (the default, MeZO's SPSA): {@code g = (L(theta + eps z) - L(theta -
 *       eps z)) / (2 eps)}; 2 forward passes per sample; error O(eps^2).
 *   <li>{@link #oneSided()}: {@code g = (L(theta + eps z) - L(theta)) / eps}; the unperturbed loss
 *       is evaluated once per step and reused by all samples, so n samples cost n + 1 forward
 *       passes; error O(eps), and the step reports the exact unperturbed loss.
 * </ul>
 *
 * @param isOneSided true for the one-sided estimator
 * @param samples n, the number of seeds per step (>= 1)
 */
public record Estimator(boolean isOneSided, int samples) {

  public Estimator {
    if (samples < 1) {
      throw new IllegalArgumentException("estimator samples must be >= 1, got " + samples);
    }
  }

  /** Two-sided SPSA with one seed per step: MeZO's estimator. */
  public static Estimator twoSided() {
    return new Estimator(false, 1);
  }

  /** Two-sided n-SPSA: {@code n} seeds per step, averaged. */
  public static Estimator twoSided(int n) {
    return new Estimator(false, n);
  }

  /** Alias of {@link #twoSided(int)}: MeZO's n-SPSA. */
  public static Estimator nSpsa(int n) {
    return twoSided(n);
  }

  /** One-sided, one seed per step. */
  public static Estimator oneSided() {
    return new Estimator(true, 1);
  }

  /** One-sided with {@code n} seeds per step. */
  public static Estimator oneSided(int n) {
    return new Estimator(true, n);
  }

  /** Forward passes per step (without the conservative rule's extra ones). */
  public int forwardPasses() {
    return isOneSided ? samples + 1 : 2 * samples;
  }

  /** {@code twoSided(n)} or {@code oneSided(n)}; {@link #parse} reads it back. */
  public String spec() {
    return (isOneSided ? "oneSided(" : "twoSided(") + samples + ")";
  }

  /** Reads a {@link #spec()}. */
  public static Estimator parse(String spec) {
    boolean one = spec.startsWith("oneSided(");
    boolean two = spec.startsWith("twoSided(");
    if ((!one && !two) || !spec.endsWith(")")) {
      throw new IllegalArgumentException(
          "estimator spec must be twoSided(n) or oneSided(n), got '" + spec + "'");
    }
    String n = spec.substring(9, spec.length() - 1);
    try {
      return new Estimator(one, Integer.parseInt(n));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("estimator spec '" + spec + "': bad sample count", e);
    }
  }
}
