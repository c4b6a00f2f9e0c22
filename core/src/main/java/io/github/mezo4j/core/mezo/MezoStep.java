package io.github.mezo4j.core.mezo;

import io.github.mezo4j.core.log.StepRecord;
import io.github.mezo4j.core.method.ConservativeChoice;
import io.github.mezo4j.core.method.Estimator;
import io.github.mezo4j.core.method.PerturbationMode;
import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.optim.ZoUpdater;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;
import java.util.Arrays;
import java.util.Objects;

/**
 * One MeZO training step over a trainable {@link ParameterSet}: estimate, then update, with the
 * fewest passes over the weights. The same code replays a logged step ({@link #replay}), performing
 * the same floating-point operations in the same order minus the forward passes, which is why
 * replay is bit-exact even though in-place perturbation drifts by rounding.
 *
 * <p>Passes for a two-sided step with n samples {@code z_1..z_n} (z regenerated from its seed):
 *
 * <pre>
 *   for k in 1..n:  theta += eps z_k  -> L+_k;  theta -= 2 eps z_k  -> L-_k;
 *                   g_k = (L+_k - L-_k) / (2 eps);  if k &lt; n: theta += eps z_k
 *   one fused pass: theta += eps z_n  and  theta += T(sum_k (g_k / n) z_k)
 * </pre>
 *
 * so n = 1 costs 3 passes over the weights and 2 forward passes. One-sided: {@code L0 = L(theta)}
 * first, then per sample {@code L+_k} and restore {@code -eps z_k}, 2 passes per sample; once all
 * {@code L+_k} are known, {@code g_k = (L+_k - L0) / eps}, or for the {@linkplain
 * Estimator#normalized normalized} estimator (FZOO, Dang et al. 2025, arXiv 2506.09034) {@code g_k
 * = (L+_k - L0) / sigma} with sigma the standard deviation of {@code L+_1..L+_n}, so that with SGD
 * the update {@code theta -= lr (1/n) sum_k g_k z_k} is FZOO's. The step reports {@code L0} as its
 * loss. The log holds the {@code g_k} whichever estimator made them, so replay is the same for all.
 * The conservative rule adds: {@code L(theta + delta)}; a pass to {@code theta - delta}; {@code
 * L(theta - delta)}; a pass to the chosen candidate unless it is {@code theta - delta}.
 *
 * <p>The step has one strategy: it asks a {@link PerturbedObjective} for the loss at each
 * perturbation. In place, that is an adapter around the user's {@link Objective} that writes the
 * perturbation into the weights first, moving lazily so that the passes are exactly those above,
 * and whatever it leaves written along the last direction is removed by the fused update pass.
 *
 * <p>{@link PerturbationMode#VIRTUAL} (made by {@link #virtual}): the losses come from a {@link
 * PerturbedObjective} at {@code theta +- eps z_k} applied while the model reads its weights, so the
 * estimate writes nothing and the step is one fused update pass ({@code theta += T(sum_k (g_k / n)
 * z_k)}); restoring is exact because nothing was changed. Replay makes that single pass. A
 * two-sided step asks for all its samples' losses in one {@link PerturbedObjective#lossPairs} call
 * (by default one {@link PerturbedObjective#lossPair} per sample, so a model that runs both signs
 * together generates each noise element once for the two; a distributed objective can run the
 * samples on different machines).
 *
 * <p>Every pass draws {@code z} as {@link MezoConfig#directions()} says (Gaussian by default,
 * Rademacher for FZOO's probes, optionally masked to small-magnitude weights), the same for every
 * estimator.
 *
 * <p>If a loss is NaN or infinite, the parameters are restored (one pass) and {@link NanPolicy}
 * decides. If the objective throws during the estimate, the parameters are restored and the
 * exception propagates; nothing else changed, so the step can be retried. If it throws during the
 * conservative rule's extra passes, the update has already been counted: this step object refuses
 * further steps (resume from the step log instead).
 *
 * <p>Not thread-safe: run one step at a time (each step parallelizes its passes over the weights on
 * its {@link Workers}).
 *
 * @param <B> the batch type
 */
