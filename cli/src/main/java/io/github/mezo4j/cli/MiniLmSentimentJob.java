package io.github.mezo4j.cli;

import io.github.mezo4j.core.example.LabeledSentences;
import io.github.mezo4j.core.example.SharedData;
import io.github.mezo4j.core.log.Replay;
import io.github.mezo4j.core.mezo.MezoTrainer;
import io.github.mezo4j.core.mezo.NanPolicy;
import io.github.mezo4j.core.mezo.NonFiniteLossException;
import io.github.mezo4j.core.mezo.Objective;
import io.github.mezo4j.core.mezo.StepResult;
import io.github.mezo4j.core.optim.Optimizers;
import io.github.mezo4j.core.optim.Schedule;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.io.MiniLm;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.nn.tokenizer.Truncation;
import io.github.mezo4j.nn.tokenizer.WordPieceTokenizer;
import io.github.mezo4j.train.head.PromptHead;
import io.github.mezo4j.train.trainer.EncoderClassifier;
import io.github.mezo4j.train.trainer.Evaluation;
import io.github.mezo4j.train.trainer.LabeledTexts;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * MeZO fine-tuning of the built-in all-MiniLM-L6-v2 on the MeZO paper's k=16 SST-2 protocol: all
 * 22.7M encoder weights are trained in place with two forward passes per step, so training needs
 * only inference memory, and the run is logged as a step log of a few kilobytes.
 *
 * <p>Data (under the shared data folder, see its README): the LM-BFF split {@code
 * lmbff-kshot16/SST-2/16-<seed>} (16 sentences per class for training, 16 per class for validation)
 * and GLUE SST-2 dev ({@code glue-sst2/dev.tsv}, 872 sentences, the test set of LM-BFF and MeZO),
 * on which the accuracy is reported before and after training and never used to tune.
 *
 * <p>Model: a prompt-style head with no new weights ({@link PromptHead}): class c's logit is {@code
 * scale * cos(embed(sentence), embed(label text c))} with mean-pooled, normalised embeddings and
 * the label texts "It was terrible." / "It was great.", embedded by the same encoder. The objective
 * is the mean cross-entropy over the whole k-shot training set, one fixed batch, so MeZO's descent
 * on it is directly visible.
 *
 * <pre>{@code
 * try (MiniLmSentimentJob job = MiniLmSentimentJob.load(MiniLmSentimentJob.findDataRoot(),
 *     MiniLmSentimentJob.Config.defaults())) {
 *   MiniLmSentimentJob.Result r = job.run(Path.of("run.steplog"), System.out);
 * }
 * // Replay.apply(Path.of("run.steplog"), <fresh MiniLM encoder parameters>, workers)
 * // rebuilds job.parameters() bit for bit.
 * }</pre>
 */
public final class MiniLmSentimentJob implements AutoCloseable {
  /** The default label texts, class 0 (negative) first. */
  public static final List<String> LABEL_TEXTS = List.of("It was terrible.", "It was great.");

  /**
   * Settings of a run.
   *
   * @param steps MeZO steps (two forward passes over the training set each)
   * @param eps perturbation scale
   * @param lr ZO-SGD learning rate (constant)
   * @param seed the run seed: every step's perturbation derives from it
   * @param threads worker threads for forward passes and weight passes (results do not depend on
   *     it)
   * @param evalEvery print a line every this many steps
   * @param kshotSeed which LM-BFF split: {@code 16-<kshotSeed>} (13, 21, 42, 87 or 100)
   * @param glueEval whether to measure GLUE SST-2 dev accuracy before and after (about 10 s each)
   * @param verifyReplay after training, replay the step log on freshly loaded weights and check
   *     they equal the trained weights bit for bit
   * @param labelTexts one text per class, class 0 (negative) first
   * @param scale the logit scale (inverse temperature) of the cosine head
   */
  public record Config(
      int steps,
      double eps,
      double lr,
      long seed,
      int threads,
      int evalEvery,
      int kshotSeed,
      boolean glueEval,
      boolean verifyReplay,
      List<String> labelTexts,
      double scale) {
    /** Rejects negative steps, fewer than one thread or eval interval, and a negative or NaN lr. */
    public Config {
      labelTexts = List.copyOf(labelTexts);
      if (steps < 0 || threads < 1 || evalEvery < 1) {
        throw new IllegalArgumentException(
            "need steps >= 0, threads >= 1, evalEvery >= 1; got %d, %d, %d"
                .formatted(steps, threads, evalEvery));
      }
      if (!(lr >= 0)) {
        throw new IllegalArgumentException("lr must be >= 0, got " + lr);
      }
    }

    /** The settings of {@code mezo4j example --model minilm}: see docs/performance.md. */
    public static Config defaults() {
      return new Config(200, 1e-3, 1.5e-4, 42, 2, 20, 42, true, false, LABEL_TEXTS, 20);
    }

    /** These settings with {@code newSteps} steps. */
    public Config withSteps(int newSteps) {
      return new Config(
          newSteps,
          eps,
          lr,
          seed,
          threads,
          evalEvery,
          kshotSeed,
          glueEval,
          verifyReplay,
          labelTexts,
          scale);
    }
  }

