package io.github.mezo4j.core.noise;

import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import java.util.Objects;

/**
 * The weights a forward pass should see: {@code theta + scale * z(seed, p.id(), i)} for the
 * parameters in {@code perturbed}, plain {@code theta} for the others, with {@code z} the {@link
 * Directions} {@code directions} (Gaussian unless said otherwise; a masked-out element reads as
 * {@code theta}). The engine applies it while it reads the weights (for example while packing
 * matrix tiles) and never writes it back, so the stored weights stay exact and "restoring" costs
 * nothing.
 *
 * <p>Each perturbed element equals {@code Math.fma(scale, z, theta)} with theta widened to f32: the
 * value {@link Perturbation#perturbedCopy} produces. {@code scale == 0} or an empty set is no
 * perturbation.
 *
 * @param perturbed the parameters that carry noise (usually the trainable selection)
 * @param seed the noise seed of this MeZO sample
 * @param scale +eps or -eps
 * @param directions the distribution of z and any magnitude mask
 */
public record VirtualPerturbation(
    ParameterSet perturbed, long seed, float scale, Directions directions) {
  private static final VirtualPerturbation NONE = new VirtualPerturbation(ParameterSet.of(), 0, 0f);

  /** Dense Gaussian directions (MeZO's). */
  public VirtualPerturbation(ParameterSet perturbed, long seed, float scale) {
    this(perturbed, seed, scale, Directions.gaussian());
  }

  /** Rejects a non-finite scale. */
  public VirtualPerturbation {
    Objects.requireNonNull(perturbed, "perturbed");
    Objects.requireNonNull(directions, "directions");
    if (!Float.isFinite(scale)) {
      throw new IllegalArgumentException("scale must be finite, got " + scale);
    }
  }

  /** The unperturbed weights. */
  public static VirtualPerturbation none() {
    return NONE;
  }

  /** True if {@code p} is read as {@code theta + scale * z} rather than {@code theta}. */
  public boolean covers(Parameter p) {
    return scale != 0f && perturbed.contains(p.name()) && perturbed.get(p.name()) == p;
  }

  /** The mirror image: the same directions at {@code -scale} (the other half of a pair). */
  public VirtualPerturbation negated() {
    return new VirtualPerturbation(perturbed, seed, -scale, directions);
  }

  /** The mask threshold of {@code p} ({@link Directions#NO_MASK} if dense). */
  public float threshold(Parameter p) {
    return directions.threshold(p);
  }

  /** True if no parameter is perturbed. */
  public boolean isNone() {
    return scale == 0f || perturbed.isEmpty();
  }
}
