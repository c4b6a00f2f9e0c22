package io.github.mezo4j.core.mezo;

import io.github.mezo4j.core.method.PerturbationMode;
import io.github.mezo4j.core.noise.Directions;
import io.github.mezo4j.core.noise.Perturbation;
import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;
import java.util.function.Supplier;

/**
 * The in-place adapter: an {@link Objective} that reads the weights, seen as a {@link
 * PerturbedObjective}. To evaluate the loss at {@code theta + scale z(seed)} it writes that
 * perturbation into the weights first ({@link PerturbationMode#IN_PLACE}), so every MeZO transform
 * and step has one strategy, "ask the objective for the loss at a perturbation", whichever mode the
 * weights are perturbed in.
 *
 * <p>It moves lazily, remembering what is written: from {@code +eps z} to {@code -eps z} of the
 * same seed is one pass of {@code -2 eps z}; to another seed, a pass back to {@code theta} and one
 * forward. That is exactly the pass sequence of {@link MezoStep}'s documentation, so in-place runs
 * and their logs are unchanged. What is still written after the losses is either removed by {@link
 * #restore} or folded into the update pass ({@link #takeWritten}), which saves a pass.
 *
 * <p>Without an objective (replay) it makes the same passes and returns NaN: replaying an in-place
 * run must repeat the rounding of every pass.
 *
 * @param <B> the batch type
 */
final class InPlaceObjective<B> implements PerturbedObjective<B> {
  private final Objective<B> objective;
  private final ParameterSet params;
  private final Workers workers;
  private long writtenSeed;
  private float writtenScale;
  private Directions writtenDirections = Directions.gaussian();

  /**
   * @param objective the user's loss, or null to make the weight passes only (replay)
   * @param params the weights {@code objective} reads; every perturbation must be over this set
   */
  InPlaceObjective(Objective<B> objective, ParameterSet params, Workers workers) {
    this.objective = objective;
    this.params = params;
    this.workers = workers;
  }

  @Override
  public double loss(B batch, VirtualPerturbation perturbation) {
    return at(perturbation, () -> objective == null ? Double.NaN : objective.loss(params, batch));
  }

  /** Writes {@code perturbation} into the weights (lazily, see above), then evaluates {@code f}. */
  <R> R at(VirtualPerturbation perturbation, Supplier<R> f) {
    moveTo(perturbation);
    return f.get();
  }

  private void moveTo(VirtualPerturbation p) {
    if (p.isNone()) {
      restore();
      return;
    }
    if (p.perturbed() != params) {
      throw new IllegalArgumentException(
          "an in-place objective perturbs the set it was made for, not another one");
    }
    if (writtenScale != 0 && writtenSeed == p.seed() && writtenDirections.equals(p.directions())) {
      if (p.scale() != writtenScale) {
        pass(p.seed(), p.scale() - writtenScale, p.directions());
      }
    } else {
      restore();
      pass(p.seed(), p.scale(), p.directions());
    }
    writtenSeed = p.seed();
    writtenScale = p.scale();
    writtenDirections = p.directions();
  }

  /** Removes what is written (one pass if anything is): the weights are {@code theta} again. */
  void restore() {
    if (writtenScale != 0) {
      float s = writtenScale;
      writtenScale = 0;
      pass(writtenSeed, -s, writtenDirections);
    }
  }

  /**
   * The scale still written along {@code seed}'s direction, which the caller's next pass over that
   * direction removes by adding its negation (0 if nothing is written). Anything written along
   * another direction is restored first.
   */
  float takeWritten(long seed) {
    if (writtenScale != 0 && writtenSeed != seed) {
      restore();
    }
    float s = writtenScale;
    writtenScale = 0;
    return s;
  }

  /** {@link #takeWritten} if {@code objective} is an in-place adapter, else 0 (virtual). */
  static float takeWritten(PerturbedObjective<?> objective, long seed) {
    return objective instanceof InPlaceObjective<?> a ? a.takeWritten(seed) : 0f;
  }

  /** {@link #restore} if {@code objective} is an in-place adapter (virtual: nothing to undo). */
  static void restore(PerturbedObjective<?> objective) {
    if (objective instanceof InPlaceObjective<?> a) {
      a.restore();
    }
  }

  private void pass(long seed, float scale, Directions directions) {
    Perturbation.addScaledNoise(params, seed, scale, directions, workers);
  }
}
