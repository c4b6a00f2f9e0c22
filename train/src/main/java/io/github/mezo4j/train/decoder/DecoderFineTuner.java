package io.github.mezo4j.train.decoder;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.mezo.MezoTrainer;
import io.github.mezo4j.core.mezo.NanPolicy;
import io.github.mezo4j.core.mezo.Objective;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.model.DecoderConfig;
import io.github.mezo4j.train.checkpoint.BestAndLast;
import io.github.mezo4j.train.checkpoint.DecoderCheckpoints;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import io.github.mezo4j.train.checkpoint.RunFolder;
import io.github.mezo4j.train.checkpoint.RunLock;
import io.github.mezo4j.train.checkpoint.RunState;
import io.github.mezo4j.train.data.Example;
import io.github.mezo4j.train.prompt.DecoderTemplate;
import io.github.mezo4j.train.report.MetricsLog;
import io.github.mezo4j.train.report.ProgressBar;
import io.github.mezo4j.train.report.RunPlots;
import io.github.mezo4j.train.trainer.BatchSampler;
import io.github.mezo4j.train.trainer.RunSummary;
import io.github.mezo4j.train.trainer.StepLoop;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * Fine-tunes a decoder LM with MeZO: every weight the model reads is trained, in place, on either a
 * prompted classification objective ({@link DecoderClassifier}: cross-entropy, accuracy or F1 of
 * the candidates' log-likelihood scores) or the language-model objective ({@link LanguageModeling}:
 * mean next-token NLL of the task's texts, evaluated by perplexity).
 *
 * <p>{@code params} may narrow the trained weights (bias-norm, a glob), as for encoders; the step
 * log then applies to that selection, and replays must select the same.
 *
 * <p>The optimizer, schedule, estimator and conservative rule come from {@link
 * DecoderFineTuneConfig#optim()}, as for encoders; the step log's header records them.
 *
 * <p>The run folder has the {@link RunFolder} layout of the encoder trainer ({@code
 * io.github.mezo4j.train.trainer.FineTuner}) without heads: run.json, state.json, the live step
 * log, metrics.jsonl, the last and the best checkpoint ({@link DecoderCheckpoints}), and at the end
 * the plots and summary.json. Resume works the same way: each step is a pure function of (seed,
 * step), so a resumed run restarts from the last checkpoint (base weights plus a replay of its step
 * log) and ends bit-identical to an uninterrupted run.
 */
public final class DecoderFineTuner {
  private DecoderFineTuner() {}

  /**
   * Everything a run reads.
   *
   * @param config the settings
   * @param lm the decoder at its base weights (trained in place) with its tokenizer
   * @param template the task's prompt template (classification objectives; null for {@code lm})
   * @param classes candidates per prompt (the task's classes)
   * @param decoderConfig the model's config (for saved weights)
   * @param train the training split
   * @param dev the dev split (evaluation and best-checkpoint choice)
   * @param out the run folder
   * @param resume continue the run in {@code out} instead of starting one
   * @param workers threads (results do not depend on them)
   * @param progress where the progress bar goes, or null for none
   * @param interactive draw the bar in place rather than as plain lines
   * @param afterStep called with the step number after each step is logged, or null; an exception
   *     it throws stops the run as a crash would
   */
  public record Run(
      DecoderFineTuneConfig config,
      DecoderLm lm,
      DecoderTemplate template,
      int classes,
      DecoderConfig decoderConfig,
      List<Example> train,
      List<Example> dev,
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
   * @param weights the fine-tuned weights (the model's parameters at the last step)
   * @param best the best checkpoint's folder
   * @param last the last checkpoint's folder
   */
  public record Result(ObjectNode summary, ParameterSet weights, Path best, Path last) {
    /** The best checkpoint's dev metric ({@code best_dev_metric} in summary.json). */
    public double bestDevMetric() {
      return summary.get("best_dev_metric").asDouble();
    }

    /** The dev metric before training ({@code initial_dev_metric}). */
    public double initialDevMetric() {
      return summary.get("initial_dev_metric").asDouble();
    }

    /** The dev metric at the last step ({@code final_dev_metric}). */
    public double finalDevMetric() {
      return summary.get("final_dev_metric").asDouble();
    }
  }

  /** The training loss of a batch and the dev evaluation, for either kind of objective. */
  private interface Task {
    int trainSize();

    double loss(int[] indices, Workers workers);

    DecoderEvaluation evaluateDev(Workers workers);
  }

  private static Task task(Run run) {
    DecoderFineTuneConfig c = run.config();
    if (c.objective().languageModel()) {
      LanguageModeling m = new LanguageModeling(run.lm(), DecoderMetrics.CHUNK);
      LanguageModeling.Tokenized train = m.tokenize(LanguageModeling.texts(run.train()));
      LanguageModeling.Tokenized dev = m.tokenize(LanguageModeling.texts(run.dev()));
      return new Task() {
        @Override
        public int trainSize() {
          return train.size();
        }

        @Override
        public double loss(int[] indices, Workers workers) {
          return m.nll(train, indices, workers).mean();
        }

        @Override
        public DecoderEvaluation evaluateDev(Workers workers) {
          return DecoderEvaluation.of(m.nll(dev, workers), dev.size());
        }
      };
    }
    Objects.requireNonNull(run.template(), "a classification objective needs a template");
    DecoderClassifier classifier =
        new DecoderClassifier(
            run.lm(), run.template(), run.classes(), c.score(), DecoderMetrics.CHUNK);
    DecoderClassifier.Tokenized train = classifier.tokenize(run.train());
    DecoderClassifier.Tokenized dev = classifier.tokenize(run.dev());
    return new Task() {
      @Override
      public int trainSize() {
        return train.size();
      }

      @Override
      public double loss(int[] indices, Workers workers) {
        double[] s = classifier.scores(train, indices, workers);
        float[] scores = new float[s.length];
        for (int i = 0; i < s.length; i++) {
          scores[i] = (float) s[i];
        }
        return c.objective()
            .classification()
            .loss(scores, run.classes(), DecoderClassifier.labels(train, indices));
      }

      @Override
      public DecoderEvaluation evaluateDev(Workers workers) {
        return DecoderEvaluation.of(classifier.evaluate(dev, workers));
      }
    };
  }

  /**
   * Runs (or resumes) a decoder fine-tuning run to {@code config.steps()}.
   *
   * @throws IllegalArgumentException if {@code out} holds a run and resume is off, resume is on and
   *     the run's settings differ, or the data do not fit the template
   * @throws IllegalStateException if the loss stops being finite (lr too large), or another live
   *     process writes {@code out}
   */
  public static Result run(Run run) throws IOException {
    // one writer per folder, held until the run ends however it ends
    try (RunLock _ =
        new RunFolder(run.out())
            .lock(run.resume(), run.progress() == null ? System.err : run.progress())) {
      return runLocked(run);
    }
  }

  private static Result runLocked(Run run) throws IOException {
    long startNanos = System.nanoTime();
    DecoderFineTuneConfig c = run.config();
    if (run.train().isEmpty() || run.dev().isEmpty()) {
      throw new IllegalArgumentException(
          "need training and dev examples, got %d and %d"
              .formatted(run.train().size(), run.dev().size()));
    }
    RunFolder folder = new RunFolder(run.out());
    RunState state = folder.open(run.resume(), c::checkResumable, c.steps());
    ObjectNode finished = folder.finishedSummary(state, c.steps());
    Task task = task(run); // tokenizes first: bad data fails before anything is written
    if (state == null) {
      folder.startFresh();
      ObjectNode runJson = RunFolder.newRunJson();
      runJson.put("kind", DecoderCheckpoints.KIND);
      runJson.put("base_model", c.model());
      runJson.put("task", c.task());
      runJson.set("config", c.toJson());
      runJson.put("train_examples", run.train().size());
      runJson.put("dev_examples", run.dev().size());
      runJson.put("metric_name", c.metric());
      JsonFiles.write(folder.run(), runJson);
    } else {
      folder.restore(state);
    }
    Workers workers = run.workers();
    ParameterSet trainable = c.trainable(run.lm().model().parameters());
    BatchSampler sampler = new BatchSampler(task.trainSize(), c.batch(), c.seed());
    Objective<int[]> loss = (params, indices) -> task.loss(indices, workers);
    MezoTrainer.Builder<int[]> builder =
        MezoTrainer.builder(loss)
            .eps(c.eps())
            .optimizer(c.transform())
            .estimator(c.optim().estimator())
            .conservative(c.optim().conservative())
            .directions(c.optim().directionsOf())
            .nanPolicy(NanPolicy.FAIL)
            .runSeed(c.seed())
            .workers(workers)
            .stepLog(folder.stepLog());
    ObjectNode manifestBase = JsonFiles.object();
    manifestBase.put("base_model", c.model());
    manifestBase.put("task", c.task());
    manifestBase.put("metric_name", c.metric());
    manifestBase.set("config", c.toJson());

    try (MetricsLog metrics = MetricsLog.open(folder.metrics(), state == null ? -1 : state.step());
        MezoTrainer<int[]> trainer =
            state == null ? builder.build(trainable) : builder.resume(trainable)) {
      Tracker t =
          new Tracker(
              run,
              task,
              folder,
              metrics,
              manifestBase,
              startNanos,
              state == null ? 0 : state.seconds(),
              state);
      ProgressBar bar =
          run.progress() == null
              ? null
              : new ProgressBar(
                  run.progress(),
                  run.interactive(),
                  c.steps(),
                  trainer.nextStep(),
                  c.metric(),
                  System::nanoTime);
      if (finished != null) {
        // resuming a finished run rebuilds its weights (the trainer replayed the log) and no more
        (run.progress() == null ? System.err : run.progress())
            .println(folder.finishedNote(c.steps()));
        return new Result(
            finished,
            run.lm().model().parameters(),
            folder.checkpoint(state.bestCheckpoint()),
            folder.checkpoint(state.lastCheckpoint()));
      }
      if (state == null) {
        t.evaluate(0, bar, Double.NaN);
      }
      StepLoop.run(
          trainer,
          c.steps(),
          c.evalEvery(),
          c.lr(),
          sampler::indices,
          metrics,
          (step, trainLoss) -> t.evaluate(step, bar, trainLoss),
          bar,
          run.afterStep());
      return t.finish(trainer);
    }
  }

  /** Evaluations, checkpoints and the best so far. */
  private static final class Tracker {
    private final Run run;
    private final Task task;
    private final RunFolder folder;
    private final MetricsLog metrics;
    private final ObjectNode manifestBase;
    private final long startNanos;
    private final double secondsBefore;
    private final BestAndLast checkpoints;

    Tracker(
        Run run,
        Task task,
        RunFolder folder,
        MetricsLog metrics,
        ObjectNode manifestBase,
        long startNanos,
        double secondsBefore,
        RunState state) {
      this.run = run;
      this.task = task;
      this.folder = folder;
      this.metrics = metrics;
      this.manifestBase = manifestBase;
      this.startNanos = startNanos;
      this.secondsBefore = secondsBefore;
      this.checkpoints = new BestAndLast(folder, state);
    }

    double seconds() {
      return secondsBefore + (System.nanoTime() - startNanos) / 1e9;
    }

    void evaluate(long step, ProgressBar bar, double trainLoss) throws IOException {
      DecoderFineTuneConfig c = run.config();
      DecoderEvaluation e = task.evaluateDev(run.workers());
      double m = e.metric(c.metric());
      checkpoints.offer(step, m, e.loss(), c.higherIsBetter());
      double bestMetric = checkpoints.bestMetric();
      ObjectNode event = JsonFiles.object();
      event.put("event", "eval");
      event.put("step", step);
      e.putInto(event, "dev_");
      event.put("dev_metric", m);
      event.put("best_dev_metric", bestMetric);
      event.put("best_step", checkpoints.bestStep());
      event.put("elapsed_s", seconds());
      metrics.append(event);
      metrics.sync();

      ObjectNode manifest = manifestBase.deepCopy();
      manifest.put("dev_metric", m);
      e.putInto(manifest, "dev_");
      DecoderCheckpoints.write(
          folder.checkpoint(RunFolder.checkpointName(step)),
          new DecoderCheckpoints.Content(
              step,
              folder.stepLog(),
              manifest,
              run.decoderConfig(),
              c.saveWeights() ? run.lm().model().parameters() : null));
      checkpoints.committed(step, seconds());
      if (bar != null) {
        bar.eval(step, trainLoss, m, bestMetric);
      }
    }

    Result finish(MezoTrainer<int[]> trainer) throws IOException {
      DecoderFineTuneConfig c = run.config();
      List<ObjectNode> events = metrics.events();
      RunPlots.write(folder.dir(), events, c.task(), c.model(), c.metric());
      ObjectNode s = RunFolder.newSummary();
      s.put("kind", DecoderCheckpoints.KIND);
      s.put("task", c.task());
      s.put("model", c.model());
      s.put("objective", c.objective().option());
      s.put("score", c.score().option());
      s.put("metric_name", c.metric());
      s.put("steps", trainer.nextStep());
      s.put("seconds", seconds());
      s.put("best_dev_metric", checkpoints.bestMetric());
      s.put("best_step", checkpoints.bestStep());
      MetricsLog.putInitialAndFinalDevMetric(s, events);
      s.put("train_examples", run.train().size());
      s.put("dev_examples", run.dev().size());
      s.put("params", c.params());
      s.put("trainable_parameters", c.trainable(run.lm().model().parameters()).elementCount());
      RunSummary.write(
          s, folder, c.lr(), c.eps(), c.batch(), c.seed(), c.optim(), trainer, checkpoints);
      return new Result(s, run.lm().model().parameters(), checkpoints.best(), checkpoints.last());
    }
  }
}
