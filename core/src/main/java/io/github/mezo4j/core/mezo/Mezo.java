package io.github.mezo4j.core.mezo;

import io.github.mezo4j.core.noise.Perturbation;
import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;
import java.util.Objects;
import java.util.function.Function;

/**
 * The MeZO transforms, after mezo-jax: turn an objective {@code f(params, batch)} into a function
 * that returns the zeroth-order (SPSA) gradient estimate from two forward passes.
 *
 * <pre>{@code
 * MezoGrad<float[]> grad = Mezo.grad(loss);              // mezo_grad(fn)
 * double g = grad.apply(params, 1e-3, seed, batch);      // params restored afterwards
 * Mezo.applyUpdates(params, lr * g, seed);               // theta -= lr * g * z(seed)
 * }</pre>
 *
 * <p>Unlike JAX, parameters are changed in place (that is the point: no copy of the weights). The
 * transforms act on exactly the {@link ParameterSet} they are given; to train a subset, pass {@code
 * params.select(selector)}; parameters outside it are never written.
 *
 * <p><b>Restore drift.</b> {@code grad} perturbs in place: {@code +eps z}, {@code -2 eps z}, {@code
 * +eps z}. Each pass rounds each element once, and the three rounding errors do not cancel (the
 * products {@code eps z} and {@code 2 eps z} differ by an exact factor 2, so theirs do). An element
 * {@code theta} therefore comes back as {@code theta + d} with
 *
 * <pre>    |d| &lt;= 3 u (|theta| + eps |z|)   (to first order in u)</pre>
 *
 * where {@code u = 2^-24} for f32 storage and {@code u = 2^-8} for bf16 storage. Measured ({@code
 * RestoreDriftTest}: magnitudes 1e-4 to 10, eps 1e-3): 46% of f32 elements (40% of bf16) move, by
 * at most 2.0 u (|theta| + eps|z|). The drift is deterministic, and {@link Replay} reproduces it by
 * repeating the passes. {@link #sgdStep} and {@link MezoStep} fold the restore into the update, so
 * a training step makes 3 passes over the weights instead of 4.
 *
 * <p>If the objective throws, the parameters are restored before the exception propagates.
 *
 * <p><b>Virtual perturbation.</b> A model that can apply {@code +-eps z} while it reads its weights
 * takes a {@link PerturbedObjective} instead ({@link #virtualGrad}, {@link #virtualValueAndGrad},
 * {@link #virtualSgdStep}, {@link MezoTrainer#virtualBuilder}): nothing is written during the
 * estimate, so there is no drift, and a training step is a single pass over the weights.
 *
 * <p>There is one estimate: the entry points that take an {@link Objective} run their virtual
 * counterparts over an in-place adapter that writes each requested perturbation into the weights
 * before evaluating the objective, and removes it afterwards (or folds its removal into the
 * update).
 *
 * <p>The estimator is SPSA (Spall 1992) as MeZO uses it (Malladi et al. 2023, arXiv 2305.17333);
 * see {@link io.github.mezo4j.core.method.Estimator}.
 */
public final class Mezo {
  private Mezo() {}

  /** mezo-jax's {@code mezo_grad(fn)}: returns {@code g = (L+ - L-) / (2 eps)}. */
  public static <B> MezoGrad<B> grad(Objective<B> objective) {
    Objects.requireNonNull(objective, "objective");
    return (params, eps, seed, batch, workers) ->
        inPlace(
            objective,
            params,
            workers,
            a -> virtualGrad(a).apply(params, eps, seed, batch, workers));
  }

  /** mezo-jax's {@code mezo_value_and_grad(fn)}: value {@code (L+ + L-) / 2} and gradient. */
  public static <B> MezoValueAndGrad<B> valueAndGrad(Objective<B> objective) {
    Objects.requireNonNull(objective, "objective");
    return (params, eps, seed, batch, workers) ->
        inPlace(
            objective,
            params,
            workers,
            a -> virtualValueAndGrad(a).apply(params, eps, seed, batch, workers));
  }

