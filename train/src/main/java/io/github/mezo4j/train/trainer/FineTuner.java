package io.github.mezo4j.train.trainer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.log.StepLog;
import io.github.mezo4j.core.mezo.MezoTrainer;
import io.github.mezo4j.core.mezo.NanPolicy;
import io.github.mezo4j.core.mezo.PerturbationMode;
import io.github.mezo4j.core.noise.Bf16Rounding;
import io.github.mezo4j.core.noise.Directions;
import io.github.mezo4j.core.noise.MagnitudeMask;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.TokenizerJson;
import io.github.mezo4j.nn.model.BertConfig;
import io.github.mezo4j.nn.model.FrozenPrefixCache;
import io.github.mezo4j.train.checkpoint.BestAndLast;
import io.github.mezo4j.train.checkpoint.Checkpoint;
import io.github.mezo4j.train.checkpoint.HeadFiles;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import io.github.mezo4j.train.checkpoint.RunFolder;
import io.github.mezo4j.train.checkpoint.RunLock;
import io.github.mezo4j.train.checkpoint.RunState;
import io.github.mezo4j.train.head.ClassifierHead;
import io.github.mezo4j.train.report.MetricsLog;
import io.github.mezo4j.train.report.ProgressBar;
import io.github.mezo4j.train.report.RunPlots;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;
import java.util.function.LongConsumer;

/**
 * Fine-tunes an {@link EncoderClassifier} with MeZO, evaluating on the dev split every {@code
 * evalEvery} steps, keeping the last and the best checkpoint, writing {@code metrics.jsonl}, a
 * progress bar, and at the end the plots and {@code summary.json} (layout: {@link RunFolder}).
 *
 * <p>The encoder's weights and the head's own weights (the linear and similarity heads'; the prompt
 * head has none) are trained together as one trainable set, in MeZO's virtual mode: the losses at
 * {@code theta +- eps z} read every trainable weight through a {@link
 * io.github.mezo4j.core.noise.VirtualPerturbation} (the encoder while it reads its weights, the
 * head in a small copy), so no weight is written during the estimate, restoring is exact, and the
 * update is one fused pass. The MeZO paper fine-tunes the whole model, and training the
 * probe-initialised head with the encoder is its "LP then MeZO" setting. {@link
 * FineTuneConfig#params()} can narrow the encoder's part (e.g. to biases and LayerNorm weights), or
 * replace it by LoRA adapters that the run adds to the encoder ({@link
 * FineTuneConfig#withAdapters}); with {@code --save-weights} a checkpoint then saves the weights
 * with the adapters merged in. The head before training is saved, because the step log replays onto
 * base encoder plus that head.
 *
 * <p>With {@code sparse:S} ({@link FineTuneConfig#sparsity}) the directions carry Sparse MeZO's
 * magnitude mask: thresholds computed once from the base weights, recorded in the step log's
 * header, the mask read off the current weights at every step; {@code trainable_parameters} in
 * summary.json counts the weights inside it at the start.
 *
 * <p>The optimizer, learning-rate schedule, estimator and conservative rule come from {@link
 * FineTuneConfig#optim()} (MeZO's ZO-SGD by default); the step log's header records them, so replay
 * and resume rebuild them (optimizer state included) from the log alone.
 *
 * <p>Resume: everything a step does is a pure function of (seed, step): its perturbation seeds (the
 * trainer's run seed) and its batch ({@link BatchSampler}). A resumed run therefore restarts from
 * the last checkpoint (the step log cut back to it, the base weights plus a replay of it, the best
 * so far from {@code state.json}, metrics.jsonl cut back to it) and recomputes the steps after it;
 * it ends with weights, metrics and checkpoints bit-identical to an uninterrupted run's, wherever
 * the interruption (kill -9 included) came.
 */
public final class FineTuner {
  private FineTuner() {}

  /** Creates the head a fresh run starts from (linear probing, or a prompt head). */
  @FunctionalInterface
  public interface InitialHead {
    /**
     * The head to train, made from the classifier at its base weights (e.g. fitted by a linear
     * probe).
     */
    ClassifierHead create(EncoderClassifier atBaseWeights) throws IOException;
  }

