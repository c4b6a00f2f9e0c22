package io.github.mezo4j.train.trainer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.mezo.MezoTrainer;
import io.github.mezo4j.core.mezo.NanPolicy;
import io.github.mezo4j.core.noise.Bf16Rounding;
import io.github.mezo4j.core.noise.Directions;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.train.checkpoint.BestAndLast;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import io.github.mezo4j.train.checkpoint.RunFolder;
import io.github.mezo4j.train.checkpoint.RunLock;
import io.github.mezo4j.train.checkpoint.RunState;
import io.github.mezo4j.train.report.MetricsLog;
import io.github.mezo4j.train.report.ProgressBar;
import io.github.mezo4j.train.report.RunPlots;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * The one driver of a fine-tuning run, for every model kind: it owns the run folder ({@link
 * RunFolder}: lock, run.json, state, step log, metrics.jsonl, the last and the best checkpoint,
 * plots, summary.json), the trainer, the step loop, evaluations and resume. A {@link Kind} supplies
 * what differs between classifiers, embedding models and decoders: the trainable set, the
 * objective, the batches, the evaluation and how a checkpoint is saved.
 *
 * <p>Resume: everything a step does is a pure function of (seed, step): its perturbation seeds and
 * its batch ({@link BatchSampler}). A resumed run restarts from the last checkpoint (the step log
 * cut back to it, the base weights plus a replay of it, the best so far from {@code state.json},
 * metrics.jsonl cut back to it) and recomputes the steps after it, so it ends bit-identical to an
 * uninterrupted run wherever the interruption (kill -9 included) came. Resuming a finished run
 * rebuilds its weights and returns its summary.
 *
 * @param <B> the batch type the kind's objective reads
 */
public final class RunDriver<B> {
  /**
   * What differs between model kinds. The driver calls {@link #start} once the folder holds a fresh
   * run or was cut back to its last checkpoint; every other method after that.
   *
   * @param <B> the batch type the objective reads
   */
  public interface Kind<B> {
    /** The kind in run.json and summary.json: "classifier", "embedding" or "decoder". */
    String name();

    /** The training split's size. */
    int trainExamples();

    /** The dev split's size. */
    int devExamples();

    /**
     * Prepares the model for the steps: a fresh run ({@code state} null) makes what it saves beside
     * the step log (e.g. the initial head), a resumed one loads it.
     */
    void start(RunFolder folder, RunState state) throws IOException;

    /** A trainer builder with the kind's objective; the driver sets everything else. */
    MezoTrainer.Builder<B> trainerBuilder();

    /** The random directions (the optimizer settings', with a mask where the kind has one). */
    Directions directions();

    /** The weights MeZO trains. */
    ParameterSet trainable();

    /** The trainable weights reported in summary.json (fewer than the set's under a mask). */
    default long trainableCount() {
      return trainable().elementCount();
    }

    /** The batch of step {@code index} (0-based), a pure function of it. */
    B batch(long index);

    /** Scores the model as it is now on the dev split. */
    Scores evaluate();

    /** Adds the kind's own fields (e.g. a monitor set's metrics) to an evaluation event. */
    default void putEvaluationExtras(ObjectNode event) {}

    /** Writes the checkpoint of {@code step} into {@code dir}, with {@code manifest}. */
    void writeCheckpoint(Path dir, long step, Path stepLog, ObjectNode manifest) throws IOException;

    /** Adds the kind's own fields to summary.json ({@code events}: metrics.jsonl). */
    void putSummary(ObjectNode summary, List<ObjectNode> events, long bestStep);
  }

  /**
   * Where and how a run goes, whatever its kind.
   *
   * @param out the run folder
   * @param resume continue the run in {@code out} instead of starting one
   * @param workers threads for forward passes and weight passes (results do not depend on them)
   * @param progress where the progress bar and notes go (stderr), or null for none
   * @param interactive draw the bar in place (a terminal) rather than as plain lines
   * @param afterStep called with the step number after each step is logged (and evaluated), or
   *     null; an exception it throws stops the run as a crash would (tests interrupt runs so)
   */
  public record Context(
      Path out,
      boolean resume,
      Workers workers,
      PrintStream progress,
      boolean interactive,
      LongConsumer afterStep) {}

