package io.github.mezo4j.core.mezo;

import io.github.mezo4j.core.log.FsyncPolicy;
import io.github.mezo4j.core.log.StepLog;
import io.github.mezo4j.core.log.StepLogHeader;
import io.github.mezo4j.core.log.StepLogWriter;
import io.github.mezo4j.core.log.StepRecord;
import io.github.mezo4j.core.method.Estimator;
import io.github.mezo4j.core.method.PerturbationMode;
import io.github.mezo4j.core.noise.Bf16Rounding;
import io.github.mezo4j.core.noise.Directions;
import io.github.mezo4j.core.optim.ZoTransform;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.ParameterSet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Drives MeZO training: numbers the steps, derives their seeds from the run seed ({@link
 * StepSeeds}), runs each {@link MezoStep} and appends it to the step log.
 *
 * <pre>{@code
 * try (MezoTrainer<Batch> trainer = MezoTrainer.builder(loss)
 *     .eps(1e-3)
 *     .optimizer(Optimizers.sgd(Schedule.cosineDecay(1e-6, 20_000, 0.0)))
 *     .runSeed(42)
 *     .stepLog(Path.of("run.steplog"))
 *     .build(model.params().select(Selector.all()))) {
 *   for (Batch b : batches) {
 *     StepResult r = trainer.step(b);
 *   }
 * }
 * }</pre>
 *
 * With a model that applies the perturbation while reading its weights (for example {@code
 * BertEncoder.forward(input, workers, perturbation)}), use {@link #virtualBuilder} with a {@link
 * PerturbedObjective}: the weights are then written once per step, by the update.
 *
 * <p>To continue a run after a stop or crash, build the same trainer with {@link Builder#resume} on
 * the base parameters: it replays the log (bit-exact, including the optimizer state) and continues
 * appending.
 *
 * @param <B> the batch type
 */
public final class MezoTrainer<B> implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(MezoTrainer.class.getName());

  private final MezoStep<B> step;
  private final long runSeed;
  private final StepLogWriter log;
  private long nextStep;
  private String broken;

  private MezoTrainer(MezoStep<B> step, long runSeed, StepLogWriter log, long nextStep) {
    this.step = step;
    this.runSeed = runSeed;
    this.log = log;
    this.nextStep = nextStep;
  }

  /** A builder for in-place training: {@code objective} is evaluated on the perturbed weights. */
  public static <B> Builder<B> builder(Objective<B> objective) {
    Objects.requireNonNull(objective, "objective");
    return new Builder<>(
        PerturbationMode.IN_PLACE, (c, t, w) -> new MezoStep<>(c, t, objective, w));
  }

  /**
   * A builder for {@link PerturbationMode#VIRTUAL} training: {@code objective} applies each step's
   * perturbation while reading the weights, the weights are written once per step (the update), and
   * the step log records the mode so that replay makes the same single pass.
   */
  public static <B> Builder<B> virtualBuilder(PerturbedObjective<B> objective) {
    Objects.requireNonNull(objective, "objective");
    return new Builder<>(
        PerturbationMode.VIRTUAL, (c, t, w) -> MezoStep.virtual(c, t, objective, w));
  }

  /**
   * Runs the next step on {@code batch} and logs it.
   *
   * @throws NonFiniteLossException under {@link NanPolicy#FAIL} (the step is not counted; the
   *     parameters are restored)
   * @throws UncheckedIOException if the step log cannot be written; the trainer then refuses more
   *     steps (the parameters are ahead of the log: resume from the log)
   */
  public StepResult step(B batch) {
    if (broken != null) {
      throw new IllegalStateException(broken);
    }
    long t = nextStep;
    StepResult r =
        step.run(t, StepSeeds.forStep(runSeed, t, step.config().estimator().samples()), batch);
    if (log != null) {
      try {
        log.append(r.toRecord());
      } catch (IOException e) {
        broken = "step log " + log.path() + " could not be written at step " + t + ": " + e;
        throw new UncheckedIOException(broken, e);
      }
    }
    nextStep++;
    return r;
  }

  /** The index the next step gets (= steps done, skipped ones included). */
  public long nextStep() {
    return nextStep;
  }

  /** The seed every step's seeds derive from (written to the step log). */
  public long runSeed() {
    return runSeed;
  }

  /** What each step does; the step log's header records it. */
  public MezoConfig config() {
    return step.config();
  }

  /** The trainable parameters. */
  public ParameterSet params() {
    return step.params();
  }

  /** Extra memory the optimizer state holds, in bytes. */
  public long optimizerStateBytes() {
    return step.updater().stateBytes();
  }

  /** Closes the step log (forcing it to the device). */
  @Override
  public void close() throws IOException {
    if (log != null) {
      log.close();
    }
  }

  /** Makes the step of a builder's mode. */
  private interface StepFactory<B> {
    MezoStep<B> create(MezoConfig config, ParameterSet trainable, Workers workers);
  }

  /** Configures a {@link MezoTrainer}. Defaults: see {@link MezoConfig.Builder}; run seed 0. */
  public static final class Builder<B> {
    private final StepFactory<B> steps;
    private final MezoConfig.Builder config = MezoConfig.builder();
    private long runSeed;
    private Workers workers = Workers.shared();
    private Path stepLog;
    private FsyncPolicy fsync = FsyncPolicy.ON_CLOSE;

    private Builder(PerturbationMode mode, StepFactory<B> steps) {
      this.steps = steps;
      config.perturbation(mode);
    }

    private MezoStep<B> newStep(MezoConfig c, ParameterSet trainable) {
      return steps.create(c, trainable, workers);
    }

    /** The perturbation scale (default 1e-3). */
    public Builder<B> eps(double eps) {
      config.eps(eps);
      return this;
    }

    /** The estimator (default two-sided, one sample). */
    public Builder<B> estimator(Estimator estimator) {
      config.estimator(estimator);
      return this;
    }

    /** The update transform, e.g. {@code Optimizers.sgd(1e-6)}; required. */
    public Builder<B> optimizer(ZoTransform optimizer) {
      config.optimizer(optimizer);
      return this;
    }

    /** The ZO-SGD-Cons rule; see {@link MezoConfig}. */
    public Builder<B> conservative(boolean conservative) {
      config.conservative(conservative);
      return this;
    }

    /**
     * How updates of bf16 parameters round (default {@link Bf16Rounding#NEAREST}, which loses
     * updates below half a bf16 ulp: choose {@link Bf16Rounding#STOCHASTIC} to train bf16 weights).
     */
    public Builder<B> bf16Rounding(Bf16Rounding rounding) {
      config.bf16Rounding(rounding);
      return this;
    }

    /**
     * The directions z (default dense Gaussian): Rademacher, and/or a magnitude mask; the step
     * log's header records them.
     */
    public Builder<B> directions(Directions directions) {
      config.directions(directions);
      return this;
    }

    /** What to do with a NaN or infinite loss (default {@link NanPolicy#SKIP}). */
    public Builder<B> nanPolicy(NanPolicy nanPolicy) {
      config.nanPolicy(nanPolicy);
      return this;
    }

    /** The seed every step's seeds derive from. */
    public Builder<B> runSeed(long runSeed) {
      this.runSeed = runSeed;
      return this;
    }

    /** Threads for the passes over the weights (default {@link Workers#shared()}). */
    public Builder<B> workers(Workers workers) {
      this.workers = Objects.requireNonNull(workers, "workers");
      return this;
    }

    /** Log every step to {@code path} (format: {@link StepLog}). */
    public Builder<B> stepLog(Path path) {
      this.stepLog = path;
      return this;
    }

    /** When the step log is forced to the device (default {@link FsyncPolicy#ON_CLOSE}). */
    public Builder<B> fsync(FsyncPolicy fsync) {
      this.fsync = Objects.requireNonNull(fsync, "fsync");
      return this;
    }

    /**
     * A trainer starting at step 0 on {@code trainable}; creates the step log if one was set.
     *
     * @throws java.nio.file.FileAlreadyExistsException if the step log exists (use {@link #resume})
     */
    public MezoTrainer<B> build(ParameterSet trainable) throws IOException {
      MezoConfig c = config.build();
      MezoStep<B> s = newStep(c, trainable);
      warnIfBf16UpdatesVanish(c, trainable);
      StepLogWriter w =
          stepLog == null
              ? null
              : StepLogWriter.create(stepLog, c.header(runSeed, trainable), fsync);
      return new MezoTrainer<>(s, runSeed, w, 0);
    }

    /**
     * Continues the run logged at the step log path: checks that this builder's configuration
     * matches the log header, replays the log onto {@code baseTrainable} (the parameters as they
     * were before step 0), and returns a trainer that appends from the next step on.
     *
     * @throws IllegalArgumentException naming the first setting that differs from the log
     */
    public MezoTrainer<B> resume(ParameterSet baseTrainable) throws IOException {
      if (stepLog == null) {
        throw new IllegalStateException("resume needs stepLog(path)");
      }
      MezoConfig c = config.build();
      StepLog existing = StepLog.read(stepLog);
      Map<String, String> logged = existing.header().values();
      Map<String, String> mine = c.header(runSeed, baseTrainable).values();
      // Both directions: a key only one side writes (perturbation, bf16Rounding) is a difference.
      Set<String> keys = new LinkedHashSet<>(mine.keySet());
      keys.addAll(logged.keySet());
      for (String key : keys) {
        if (!Objects.equals(mine.get(key), logged.get(key))) {
          throw new IllegalArgumentException(
              "step log %s was written with %s=%s, but this trainer has %s=%s"
                  .formatted(stepLog, key, shown(logged, key), key, shown(mine, key)));
        }
      }
      Replay.config(existing, baseTrainable, c.optimizer());
      MezoStep<B> s = newStep(c, baseTrainable);
      for (StepRecord r : existing.records()) {
        s.replay(r);
      }
      StepLogWriter w = StepLogWriter.openForAppend(existing, fsync);
      return new MezoTrainer<>(s, runSeed, w, existing.records().size());
    }

    /** A header value, or the default an absent key stands for. */
    private static String shown(Map<String, String> values, String key) {
      String v = values.get(key);
      if (v != null) {
        return v;
      }
      return switch (key) {
        case "perturbation" -> PerturbationMode.IN_PLACE.spec();
        case "bf16Rounding" -> Bf16Rounding.NEAREST.spec();
        case StepLogHeader.DIRECTIONS -> Directions.Distribution.GAUSSIAN.spec();
        default -> "(absent)";
      };
    }

    private static void warnIfBf16UpdatesVanish(MezoConfig c, ParameterSet trainable) {
      if (c.bf16Rounding() != Bf16Rounding.NEAREST) {
        return;
      }
      trainable
          .firstOf(DType.BF16)
          .ifPresent(
              p ->
                  LOG.log(
                      System.Logger.Level.WARNING,
                      "trainable parameter {0} is bf16 and updates round to nearest: updates below"
                          + " half a bf16 ulp are lost; consider"
                          + " bf16Rounding(Bf16Rounding.STOCHASTIC)",
                      p.name()));
    }
  }
}