  /**
   * What a run measured. Accuracies are fractions; GLUE values are NaN when not measured.
   *
   * @param initialTrainLoss the objective before training
   * @param finalTrainLoss the objective after training
   * @param trainLosses the loss at each step ({@code (L+ + L-) / 2}, the objective at the step's
   *     starting weights up to O(eps^2))
   * @param initialDevAccuracy k-shot dev accuracy before training (zero-shot)
   * @param finalDevAccuracy k-shot dev accuracy after training
   * @param initialGlueAccuracy GLUE SST-2 dev accuracy before training (zero-shot)
   * @param finalGlueAccuracy GLUE SST-2 dev accuracy after training
   * @param stepLogBytes size of the step log
   * @param forwardNanos time in the objective's forward passes, all steps
   * @param stepNanos time in the trainer's steps (forward passes plus weight passes)
   * @param millis the whole run, evaluations included
   */
  public record Result(
      double initialTrainLoss,
      double finalTrainLoss,
      double[] trainLosses,
      double initialDevAccuracy,
      double finalDevAccuracy,
      double initialGlueAccuracy,
      double finalGlueAccuracy,
      long stepLogBytes,
      long forwardNanos,
      long stepNanos,
      long millis) {}

  private final Config config;
  private final Workers workers;
  private final ParameterSet trainable;
  private final EncoderClassifier classifier;
  private final String splitName;
  private final EncoderClassifier.Batch train;
  private final EncoderClassifier.Batch dev;
  private final EncoderClassifier.Batch glueDev; // null unless config.glueEval()

  private MiniLmSentimentJob(
      Config config,
      Workers workers,
      ParameterSet trainable,
      EncoderClassifier classifier,
      String splitName,
      EncoderClassifier.Batch train,
      EncoderClassifier.Batch dev,
      EncoderClassifier.Batch glueDev) {
    this.config = config;
    this.workers = workers;
    this.trainable = trainable;
    this.classifier = classifier;
    this.splitName = splitName;
    this.train = train;
    this.dev = dev;
    this.glueDev = glueDev;
  }

  /**
   * Loads all-MiniLM-L6-v2 and the data under {@code dataRoot} (the folder holding {@code
   * lmbff-kshot16/} and {@code glue-sst2/}).
   *
   * @throws NoSuchFileException naming a missing split file
   * @throws IOException naming the file and line of malformed data
   */
  public static MiniLmSentimentJob load(Path dataRoot, Config config) throws IOException {
    String splitName = "16-" + config.kshotSeed();
    Path split = dataRoot.resolve("lmbff-kshot16/SST-2").resolve(splitName);
    List<LabeledSentences.Example> trainSet = LabeledSentences.read(split.resolve("train.tsv"));
    List<LabeledSentences.Example> devSet = LabeledSentences.read(split.resolve("dev.tsv"));
    List<LabeledSentences.Example> glueSet =
        config.glueEval() ? LabeledSentences.read(dataRoot.resolve("glue-sst2/dev.tsv")) : null;

    BertCheckpoint minilm = MiniLm.load();
    BertEncoder encoder = BertEncoder.of(minilm.config(), minilm.parameters());
    WordPieceTokenizer tokenizer =
        Tokenizers.of(minilm, Models.BUILT_IN)
            .withoutPadding()
            .withTruncation(
                Truncation.longestFirst(Math.min(128, minilm.config().maxPositionEmbeddings())));
    // the label-prompt head of the train module; EncoderClassifier puts 8 sentences per forward
    // pass: length buckets that small leave almost no padding, and 8 x ~25 tokens still keeps
    // the matrix kernels busy
    EncoderClassifier classifier =
        EncoderClassifier.meanPooled(
            encoder,
            tokenizer,
            PromptHead.of(
                config.labelTexts(), config.scale(), tokenizer, minilm.config().padTokenId()));
    Workers workers = Workers.of(config.threads());
    return new MiniLmSentimentJob(
        config,
        workers,
        encoder.parameters(),
        classifier,
        splitName,
        batch(classifier, trainSet),
        batch(classifier, devSet),
        glueSet == null ? null : batch(classifier, glueSet));
  }