  /**
   * What a run produced.
   *
   * @param summary the contents of summary.json
   * @param best the best checkpoint's folder
   * @param last the last checkpoint's folder
   */
  public record Outcome(ObjectNode summary, Path best, Path last) {}

  private final RunConfig config;
  private final RunSettings settings;
  private final Kind<B> kind;
  private final Context context;
  private final RunFolder folder;
  private final long startNanos = System.nanoTime();
  private double secondsBefore;
  private BestAndLast checkpoints;
  private MetricsLog metrics;
  private ObjectNode manifestBase;
  private ProgressBar bar;

  private RunDriver(RunConfig config, Kind<B> kind, Context context) {
    this.config = config;
    this.settings = config.run();
    this.kind = kind;
    this.context = context;
    this.folder = new RunFolder(context.out());
  }

  /**
   * Runs (or resumes) a run to {@code config.run().steps()}.
   *
   * @throws IllegalArgumentException if a split is empty, {@code out} holds a run and resume is
   *     off, or resume is on and the run's settings differ
   * @throws IllegalStateException if the loss stops being finite (lr too large), or another live
   *     process writes {@code out}
   */
  public static <B> Outcome run(RunConfig config, Kind<B> kind, Context context)
      throws IOException {
    if (kind.trainExamples() == 0 || kind.devExamples() == 0) {
      throw new IllegalArgumentException(
          "need training and dev examples, got %d and %d"
              .formatted(kind.trainExamples(), kind.devExamples()));
    }
    RunDriver<B> driver = new RunDriver<>(config, kind, context);
    // one writer per folder, held until the run ends however it ends
    try (RunLock _ = driver.folder.lock(context.resume(), driver.notes())) {
      return driver.runLocked();
    }
  }

  private PrintStream notes() {
    return context.progress() == null ? System.err : context.progress();
  }

  private Outcome runLocked() throws IOException {
    RunSettings c = settings;
    RunState state = folder.open(context.resume(), config::checkResumable, c.steps());
    ObjectNode finished = folder.finishedSummary(state, c.steps());
    if (state == null) {
      // a fresh run (or one that died before its first checkpoint): start clean
      folder.startFresh();
      ObjectNode runJson = RunFolder.newRunJson();
      runJson.put("kind", kind.name());
      runJson.put("base_model", c.model());
      runJson.put("task", c.task());
      runJson.set("config", config.toJson());
      runJson.put("train_examples", kind.trainExamples());
      runJson.put("dev_examples", kind.devExamples());
      runJson.put("metric_name", c.metric().label());
      JsonFiles.write(folder.run(), runJson);
    } else {
      folder.restore(state);
    }
    kind.start(folder, state);
    ParameterSet trainable = kind.trainable();
    MezoTrainer.Builder<B> builder = trainerBuilder(c, kind, context, folder.stepLog());
    manifestBase = JsonFiles.object();
    manifestBase.put("base_model", c.model());
    manifestBase.put("task", c.task());
    manifestBase.put("metric_name", c.metric().label());
    manifestBase.set("config", config.toJson());
    secondsBefore = state == null ? 0 : state.seconds();
    checkpoints = new BestAndLast(folder, state);

    try (MetricsLog m = MetricsLog.open(folder.metrics(), state == null ? -1 : state.step());
        MezoTrainer<B> trainer =
            state == null ? builder.build(trainable) : builder.resume(trainable)) {
      metrics = m;
      if (finished != null) {
        // the trainer replayed the log, so the weights are the finished run's; nothing more to do
        notes().println(folder.finishedNote(c.steps()));
        return new Outcome(
            finished,
            folder.checkpoint(state.bestCheckpoint()),
            folder.checkpoint(state.lastCheckpoint()));
      }
      bar =
          context.progress() == null
              ? null
              : new ProgressBar(
                  context.progress(),
                  context.interactive(),
                  c.steps(),
                  trainer.nextStep(),
                  c.metric().label(),
                  System::nanoTime);
      if (state == null) {
        evaluate(0, Double.NaN);
      }
      StepLoop.run(
          trainer,
          c.steps(),
          c.evalEvery(),
          c.lr(),
          kind::batch,
          metrics,
          this::evaluate,
          bar,
          context.afterStep());
      return finish(trainer);
    }
  }

