package io.github.mezo4j.train.trainer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.method.PerturbationMode;
import io.github.mezo4j.core.mezo.MezoTrainer;
import io.github.mezo4j.core.noise.Directions;
import io.github.mezo4j.core.noise.MagnitudeMask;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.TokenizerJson;
import io.github.mezo4j.nn.model.BertConfig;
import io.github.mezo4j.nn.model.FrozenPrefixCache;
import io.github.mezo4j.nn.model.SentenceEmbedder;
import io.github.mezo4j.train.checkpoint.Checkpoint;
import io.github.mezo4j.train.checkpoint.HeadFiles;
import io.github.mezo4j.train.checkpoint.RunFolder;
import io.github.mezo4j.train.checkpoint.RunState;
import io.github.mezo4j.train.head.ClassifierHead;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

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
 * RunSettings#params()} can narrow the encoder's part (e.g. to biases and LayerNorm weights), or
 * replace it by LoRA adapters that the run adds to the encoder ({@link
 * FineTuneConfig#withAdapters}); with {@code --save-weights} a checkpoint then saves the weights
 * with the adapters merged in. The head before training is saved, because the step log replays onto
 * base encoder plus that head.
 *
 * <p>With {@code sparse:S} ({@link TrainParams.Form#SPARSE}) the directions carry Sparse MeZO's
 * magnitude mask: thresholds computed once from the base weights, recorded in the step log's
 * header, the mask read off the current weights at every step; {@code trainable_parameters} in
 * summary.json counts the weights inside it at the start.
 *
 * <p>The optimizer, learning-rate schedule, estimator and conservative rule come from {@link
 * RunSettings#optim()} (MeZO's ZO-SGD by default); the step log's header records them, so replay
 * and resume rebuild them (optimizer state included) from the log alone.
 *
 * <p>The run folder, checkpoints, resume and summary are {@link RunDriver}'s; this class supplies
 * the classifier's part (the head and its files, the monitor set, prefix cache and sparse mask).
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
   * @param context where the run goes: its folder, resume, threads, progress and after-step hook
   * @param monitor a labelled set evaluated beside the dev split at every evaluation, or null: its
   *     metrics go to metrics.jsonl ({@code monitor_*}) and the metric plot, but it never chooses a
   *     checkpoint (the curves of an evaluation set the run must not be tuned on)
   * @param exchange null for a run in this process; a distributed run's driver ({@link
   *     LossExchange.Hub}: no training forward pass, writes the run folder) or worker ({@link
   *     LossExchange.Client}, run by {@link #follow})
   * @param mode how a distributed run spreads a step (null when {@code exchange} is)
   */
  public record Run(
      FineTuneConfig config,
      EncoderClassifier classifier,
      InitialHead initialHead,
      BertConfig bertConfig,
      TokenizerJson tokenizerJson,
      LabeledTexts train,
      LabeledTexts dev,
      RunDriver.Context context,
      LabeledTexts monitor,
      LossExchange exchange,
      ParallelMode mode) {
    /** A run in this process. */
    public Run(
        FineTuneConfig config,
        EncoderClassifier classifier,
        InitialHead initialHead,
        BertConfig bertConfig,
        TokenizerJson tokenizerJson,
        LabeledTexts train,
        LabeledTexts dev,
        RunDriver.Context context,
        LabeledTexts monitor) {
      this(
          config,
          classifier,
          initialHead,
          bertConfig,
          tokenizerJson,
          train,
          dev,
          context,
          monitor,
          null,
          null);
    }

    /**
     * The same run spread over {@code exchange}'s workers as {@code mode} says, in {@code context}.
     */
    public Run distributed(LossExchange exchange, ParallelMode mode, RunDriver.Context context) {
      return new Run(
          config,
          classifier,
          initialHead,
          bertConfig,
          tokenizerJson,
          train,
          dev,
          context,
          monitor,
          exchange,
          mode);
    }

    /** A run without a monitor set. */
    public Run(
        FineTuneConfig config,
        EncoderClassifier classifier,
        InitialHead initialHead,
        BertConfig bertConfig,
        TokenizerJson tokenizerJson,
        LabeledTexts train,
        LabeledTexts dev,
        RunDriver.Context context) {
      this(config, classifier, initialHead, bertConfig, tokenizerJson, train, dev, context, null);
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
    LossExchange.checkDriver(run.exchange());
    ClassifierKind kind = new ClassifierKind(run);
    RunDriver.Outcome o = RunDriver.run(run.config(), kind, run.context());
    return new Result(o.summary(), kind.classifier, o.best(), o.last());
  }

  /**
   * Refuses, before any step, spreading {@code run} over {@code workers} workers as {@code mode}
   * says when it cannot: a batch's shares are its forward buckets of {@link
   * EncoderClassifier#BUCKET_SIZE} sentences.
   *
   * @throws IllegalArgumentException naming the setting and what the mode needs
   */
  public static void checkSpread(Run run, ParallelMode mode, int workers) {
    RunSettings r = run.config().run();
    mode.checkBuckets(
        r.optim(), Math.min(r.batch(), run.train().size()), EncoderClassifier.BUCKET_SIZE, workers);
  }

  /**
   * Runs a distributed run worker's replica ({@code run.exchange()} is its {@link
   * LossExchange.Client}) to {@code config.steps()}: replays {@code stepLog} (the driver's step log
   * so far), then computes its share of every step's forward passes in step with the driver. Its
   * own step log goes to {@code run.context().out()}, a private folder.
   *
   * @return the replica's classifier at the last step (the driver's weights, bit for bit)
   */
  public static EncoderClassifier follow(Run run, byte[] stepLog) throws IOException {
    LossExchange.checkWorker(run.exchange());
    ClassifierKind kind = new ClassifierKind(run);
    RunDriver.follow(run.config().run(), kind, run.context(), stepLog);
    return kind.classifier;
  }

  /** What a classifier run adds to the driver: the head, its files, the monitor set. */
  private static final class ClassifierKind implements RunDriver.Kind<EncoderClassifier.Batch> {
    private final Run run;
    private final FineTuneConfig c;
    // LoRA: the adapters (fresh, from the run seed) are part of the base the step log applies to
    private final EncoderClassifier base;
    // the head before training, kept apart: the trained one changes in place
    private ClassifierHead headInit;
    private EncoderClassifier classifier;
    private EncoderClassifier.Tokenized trainSet;
    private EncoderClassifier.Batch devBatch;
    private EncoderClassifier.Batch monitorBatch;
    private EncoderClassifier.Batch fullBatch;
    private BatchSampler sampler;
    private PerturbationMode mode;
    private ParameterSet trainable;
    private Directions directions;
    private long trainableCount;
    private ShardedObjective<EncoderClassifier.Batch> sharded;

    ClassifierKind(Run run) {
      this.run = run;
      this.c = run.config();
      this.base = c.withAdapters(run.classifier());
    }

    @Override
    public String name() {
      return "classifier";
    }

    @Override
    public int trainExamples() {
      return run.train().size();
    }

    @Override
    public int devExamples() {
      return run.dev().size();
    }

    @Override
    public void start(RunFolder folder, RunState state) throws IOException {
      if (state == null) {
        headInit = run.initialHead().create(base);
        RunFolder.deleteTree(folder.headInit());
        HeadFiles.save(folder.headInit(), headInit);
      } else {
        headInit = HeadFiles.load(folder.headInit(), base.tokenizer(), base.padId());
      }
      classifier =
          withFrozenPrefixCache(base.withHead(headInit.copy()), c, run.context().progress());
      trainSet = classifier.tokenize(run.train());
      devBatch = classifier.batch(classifier.tokenize(run.dev()));
      monitorBatch =
          run.monitor() == null ? null : classifier.batch(classifier.tokenize(run.monitor()));
      sampler = new BatchSampler(run.train().size(), c.run().batch(), c.run().seed());
      fullBatch = sampler.batch() == run.train().size() ? classifier.batch(trainSet) : null;
      // The losses at theta +- eps z read the weights through the perturbation (encoder and head):
      // nothing is written during the estimate and the update is one pass. A resumed run keeps
      // the mode its step log was written in, so older in-place runs continue bit-identically.
      mode = folder.perturbationMode(state != null);
      trainable = classifier.trainable(c.selector(layers(classifier)));
      directions = FineTuner.directions(c, classifier);
      // under a sparse mask: the weights inside it at the base weights
      trainableCount = MagnitudeMask.trainableCount(trainable, directions);
    }

    @Override
    public MezoTrainer.Builder<EncoderClassifier.Batch> trainerBuilder() {
      Workers workers = run.context().workers();
      if (run.exchange() != null) {
        LossExchange.checkVirtual(mode);
        checkSpread(run, run.mode(), run.exchange().workers());
        sharded =
            new ShardedObjective<>(
                classifier.shardedLoss(c.objective(), workers), run.exchange(), run.mode());
        return MezoTrainer.virtualBuilder(sharded);
      }
      return mode == PerturbationMode.VIRTUAL
          ? MezoTrainer.virtualBuilder(classifier.objective(c.objective(), workers))
          : MezoTrainer.builder(
              (params, batch) ->
                  EncoderClassifier.lossOf(
                      c.objective(), classifier.logits(batch, workers), batch));
    }

    @Override
    public Directions directions() {
      return directions;
    }

    @Override
    public ParameterSet trainable() {
      return trainable;
    }

    @Override
    public long trainableCount() {
      return trainableCount;
    }

    @Override
    public EncoderClassifier.Batch batch(long index) {
      EncoderClassifier.Batch b =
          fullBatch != null ? fullBatch : classifier.batch(trainSet, sampler.indices(index));
      if (sharded != null) {
        sharded.startStep(index);
      }
      return b;
    }

    @Override
    public Scores evaluate() {
      return classifier.evaluate(devBatch, run.context().workers());
    }

    @Override
    public void putEvaluationExtras(ObjectNode event) {
      if (monitorBatch != null) {
        Evaluation e = classifier.evaluate(monitorBatch, run.context().workers());
        e.putInto(event, "monitor_");
        event.put("monitor_metric", e.metric(c.run().metric()));
      }
    }

    @Override
    public void writeCheckpoint(Path dir, long step, Path stepLog, ObjectNode manifest)
        throws IOException {
      Checkpoint.write(
          dir,
          new Checkpoint.Content(
              step,
              stepLog,
              headInit,
              classifier.head(),
              manifest,
              run.bertConfig(),
              // adapters merged in: a plain Hugging Face folder (replay checks it bit for bit)
              c.run().saveWeights() ? classifier.embedder().encoder().mergedParameters() : null,
              run.tokenizerJson()));
    }

    @Override
    public void putSummary(ObjectNode s, List<ObjectNode> events, long bestStep) {
      s.put("head", c.head());
      s.put("objective", c.objective().option());
      putMonitorMetrics(s, events, bestStep);
      FrozenPrefixCache cache = classifier.embedder().prefixCache();
      if (cache != null) {
        s.put("prefix_cache_sequences", cache.sequences());
        s.put("prefix_cache_bytes", cache.bytes());
      }
    }
  }

  /**
   * The run's directions: {@code --directions}, and with {@code sparse:S} a magnitude mask on the
   * encoder's weight matrices whose thresholds come from the weights the classifier holds now, the
   * base weights (a resumed run computes the same ones, and its step log's header must agree).
   */
  public static Directions directions(FineTuneConfig c, EncoderClassifier classifier) {
    Directions d = c.run().optim().directionsOf();
    TrainParams params = c.run().params();
    if (params.form() != TrainParams.Form.SPARSE) {
      return d;
    }
    ParameterSet matrices =
        classifier.embedder().encoder().parameters().select(TrainParams.sparseMasked());
    return d.withMask(MagnitudeMask.thresholds(matrices, params.sparsity()));
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
    return classifier.withPrefixCache(prefixCache(classifier.embedder(), frozen, warnings));
  }

  /**
   * The cache a run with {@code frozen} frozen layers reads: none when 0, the embedder's own when
   * it covers those layers, else a new one capped at {@link FrozenPrefixCache#DEFAULT_MAX_BYTES}.
   */
  static FrozenPrefixCache prefixCache(
      SentenceEmbedder embedder, int frozen, PrintStream warnings) {
    if (frozen == 0) {
      return null;
    }
    FrozenPrefixCache own = embedder.prefixCache();
    if (own != null && own.frozenLayers() == frozen) {
      return own;
    }
    PrintStream out = warnings == null ? System.err : warnings;
    return new FrozenPrefixCache(
        embedder.encoder(),
        frozen,
        FrozenPrefixCache.DEFAULT_MAX_BYTES,
        line -> out.println("mezo4j: " + line));
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
}
