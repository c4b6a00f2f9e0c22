package io.github.mezo4j.core.mezo;

import io.github.mezo4j.core.log.StepLogHeader;
import io.github.mezo4j.core.method.Estimator;
import io.github.mezo4j.core.method.PerturbationMode;
import io.github.mezo4j.core.noise.Bf16Rounding;
import io.github.mezo4j.core.noise.Directions;
import io.github.mezo4j.core.optim.ZoTransform;
import io.github.mezo4j.core.optim.ZoUpdater;
import io.github.mezo4j.core.param.ParameterSet;
import java.util.Objects;

/**
 * Everything that determines what a MeZO training step does to the parameters: the perturbation
 * scale, the estimator, the optimizer, and the update rule; plus the NaN policy. Everything but the
 * NaN policy is written to the step log header, which is how a run is replayed.
 *
 * @param eps perturbation scale (MeZO uses 1e-3); applied as an f32
 * @param estimator two-sided (default), one-sided or normalized (FZOO), n samples
 * @param optimizer the update transform, e.g. {@code Optimizers.sgd(1e-6)}
 * @param conservative the ZO-SGD-Cons rule of ZO-Bench (Zhang et al. 2024): after the update,
 *     evaluate {@code theta + delta} and {@code theta - delta} too (2 extra forward passes, plus
 *     the unperturbed loss if the estimator does not already need it) and keep whichever of {@code
 *     theta}, {@code theta + delta}, {@code theta - delta} has the lowest loss, so the loss on the
 *     batch never increases. No extra memory. Needs a transform without state that does not read
 *     the parameters (SGD, sign-SGD, schedules)
 * @param nanPolicy what to do with a NaN or infinite loss
 * @param perturbation in place ({@link Objective}) or virtual ({@link PerturbedObjective})
 * @param bf16Rounding how updates of bf16 parameters are rounded; {@link Bf16Rounding#STOCHASTIC}
 *     is what lets bf16 weights learn from updates below their resolution
 * @param directions the distribution of the directions z (Gaussian, MeZO's, or Rademacher, FZOO's)
 *     and any magnitude mask (Sparse MeZO); a mask needs {@link PerturbationMode#VIRTUAL} and no
 *     conservative rule, since it is read from the weights the estimate must not move
 */
public record MezoConfig(
    double eps,
    Estimator estimator,
    ZoTransform optimizer,
    boolean conservative,
    NanPolicy nanPolicy,
    PerturbationMode perturbation,
    Bf16Rounding bf16Rounding,
    Directions directions) {

  /** Dense Gaussian directions (the behaviour before directions were a setting). */
  public MezoConfig(
      double eps,
      Estimator estimator,
      ZoTransform optimizer,
      boolean conservative,
      NanPolicy nanPolicy,
      PerturbationMode perturbation,
      Bf16Rounding bf16Rounding) {
    this(
        eps,
        estimator,
        optimizer,
        conservative,
        nanPolicy,
        perturbation,
        bf16Rounding,
        Directions.gaussian());
  }

  /** An in-place configuration with round-to-nearest bf16 updates (the original behaviour). */
  public MezoConfig(
      double eps,
      Estimator estimator,
      ZoTransform optimizer,
      boolean conservative,
      NanPolicy nanPolicy) {
    this(
        eps,
        estimator,
        optimizer,
        conservative,
        nanPolicy,
        PerturbationMode.IN_PLACE,
        Bf16Rounding.NEAREST);
  }

  /** Rejects a bad eps, a missing optimizer, and settings that cannot work together. */
  public MezoConfig {
    Objects.requireNonNull(perturbation, "perturbation");
    Objects.requireNonNull(bf16Rounding, "bf16Rounding");
    Objects.requireNonNull(directions, "directions");
    if (directions.isMasked() && perturbation != PerturbationMode.VIRTUAL) {
      throw new IllegalArgumentException(
          "a magnitude mask is read from the weights, which an in-place perturbation moves: it"
              + " needs PerturbationMode.VIRTUAL");
    }
    if (directions.isMasked() && conservative) {
      throw new IllegalArgumentException(
          "the conservative rule moves the weights after the update, so the mask it would read"
              + " is not the step's: a magnitude mask does not work with it");
    }
    Mezo.checkEps(eps);
    Objects.requireNonNull(estimator, "estimator");
    if (optimizer == null) {
      throw new IllegalArgumentException("optimizer is not set (e.g. Optimizers.sgd(1e-6))");
    }
    Objects.requireNonNull(nanPolicy, "nanPolicy");
    if (conservative && !ZoUpdater.isReapplicable(optimizer)) {
      throw new IllegalArgumentException(
          "the conservative rule needs an optimizer without state that does not read the"
              + " parameters; got "
              + optimizer.spec());
    }
  }

  /** eps as the f32 the perturbation passes use. */
  public float epsF32() {
    return (float) eps;
  }

  /** A builder with the defaults listed on {@link Builder}; only the optimizer is required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Builds a {@link MezoConfig}; defaults: eps 1e-3, two-sided, not conservative, SKIP, in place,
   * nearest, dense Gaussian directions.
   */
  public static final class Builder {
    private double eps = 1e-3;
    private Estimator estimator = Estimator.twoSided();
    private ZoTransform optimizer;
    private boolean conservative;
    private NanPolicy nanPolicy = NanPolicy.SKIP;
    private PerturbationMode perturbation = PerturbationMode.IN_PLACE;
    private Bf16Rounding bf16Rounding = Bf16Rounding.NEAREST;
    private Directions directions = Directions.gaussian();

    private Builder() {}

    /** The perturbation scale (default 1e-3). */
    public Builder eps(double eps) {
      this.eps = eps;
      return this;
    }

    /** The estimator (default {@link Estimator#twoSided()}). */
    public Builder estimator(Estimator estimator) {
      this.estimator = estimator;
      return this;
    }

    /** The update transform; required. */
    public Builder optimizer(ZoTransform optimizer) {
      this.optimizer = optimizer;
      return this;
    }

    /** Whether to apply the conservative rule (default off); see {@link MezoConfig}. */
    public Builder conservative(boolean conservative) {
      this.conservative = conservative;
      return this;
    }

    /** What to do with a non-finite loss (default {@link NanPolicy#SKIP}). */
    public Builder nanPolicy(NanPolicy nanPolicy) {
      this.nanPolicy = nanPolicy;
      return this;
    }

    /** In place or virtual perturbation (default {@link PerturbationMode#IN_PLACE}). */
    public Builder perturbation(PerturbationMode perturbation) {
      this.perturbation = perturbation;
      return this;
    }

    /** How bf16 updates round (default {@link Bf16Rounding#NEAREST}). */
    public Builder bf16Rounding(Bf16Rounding bf16Rounding) {
      this.bf16Rounding = bf16Rounding;
      return this;
    }

    /** The direction distribution and mask (default dense Gaussian). */
    public Builder directions(Directions directions) {
      this.directions = directions;
      return this;
    }

    /** The config; fails as the {@link MezoConfig} constructor does on inconsistent settings. */
    public MezoConfig build() {
      return new MezoConfig(
          eps,
          estimator,
          optimizer,
          conservative,
          nanPolicy,
          perturbation,
          bf16Rounding,
          directions);
    }
  }

  /** The step log header of a run with this configuration over {@code trainable}. */
  public StepLogHeader header(long runSeed, ParameterSet trainable) {
    return new StepLogHeader(
        eps(),
        estimator(),
        optimizer().spec(),
        conservative(),
        runSeed,
        StepLogHeader.fingerprint(trainable),
        perturbation(),
        bf16Rounding(),
        directions());
  }
}
