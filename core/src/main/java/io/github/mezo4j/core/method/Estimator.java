package io.github.mezo4j.core.method;

/**
 * How a step estimates the projected gradient(s): simultaneous-perturbation stochastic
 * approximation (SPSA; Spall 1992, "Multivariate Stochastic Approximation Using a Simultaneous
 * Perturbation Gradient Approximation", IEEE Trans. Automatic Control 37(3)) with Gaussian
 * directions, as MeZO uses it (Malladi et al. 2023, "Fine-Tuning Language Models with Just Forward
 * Passes", NeurIPS 2023, arXiv 2305.17333, Algorithm 1). With {@code n} samples a step draws {@code
 * n} seeds, estimates one coefficient {@code g_k} per seed and averages the implicit gradients:
 * {@code (1/n) sum_k g_k z_k} (n-SPSA). A step's log record holds just the {@code n} seeds and
 * {@code n} coefficients, so replay never needs to know how they were estimated.
 *
 * <ul>
 *   <li>{@link #twoSided()} (the default, MeZO's SPSA): {@code g = (L(theta + eps z) - L(theta -
 *       eps z)) / (2 eps)}; 2 forward passes per sample; error O(eps^2).
 *   <li>{@link #oneSided()}: {@code g = (L(theta + eps z) - L(theta)) / eps}; the unperturbed loss
 *       is evaluated once per step and reused by all samples, so n samples cost n + 1 forward
 *       passes; error O(eps), and the step reports the exact unperturbed loss.
 *   <li>{@link #normalized(int)} (FZOO: Dang et al. 2025, "FZOO: Fast Zeroth-Order Optimizer for
 *       Fine-Tuning Large Language Models towards Adam-Scale Speed", arXiv 2506.09034): one-sided
 *       probes {@code L_k = L(theta + eps z_k)} around {@code L0 = L(theta)}, normalized by the
 *       spread of the probe losses instead of by eps: {@code g_k = (L_k - L0) / sigma}, where
 *       {@code sigma} is the population standard deviation (divided by n) of {@code L_1..L_n}. With
 *       {@code Optimizers.sgd(lr)} the update {@code theta -= lr (1/n) sum_k g_k z_k} is FZOO's.
 *       {@code g_k} is dimensionless, so the step length is set by the learning rate alone,
 *       whatever the scale of the loss or of eps: an Adam-like normalization that costs no memory
 *       (learning rates do not carry over from the other estimators). n + 1 forward passes, n >= 2.
 *       If all probe losses are equal ({@code sigma == 0}, e.g. a piecewise-constant objective that
 *       no probe moved off its plateau) every {@code g_k} is 0 and the step changes nothing. The
 *       paper and its code draw Rademacher directions: {@code MezoConfig.directions} chooses them
 *       ({@code Directions.of(RADEMACHER)}), for this and every other estimator; the default is
 *       mezo4j's usual {@code z ~ N(0, I)}.
 * </ul>
 *
 * @param isOneSided true for the one-sided estimators (plain and normalized)
 * @param samples n, the number of seeds per step (>= 1; >= 2 if normalized)
 * @param isNormalized true for the normalized (FZOO) estimator, which is one-sided
 */
public record Estimator(boolean isOneSided, int samples, boolean isNormalized) {

  /**
   * Rejects fewer than one sample, and a normalized estimator that is two-sided or has one sample.
   */
  public Estimator {
    if (samples < 1) {
      throw new IllegalArgumentException("estimator samples must be >= 1, got " + samples);
    }
    if (isNormalized && !isOneSided) {
      throw new IllegalArgumentException("the normalized estimator is one-sided");
    }
    if (isNormalized && samples < 2) {
      throw new IllegalArgumentException(
          "the normalized estimator needs n >= 2 probes (the standard deviation of one loss is"
              + " 0), got "
              + samples);
    }
  }

  /** A plain (not normalized) estimator. */
  public Estimator(boolean isOneSided, int samples) {
    this(isOneSided, samples, false);
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

  /**
   * FZOO's normalized multi-probe estimator with {@code n >= 2} one-sided probes per step.
   *
   * @throws IllegalArgumentException if {@code n < 2}
   */
  public static Estimator normalized(int n) {
    return new Estimator(true, n, true);
  }

  /** Alias of {@link #normalized(int)}: FZOO's estimator. */
  public static Estimator fzoo(int n) {
    return normalized(n);
  }

  /** Forward passes per step (without the conservative rule's extra ones). */
  public int forwardPasses() {
    return isOneSided ? samples + 1 : 2 * samples;
  }

  /** {@code twoSided(n)}, {@code oneSided(n)} or {@code normalized(n)}; {@link #parse} reads it. */
  public String spec() {
    String kind = isNormalized ? "normalized" : isOneSided ? "oneSided" : "twoSided";
    return kind + "(" + samples + ")";
  }

  /** Reads a {@link #spec()}. */
  public static Estimator parse(String spec) {
    int open = spec.indexOf('(');
    if (open < 0 || !spec.endsWith(")")) {
      throw badSpec(spec);
    }
    int n;
    try {
      n = Integer.parseInt(spec.substring(open + 1, spec.length() - 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("estimator spec '" + spec + "': bad sample count", e);
    }
    return switch (spec.substring(0, open)) {
      case "twoSided" -> twoSided(n);
      case "oneSided" -> oneSided(n);
      case "normalized" -> normalized(n);
      default -> throw badSpec(spec);
    };
  }

  private static IllegalArgumentException badSpec(String spec) {
    return new IllegalArgumentException(
        "estimator spec must be twoSided(n), oneSided(n) or normalized(n), got '" + spec + "'");
  }

  /**
   * The coefficients {@code g_k} of a one-sided step from {@code L0 = L(theta)} and the probe
   * losses {@code L_k = L(theta + eps z_k)}: {@code (L_k - L0) / eps}, or if normalized {@code (L_k
   * - L0) / sigma} (all 0 when {@code sigma == 0}). Non-finite losses give non-finite coefficients.
   */
  public double[] oneSidedGrads(double loss0, double[] lossPlus, float eps) {
    if (!isOneSided) {
      throw new IllegalStateException(spec() + " is not one-sided");
    }
    double scale = isNormalized ? standardDeviation(lossPlus) : eps;
    double[] g = new double[lossPlus.length];
    for (int k = 0; k < g.length; k++) {
      g[k] = scale == 0 ? 0 : (lossPlus[k] - loss0) / scale;
    }
    return g;
  }

  /**
   * The population standard deviation, in a fixed order. Deviations are taken from {@code x[0]} so
   * that equal values give exactly 0 (a mean of equal values can be off by one rounding).
   */
  static double standardDeviation(double[] x) {
    double sum = 0;
    for (double v : x) {
      sum += v - x[0];
    }
    double mean = sum / x.length;
    double squares = 0;
    for (double v : x) {
      double d = (v - x[0]) - mean;
      squares += d * d;
    }
    return Math.sqrt(squares / x.length);
  }
}