  private static EncoderClassifier.Batch batch(
      EncoderClassifier classifier, List<LabeledSentences.Example> examples) {
    int[] labels = examples.stream().mapToInt(LabeledSentences.Example::label).toArray();
    List<String> names =
        java.util.stream.IntStream.range(0, classifier.head().classes())
            .mapToObj(c -> "class " + c)
            .toList();
    return classifier.batch(
        classifier.tokenize(
            LabeledTexts.of(
                examples.stream().map(LabeledSentences.Example::sentence).toList(),
                labels,
                names)));
  }

  /**
   * The shared data folder holding {@code lmbff-kshot16/} ({@link SharedData}).
   *
   * @throws NoSuchFileException naming every place looked at
   */
  public static Path findDataRoot() throws NoSuchFileException {
    return SharedData.root("lmbff-kshot16");
  }

  /** The trainable parameters: every weight the encoder reads, trained in place. */
  public ParameterSet parameters() {
    return trainable;
  }

  /**
   * Trains, printing progress to {@code out}. A second call continues from the weights the first
   * one left (with a new step log, which then replays from those weights).
   *
   * @param stepLog where to write the step log (must not exist); null for a temporary file that is
   *     deleted afterwards
   * @throws IllegalStateException if the loss becomes NaN or infinite (lr too large)
   */
  public Result run(Path stepLog, PrintStream out) throws IOException {
    long start = System.nanoTime();
    Path tempDir = stepLog == null ? Files.createTempDirectory("mezo4j-minilm") : null;
    Path logFile = stepLog != null ? stepLog : tempDir.resolve("run.steplog");
    try {
      return train(logFile, out, start);
    } finally {
      if (tempDir != null) {
        Files.deleteIfExists(logFile);
        Files.deleteIfExists(tempDir);
      }
    }
  }

