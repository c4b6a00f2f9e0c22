package io.github.mezo4j.core.mezo;

import io.github.mezo4j.core.method.PerturbationMode;
import io.github.mezo4j.core.noise.VirtualPerturbation;

/**
 * A loss evaluated at virtually perturbed weights: {@code f(theta + scale * z(seed), batch)}
 * computed while the weights stay untouched in memory. The model applies {@code perturbation} while
 * it reads its weights (for example while packing matrix tiles, or only in the embedding rows a
 * batch reads), so a MeZO step never writes perturbed weights and never restores them ({@link
 * PerturbationMode#VIRTUAL}).
 *
 * <p>Contract: every parameter {@code p} that {@link VirtualPerturbation#covers(
 * io.github.mezo4j.core.param.Parameter) perturbation.covers(p)} must be read as {@code
 * Math.fma(scale, z(seed, p.id(), i), theta_i)} with theta widened to f32 (the value {@link
 * io.github.mezo4j.core.noise.Perturbation#perturbedCopy} produces); elements the loss does not
 * depend on need not be generated. {@link VirtualPerturbation#none()} asks for the plain weights.
 * The function must not write the parameters, and must reduce in a fixed order for results that do
 * not depend on the thread count.
 *
 * @param <B> the batch type
 */
@FunctionalInterface
public interface PerturbedObjective<B> {
  /** The loss at {@code theta + perturbation}. NaN or infinity is handled by {@link NanPolicy}. */
  double loss(B batch, VirtualPerturbation perturbation);

  /**
   * Both losses of a two-sided sample: {@code {loss(batch, plus), loss(batch, minus)}} where {@code
   * minus} is {@code plus} with its scale negated. {@link MezoStep} calls this for every two-sided
   * sample; the default makes the two calls in that order. Override it when the model can run both
   * halves in one pass that generates each noise element once (for example {@code
   * BertEncoder.forwardPair} in mezo4j-nn); the results must equal the two single calls bit for
   * bit, so that steps, logs and replay do not depend on which is used.
   *
   * @return a new array {@code {L+, L-}}
   */
  default double[] lossPair(B batch, VirtualPerturbation plus) {
    VirtualPerturbation minus = plus.negated();
    double lp = loss(batch, plus);
    return new double[] {lp, loss(batch, minus)};
  }

  /**
   * The losses of every two-sided sample of one step: {@code {lossPair(batch, pluses[0]), ...}}.
   * {@link MezoStep} asks for a step's samples in one call, so an objective can evaluate them
   * together (for example on several machines, one sample each); the default makes the calls in
   * order. The results must equal those calls bit for bit.
   *
   * @return a new array of {@code {L+, L-}} pairs, one per sample
   */
  default double[][] lossPairs(B batch, VirtualPerturbation[] pluses) {
    double[][] pairs = new double[pluses.length][];
    for (int k = 0; k < pluses.length; k++) {
      pairs[k] = lossPair(batch, pluses[k]);
    }
    return pairs;
  }
}
