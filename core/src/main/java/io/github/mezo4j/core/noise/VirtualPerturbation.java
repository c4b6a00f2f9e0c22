package io.github.mezo4j.core.noise;

import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import java.util.Objects;

/**
 * The weights a forward pass should see: {@code theta + scale * z(seed, p.id(), i)} for the
 * parameters in {@code perturbed}, plain {@code theta} for the others. The engine applies it while
 * it reads the weights (for example while packing matrix tiles) and never writes it back, so the
 * stored weights stay exact and "restoring" costs nothing.
 *
 * <p>Each perturbed element equals {@code Math.fma(scale, z, theta)} with theta widened to f32: the
 * value {@link Perturbation#perturbedCopy} produces. {@code scale == 0} or an empty set is no
 * perturbation.
 *
 * @param perturbed the parameters that carry noise (usually the trainable selection)
 * @param seed the noise seed of this MeZO sample
 * @param scale +eps or -eps
 */
public record VirtualPerturbation(ParameterSet perturbed, long seed, float scale) {
  private static final VirtualPerturbation NONE = new VirtualPerturbation(ParameterSet.of(), 0, 0f);

  public VirtualPerturbation {
    Objects.requireNonNull(perturbed, "perturbed");
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

  /** True if no parameter is perturbed. */
  public boolean isNone() {
    return scale == 0f || perturbed.isEmpty();
  }
}