  private Result train(Path logFile, PrintStream out, long start) throws IOException {
    Config c = config;
    out.printf(
        Locale.ROOT,
        "MeZO on all-MiniLM-L6-v2: all %,d encoder weights trained in place, %d steps, eps %s,"
            + " lr %s, seed %d, %d threads%n",
        trainable.elementCount(),
        c.steps(),
        fmt(c.eps()),
        fmt(c.lr()),
        c.seed(),
        c.threads());
    out.printf(
        Locale.ROOT,
        "task: SST-2 k=16 (LM-BFF split %s: %d train, %d dev sentences); head: %s * cos(sentence,"
            + " label text), labels %s, no new weights%n",
        splitName,
        train.size(),
        dev.size(),
        fmt(c.scale()),
        String.join(" / ", c.labelTexts().stream().map(t -> '"' + t + '"').toList()));

    double glueBefore = Double.NaN;
    if (glueDev != null) {
      glueBefore = classifier.evaluate(glueDev, workers).accuracy();
      out.printf(
          Locale.ROOT,
          "GLUE SST-2 dev (%d sentences) accuracy before training (zero-shot): %.3f%n",
          glueDev.size(),
          glueBefore);
    }
    Evaluation train0 = classifier.evaluate(train, workers);
    Evaluation dev0 = classifier.evaluate(dev, workers);
    printProgress(out, 0, train0, dev0);

    long[] forwardNanos = {0};
    Objective<EncoderClassifier.Batch> loss =
        (params, batch) -> {
          long t0 = System.nanoTime();
          double l = classifier.evaluate(batch, workers).loss();
          forwardNanos[0] += System.nanoTime() - t0;
          return l;
        };
    double[] losses = new double[c.steps()];
    long stepNanos = 0;
    // The last step always reports, so these end as the final values.
    Evaluation trainNow = train0;
    Evaluation devNow = dev0;
    try (MezoTrainer<EncoderClassifier.Batch> trainer =
        MezoTrainer.builder(loss)
            .eps(c.eps())
            .optimizer(Optimizers.sgd(Schedule.constant(c.lr())))
            // A non-finite loss means the weights diverged: stop and say so.
            .nanPolicy(NanPolicy.FAIL)
            .runSeed(c.seed())
            .workers(workers)
            .stepLog(logFile)
            .build(trainable)) {
      for (int step = 1; step <= c.steps(); step++) {
        long t0 = System.nanoTime();
        StepResult r;
        try {
          r = trainer.step(train);
        } catch (NonFiniteLossException e) {
          throw new IllegalStateException(
              "training diverged at step %d (loss not finite); try a smaller --lr than %s"
                  .formatted(step, fmt(c.lr())),
              e);
        }
        stepNanos += System.nanoTime() - t0;
        losses[step - 1] = r.loss();
        if (step % c.evalEvery() == 0 || step == c.steps()) {
          trainNow = classifier.evaluate(train, workers);
          devNow = classifier.evaluate(dev, workers);
          printProgress(out, step, trainNow, devNow);
        }
      }
    }
    out.printf(
        Locale.ROOT,
        "after %d steps: train loss %.4f -> %.4f, train accuracy %.3f -> %.3f, k-shot dev"
            + " accuracy %.3f -> %.3f%n",
        c.steps(),
        train0.loss(),
        trainNow.loss(),
        train0.accuracy(),
        trainNow.accuracy(),
        dev0.accuracy(),
        devNow.accuracy());
    double glueAfter = Double.NaN;
    if (glueDev != null) {
      glueAfter = classifier.evaluate(glueDev, workers).accuracy();
      out.printf(
          Locale.ROOT,
          "GLUE SST-2 dev (%d sentences) accuracy: %.3f before -> %.3f after%n",
          glueDev.size(),
          glueBefore,
          glueAfter);
    }
    long logBytes = Files.size(logFile);
    out.printf(
        Locale.ROOT,
        "step log: %,d bytes for %d steps, against %,d bytes of weights; replayed on freshly"
            + " loaded MiniLM weights it rebuilds the trained weights bit for bit%s%n",
        logBytes,
        c.steps(),
        trainable.bytes(),
        c.verifyReplay() ? "" : " (--verify-replay checks)");
    if (c.verifyReplay()) {
      verifyReplay(logFile, out);
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    if (c.steps() > 0) {
      out.printf(
          Locale.ROOT,
          "done in %.1f s; per step %.0f ms: %.0f ms forward (2 passes over the %d sentences,"
              + " %,d tokens, and the label texts), %.0f ms weight passes (perturb, flip, restore"
              + " + update)%n",
          millis / 1000.0,
          stepNanos / 1e6 / c.steps(),
          forwardNanos[0] / 1e6 / c.steps(),
          train.size(),
          train.tokens(),
          (stepNanos - forwardNanos[0]) / 1e6 / c.steps());
    } else {
      out.printf(Locale.ROOT, "done in %.1f s%n", millis / 1000.0);
    }
    return new Result(
        train0.loss(),
        trainNow.loss(),
        losses,
        dev0.accuracy(),
        devNow.accuracy(),
        glueBefore,
        glueAfter,
        logBytes,
        forwardNanos[0],
        stepNanos,
        millis);
  }

  private static void printProgress(PrintStream out, int step, Evaluation train, Evaluation dev) {
    out.printf(
        Locale.ROOT,
        "step %4d  train loss %.4f  train accuracy %.3f  k-shot dev accuracy %.3f%n",
        step,
        train.loss(),
        train.accuracy(),
        dev.accuracy());
  }

  private void verifyReplay(Path logFile, PrintStream out) throws IOException {
    long t0 = System.nanoTime();
    BertCheckpoint fresh = MiniLm.load();
    ParameterSet base = BertEncoder.of(fresh.config(), fresh.parameters()).parameters();
    Replay.apply(logFile, base, workers);
    boolean same = base.contentEquals(trainable);
    out.printf(
        Locale.ROOT,
        "replay check: the step log replayed on freshly loaded MiniLM %s the trained weights (%.1f s)%n",
        same ? "reproduces, bit for bit," : "does NOT reproduce",
        (System.nanoTime() - t0) / 1e9);
    if (!same) {
      throw new IllegalStateException("replaying " + logFile + " did not rebuild the weights");
    }
  }

  /** Short decimal: 20, 0.001, 1e-4. */
  private static String fmt(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return Double.toString(v).replace(".0E", "e").replace('E', 'e');
  }

  @Override
  public void close() {
    workers.close();
  }
}
