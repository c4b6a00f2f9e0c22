package io.github.mezo4j.train.trainer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.mezo.MezoTrainer;
import io.github.mezo4j.core.noise.Directions;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.TokenizerJson;
import io.github.mezo4j.nn.model.BertConfig;
import io.github.mezo4j.nn.model.FrozenPrefixCache;
import io.github.mezo4j.train.checkpoint.EmbeddingCheckpoints;
import io.github.mezo4j.train.checkpoint.RunFolder;
import io.github.mezo4j.train.checkpoint.RunState;
import io.github.mezo4j.train.data.PairTask;
import io.github.mezo4j.train.data.TextPair;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * Fine-tunes a sentence-embedding model on sentence pairs with MeZO: the encoder's selected weights
 * (all, bias-norm, top:K, a glob) minimise a {@link io.github.mezo4j.train.metrics.PairLoss} of the
 * pooled embeddings, in MeZO's virtual mode (the losses at {@code theta +- eps z} read the weights
 * through the perturbation, both signs in one pass per bucket), with any optimizer, schedule and
 * estimator of {@link RunSettings#optim()}.
 *
 * <p>The run folder has the {@link RunFolder} layout of the classifier trainer ({@link FineTuner})
 * without heads: run.json, state.json, the live step log, metrics.jsonl (dev metric plus every pair
 * metric that applies: {@code dev_spearman}, {@code dev_pearson} or {@code dev_mrr@10}, {@code
 * dev_recall@1}, {@code dev_recall@10}), the last and the best checkpoint ({@link
 * EmbeddingCheckpoints}), and at the end the plots and summary.json, all written by {@link
 * RunDriver}, which also resumes runs bit for bit.
 */
public final class PairFineTuner {
  private PairFineTuner() {}

  /**
   * Everything a run reads.
   *
   * @param config the settings
   * @param task the pair task (score range, kind)
   * @param model the encoder at its base weights (trained in place) with its pooling and tokenizer
   * @param bertConfig the encoder's config (for saved weights)
   * @param tokenizerJson saved beside saved weights, or null
   * @param train the training pairs
   * @param dev the dev pairs (evaluation and best-checkpoint choice)
   * @param context where the run goes: its folder, resume, threads, progress and after-step hook
   * @param exchange null for a run in this process; a distributed run's driver ({@link
   *     LossExchange.Hub}: no training forward pass, writes the run folder) or worker ({@link
   *     LossExchange.Client}, run by {@link #follow})
   * @param mode how a distributed run spreads a step (null when {@code exchange} is)
   */
  public record Run(
      PairFineTuneConfig config,
      PairTask task,
      PairEncoder model,
      BertConfig bertConfig,
      TokenizerJson tokenizerJson,
      List<TextPair> train,
      List<TextPair> dev,
      RunDriver.Context context,
      LossExchange exchange,
      ParallelMode mode) {
    /** A run in this process. */
    public Run(
        PairFineTuneConfig config,
        PairTask task,
        PairEncoder model,
        BertConfig bertConfig,
        TokenizerJson tokenizerJson,
        List<TextPair> train,
        List<TextPair> dev,
        RunDriver.Context context) {
      this(config, task, model, bertConfig, tokenizerJson, train, dev, context, null, null);
    }

    /**
     * The same run spread over {@code exchange}'s workers as {@code mode} says, in {@code context}.
     */
    public Run distributed(LossExchange exchange, ParallelMode mode, RunDriver.Context context) {
      return new Run(
          config, task, model, bertConfig, tokenizerJson, train, dev, context, exchange, mode);
    }
  }

  /**
   * What a run produced.
   *
   * @param summary the contents of summary.json
   * @param model the fine-tuned model (weights at the last step)
   * @param best the best checkpoint's folder
   * @param last the last checkpoint's folder
   */
  public record Result(ObjectNode summary, PairEncoder model, Path best, Path last) {
    /** The dev metric before training ({@code initial_dev_metric}). */
    public double initialDevMetric() {
      return summary.get("initial_dev_metric").asDouble();
    }

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
   * Runs (or resumes) a run to {@code config.steps()}.
   *
   * @throws IllegalArgumentException if {@code out} holds a run and resume is off, resume is on and
   *     the run's settings differ, or a split is empty
   * @throws IllegalStateException if the loss stops being finite (lr too large), or another live
   *     process writes {@code out}
   */
  public static Result run(Run run) throws IOException {
    LossExchange.checkDriver(run.exchange());
    PairKindOfRun kind = new PairKindOfRun(run);
    RunDriver.Outcome o = RunDriver.run(run.config(), kind, run.context());
    return new Result(o.summary(), kind.model, o.best(), o.last());
  }

  /**
   * Refuses, before any step, spreading {@code run} over {@code workers} workers as {@code mode}
   * says when it cannot: a batch's shares are its forward buckets (both sentences of each pair).
   *
   * @throws IllegalArgumentException naming the setting and what the mode needs
   */
  public static void checkSpread(Run run, ParallelMode mode, int workers) {
    RunSettings r = run.config().run();
    run.model().checkSpread(mode, r.optim(), Math.min(r.batch(), run.train().size()), workers);
  }

  /**
   * Runs a distributed run worker's replica ({@code run.exchange()} is its {@link
   * LossExchange.Client}) to {@code config.steps()}: replays {@code stepLog} (the driver's step log
   * so far), then computes its share of every step's forward passes in step with the driver. Its
   * own step log goes to {@code run.context().out()}, a private folder.
   *
   * @return the replica's model at the last step (the driver's weights, bit for bit)
   */
  public static PairEncoder follow(Run run, byte[] stepLog) throws IOException {
    LossExchange.checkWorker(run.exchange());
    PairKindOfRun kind = new PairKindOfRun(run);
    RunDriver.follow(run.config().run(), kind, run.context(), stepLog);
    return kind.model;
  }

  /** What a pair run adds to the driver: the pair objective and metrics, no head. */
  private static final class PairKindOfRun implements RunDriver.Kind<PairEncoder.Batch> {
    private final Run run;
    private final PairFineTuneConfig c;
    private final PairEncoder model;
    private final PairEncoder.Tokenized trainSet;
    private final PairEncoder.Batch devBatch;
    private final BatchSampler sampler;
    private final PairEncoder.Batch fullBatch;
    private final ParameterSet trainable;
    private ShardedObjective<PairEncoder.Batch> sharded;

    PairKindOfRun(Run run) {
      this.run = run;
      this.c = run.config();
      this.model = withFrozenPrefixCache(run.model(), c, run.context().progress());
      this.trainSet = model.tokenize(run.task(), run.train());
      this.devBatch = model.evaluationBatch(model.tokenize(run.task(), run.dev()), c.kind());
      this.sampler = new BatchSampler(trainSet.size(), c.run().batch(), c.run().seed());
      this.fullBatch = sampler.batch() == trainSet.size() ? model.batch(trainSet) : null;
      int layers = model.embedder().encoder().layerCount();
      this.trainable = model.embedder().encoder().parameters().select(c.selector(layers));
    }

    @Override
    public String name() {
      return EmbeddingCheckpoints.KIND;
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
    public void start(RunFolder folder, RunState state) {}

    @Override
    public MezoTrainer.Builder<PairEncoder.Batch> trainerBuilder() {
      Workers workers = run.context().workers();
      if (run.exchange() != null) {
        checkSpread(run, run.mode(), run.exchange().workers());
        sharded =
            new ShardedObjective<>(
                model.shardedLoss(c.objective(), c.scale(), workers), run.exchange(), run.mode());
        return MezoTrainer.virtualBuilder(sharded);
      }
      return MezoTrainer.virtualBuilder(model.objective(c.objective(), c.scale(), workers));
    }

    @Override
    public Directions directions() {
      return c.run().optim().directionsOf();
    }

    @Override
    public ParameterSet trainable() {
      return trainable;
    }

    @Override
    public PairEncoder.Batch batch(long index) {
      if (sharded != null) {
        sharded.startStep(index);
      }
      return fullBatch != null ? fullBatch : model.batch(trainSet, sampler.indices(index));
    }

    @Override
    public Scores evaluate() {
      return model.evaluate(devBatch, c.kind(), c.objective(), c.scale(), run.context().workers());
    }

    @Override
    public void writeCheckpoint(Path dir, long step, Path stepLog, ObjectNode manifest)
        throws IOException {
      EmbeddingCheckpoints.write(
          dir,
          new EmbeddingCheckpoints.Content(
              step,
              stepLog,
              manifest,
              run.bertConfig(),
              c.run().saveWeights() ? model.embedder().encoder().parameters() : null,
              run.tokenizerJson()));
    }

    @Override
    public void putSummary(ObjectNode s, List<ObjectNode> events, long bestStep) {
      s.put("pairs", c.kind().option());
      s.put("objective", c.objective().option());
      s.put("scale", c.scale());
      FrozenPrefixCache cache = model.embedder().prefixCache();
      if (cache != null) {
        s.put("prefix_cache_sequences", cache.sequences());
        s.put("prefix_cache_bytes", cache.bytes());
      }
    }
  }

  /** With top:K, every pass runs from a cache of the frozen layers' output (same bits). */
  private static PairEncoder withFrozenPrefixCache(
      PairEncoder model, PairFineTuneConfig c, PrintStream warnings) {
    int frozen = c.frozenLayers(model.embedder().encoder().layerCount());
    return model.withPrefixCache(FineTuner.prefixCache(model.embedder(), frozen, warnings));
  }
}