public final class MezoStep<B> {
  private static final System.Logger LOG = System.getLogger(MezoStep.class.getName());

  private final MezoConfig config;
  private final ParameterSet params;
  // the model's, or the in-place adapter around the user's Objective; null: replay only
  private final PerturbedObjective<B> objective;
  // replay's stand-in: in place, an adapter that makes the same weight passes without a loss;
  // virtual, null (nothing is evaluated or moved before the update)
  private final PerturbedObjective<B> replayPasses;
  private final Workers workers;
  private final ZoUpdater updater;
  private final float eps;
  private String broken;

  /**
   * An {@link PerturbationMode#IN_PLACE} step: {@code objective} reads the weights, and the step
   * writes each perturbation into them before asking it for a loss.
   *
   * @param objective the loss; may be null for a step used only to {@link #replay}
   * @throws IllegalArgumentException if {@code trainable} is empty, or {@code config} is virtual
   *     and {@code objective} is not null
   */
  public MezoStep(
      MezoConfig config, ParameterSet trainable, Objective<B> objective, Workers workers) {
    this(
        config,
        trainable,
        objective != null && config.perturbation() == PerturbationMode.IN_PLACE
            ? new InPlaceObjective<>(objective, trainable, workers)
            : null,
        workers);
    if (objective != null && config.perturbation() == PerturbationMode.VIRTUAL) {
      throw new IllegalArgumentException(
          "the configuration is virtual: an Objective that reads the weights needs"
              + " PerturbationMode.IN_PLACE (or use MezoStep.virtual with a PerturbedObjective)");
    }
  }

  private MezoStep(
      MezoConfig config, ParameterSet trainable, PerturbedObjective<B> objective, Workers workers) {
    this.config = Objects.requireNonNull(config, "config");
    Mezo.checkParams(trainable);
    this.params = trainable;
    this.objective = objective;
    this.workers = Objects.requireNonNull(workers, "workers");
    this.replayPasses =
        config.perturbation() == PerturbationMode.IN_PLACE
            ? new InPlaceObjective<>(null, trainable, workers)
            : null;
    this.updater =
        new ZoUpdater(config.optimizer(), trainable, config.bf16Rounding(), config.directions());
    this.eps = config.epsF32();
  }

  /**
   * A {@link PerturbationMode#VIRTUAL} step: {@code objective} sees the perturbation as a {@link
   * VirtualPerturbation} over {@code trainable} and the weights are written only by the update.
   *
   * @throws IllegalArgumentException if {@code config} is not virtual or {@code trainable} is empty
   */
  public static <B> MezoStep<B> virtual(
      MezoConfig config, ParameterSet trainable, PerturbedObjective<B> objective, Workers workers) {
    if (config.perturbation() != PerturbationMode.VIRTUAL) {
      throw new IllegalArgumentException(
          "a PerturbedObjective needs a configuration with PerturbationMode.VIRTUAL, got "
              + config.perturbation());
    }
    return new MezoStep<>(
        config, trainable, Objects.requireNonNull(objective, "objective"), workers);
  }

  /** A step that can only {@link #replay}, in whichever mode {@code config} names. */
  public static MezoStep<Void> forReplay(
      MezoConfig config, ParameterSet trainable, Workers workers) {
    return new MezoStep<>(config, trainable, (Objective<Void>) null, workers);
  }

  /** What this step does: eps, estimator, optimizer and update rule. */
  public MezoConfig config() {
    return config;
  }

  /** The trainable parameters this step perturbs and updates. */
  public ParameterSet params() {
    return params;
  }

  /** The optimizer state and update count. */
  public ZoUpdater updater() {
    return updater;
  }

  /**
   * Runs step {@code step} with {@code seeds} (one per sample) on {@code batch}.
   *
   * @throws NonFiniteLossException under {@link NanPolicy#FAIL}
   * @throws IllegalArgumentException for the wrong number of seeds, or a learning rate the schedule
   *     makes non-finite (parameters restored)
   */
  public StepResult run(long step, long[] seeds, B batch) {
    if (objective == null) {
      throw new IllegalStateException("this MezoStep was made for replay: it has no objective");
    }
    return execute(step, seeds, batch, null);
  }

