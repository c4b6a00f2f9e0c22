package io.github.mezo4j.train.trainer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.mezo.MezoTrainer;
import io.github.mezo4j.core.mezo.NanPolicy;
import io.github.mezo4j.core.noise.Bf16Rounding;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.TokenizerJson;
import io.github.mezo4j.nn.model.BertConfig;
import io.github.mezo4j.nn.model.FrozenPrefixCache;
import io.github.mezo4j.train.checkpoint.BestAndLast;
import io.github.mezo4j.train.checkpoint.EmbeddingCheckpoints;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import io.github.mezo4j.train.checkpoint.RunFolder;
import io.github.mezo4j.train.checkpoint.RunState;
import io.github.mezo4j.train.data.PairTask;
import io.github.mezo4j.train.data.TextPair;
import io.github.mezo4j.train.report.MetricsLog;
import io.github.mezo4j.train.report.ProgressBar;
import io.github.mezo4j.train.report.RunPlots;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Fine-tunes a sentence-embedding model on sentence pairs with MeZO: the encoder's selected weights
 * (all, bias-norm, top:K, a glob) minimise a {@link io.github.mezo4j.train.metrics.PairLoss} of the
 * pooled embeddings, in MeZO's virtual mode (the losses at {@code theta +- eps z} read the weights
 * through the perturbation, both signs in one pass per bucket), with any optimizer, schedule and
 * estimator of {@link PairFineTuneConfig#optim()}.
 *
 * <p>The run folder has the {@link RunFolder} layout of the classifier trainer ({@link FineTuner})
 * without heads: run.json, state.json, the live step log, metrics.jsonl (dev metric plus every pair
 * metric that applies: {@code dev_spearman}, {@code dev_pearson} or {@code dev_mrr@10}, {@code
 * dev_recall@1}, {@code dev_recall@10}), the last and the best checkpoint ({@link
 * EmbeddingCheckpoints}), and at the end the plots and summary.json. Resume works as for {@link
 * FineTuner}: each step is a pure function of (seed, step), so a resumed run restarts from the last
 * checkpoint and ends bit-identical to an uninterrupted run.
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
   * @param out the run folder
   * @param resume continue the run in {@code out} instead of starting one
   * @param workers threads (results do not depend on them)
   * @param progress where the progress bar goes, or null for none
   * @param interactive draw the bar in place rather than as plain lines
   * @param afterStep called with the step number after each step is logged, or null
   */
  public record Run(
      PairFineTuneConfig config,
      PairTask task,
      PairEncoder model,
      BertConfig bertConfig,
      TokenizerJson tokenizerJson,
      List<TextPair> train,
      List<TextPair> dev,
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
   * @throws IllegalStateException if the loss stops being finite (lr too large)
   */
  public static Result run(Run run) throws IOException {
    long startNanos = System.nanoTime();
    PairFineTuneConfig c = run.config();
    if (run.train().isEmpty() || run.dev().isEmpty()) {
      throw new IllegalArgumentException(
          "need training and dev pairs, got %d and %d"
              .formatted(run.train().size(), run.dev().size()));
    }
    RunFolder folder = new RunFolder(run.out());
    RunState state = folder.open(run.resume(), c::checkResumable, c.steps());
    PairEncoder model = withFrozenPrefixCache(run.model(), c, run.progress());
    int layers = model.embedder().encoder().layerCount();
    PairEncoder.Tokenized trainSet = model.tokenize(run.task(), run.train());
    PairEncoder.Batch devBatch =
        model.evaluationBatch(model.tokenize(run.task(), run.dev()), c.kind());
    if (state == null) {
      folder.startFresh();
      ObjectNode runJson = JsonFiles.object();
      runJson.put("kind", EmbeddingCheckpoints.KIND);
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
    ParameterSet trainable = model.embedder().encoder().parameters().select(c.selector(layers));
    BatchSampler sampler = new BatchSampler(trainSet.size(), c.batch(), c.seed());
    PairEncoder.Batch fullBatch = sampler.batch() == trainSet.size() ? model.batch(trainSet) : null;
    MezoTrainer.Builder<PairEncoder.Batch> builder =
        MezoTrainer.virtualBuilder(model.objective(c.objective(), c.scale(), workers))
            .eps(c.eps())
            .optimizer(c.transform())
            .estimator(c.optim().estimator())
            .conservative(c.optim().conservative())
            .nanPolicy(NanPolicy.FAIL)
            .runSeed(c.seed())
            .workers(workers)
            .stepLog(folder.stepLog());
    if (FineTuner.hasBf16(trainable)) {
      // as in FineTuner: updates below half a bf16 ulp would be lost to round-to-nearest
      builder.bf16Rounding(Bf16Rounding.STOCHASTIC);
    }
    ObjectNode manifestBase = JsonFiles.object();
    manifestBase.put("base_model", c.model());
    manifestBase.put("task", c.task());
    manifestBase.put("metric_name", c.metric());
    manifestBase.set("config", c.toJson());

    try (MetricsLog metrics = MetricsLog.open(folder.metrics(), state == null ? -1 : state.step());
        MezoTrainer<PairEncoder.Batch> trainer =
            state == null ? builder.build(trainable) : builder.resume(trainable)) {
      Tracker t =
          new Tracker(
              run,
              model,
              devBatch,
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
      if (state == null) {
        t.evaluate(0, bar, Double.NaN);
      }
      StepLoop.run(
          trainer,
          c.steps(),
          c.evalEvery(),
          c.lr(),
          index -> fullBatch != null ? fullBatch : model.batch(trainSet, sampler.indices(index)),
          metrics,
          (step, trainLoss) -> t.evaluate(step, bar, trainLoss),
          bar,
          run.afterStep());
      return t.finish(trainer);
    }
  }

  /** With top:K, every pass runs from a cache of the frozen layers' output (same bits). */
  private static PairEncoder withFrozenPrefixCache(
      PairEncoder model, PairFineTuneConfig c, PrintStream warnings) {
    int layers = model.embedder().encoder().layerCount();
    int frozen = c.frozenLayers(layers);
    if (frozen == 0) {
      return model.withPrefixCache(null);
    }
    FrozenPrefixCache own = model.embedder().prefixCache();
    if (own != null && own.frozenLayers() == frozen) {
      return model;
    }
    PrintStream out = warnings == null ? System.err : warnings;
    return model.withPrefixCache(
        new FrozenPrefixCache(
            model.embedder().encoder(),
            frozen,
            FrozenPrefixCache.DEFAULT_MAX_BYTES,
            line -> out.println("mezo4j: " + line)));
  }

  /** Evaluations, checkpoints and the best so far. */
  private static final class Tracker {
    private final Run run;
    private final PairEncoder model;
    private final PairEncoder.Batch devBatch;
    private final RunFolder folder;
    private final MetricsLog metrics;
    private final ObjectNode manifestBase;
    private final long startNanos;
    private final double secondsBefore;
    private final BestAndLast checkpoints;
    private PairEvaluation lastEval;

    Tracker(
        Run run,
        PairEncoder model,
        PairEncoder.Batch devBatch,
        RunFolder folder,
        MetricsLog metrics,
        ObjectNode manifestBase,
        long startNanos,
        double secondsBefore,
        RunState state) {
      this.run = run;
      this.model = model;
      this.devBatch = devBatch;
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
      PairFineTuneConfig c = run.config();
      PairEvaluation e =
          model.evaluate(devBatch, c.kind(), c.objective(), c.scale(), run.workers());
      lastEval = e;
      double m = e.metric(c.metric());
      checkpoints.offer(step, m, e.loss(), true);
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
      EmbeddingCheckpoints.write(
          folder.checkpoint(RunFolder.checkpointName(step)),
          new EmbeddingCheckpoints.Content(
              step,
              folder.stepLog(),
              manifest,
              run.bertConfig(),
              c.saveWeights() ? model.embedder().encoder().parameters() : null,
              run.tokenizerJson()));
      checkpoints.committed(step, seconds());
      if (bar != null) {
        bar.eval(step, trainLoss, m, bestMetric);
      }
    }

    Result finish(MezoTrainer<PairEncoder.Batch> trainer) throws IOException {
      PairFineTuneConfig c = run.config();
      List<ObjectNode> events = metrics.events();
      RunPlots.write(folder.dir(), events, c.task(), c.model(), c.metric());
      ObjectNode s = JsonFiles.object();
      s.put("kind", EmbeddingCheckpoints.KIND);
      s.put("task", c.task());
      s.put("model", c.model());
      s.put("pairs", c.kind().option());
      s.put("objective", c.objective().option());
      s.put("scale", c.scale());
      s.put("metric_name", c.metric());
      s.put("steps", trainer.nextStep());
      s.put("seconds", seconds());
      s.put("best_dev_metric", checkpoints.bestMetric());
      s.put("best_step", checkpoints.bestStep());
      MetricsLog.putInitialAndFinalDevMetric(s, events);
      if (lastEval != null) {
        lastEval.putInto(s, "final_dev_");
      }
      s.put("train_examples", run.train().size());
      s.put("dev_examples", run.dev().size());
      s.put("params", c.params());
      s.put("trainable_parameters", trainer.params().elementCount());
      FrozenPrefixCache cache = model.embedder().prefixCache();
      if (cache != null) {
        s.put("prefix_cache_sequences", cache.sequences());
        s.put("prefix_cache_bytes", cache.bytes());
      }
      RunSummary.write(
          s, folder, c.lr(), c.eps(), c.batch(), c.seed(), c.optim(), trainer, checkpoints);
      return new Result(s, model, checkpoints.best(), checkpoints.last());
    }
  }
}
