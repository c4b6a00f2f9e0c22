package io.github.mezo4j.train.trainer;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.tokenizer.WordPieceTokenizer;
import io.github.mezo4j.train.data.Column;
import io.github.mezo4j.train.data.PairKind;
import io.github.mezo4j.train.data.PairTask;
import io.github.mezo4j.train.data.TextPair;
import io.github.mezo4j.train.metrics.PairLoss;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Fine-tuning a sentence-embedding model on pairs held in memory, in a few lines of Java: the
 * settings of {@code mezo4j finetune} on pairs with the embedding recipe of the kind of pairs
 * ({@link Recipe#forPairs}) as defaults, each overridable, then {@link #fit} runs {@link
 * PairFineTuner} into a run folder (checkpoints, step log, metrics) and {@link #evaluate} scores
 * any pairs.
 *
 * <pre>{@code
 * BertCheckpoint base = MiniLm.load();
 * EmbeddingFineTuning tuning = EmbeddingFineTuning.scored(0, 5).steps(300).out(Path.of("run"));
 * PairFineTuner.Result r = tuning.fit(base, train, dev);
 * double spearman = tuning.evaluate(r.model(), test).spearman();
 * }</pre>
 *
 * <p>Settings are mutable and checked when {@link #fit} builds the run's {@link
 * PairFineTuneConfig}.
 */
public final class EmbeddingFineTuning {
  private final PairKind kind;
  private final double minScore;
  private final double maxScore;
  private PairLoss objective;
  private double scale = PairLoss.DEFAULT_SCALE;
  private String trainParams;
  private double lr;
  private double eps;
  private OptimizerSettings optim;
  private int steps;
  private int batch;
  private int evalEvery;
  private long seed = 42;
  private int threads;
  private String modelName = "in-memory";
  private Path out = Path.of("runs", "embeddings");
  private PrintStream progress;

  private EmbeddingFineTuning(PairKind kind, double minScore, double maxScore) {
    this.kind = kind;
    this.minScore = minScore;
    this.maxScore = maxScore;
    Recipe r = Recipe.forPairs(kind);
    this.objective =
        r.objective() != null ? PairLoss.parse(r.objective()) : PairLoss.defaultFor(kind);
    this.trainParams = r.trainParams();
    this.lr = r.lr();
    this.eps = r.eps();
    this.optim = r.optim();
    this.steps = r.steps();
    this.batch = r.batch();
    this.evalEvery = r.evalEvery();
  }

  /** Pairs with a similarity score in {@code [minScore, maxScore]} (STS-B: 0 to 5). */
  public static EmbeddingFineTuning scored(double minScore, double maxScore) {
    if (!(minScore < maxScore) || Double.isInfinite(minScore) || Double.isInfinite(maxScore)) {
      throw new IllegalArgumentException(
          "the score range needs finite min < max, got [%s, %s]".formatted(minScore, maxScore));
    }
    return new EmbeddingFineTuning(PairKind.SCORED, minScore, maxScore);
  }

  /** Pairs labelled 1 (similar, paraphrase, duplicate) or 0 (not). */
  public static EmbeddingFineTuning labeled() {
    return new EmbeddingFineTuning(PairKind.LABELED, 0, 1);
  }

  /** (query, passage) positives: one passage per query, the others its negatives. */
  public static EmbeddingFineTuning positive() {
    return new EmbeddingFineTuning(PairKind.POSITIVE, 0, 1);
  }

  /** What MeZO minimises (default: the recipe's; cosine for scores, CoSENT, ranking). */
  public EmbeddingFineTuning objective(PairLoss objective) {
    this.objective = Objects.requireNonNull(objective, "objective");
    return this;
  }

  /** The objective a fit will minimise. */
  public PairLoss objective() {
    return objective;
  }

  /** The encoder weights a fit will train. */
  public String trainParams() {
    return trainParams;
  }

  /** CoSENT's and ranking's cosine scale, 1 / temperature (default 20). */
  public EmbeddingFineTuning scale(double scale) {
    this.scale = scale;
    return this;
  }

  /** Which encoder weights MeZO trains: all, bias-norm, top:K or a glob (default: the recipe's). */
  public EmbeddingFineTuning trainParams(String trainParams) {
    this.trainParams = Objects.requireNonNull(trainParams, "trainParams");
    return this;
  }

  /** The learning rate. */
  public EmbeddingFineTuning lr(double lr) {
    this.lr = lr;
    return this;
  }

  /** MeZO's perturbation scale. */
  public EmbeddingFineTuning eps(double eps) {
    this.eps = eps;
    return this;
  }

  /** The optimizer, schedule and estimator (default: ZO-SGD, constant rate, two-sided). */
  public EmbeddingFineTuning optimizer(OptimizerSettings optim) {
    this.optim = Objects.requireNonNull(optim, "optim");
    return this;
  }

  /** The number of MeZO steps. */
  public EmbeddingFineTuning steps(int steps) {
    this.steps = steps;
    return this;
  }

  /** Pairs per step. */
  public EmbeddingFineTuning batch(int batch) {
    this.batch = batch;
    return this;
  }

  /** Evaluate on the dev pairs (and checkpoint) every this many steps. */
  public EmbeddingFineTuning evalEvery(int evalEvery) {
    this.evalEvery = evalEvery;
    return this;
  }

  /** The run seed: the perturbations and the data order derive from it. */
  public EmbeddingFineTuning seed(long seed) {
    this.seed = seed;
    return this;
  }

  /** Worker threads; 0 (the default) uses every core. Results do not depend on it. */
  public EmbeddingFineTuning threads(int threads) {
    if (threads < 0) {
      throw new IllegalArgumentException("threads must be >= 0 (0: every core), got " + threads);
    }
    this.threads = threads;
    return this;
  }

  /** How the run records its base model (default {@code in-memory}). */
  public EmbeddingFineTuning modelName(String modelName) {
    this.modelName = Objects.requireNonNull(modelName, "modelName");
    return this;
  }

  /** The run folder, which must not hold a run yet (default {@code runs/embeddings}). */
  public EmbeddingFineTuning out(Path out) {
    this.out = Objects.requireNonNull(out, "out");
    return this;
  }

  /** Where the progress lines go (default: none). */
  public EmbeddingFineTuning progress(PrintStream progress) {
    this.progress = progress;
    return this;
  }

  /**
   * Fine-tunes {@code base}'s encoder, in place, on {@code train}, evaluating on {@code dev}; the
   * result's model holds the weights of the last step, its {@code best()} folder the checkpoint
   * with the best dev metric (Spearman for scores and labels, MRR@10 for positives).
   *
   * @throws IllegalArgumentException naming the first bad setting or pair
   */
  public PairFineTuner.Result fit(BertCheckpoint base, List<TextPair> train, List<TextPair> dev)
      throws IOException {
    PairTask task = task();
    task.check(train, "train");
    task.check(dev, "dev");
    PairFineTuneConfig config =
        new PairFineTuneConfig(
            new RunSettings(
                task.name(),
                modelName,
                TrainParams.parse(trainParams),
                PairEvaluation.metrics(kind).getFirst(),
                steps,
                lr,
                eps,
                batch,
                seed,
                evalEvery,
                false,
                Map.of("source", "in memory"),
                "auto",
                optim),
            kind,
            objective,
            scale);
    try (Workers workers = workers()) {
      return PairFineTuner.run(
          new PairFineTuner.Run(
              config,
              task,
              model(base),
              base.config(),
              base.tokenizer().orElse(null),
              train,
              dev,
              new RunDriver.Context(out, false, workers, progress, false, null)));
    }
  }

  /** The model's metrics on {@code pairs}: correlations, or retrieval metrics for positives. */
  public PairEvaluation evaluate(PairEncoder model, List<TextPair> pairs) {
    PairTask task = task();
    task.check(pairs, "evaluation");
    try (Workers workers = workers()) {
      return model.evaluate(
          model.evaluationBatch(model.tokenize(task, pairs), kind),
          kind,
          objective,
          scale,
          workers);
    }
  }

  /** {@code base} as a mean-pooled, normalised sentence-embedding model (untrained). */
  public static PairEncoder model(BertCheckpoint base) {
    WordPieceTokenizer tokenizer =
        base.tokenizer()
            .map(t -> WordPieceTokenizer.fromJson(t.text(), t.source()))
            .orElseThrow(() -> new IllegalArgumentException("the model has no tokenizer.json"));
    return PairEncoder.meanPooled(BertEncoder.of(base.config(), base.parameters()), tokenizer);
  }

  private Workers workers() {
    return Workers.of(threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
  }

  private PairTask task() {
    return PairTask.custom(
        "pairs",
        kind,
        Column.at(0),
        Column.at(1),
        kind.scored() ? Column.at(2) : null,
        minScore,
        maxScore,
        false);
  }
}