  /** mezo-jax's {@code mezo_grad(fn, has_aux=True)}. */
  public static <B, A> MezoGradWithAux<B, A> gradWithAux(AuxObjective<B, A> objective) {
    Objects.requireNonNull(objective, "objective");
    return (params, eps, seed, batch, workers) -> {
      float e = checkEps(eps);
      Pair<LossAndAux<A>> r = evaluatePair(objective, params, e, seed, batch, workers);
      return new GradAndAux<>(
          projectedGradient(r.plus().loss(), r.minus().loss(), e), r.plus().aux(), r.minus().aux());
    };
  }

  /** mezo-jax's {@code mezo_value_and_grad(fn, has_aux=True)}. */
  public static <B, A> MezoValueAndGradWithAux<B, A> valueAndGradWithAux(
      AuxObjective<B, A> objective) {
    Objects.requireNonNull(objective, "objective");
    return (params, eps, seed, batch, workers) -> {
      float e = checkEps(eps);
      Pair<LossAndAux<A>> r = evaluatePair(objective, params, e, seed, batch, workers);
      double lp = r.plus().loss();
      double lm = r.minus().loss();
      return new ValueAndGradWithAux<>(
          (lp + lm) / 2, projectedGradient(lp, lm, e), lp, lm, r.plus().aux(), r.minus().aux());
    };
  }

  /**
   * {@link #grad} for a {@link PerturbedObjective}: the losses at {@code theta +- eps z} come from
   * {@link VirtualPerturbation}s over {@code params}, so {@code params} are never written and are
   * bit-identical afterwards (no restore drift).
   */
  public static <B> MezoGrad<B> virtualGrad(PerturbedObjective<B> objective) {
    MezoValueAndGrad<B> vg = virtualValueAndGrad(objective);
    return (params, eps, seed, batch, workers) ->
        vg.apply(params, eps, seed, batch, workers).grad();
  }

  /** {@link #valueAndGrad} for a {@link PerturbedObjective} (see {@link #virtualGrad}). */
  public static <B> MezoValueAndGrad<B> virtualValueAndGrad(PerturbedObjective<B> objective) {
    Objects.requireNonNull(objective, "objective");
    return (params, eps, seed, batch, workers) -> {
      float e = checkEps(eps);
      checkParams(params);
      double[] l = objective.lossPair(batch, new VirtualPerturbation(params, seed, e));
      return new ValueAndGrad((l[0] + l[1]) / 2, projectedGradient(l[0], l[1], e), l[0], l[1]);
    };
  }

  /**
   * {@link #sgdStep} for a {@link PerturbedObjective}: two forward passes that write nothing, then
   * one pass over the weights, {@code theta = fma(-lr g, z, theta)} (bf16 rounds to nearest; use
   * {@link MezoTrainer} with {@link io.github.mezo4j.core.noise.Bf16Rounding#STOCHASTIC} to train
   * bf16 weights). A non-finite loss leaves the parameters bit-identical.
   */
  public static <B> MezoSgdStep<B> virtualSgdStep(PerturbedObjective<B> objective) {
    MezoValueAndGrad<B> vg = virtualValueAndGrad(objective);
    return (params, eps, lr, seed, batch, workers) -> {
      checkLearningRate(lr);
      ValueAndGrad r = vg.apply(params, eps, seed, batch, workers);
      double g = r.grad();
      boolean finite = Double.isFinite(r.lossPlus()) && Double.isFinite(r.lossMinus());
      // in place, L- left -eps z written: the update pass removes it too
      float written = InPlaceObjective.takeWritten(objective, seed);
      if (written != 0 || (finite && lr * g != 0)) {
        Perturbation.addScaledNoise(
            params, seed, finite ? (float) (-written - lr * g) : -written, workers);
      }
      return r;
    };
  }

