package io.github.mezo4j.train.head;

import io.github.mezo4j.core.noise.Perturbation;
import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.param.Parameter;

/** How a head reads its own (small) weights under a virtual perturbation: as a perturbed copy. */
final class PerturbedValues {
  private PerturbedValues() {}

  /** A copy of {@code p}'s values, perturbed as {@code perturbation} says; p is not written. */
  static float[] read(Parameter p, VirtualPerturbation perturbation) {
    float[] v = p.toFloatArray();
    if (perturbation.covers(p)) {
      Perturbation.perturbedCopy(
          v,
          0,
          v,
          0,
          v.length,
          perturbation.seed(),
          p.id(),
          0,
          perturbation.scale(),
          perturbation.directions().distribution(),
          perturbation.threshold(p));
    }
    return v;
  }
}