  /**
   * Re-applies a logged step: the same passes over the weights as {@link #run}, with the gradients
   * and decisions taken from {@code record} instead of from forward passes.
   *
   * @throws IllegalArgumentException if the record does not fit this configuration
   */
  public void replay(StepRecord record) {
    if (record.seeds().length != config.estimator().samples()) {
      throw new IllegalArgumentException(
          "step %d: the record holds %d seeds but the estimator %s takes %d"
              .formatted(
                  record.step(),
                  record.seeds().length,
                  config.estimator().spec(),
                  config.estimator().samples()));
    }
    boolean expectChoice = config.conservative() && !record.skipped();
    if (expectChoice == (record.choice() == ConservativeChoice.NONE)) {
      throw new IllegalArgumentException(
          "step %d: conservative choice %s does not fit conservative=%s, skipped=%s"
              .formatted(record.step(), record.choice(), config.conservative(), record.skipped()));
    }
    execute(record.step(), record.seeds(), null, record);
  }

  private StepResult execute(long step, long[] seeds, B batch, StepRecord logged) {
    if (broken != null) {
      throw new IllegalStateException(broken);
    }
    boolean training = logged == null;
    PerturbedObjective<B> f = training ? objective : replayPasses;
    int n = config.estimator().samples();
    if (seeds.length != n) {
      throw new IllegalArgumentException(
          "step %d: %d seeds given, the estimator %s takes %d"
              .formatted(step, seeds.length, config.estimator().spec(), n));
    }
    boolean oneSided = config.estimator().isOneSided();
    double[] lp = nans(n);
    double[] lm = nans(n);
    double[] g = nans(n);
    double l0 = Double.NaN;
    long last = seeds[n - 1];

    try {
      if (training && (oneSided || config.conservative())) {
        l0 = f.loss(batch, VirtualPerturbation.none());
      }
      if (f != null) {
        VirtualPerturbation[] probes = new VirtualPerturbation[n];
        for (int k = 0; k < n; k++) {
          probes[k] = new VirtualPerturbation(params, seeds[k], eps, config.directions());
        }
        if (oneSided) {
          for (int k = 0; k < n; k++) {
            lp[k] = f.loss(batch, probes[k]);
          }
        } else {
          // every sample's both signs in one call: the objective may generate each noise element
          // once for both signs, and evaluate the samples together
          double[][] pairs = f.lossPairs(batch, probes);
          checkPairs(pairs, n);
          for (int k = 0; k < n; k++) {
            lp[k] = pairs[k][0];
            lm[k] = pairs[k][1];
            if (training) {
              g[k] = Mezo.projectedGradient(lp[k], lm[k], eps);
            }
          }
        }
      }
    } catch (RuntimeException | Error e) {
      InPlaceObjective.restore(f);
      throw e;
    }

    if (training && oneSided) {
      g = config.estimator().oneSidedGrads(l0, lp, eps);
    }
    double loss = oneSided ? l0 : meanOfMidpoints(lp, lm);
    boolean l0Used = oneSided || config.conservative();
    String bad = training ? firstNonFinite(step, seeds, l0, l0Used, lp, lm, oneSided) : null;
    if (training ? bad != null : logged.skipped()) {
      InPlaceObjective.restore(f);
      if (training) {
        if (config.nanPolicy() == NanPolicy.FAIL) {
          throw new NonFiniteLossException(step, last, bad + " (NanPolicy.FAIL)");
        }
        LOG.log(System.Logger.Level.WARNING, bad + "; step skipped (NanPolicy.SKIP)");
      }
      return new StepResult(
          step, seeds.clone(), g, loss, lp, lm, l0, false, ConservativeChoice.NONE);
    }

    double[] grads = training ? g : logged.grads().clone();
    try {
      updater.check(seeds, grads);
    } catch (IllegalArgumentException e) {
      InPlaceObjective.restore(f);
      throw new IllegalArgumentException("step " + step + ": " + e.getMessage(), e);
    }
    // what the in-place estimate left written along the last direction: the update removes it
    float written = InPlaceObjective.takeWritten(f, last);
    ConservativeChoice choice = ConservativeChoice.NONE;
    try {
      updater.update(seeds, grads, -written, workers);
      if (config.conservative()) {
        choice = conservative(seeds, grads, batch, l0, logged);
      }
    } catch (RuntimeException | Error e) {
      broken =
          "step %d failed after its update began (%s); the parameters and optimizer state no longer match the step log: resume from the log"
              .formatted(step, e);
      throw e;
    }
    return new StepResult(step, seeds.clone(), grads, loss, lp, lm, l0, true, choice);
  }

