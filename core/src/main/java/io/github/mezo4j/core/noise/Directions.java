package io.github.mezo4j.core.noise;

import io.github.mezo4j.core.param.Parameter;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What the perturbation direction {@code z} of a MeZO step is, element by element: its {@link
 * Distribution} and, optionally, a magnitude mask (Sparse MeZO, Liu et al. 2024, arXiv 2402.15751).
 *
 * <p>Element {@code i} of parameter {@code p} under seed {@code s} is {@code m_i * d(s, p.id(),
 * i)}, with {@code d} {@link GaussianNoise#normal} or {@link RademacherNoise#sign}, and the mask
 * {@code m_i = 1} if {@code |theta_i| <= t_p}, else 0, where {@code theta_i} is the element's value
 * at the start of the step and {@code t_p} the parameter's {@linkplain #threshold threshold} (a
 * parameter without one is dense). The mask is therefore never stored: it is read off the weights
 * as they are perturbed and updated, and both the perturbation and the update use it, so a
 * masked-out element never moves (whatever the optimizer does). Trained elements that grow past
 * {@code t_p} leave the mask for good; replay rebuilds the same weights step by step, hence the
 * same masks. Because the mask is read from the weights, the estimate must not write them: masks
 * need {@code PerturbationMode.VIRTUAL} and no conservative rule.
 *
 * @param distribution the distribution of the unmasked elements
 * @param thresholds per parameter name, the mask threshold {@code t_p} (finite, >= 0); parameters
 *     not named are dense
 */
public record Directions(Distribution distribution, Map<String, Float> thresholds) {

  /** The threshold of a dense parameter: every element is perturbed and updated. */
  public static final float NO_MASK = Float.POSITIVE_INFINITY;

  private static final Directions GAUSSIAN = new Directions(Distribution.GAUSSIAN, Map.of());
  private static final Directions RADEMACHER = new Directions(Distribution.RADEMACHER, Map.of());

  /** The distribution of a direction's elements. */
  public enum Distribution {
    /** {@code N(0, 1)}, {@link GaussianNoise}: MeZO's. */
    GAUSSIAN,
    /** {@code +-1} with probability 1/2 each, {@link RademacherNoise}: FZOO's. */
    RADEMACHER;

    /** {@code gaussian} or {@code rademacher}: the name in step logs and on the command line. */
    public String spec() {
      return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The distribution named {@code spec}.
     *
     * @throws IllegalArgumentException naming the value and the accepted ones
     */
    public static Distribution parse(String spec) {
      for (Distribution d : values()) {
        if (d.spec().equals(spec)) {
          return d;
        }
      }
      throw new IllegalArgumentException(
          "directions must be 'gaussian' or 'rademacher', got '" + spec + "'");
    }
  }

  /** Checks that every threshold is finite and >= 0; keeps the thresholds sorted by name. */
  public Directions {
    Objects.requireNonNull(distribution, "distribution");
    Map<String, Float> sorted = new TreeMap<>();
    thresholds.forEach(
        (name, t) -> {
          if (t == null || !Float.isFinite(t) || !(t >= 0)) {
            throw new IllegalArgumentException(
                "mask threshold of parameter '%s' must be a finite number >= 0, got %s"
                    .formatted(name, t));
          }
          sorted.put(Objects.requireNonNull(name, "parameter name"), t);
        });
    thresholds = java.util.Collections.unmodifiableMap(sorted);
  }

  /** Dense Gaussian directions: MeZO's, and what a run recorded before this setting used. */
  public static Directions gaussian() {
    return GAUSSIAN;
  }

  /** Dense directions of {@code distribution}. */
  public static Directions of(Distribution distribution) {
    return distribution == Distribution.GAUSSIAN ? GAUSSIAN : RADEMACHER;
  }

  /** These directions with the magnitude mask {@code thresholds} (replacing any). */
  public Directions withMask(Map<String, Float> thresholds) {
    return new Directions(distribution, thresholds);
  }

  /** True if some parameter has a mask. */
  public boolean isMasked() {
    return !thresholds.isEmpty();
  }

  /** True for dense Gaussian directions (the original behaviour). */
  public boolean isDefault() {
    return distribution == Distribution.GAUSSIAN && thresholds.isEmpty();
  }

  /** True for Rademacher directions. */
  public boolean isRademacher() {
    return distribution == Distribution.RADEMACHER;
  }

  /** The mask threshold of {@code p}, or {@link #NO_MASK} if it is dense. */
  public float threshold(Parameter p) {
    Float t = thresholds.get(p.name());
    return t == null ? NO_MASK : t;
  }

  /** True if the element value {@code theta} is inside a mask of threshold {@code t}. */
  public static boolean inMask(float theta, float t) {
    return t == NO_MASK || Math.abs(theta) <= t;
  }

  /**
   * The single element of the unmasked direction, {@code d(seed, stream, index)}: {@link
   * GaussianNoise#normal} or {@link RademacherNoise#sign}.
   */
  public float value(long seed, long stream, long index) {
    return isRademacher()
        ? RademacherNoise.sign(seed, stream, index)
        : GaussianNoise.normal(seed, stream, index);
  }

  /** Writes {@code d(seed, stream, start + i)} (unmasked) into {@code dst[off + i]}. */
  public void fill(long seed, long stream, long start, float[] dst, int off, int len) {
    if (isRademacher()) {
      RademacherNoise.fill(seed, stream, start, dst, off, len);
    } else {
      GaussianNoise.fill(seed, stream, start, dst, off, len);
    }
  }
}
