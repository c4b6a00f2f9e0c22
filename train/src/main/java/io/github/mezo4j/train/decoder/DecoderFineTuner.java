package io.github.mezo4j.train.decoder;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.method.PerturbationMode;
import io.github.mezo4j.core.mezo.MezoTrainer;
import io.github.mezo4j.core.mezo.PerturbedObjective;
import io.github.mezo4j.core.noise.Directions;
import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.model.DecoderConfig;
import io.github.mezo4j.train.checkpoint.DecoderCheckpoints;
import io.github.mezo4j.train.checkpoint.RunFolder;
import io.github.mezo4j.train.checkpoint.RunState;
import io.github.mezo4j.train.data.Example;
import io.github.mezo4j.train.metrics.ClassificationLoss;
import io.github.mezo4j.train.metrics.ExactSum;
import io.github.mezo4j.train.prompt.DecoderTemplate;
import io.github.mezo4j.train.trainer.BatchSampler;
import io.github.mezo4j.train.trainer.LossExchange;
import io.github.mezo4j.train.trainer.ParallelMode;
import io.github.mezo4j.train.trainer.RunDriver;
import io.github.mezo4j.train.trainer.RunSettings;
import io.github.mezo4j.train.trainer.Scores;
import io.github.mezo4j.train.trainer.ShardedLoss;
import io.github.mezo4j.train.trainer.ShardedObjective;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * Fine-tunes a decoder LM with MeZO: every weight the model reads is trained on either a prompted
 * classification objective ({@link DecoderClassifier}: cross-entropy, accuracy or F1 of the
 * candidates' log-likelihood scores) or the language-model objective ({@link LanguageModeling}:
 * mean next-token NLL of the task's texts, evaluated by perplexity).
 *
 * <p>{@code params} may narrow the trained weights (bias-norm, a glob), as for encoders; the step
 * log then applies to that selection, and replays must select the same.
 *
 * <p>The optimizer, schedule, estimator and conservative rule come from {@link
 * io.github.mezo4j.train.trainer.RunSettings#optim()}, as for encoders; the step log's header
 * records them.
 *
 * <p>The run folder has the {@link RunFolder} layout of the encoder trainer ({@code
 * io.github.mezo4j.train.trainer.FineTuner}) without heads: run.json, state.json, the live step
 * log, metrics.jsonl, the last and the best checkpoint ({@link DecoderCheckpoints}), and at the end
 * the plots and summary.json, all written by {@link RunDriver}, which also resumes runs bit for
 * bit.
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
   * @param context where the run goes: its folder, resume, threads, progress and after-step hook
   * @param exchange null for a run in this process; a distributed run's driver ({@link
   *     LossExchange.Hub}: no training forward pass, writes the run folder) or worker ({@link
   *     LossExchange.Client}, run by {@link #follow})
   * @param mode how a distributed run spreads a step (null when {@code exchange} is)
   */
  public record Run(
      DecoderFineTuneConfig config,
      DecoderLm lm,
      DecoderTemplate template,
      int classes,
      DecoderConfig decoderConfig,
      List<Example> train,
      List<Example> dev,
      RunDriver.Context context,
      LossExchange exchange,
      ParallelMode mode) {
    /** A run in this process. */
    public Run(
        DecoderFineTuneConfig config,
        DecoderLm lm,
        DecoderTemplate template,
        int classes,
        DecoderConfig decoderConfig,
        List<Example> train,
        List<Example> dev,
        RunDriver.Context context) {
      this(config, lm, template, classes, decoderConfig, train, dev, context, null, null);
    }

    /**
     * The same run spread over {@code exchange}'s workers as {@code mode} says, in {@code context}.
     */
    public Run distributed(LossExchange exchange, ParallelMode mode, RunDriver.Context context) {
      return new Run(
          config, lm, template, classes, decoderConfig, train, dev, context, exchange, mode);
    }
  }

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

  /**
   * The training loss of a batch (the examples at {@code indices}), as summable parts ({@link
   * ShardedLoss}: each text or prompt is one share), and the dev evaluation, for either kind of
   * objective.
   */
  private interface Task {
    int trainSize();

    /** The sums over {@code indices} at the perturbation and, with {@code pair}, its mirror. */
    long[][] sums(int[] indices, Workers workers, VirtualPerturbation perturbation, boolean pair);

    long[] add(long[] a, long[] b);

    double lossOf(long[] sums);

    DecoderEvaluation evaluateDev(Workers workers);

    default double loss(int[] indices, Workers workers, VirtualPerturbation perturbation) {
      return lossOf(sums(indices, workers, perturbation, false)[0]);
    }
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
        public long[][] sums(
            int[] indices, Workers workers, VirtualPerturbation perturbation, boolean pair) {
          return m.sums(train, indices, workers, perturbation, pair);
        }

        @Override
        public long[] add(long[] a, long[] b) {
          return ExactSum.addCounted(a, b);
        }

        @Override
        public double lossOf(long[] sums) {
          return ExactSum.mean(sums);
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
    ClassificationLoss loss = c.objective().classification();
    return new Task() {
      @Override
      public int trainSize() {
        return train.size();
      }

      @Override
      public long[][] sums(
          int[] indices, Workers workers, VirtualPerturbation perturbation, boolean pair) {
        double[][] scores =
            pair
                ? classifier.scoresPair(train, indices, workers, perturbation)
                : new double[][] {classifier.scores(train, indices, workers, perturbation)};
        long[][] sums = new long[scores.length][];
        for (int k = 0; k < scores.length; k++) {
          float[] f = new float[scores[k].length];
          for (int i = 0; i < f.length; i++) {
            f[i] = (float) scores[k][i];
          }
          sums[k] = loss.sums(f, run.classes(), DecoderClassifier.labels(train, indices));
        }
        return sums;
      }

      @Override
      public long[] add(long[] a, long[] b) {
        return loss.add(a, b);
      }

      @Override
      public double lossOf(long[] sums) {
        return loss.lossOf(sums);
      }

      @Override
      public DecoderEvaluation evaluateDev(Workers workers) {
        return DecoderEvaluation.of(classifier.evaluate(dev, workers));
      }
    };
  }

  /** A task's loss over a run's workers: every example of a batch is a share. */
  private static ShardedLoss<int[]> sharded(Task task, Workers workers) {
    return new ShardedLoss<>() {
      @Override
      public long[][] part(
          int[] indices, int rank, int ranks, VirtualPerturbation perturbation, boolean pair) {
        int[] own =
            IntStream.range(0, indices.length)
                .filter(i -> i % ranks == rank)
                .map(i -> indices[i])
                .toArray();
        return task.sums(own, workers, perturbation, pair);
      }

      @Override
      public long[] combine(long[] a, long[] b) {
        return task.add(a, b);
      }

      @Override
      public double lossOf(int[] indices, long[] sums) {
        return task.lossOf(sums);
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
    LossExchange.checkDriver(run.exchange());
    RunDriver.Outcome o = RunDriver.run(run.config(), new DecoderKind(run), run.context());
    return new Result(o.summary(), run.lm().model().parameters(), o.best(), o.last());
  }

  /**
   * Refuses, before any step, spreading {@code run} over {@code workers} workers as {@code mode}
   * says when it cannot: each text or prompt of a batch is a share.
   *
   * @throws IllegalArgumentException naming the setting and what the mode needs
   */
  public static void checkSpread(Run run, ParallelMode mode, int workers) {
    RunSettings r = run.config().run();
    mode.check(r.optim(), Math.min(r.batch(), run.train().size()), "examples", workers);
  }

  /**
   * Runs a distributed run worker's replica ({@code run.exchange()} is its {@link
   * LossExchange.Client}) to {@code config.steps()}: replays {@code stepLog} (the driver's step log
   * so far), then computes its share of every step's forward passes in step with the driver. Its
   * own step log goes to {@code run.context().out()}, a private folder.
   *
   * @return the replica's weights at the last step (the driver's, bit for bit)
   */
  public static ParameterSet follow(Run run, byte[] stepLog) throws IOException {
    LossExchange.checkWorker(run.exchange());
    RunDriver.follow(run.config().run(), new DecoderKind(run), run.context(), stepLog);
    return run.lm().model().parameters();
  }

  /**
   * What a decoder run adds to the driver: steps on the model's own weights, whose losses read the
   * weights through the perturbation (in place for runs begun before decoders had it).
   */
  private static final class DecoderKind implements RunDriver.Kind<int[]> {
    private final Run run;
    private final DecoderFineTuneConfig c;
    private final Task task;
    private final BatchSampler sampler;
    private PerturbationMode mode;
    private ShardedObjective<int[]> sharded;

    DecoderKind(Run run) {
      this.run = run;
      this.c = run.config();
      this.task = task(run); // tokenizes first: bad data fails before anything is written
      this.sampler = new BatchSampler(task.trainSize(), c.run().batch(), c.run().seed());
    }

    @Override
    public String name() {
      return DecoderCheckpoints.KIND;
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
      mode = folder.perturbationMode(state != null);
    }

    @Override
    public MezoTrainer.Builder<int[]> trainerBuilder() {
      Workers workers = run.context().workers();
      if (run.exchange() != null) {
        LossExchange.checkVirtual(mode);
        checkSpread(run, run.mode(), run.exchange().workers());
        sharded = new ShardedObjective<>(sharded(task, workers), run.exchange(), run.mode());
        return MezoTrainer.virtualBuilder(sharded);
      }
      if (mode == PerturbationMode.IN_PLACE) {
        return MezoTrainer.builder(
            (params, indices) -> task.loss(indices, workers, VirtualPerturbation.none()));
      }
      return MezoTrainer.virtualBuilder(
          new PerturbedObjective<int[]>() {
            @Override
            public double loss(int[] indices, VirtualPerturbation perturbation) {
              return task.loss(indices, workers, perturbation);
            }

            @Override
            public double[] lossPair(int[] indices, VirtualPerturbation plus) {
              long[][] sums = task.sums(indices, workers, plus, true);
              return new double[] {task.lossOf(sums[0]), task.lossOf(sums[1])};
            }
          });
    }

    @Override
    public Directions directions() {
      return c.run().optim().directionsOf();
    }

    @Override
    public ParameterSet trainable() {
      return c.trainable(run.lm().model().parameters());
    }

    @Override
    public int[] batch(long index) {
      if (sharded != null) {
        sharded.startStep(index);
      }
      return sampler.indices(index);
    }

    @Override
    public Scores evaluate() {
      return task.evaluateDev(run.context().workers());
    }

    @Override
    public void writeCheckpoint(Path dir, long step, Path stepLog, ObjectNode manifest)
        throws IOException {
      DecoderCheckpoints.write(
          dir,
          new DecoderCheckpoints.Content(
              step,
              stepLog,
              manifest,
              run.decoderConfig(),
              c.run().saveWeights() ? run.lm().model().parameters() : null));
    }

    @Override
    public void putSummary(ObjectNode s, List<ObjectNode> events, long bestStep) {
      s.put("objective", c.objective().option());
      s.put("score", c.score().option());
    }
  }
}