  /**
   * A fused MeZO-SGD step (3 passes over the weights): see {@link MezoSgdStep}. For schedules,
   * other optimizers, estimators and a step log, use {@link MezoTrainer}.
   */
  public static <B> MezoSgdStep<B> sgdStep(Objective<B> objective) {
    Objects.requireNonNull(objective, "objective");
    return (params, eps, lr, seed, batch, workers) ->
        inPlace(
            objective,
            params,
            workers,
            a -> virtualSgdStep(a).apply(params, eps, lr, seed, batch, workers));
  }

  /**
   * mezo-jax's {@code apply_updates(params, coefficient, key)}: {@code theta -= coefficient *
   * z(seed)}, typically with {@code coefficient = lr * g}, on {@link Workers#shared()}.
   */
  public static void applyUpdates(ParameterSet params, double coefficient, long seed) {
    applyUpdates(params, coefficient, seed, Workers.shared());
  }

  /**
   * {@code theta -= coefficient * z(seed)} for every element of {@code params}.
   *
   * @throws IllegalArgumentException for an empty {@code params} or a non-finite coefficient
   */
  public static void applyUpdates(
      ParameterSet params, double coefficient, long seed, Workers workers) {
    checkParams(params);
    if (!Double.isFinite(coefficient)) {
      throw new IllegalArgumentException(
          "update coefficient must be finite, got " + coefficient + " (seed " + seed + ")");
    }
    Perturbation.addScaledNoise(params, seed, (float) -coefficient, workers);
  }

  /** {@code (lossPlus - lossMinus) / (2 eps)}, with eps the f32 value the perturbation used. */
  static double projectedGradient(double lossPlus, double lossMinus, float eps) {
    return (lossPlus - lossMinus) / (2.0 * eps);
  }

  /**
   * The f32 perturbation scale for {@code eps}.
   *
   * @throws IllegalArgumentException unless eps is a finite number > 0 that stays > 0 as an f32
   */
  static float checkEps(double eps) {
    if (!(eps > 0) || !Double.isFinite(eps)) {
      throw new IllegalArgumentException("eps must be a finite number > 0, got " + eps);
    }
    float e = (float) eps;
    if (!(e > 0) || Float.isInfinite(e)) {
      throw new IllegalArgumentException(
          "eps " + eps + " is not representable as a positive finite f32");
    }
    return e;
  }

  static void checkLearningRate(double lr) {
    if (!Double.isFinite(lr) || lr < 0) {
      throw new IllegalArgumentException("learning rate must be a finite number >= 0, got " + lr);
    }
  }

  static void checkParams(ParameterSet params) {
    if (params == null) {
      throw new IllegalArgumentException("params must not be null");
    }
    if (params.isEmpty()) {
      throw new IllegalArgumentException(
          "params is empty: the selection chose no parameters (check the Selector)");
    }
  }

  /**
   * Runs {@code f} with {@code objective} seen through the in-place adapter over {@code params},
   * then restores whatever the adapter left written (also when {@code f} throws).
   */
  private static <B, R> R inPlace(
      Objective<B> objective,
      ParameterSet params,
      Workers workers,
      Function<InPlaceObjective<B>, R> f) {
    checkParams(params);
    Objects.requireNonNull(workers, "workers");
    InPlaceObjective<B> adapter = new InPlaceObjective<>(objective, params, workers);
    try {
      return f.apply(adapter);
    } finally {
      adapter.restore();
    }
  }

  private record Pair<R>(R plus, R minus) {}

  /** {L+, L-} with their aux values, evaluated in place; the parameters are restored. */
  private static <B, A> Pair<LossAndAux<A>> evaluatePair(
      AuxObjective<B, A> objective,
      ParameterSet params,
      float eps,
      long seed,
      B batch,
      Workers workers) {
    return inPlace(
        null,
        params,
        workers,
        a -> {
          VirtualPerturbation plus = new VirtualPerturbation(params, seed, eps);
          return new Pair<>(
              a.at(plus, () -> objective.evaluate(params, batch)),
              a.at(plus.negated(), () -> objective.evaluate(params, batch)));
        });
  }
}