  /** From theta + delta: evaluates both candidates and moves to the chosen one. */
  private ConservativeChoice conservative(
      long[] seeds, double[] grads, B batch, double l0, StepRecord logged) {
    double l1 = Double.NaN;
    double l2 = Double.NaN;
    if (logged == null) {
      l1 = objective.loss(batch, VirtualPerturbation.none());
    }
    updater.reapply(seeds, grads, -2f, workers);
    if (logged == null) {
      l2 = objective.loss(batch, VirtualPerturbation.none());
    }
    ConservativeChoice choice = logged == null ? choose(l0, l1, l2) : logged.choice();
    switch (choice) {
      case DESCENT -> updater.reapply(seeds, grads, 2f, workers);
      case REJECT -> updater.reapply(seeds, grads, 1f, workers);
      case ASCENT -> {}
      case NONE -> throw new IllegalStateException("no conservative choice made");
    }
    return choice;
  }

  /**
   * The lowest of L(theta) = l0, L(theta + delta) = l1, L(theta - delta) = l2; NaN counts as
   * +infinity; ties prefer descent, then staying put.
   */
  static ConservativeChoice choose(double l0, double l1, double l2) {
    double descent = Double.isNaN(l1) ? Double.POSITIVE_INFINITY : l1;
    double ascent = Double.isNaN(l2) ? Double.POSITIVE_INFINITY : l2;
    if (descent <= l0 && descent <= ascent) {
      return ConservativeChoice.DESCENT;
    }
    return ascent < l0 ? ConservativeChoice.ASCENT : ConservativeChoice.REJECT;
  }

  private static void checkPairs(double[][] pairs, int n) {
    if (pairs == null || pairs.length != n) {
      throw new IllegalStateException(
          "PerturbedObjective.lossPairs must return %d pairs, got %s"
              .formatted(n, pairs == null ? "null" : pairs.length));
    }
    for (double[] pair : pairs) {
      if (pair == null || pair.length != 2) {
        throw new IllegalStateException(
            "PerturbedObjective.lossPair must return {L+, L-}, got "
                + (pair == null ? "null" : pair.length + " values"));
      }
    }
  }

  private static String firstNonFinite(
      long step,
      long[] seeds,
      double l0,
      boolean l0Used,
      double[] lp,
      double[] lm,
      boolean oneSided) {
    if (l0Used && !Double.isFinite(l0)) {
      return describe(step, "L(theta)", 0, seeds[0], l0);
    }
    for (int k = 0; k < lp.length; k++) {
      if (!Double.isFinite(lp[k])) {
        return describe(step, "L+", k, seeds[k], lp[k]);
      }
      if (!oneSided && !Double.isFinite(lm[k])) {
        return describe(step, "L-", k, seeds[k], lm[k]);
      }
    }
    return null;
  }

  private static String describe(long step, String which, int k, long seed, double value) {
    return "step %d: loss %s of sample %d (seed %d) is %s; parameters restored, no update applied"
        .formatted(step, which, k, seed, value);
  }

  private static double meanOfMidpoints(double[] lp, double[] lm) {
    double sum = 0;
    for (int k = 0; k < lp.length; k++) {
      sum += (lp[k] + lm[k]) / 2;
    }
    return sum / lp.length;
  }

  private static double[] nans(int n) {
    double[] a = new double[n];
    Arrays.fill(a, Double.NaN);
    return a;
  }
}
