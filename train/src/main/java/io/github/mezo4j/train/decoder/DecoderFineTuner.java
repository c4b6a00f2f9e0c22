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
import io.github.mezo4j.train.prompt.DecoderTemplate;
import io.github.mezo4j.train.trainer.BatchSampler;
import io.github.mezo4j.train.trainer.RunDriver;
import io.github.mezo4j.train.trainer.Scores;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

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
   */
  public record Run(
      DecoderFineTuneConfig config,
      DecoderLm lm,
      DecoderTemplate template,
      int classes,
      DecoderConfig decoderConfig,
      List<Example> train,
      List<Example> dev,
      RunDriver.Context context) {}

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

    double loss(int[] indices, Workers workers, VirtualPerturbation perturbation);

    /** {@code {L+, L-}} at {@code plus} and its mirror, each weight read once for both. */
    double[] lossPair(int[] indices, Workers workers, VirtualPerturbation plus);

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
        public double loss(int[] indices, Workers workers, VirtualPerturbation perturbation) {
          return m.nll(train, indices, workers, perturbation).mean();
        }

        @Override
        public double[] lossPair(int[] indices, Workers workers, VirtualPerturbation plus) {
          LanguageModeling.Nll[] pair = m.nllPair(train, indices, workers, plus);
          return new double[] {pair[0].mean(), pair[1].mean()};
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
      public double loss(int[] indices, Workers workers, VirtualPerturbation perturbation) {
        return lossOf(classifier.scores(train, indices, workers, perturbation), indices);
      }

      @Override
      public double[] lossPair(int[] indices, Workers workers, VirtualPerturbation plus) {
        double[][] pair = classifier.scoresPair(train, indices, workers, plus);
        return new double[] {lossOf(pair[0], indices), lossOf(pair[1], indices)};
      }

      private double lossOf(double[] s, int[] indices) {
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
    RunDriver.Outcome o = RunDriver.run(run.config(), new DecoderKind(run), run.context());
    return new Result(o.summary(), run.lm().model().parameters(), o.best(), o.last());
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
              return task.lossPair(indices, workers, plus);
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
