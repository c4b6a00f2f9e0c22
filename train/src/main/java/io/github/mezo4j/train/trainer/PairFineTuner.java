package io.github.mezo4j.train.trainer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.mezo.MezoTrainer;
import io.github.mezo4j.core.noise.Directions;
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
   */
  public record Run(
      PairFineTuneConfig config,
      PairTask task,
      PairEncoder model,
      BertConfig bertConfig,
      TokenizerJson tokenizerJson,
      List<TextPair> train,
      List<TextPair> dev,
      RunDriver.Context context) {}

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
    PairKindOfRun kind = new PairKindOfRun(run);
    RunDriver.Outcome o = RunDriver.run(run.config(), kind, run.context());
    return new Result(o.summary(), kind.model, o.best(), o.last());
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
      return MezoTrainer.virtualBuilder(
          model.objective(c.objective(), c.scale(), run.context().workers()));
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