  /**
   * Everything a run reads.
   *
   * @param config the settings
   * @param classifier the encoder at its base weights (trained in place) with any head (replaced by
   *     the initial head)
   * @param initialHead makes the head of a fresh run (a resumed run loads it from the run folder)
   * @param bertConfig the encoder's config (for saved weights)
   * @param tokenizerJson saved beside saved weights, or null
   * @param train the training split
   * @param dev the dev split (evaluation and best-checkpoint choice)
   * @param out the run folder
   * @param resume continue the run in {@code out} instead of starting one
   * @param workers threads for forward passes and weight passes (results do not depend on them)
   * @param progress where the progress bar goes (stderr), or null for none
   * @param interactive draw the bar in place (a terminal) rather than as plain lines
   * @param afterStep called with the step number after each step is logged (and evaluated), or
   *     null; an exception it throws stops the run as a crash would (tests interrupt runs so)
   * @param monitor a labelled set evaluated beside the dev split at every evaluation, or null: its
   *     metrics go to metrics.jsonl ({@code monitor_*}) and the metric plot, but it never chooses a
   *     checkpoint (the curves of an evaluation set the run must not be tuned on)
   */
  public record Run(
      FineTuneConfig config,
      EncoderClassifier classifier,
      InitialHead initialHead,
      BertConfig bertConfig,
      TokenizerJson tokenizerJson,
      LabeledTexts train,
      LabeledTexts dev,
      Path out,
      boolean resume,
      Workers workers,
      PrintStream progress,
      boolean interactive,
      LongConsumer afterStep,
      LabeledTexts monitor) {
    /** A run without a monitor set. */
    public Run(
        FineTuneConfig config,
        EncoderClassifier classifier,
        InitialHead initialHead,
        BertConfig bertConfig,
        TokenizerJson tokenizerJson,
        LabeledTexts train,
        LabeledTexts dev,
        Path out,
        boolean resume,
        Workers workers,
        PrintStream progress,
        boolean interactive,
        LongConsumer afterStep) {
      this(
          config,
          classifier,
          initialHead,
          bertConfig,
          tokenizerJson,
          train,
          dev,
          out,
          resume,
          workers,
          progress,
          interactive,
          afterStep,
          null);
    }
  }

  /**
   * What a run produced.
   *
   * @param summary the contents of summary.json
   * @param classifier the fine-tuned classifier (weights at the last step)
   * @param best the best checkpoint's folder
   * @param last the last checkpoint's folder
   */
  public record Result(ObjectNode summary, EncoderClassifier classifier, Path best, Path last) {
    /** The best checkpoint's dev metric ({@code best_dev_metric} in summary.json). */
    public double bestDevMetric() {
      return summary.get("best_dev_metric").asDouble();
    }

    /** The dev metric at the last step ({@code final_dev_metric}). */
    public double finalDevMetric() {
      return summary.get("final_dev_metric").asDouble();
    }
  }

