package io.github.mezo4j.core.noise;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;

/**
 * In-place {@code theta += scale * z(seed)} over parameters: the one memory pass that perturbs,
 * restores and updates. PLACEHOLDER scalar implementation; signatures are final.
 */
public final class Perturbation {
  private Perturbation() {}

  /** {@code p[i] += scale * z(seed, p.id(), i)} for every element (bf16 rounds on store). */
  public static void addScaledNoise(Parameter p, long seed, float scale, Workers workers) {
    int n = p.size();
    float[] z = new float[n];
    GaussianNoise.fill(seed, p.id(), 0, z, 0, n);
    for (int i = 0; i < n; i++) {
      p.set(i, p.get(i) + scale * z[i]);
    }
  }

  /** {@link #addScaledNoise(Parameter, long, float, Workers)} over every parameter of a set. */
  public static void addScaledNoise(ParameterSet params, long seed, float scale, Workers workers) {
    for (Parameter p : params) {
      addScaledNoise(p, seed, scale, workers);
    }
  }
}