  /** The kind's trainer with the run's settings, logging to {@code stepLog}. */
  private static <B> MezoTrainer.Builder<B> trainerBuilder(
      RunSettings c, Kind<B> kind, Context context, Path stepLog) {
    MezoTrainer.Builder<B> builder =
        kind.trainerBuilder()
            .directions(kind.directions())
            .eps(c.eps())
            .optimizer(c.transform())
            .estimator(c.optim().estimator())
            .conservative(c.optim().conservative())
            .nanPolicy(NanPolicy.FAIL)
            .runSeed(c.seed())
            .workers(context.workers())
            .stepLog(stepLog);
    if (kind.trainable().firstOf(DType.BF16).isPresent()) {
      // An update lr*g*z is mostly below half a bf16 ulp: rounding to nearest would drop it.
      // The step log's header records the mode, so replay rounds with the same bits.
      builder.bf16Rounding(Bf16Rounding.STOCHASTIC);
    }
    return builder;
  }

  /**
   * Runs a replica of a run to {@code settings.steps()} (a data-parallel worker): the same trainer
   * and batches as the run's driver, starting from {@code stepLog} (the driver's log so far,
   * replayed), without evaluations, checkpoints or summary. The kind's objective exchanges its
   * share of each step with the driver. The replica's own copy of the log goes to {@code
   * context.out()}, which must be a private folder.
   */
  public static <B> void follow(RunSettings settings, Kind<B> kind, Context context, byte[] stepLog)
      throws IOException {
    RunFolder folder = new RunFolder(context.out());
    folder.startFresh();
    kind.start(folder, null);
    Files.write(folder.stepLog(), stepLog);
    try (MezoTrainer<B> trainer =
        trainerBuilder(settings, kind, context, folder.stepLog()).resume(kind.trainable())) {
      while (trainer.nextStep() < settings.steps()) {
        trainer.step(kind.batch(trainer.nextStep()));
        if (context.afterStep() != null) {
          context.afterStep().accept(trainer.nextStep());
        }
      }
    }
  }

  private double seconds() {
    return secondsBefore + (System.nanoTime() - startNanos) / 1e9;
  }

  private void evaluate(long step, double trainLoss) throws IOException {
    Scores e = kind.evaluate();
    double m = e.metric(settings.metric());
    checkpoints.offer(step, m, e.loss(), settings.metric().higherIsBetter());
    double bestMetric = checkpoints.bestMetric();
    ObjectNode event = JsonFiles.object();
    event.put("event", "eval");
    event.put("step", step);
    e.putInto(event, "dev_");
    event.put("dev_metric", m);
    event.put("best_dev_metric", bestMetric);
    event.put("best_step", checkpoints.bestStep());
    kind.putEvaluationExtras(event);
    event.put("elapsed_s", seconds());
    metrics.append(event);
    metrics.sync();

    ObjectNode manifest = manifestBase.deepCopy();
    manifest.put("dev_metric", m);
    e.putInto(manifest, "dev_");
    kind.writeCheckpoint(
        folder.checkpoint(RunFolder.checkpointName(step)), step, folder.stepLog(), manifest);
    checkpoints.committed(step, seconds());
    if (bar != null) {
      bar.eval(step, trainLoss, m, bestMetric);
    }
  }

  private Outcome finish(MezoTrainer<B> trainer) throws IOException {
    RunSettings c = settings;
    List<ObjectNode> events = metrics.events();
    RunPlots.write(folder.dir(), events, c.task(), c.model(), c.metric().label());
    ObjectNode s = RunFolder.newSummary();
    s.put("kind", kind.name());
    s.put("task", c.task());
    s.put("model", c.model());
    s.put("metric_name", c.metric().label());
    s.put("steps", trainer.nextStep());
    s.put("seconds", seconds());
    s.put("best_dev_metric", checkpoints.bestMetric());
    s.put("best_step", checkpoints.bestStep());
    MetricsLog.putInitialAndFinalDevMetric(s, events);
    s.put("train_examples", kind.trainExamples());
    s.put("dev_examples", kind.devExamples());
    s.put("params", c.params().spec());
    s.put("trainable_parameters", kind.trainableCount());
    kind.putSummary(s, events, checkpoints.bestStep());
    RunSummary.write(
        s, folder, c.lr(), c.eps(), c.batch(), c.seed(), c.optim(), trainer, checkpoints);
    return new Outcome(s, checkpoints.best(), checkpoints.last());
  }
}