  /**
   * Runs (or resumes) a fine-tuning run to {@code config.steps()}.
   *
   * @throws IllegalArgumentException if {@code out} holds a run and resume is off, resume is on and
   *     the run's settings differ, or the data do not fit the head
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
    FineTuneConfig c = run.config();
    RunFolder folder = new RunFolder(run.out());
    RunState state = folder.open(run.resume(), c::checkResumable, c.steps());
    // LoRA: the adapters (fresh, from the run seed) are part of the base the step log applies to
    EncoderClassifier base = c.withAdapters(run.classifier());
    ObjectNode finished = folder.finishedSummary(state, c.steps());

    // the head before training, kept apart: the trained one changes in place
    ClassifierHead headInit;
    if (state == null) {
      // a fresh run (or one that died before its first checkpoint): start clean
      folder.startFresh();
      ObjectNode runJson = RunFolder.newRunJson();
      runJson.put("base_model", c.model());
      runJson.put("task", c.task());
      runJson.set("config", c.toJson());
      runJson.put("train_examples", run.train().size());
      runJson.put("dev_examples", run.dev().size());
      runJson.put("metric_name", c.metricName());
      JsonFiles.write(folder.run(), runJson);
      headInit = run.initialHead().create(base);
      RunFolder.deleteTree(folder.headInit());
      HeadFiles.save(folder.headInit(), headInit);
    } else {
      headInit = HeadFiles.load(folder.headInit(), base.tokenizer(), base.padId());
      folder.restore(state);
    }
    EncoderClassifier classifier =
        withFrozenPrefixCache(base.withHead(headInit.copy()), c, run.progress());
    Workers workers = run.workers();
    String metricName = c.metricName();

    LabeledTexts train = run.train();
    EncoderClassifier.Tokenized trainSet = classifier.tokenize(train);
    EncoderClassifier.Batch devBatch = classifier.batch(classifier.tokenize(run.dev()));
    EncoderClassifier.Batch monitorBatch =
        run.monitor() == null ? null : classifier.batch(classifier.tokenize(run.monitor()));
    BatchSampler sampler = new BatchSampler(train.size(), c.batch(), c.seed());
    EncoderClassifier.Batch fullBatch =
        sampler.batch() == train.size() ? classifier.batch(trainSet) : null;

    // The losses at theta +- eps z read the weights through the perturbation (encoder and head):
    // nothing is written during the estimate and the update is one pass. A resumed run keeps the
    // mode its step log was written in, so older in-place runs continue bit-identically.
    PerturbationMode mode = state == null ? PerturbationMode.VIRTUAL : loggedMode(folder.stepLog());
    MezoTrainer.Builder<EncoderClassifier.Batch> builder =
        mode == PerturbationMode.VIRTUAL
            ? MezoTrainer.<EncoderClassifier.Batch>virtualBuilder(
                classifier.objective(c.objective(), workers))
            : MezoTrainer.<EncoderClassifier.Batch>builder(
                (params, batch) ->
                    EncoderClassifier.lossOf(
                        c.objective(), classifier.logits(batch, workers), batch));
    ParameterSet trainable = classifier.trainable(c.selector(layers(classifier)));
    Directions directions = directions(c, classifier);
    long trainableCount = MagnitudeMask.trainableCount(trainable, directions);
    builder
        .directions(directions)
        .eps(c.eps())
        .optimizer(c.transform())
        .estimator(c.optim().estimator())
        .conservative(c.optim().conservative())
        .nanPolicy(NanPolicy.FAIL)
        .runSeed(c.seed())
        .workers(workers)
        .stepLog(folder.stepLog());
    if (hasBf16(trainable)) {
      // An update lr*g*z is mostly below half a bf16 ulp: rounding to nearest would drop it.
      // The step log's header records the mode, so replay rounds with the same bits.
      builder.bf16Rounding(Bf16Rounding.STOCHASTIC);
    }

    double secondsBefore = state == null ? 0 : state.seconds();
    ObjectNode manifestBase = JsonFiles.object();
    manifestBase.put("base_model", c.model());
    manifestBase.put("task", c.task());
    manifestBase.put("metric_name", metricName);
    manifestBase.set("config", c.toJson());

    try (MetricsLog metrics = MetricsLog.open(folder.metrics(), state == null ? -1 : state.step());
        MezoTrainer<EncoderClassifier.Batch> trainer =
            state == null ? builder.build(trainable) : builder.resume(trainable)) {
      Tracker t =
          new Tracker(
              run,
              folder,
              classifier,
              headInit,
              devBatch,
              monitorBatch,
              metrics,
              manifestBase,
              startNanos,
              secondsBefore,
              state,
              trainableCount);
      ProgressBar bar =
          run.progress() == null
              ? null
              : new ProgressBar(
                  run.progress(),
                  run.interactive(),
                  c.steps(),
                  trainer.nextStep(),
                  metricName,
                  System::nanoTime);
      if (finished != null) {
        // resuming a finished run rebuilds its weights (the trainer replayed the log) and no more
        (run.progress() == null ? System.err : run.progress())
            .println(folder.finishedNote(c.steps()));
        return new Result(
            finished,
            classifier,
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
          index ->
              fullBatch != null ? fullBatch : classifier.batch(trainSet, sampler.indices(index)),
          metrics,
          (step, trainLoss) -> t.evaluate(step, bar, trainLoss),
          bar,
          run.afterStep());
      return t.finish(trainer);
    }
  }

  /**
   * The run's directions: {@code --directions}, and with {@code sparse:S} a magnitude mask on the
   * encoder's weight matrices whose thresholds come from the weights the classifier holds now, the
   * base weights (a resumed run computes the same ones, and its step log's header must agree).
   */
  public static Directions directions(FineTuneConfig c, EncoderClassifier classifier) {
    Directions d = c.optim().directionsOf();
    OptionalDouble sparsity = FineTuneConfig.sparsity(c.params());
    if (sparsity.isEmpty()) {
      return d;
    }
    ParameterSet matrices =
        classifier.embedder().encoder().parameters().select(FineTuneConfig.sparseMasked());
    return d.withMask(MagnitudeMask.thresholds(matrices, sparsity.getAsDouble()));
  }

  private static int layers(EncoderClassifier classifier) {
    return classifier.embedder().encoder().layerCount();
  }

  /**
   * With {@code top:K} the embeddings and the layers below the top K are frozen, so their output
   * for a sequence never changes during the run: the classifier then runs every pass from a {@link
   * FrozenPrefixCache} (its own if it brings one for those layers, else one capped at {@link
   * FrozenPrefixCache#DEFAULT_MAX_BYTES}), with the same bits as full passes. Otherwise no cache.
   */
  private static EncoderClassifier withFrozenPrefixCache(
      EncoderClassifier classifier, FineTuneConfig c, PrintStream warnings) {
    c.selector(layers(classifier)); // refuses K > layers before anything runs
    int frozen = c.frozenLayers(layers(classifier));
    if (frozen == 0) {
      return classifier.withPrefixCache(null);
    }
    FrozenPrefixCache own = classifier.embedder().prefixCache();
    if (own != null && own.frozenLayers() == frozen) {
      return classifier;
    }
    PrintStream out = warnings == null ? System.err : warnings;
    return classifier.withPrefixCache(
        new FrozenPrefixCache(
            classifier.embedder().encoder(),
            frozen,
            FrozenPrefixCache.DEFAULT_MAX_BYTES,
            line -> out.println("mezo4j: " + line)));
  }

  static boolean hasBf16(ParameterSet params) {
    for (Parameter p : params) {
      if (p.dtype() == DType.BF16) {
        return true;
      }
    }
    return false;
  }

  /** The perturbation mode a step log's header records (in-place when absent: older logs). */
  private static PerturbationMode loggedMode(Path stepLog) throws IOException {
    String spec = StepLog.read(stepLog).header().values().get("perturbation");
    return spec == null ? PerturbationMode.IN_PLACE : PerturbationMode.parse(spec);
  }

  /**
   * The monitor set's metric at the best checkpoint (chosen on the dev split) and at the end, when
   * the run has a monitor set.
   */
  private static void putMonitorMetrics(ObjectNode summary, List<ObjectNode> events, long best) {
    for (ObjectNode e : events) {
      if ("eval".equals(e.get("event").asText()) && e.has("monitor_metric")) {
        double m = e.get("monitor_metric").asDouble();
        if (e.get("step").asLong() == best) {
          summary.put("best_checkpoint_monitor_metric", m);
        }
        summary.put("final_monitor_metric", m);
      }
    }
  }

  /** Evaluations, checkpoints and the best so far. */
  private static final class Tracker {
    private final Run run;
    private final RunFolder folder;
    private final EncoderClassifier classifier;
    private final ClassifierHead headInit;
    private final EncoderClassifier.Batch devBatch;
    private final EncoderClassifier.Batch monitorBatch;
    private final MetricsLog metrics;
    private final ObjectNode manifestBase;
    private final long startNanos;
    private final double secondsBefore;
    private final BestAndLast checkpoints;
    private final long trainableCount;

    Tracker(
        Run run,
        RunFolder folder,
        EncoderClassifier classifier,
        ClassifierHead headInit,
        EncoderClassifier.Batch devBatch,
        EncoderClassifier.Batch monitorBatch,
        MetricsLog metrics,
        ObjectNode manifestBase,
        long startNanos,
        double secondsBefore,
        RunState state,
        long trainableCount) {
      this.run = run;
      this.folder = folder;
      this.classifier = classifier;
      this.headInit = headInit;
      this.devBatch = devBatch;
      this.monitorBatch = monitorBatch;
      this.metrics = metrics;
      this.manifestBase = manifestBase;
      this.startNanos = startNanos;
      this.secondsBefore = secondsBefore;
      this.checkpoints = new BestAndLast(folder, state);
      this.trainableCount = trainableCount;
    }

    double seconds() {
      return secondsBefore + (System.nanoTime() - startNanos) / 1e9;
    }

    void evaluate(long step, ProgressBar bar, double trainLoss) throws IOException {
      FineTuneConfig c = run.config();
      Evaluation e = classifier.evaluate(devBatch, run.workers());
      double m = e.metric(c.metricName());
      checkpoints.offer(step, m, e.loss(), true);
      double bestMetric = checkpoints.bestMetric();
      ObjectNode event = JsonFiles.object();
      event.put("event", "eval");
      event.put("step", step);
      event.put("dev_loss", e.loss());
      event.put("dev_accuracy", e.accuracy());
      event.put("dev_f1", e.macroF1());
      event.put("dev_metric", m);
      event.put("best_dev_metric", bestMetric);
      event.put("best_step", checkpoints.bestStep());
      if (monitorBatch != null) {
        Evaluation me = classifier.evaluate(monitorBatch, run.workers());
        event.put("monitor_loss", me.loss());
        event.put("monitor_accuracy", me.accuracy());
        event.put("monitor_f1", me.macroF1());
        event.put("monitor_metric", me.metric(c.metricName()));
      }
      event.put("elapsed_s", seconds());
      metrics.append(event);
      metrics.sync();

      ObjectNode manifest = manifestBase.deepCopy();
      manifest.put("dev_metric", m);
      manifest.put("dev_loss", e.loss());
      manifest.put("dev_accuracy", e.accuracy());
      manifest.put("dev_f1", e.macroF1());
      Checkpoint.write(
          folder.checkpoint(RunFolder.checkpointName(step)),
          new Checkpoint.Content(
              step,
              folder.stepLog(),
              headInit,
              classifier.head(),
              manifest,
              run.bertConfig(),
              // adapters merged in: a plain Hugging Face folder (replay checks it bit for bit)
              c.saveWeights() ? classifier.embedder().encoder().mergedParameters() : null,
              run.tokenizerJson()));
      checkpoints.committed(step, seconds());
      if (bar != null) {
        bar.eval(step, trainLoss, m, bestMetric);
      }
    }

    Result finish(MezoTrainer<EncoderClassifier.Batch> trainer) throws IOException {
      FineTuneConfig c = run.config();
      List<ObjectNode> events = metrics.events();
      RunPlots.write(folder.dir(), events, c.task(), c.model(), c.metricName());
      ObjectNode s = RunFolder.newSummary();
      s.put("task", c.task());
      s.put("model", c.model());
      s.put("head", c.head());
      s.put("objective", c.objective().option());
      s.put("metric_name", c.metricName());
      s.put("steps", trainer.nextStep());
      s.put("seconds", seconds());
      s.put("best_dev_metric", checkpoints.bestMetric());
      s.put("best_step", checkpoints.bestStep());
      MetricsLog.putInitialAndFinalDevMetric(s, events);
      putMonitorMetrics(s, events, checkpoints.bestStep());
      s.put("train_examples", run.train().size());
      s.put("dev_examples", run.dev().size());
      s.put("params", c.params());
      s.put("trainable_parameters", trainableCount);
      FrozenPrefixCache cache = classifier.embedder().prefixCache();
      if (cache != null) {
        s.put("prefix_cache_sequences", cache.sequences());
        s.put("prefix_cache_bytes", cache.bytes());
      }
      RunSummary.write(
          s, folder, c.lr(), c.eps(), c.batch(), c.seed(), c.optim(), trainer, checkpoints);
      return new Result(s, classifier, checkpoints.best(), checkpoints.last());
    }
  }
}
