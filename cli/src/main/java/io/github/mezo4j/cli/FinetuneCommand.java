package io.github.mezo4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.noise.MagnitudeMask;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.nn.model.FrozenPrefixCache;
import io.github.mezo4j.tokenizer.WordPieceTokenizer;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import io.github.mezo4j.train.checkpoint.RunFolder;
import io.github.mezo4j.train.data.Dataset;
import io.github.mezo4j.train.data.Example;
import io.github.mezo4j.train.data.PairTask;
import io.github.mezo4j.train.data.Task;
import io.github.mezo4j.train.decoder.DecoderFineTuner;
import io.github.mezo4j.train.head.HeadSpec;
import io.github.mezo4j.train.head.LinearProbe;
import io.github.mezo4j.train.head.PromptHead;
import io.github.mezo4j.train.metrics.ClassificationLoss;
import io.github.mezo4j.train.metrics.DevMetric;
import io.github.mezo4j.train.prompt.LabelPrompts;
import io.github.mezo4j.train.report.ProgressBar;
import io.github.mezo4j.train.trainer.EncoderClassifier;
import io.github.mezo4j.train.trainer.FineTuneConfig;
import io.github.mezo4j.train.trainer.FineTuner;
import io.github.mezo4j.train.trainer.LabeledTexts;
import io.github.mezo4j.train.trainer.OptimizerSettings;
import io.github.mezo4j.train.trainer.PairFineTuner;
import io.github.mezo4j.train.trainer.Recipe;
import io.github.mezo4j.train.trainer.RunDriver;
import io.github.mezo4j.train.trainer.RunSettings;
import io.github.mezo4j.train.trainer.TrainParams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code mezo4j finetune}: MeZO fine-tuning of an encoder on a task, with checkpoints. */
@Command(
    name = "finetune",
    mixinStandardHelpOptions = true,
    description = {
      "Fine-tune an encoder or a decoder LM with MeZO on a classification task (decoders: also --objective lm).",
      "",
      "Evaluates on the dev split every --eval-every steps, keeps the last and the",
      "best checkpoint (step log + head; with --save-weights also full weights), and",
      "writes metrics.jsonl, train_loss.png, dev_metric.png and summary.json into",
      "--out. An interrupted run (even kill -9) continues with the same command plus",
      "--resume and ends bit-identical to an uninterrupted one.",
      "",
      "MeZO's own update is --optimizer sgd at a constant --lr with one two-sided",
      "sample per step; --optimizer, --schedule, --warmup, --weight-decay, --estimator,",
      "--samples and --conservative choose others. The step log records them, so",
      "replay and --resume rebuild them; a resumed run needs the values it started with."
    })
public final class FinetuneCommand implements Callable<Integer> {
  /** A command with no options parsed yet (picocli, or a distributed run, fills them in). */
  public FinetuneCommand() {}

  @Option(
      names = "--model",
      defaultValue = "minilm",
      description =
          "minilm (built in), a Hugging Face folder or an .onnx file; or a decoder LM (a"
              + " llama2.c .bin, a Llama/OPT/GPT-2 folder, hf:ORG/NAME). Default: minilm.")
  String model;

  @Mixin TaskOptions taskOptions;

  @Mixin DecoderOptions decoderOptions;

  @Mixin OptimizerOptions optimizerOptions;

  @Option(
      names = "--steps",
      description =
          "MeZO steps. Default: the recipe's (1000 for k-shot tasks, 5000 for full data).")
  Integer steps;

  @Option(
      names = "--lr",
      description =
          "Learning rate (the peak of --schedule). Default: the recipe's; 1.5e-4 when another"
              + " method option is set.")
  Double lr;

  @Option(names = "--eps", description = "Perturbation scale. Default: the recipe's (1e-3).")
  Double eps;

  @Option(
      names = "--batch",
      description =
          "Training examples per step (capped at the training set). Default: the recipe's (16"
              + " for encoders, 32 for decoders).")
  Integer batch;

  @Option(names = "--seed", defaultValue = "42", description = "Run seed. Default: 42.")
  long seed;

  @Option(
      names = "--eval-every",
      description =
          "Evaluate and checkpoint every N steps. Default: the recipe's (100; 500 for full-data"
              + " encoder runs).")
  Integer evalEvery;

  @Option(names = "--out", required = true, description = "The run folder.")
  Path out;

  @Option(
      names = "--objective",
      description =
          "ce, accuracy or f1 (non-differentiable ones work with MeZO); decoders also lm"
              + " (next-token loss of the task's texts, dev perplexity). Default: ce. Sentence"
              + " pairs (stsb, --pairs): cosent, cosine (MSE of cosine vs normalised score) or"
              + " mnr (multiple-negatives ranking, positive pairs); default: the recipe's (cosine"
              + " for scored pairs), else cosent, positive pairs mnr.")
  String objective;

  @Option(
      names = "--temperature",
      description =
          "Sentence pairs: the temperature of cosent and mnr, the cosines' scale being"
              + " 1/temperature. Default: 0.05 (scale 20; --scale sets the scale instead).")
  Double temperature;

  @Option(
      names = "--metric",
      description =
          "Sentence pairs: the dev metric that picks the best checkpoint: spearman or pearson"
              + " (scored and labeled pairs; default spearman), mrr@10, recall@10 or recall@1"
              + " (positive pairs; default mrr@10).")
  String metric;

  @Option(
      names = "--head",
      defaultValue = "prompt",
      description =
          "prompt: scale * cos(input, encoded label sentence), no new weights, zero-shot;"
              + " linear: a linear head fitted by linear probing, then trained with the"
              + " encoder; similarity: a trainable mixing of the label similarities that"
              + " starts at zero (chance); zero: a linear head of zeros. Default: prompt.")
  String head;

  @Option(
      names = "--scale",
      defaultValue = "20",
      description = "Prompt head: the logit scale of the cosines. Default: 20.")
  double scale;

  @Option(
      names = "--probe-l2",
      defaultValue = "1e-3",
      description = "Linear head: the probe's L2 penalty. Default: 1e-3.")
  double probeL2;

  @Option(
      names = "--train-params",
      description =
          "Weights MeZO trains: all, bias-norm (biases and LayerNorm weights), top:K (every"
              + " weight of the last K encoder layers, K from 1 to the layer count, 6 for minilm:"
              + " the frozen layers below run once per sentence and are cached, so steps are"
              + " faster), sparse:S (Sparse MeZO: each weight matrix trains only its smallest"
              + " weights, the fraction 1 - S of it, e.g. sparse:0.75 for a quarter; biases and"
              + " norm weights stay dense), lora[:r=R][:alpha=A][:targets=T+T...] (encoders:"
              + " low-rank adapters y = Wx + b + (alpha/r) B(Ax) on every layer, base weights"
              + " frozen; defaults r=8, alpha=16, targets=query+value; targets among query, key,"
              + " value, attention-output, intermediate, output; replay merges them into the"
              + " weights and also writes them for PEFT) or a glob over weight names. The head's"
              + " own weights always train. Default: the recipe's (bias-norm for encoders); all when"
              + " another method option is set.")
  String trainParams;

  @Option(
      names = "--prefix-cache-mb",
      defaultValue = "512",
      description =
          "top:K: the most memory, in MB, the cached outputs of the frozen layers may take"
              + " (tokens x hidden x 4 bytes per sentence); sentences past it recompute them on"
              + " every pass (same results, slower). Default: ${DEFAULT-VALUE}.")
  int prefixCacheMb;

  @Option(
      names = "--threads",
      defaultValue = "0",
      description = "Worker threads; 0 = one per core. Results do not depend on it.")
  int threads;

  @Option(names = "--resume", description = "Continue the run in --out.")
  boolean resume;

  @Option(names = "--save-weights", description = "Also save full weights in each checkpoint.")
  boolean saveWeights;

  @Option(
      names = "--monitor-data",
      paramLabel = "FILE",
      description =
          "Encoders: also evaluate on this labelled file (the task's format), or with"
              + " k-shot-eval on the k-shot protocol's evaluation set, at every evaluation, for"
              + " curves of an evaluation set (metrics.jsonl monitor_*, the metric plot,"
              + " summary.json). It never chooses a checkpoint: the dev split does.")
  Path monitorData;

  @Option(
      names = "--dtype",
      description =
          "Weight storage in memory: auto (bf16 tensors stay bf16, f32/f16 load as f32), f32 or"
              + " bf16 (f32/f16 rounded at load: half the weight memory). bf16 weights train with"
              + " stochastic rounding. Default: auto, or with --resume the run's own.")
  String dtype;

  @Spec CommandSpec spec;

  /** The options only some kinds of run read, by the kind that does not; no option is ignored. */
  private static final Map<String, List<String>> NOT_READ_BY =
      Map.of(
          "a decoder model",
          List.of(
              "--head",
              "--scale",
              "--probe-l2",
              "--monitor-data",
              "--prefix-cache-mb",
              "--temperature",
              "--metric",
              "--pairs",
              "--score-range",
              "--text-pair-column",
              "--label-sentence"),
          "an encoder on a classification task",
          List.of("--temperature", "--metric", "--score", "--tokenizer"),
          "an encoder on a sentence-pair task",
          List.of(
              "--head",
              "--probe-l2",
              "--monitor-data",
              "--prefix-cache-mb",
              "--score",
              "--tokenizer",
              "--label-sentence"));

  /** Refuses an option that {@code kind} (a key of {@link #NOT_READ_BY}) would not read. */
  private void rejectOptionsNotReadBy(String kind) {
    if (spec == null) {
      return; // called without picocli: nothing was parsed
    }
    for (String option : NOT_READ_BY.get(kind)) {
      if (spec.commandLine().getParseResult().hasMatchedOption(option)) {
        throw new IllegalArgumentException(
            "%s does not apply to %s (--model %s)".formatted(option, kind, model));
      }
    }
  }

  /**
   * What becomes of a prepared classifier run: {@link FineTuner#run} here, or a data-parallel
   * driver or worker (mezo4j-spark).
   */
  @FunctionalInterface
  public interface ClassifierRunner {
    /**
     * Runs {@code run} (its workers are closed after this returns); null for a run without a folder
     * of its own (a data-parallel worker).
     */
    FineTuner.Result run(FineTuner.Run run) throws IOException;
  }

  /** What becomes of a prepared decoder run, as {@link ClassifierRunner} for encoders. */
  @FunctionalInterface
  public interface DecoderRunner {
    /** Runs {@code run}; null for a data-parallel worker's run. */
    DecoderFineTuner.Result run(DecoderFineTuner.Run run) throws IOException;
  }

  /** What becomes of a prepared sentence-pair run, as {@link ClassifierRunner} for classifiers. */
  @FunctionalInterface
  public interface PairRunner {
    /** Runs {@code run}; null for a data-parallel worker's run. */
    PairFineTuner.Result run(PairFineTuner.Run run) throws IOException;
  }

  /** What runs each kind of prepared run. */
  record Runners(ClassifierRunner classifiers, DecoderRunner decoders, PairRunner pairs) {
    /** Every kind in this process. */
    static final Runners HERE =
        new Runners(FineTuner::run, DecoderFineTuner::run, PairFineTuner::run);
  }

  Runners runners = Runners.HERE;

  /**
   * Runs these options with {@code classifiers}, {@code decoders} or {@code pairs}, whichever kind
   * of run they describe, instead of {@link FineTuner#run}, {@link DecoderFineTuner#run} and {@link
   * PairFineTuner#run} (the recipe, checks, model and data are {@code finetune}'s).
   *
   * @return the exit code
   */
  public int runDistributed(ClassifierRunner classifiers, DecoderRunner decoders, PairRunner pairs)
      throws Exception {
    this.runners = new Runners(classifiers, decoders, pairs);
    return call();
  }

  @Override
  public Integer call() throws Exception {
    // --model resolves once into the kind of run; options of the other kinds are errors
    boolean decoder = DecoderModels.isDecoder(model);
    Optional<PairTask> pairTask = decoder ? Optional.empty() : taskOptions.pairTask();
    rejectOptionsNotReadBy(
        decoder
            ? "a decoder model"
            : pairTask.isPresent()
                ? "an encoder on a sentence-pair task"
                : "an encoder on a classification task");
    applyRecipe(
        pairTask.isPresent()
            ? Recipe.forPairs(pairTask.get().kind())
            : Recipe.of(decoder, taskOptions.kShotSeed != null));
    Arguments.atLeast("--steps", steps, 0);
    Arguments.positiveFinite("--eps", eps);
    Arguments.positiveFinite("--lr", lr);
    Arguments.positive("--batch", batch);
    Arguments.positive("--eval-every", evalEvery);
    OptimizerSettings optim = optimizerOptions.settings();
    optim.check(lr, steps); // before any data or model is read
    Arguments.atLeast("--prefix-cache-mb", prefixCacheMb, 0);
    LoadDType loadDType = LoadDType.parse(dtype != null ? dtype : defaultDType());
    if (pairTask.isPresent()) {
      return PairCommands.finetune(this, pairTask.get(), optim, loadDType);
    }
    objective = objective != null ? objective : "ce";
    if (decoder) {
      return DecoderFinetune.run(this, optim, loadDType);
    }
    FineTuner.Result r = classifierRun(loadDType, optim);
    if (r != null) { // a data-parallel worker's runner has no run folder to report
      report(out, r.summary(), r.best(), r.last());
    }
    return 0;
  }

  /** The settings every kind of run takes from these options (after the recipe filled them in). */
  RunSettings runSettings(
      String task,
      DevMetric metric,
      Map<String, String> dataInfo,
      LoadDType loadDType,
      OptimizerSettings optim) {
    return new RunSettings(
        task,
        model,
        TrainParams.parse(trainParams),
        metric,
        steps,
        lr,
        eps,
        batch,
        seed,
        evalEvery,
        saveWeights,
        dataInfo,
        loadDType.option(),
        optim);
  }

  private FineTuner.Result classifierRun(LoadDType loadDType, OptimizerSettings optim)
      throws Exception {
    Arguments.positiveFinite("--scale", scale);
    Task task = taskOptions.resolve();
    ClassificationLoss loss = ClassificationLoss.parse(objective);
    // built (and its --head checked) before any data is read
    HeadSpec headSpec =
        new HeadSpec(
            head,
            taskOptions.prompts(task).sentences(),
            scale,
            new LinearProbe.Options(probeL2, 300));
    Dataset data = taskOptions.load(task);
    List<Example> monitor =
        monitorData == null
            ? null
            : taskOptions.readLabelled(task, "--monitor-data", monitorData, taskOptions.kShotSeed);
    Map<String, String> dataInfo = new LinkedHashMap<>();
    dataInfo.put("source", data.source());
    if (taskOptions.kShotSeed != null) {
      dataInfo.put("k_shot_seed", taskOptions.kShotSeed.toString());
    }
    if (recipeNote != null) {
      System.err.println(recipeNote);
    }
    FineTuneConfig config =
        new FineTuneConfig(
            runSettings(
                task.name(),
                loss == ClassificationLoss.F1 ? DevMetric.MACRO_F1 : TaskOptions.metric(task),
                dataInfo,
                loadDType,
                optim),
            head,
            loss);
    return run(
        config,
        model,
        data,
        taskOptions.prompts(task),
        headSpec,
        out,
        resume,
        Arguments.threads("--threads", threads),
        monitor,
        (long) prefixCacheMb << 20,
        runners.classifiers());
  }

  /**
   * A finished run's summary line on stdout, and where its outputs are on stderr (stdout holds only
   * the summary line).
   */
  static void report(Path out, ObjectNode summary, Path best, Path last) {
    System.out.println(JsonFiles.line(summary));
    Path dir = out.toAbsolutePath().normalize();
    System.err.printf(
        "outputs in %s: %s, %s, %s, %s%nbest checkpoint %s%nlast checkpoint %s%n",
        dir,
        RunFolder.SUMMARY,
        RunFolder.METRICS,
        RunFolder.LOSS_PLOT,
        RunFolder.METRIC_PLOT,
        best.toAbsolutePath().normalize(),
        last.toAbsolutePath().normalize());
  }

  /** The recipe line printed once the run's settings are checked, or null. */
  String recipeNote;

  /**
   * Fills the options the user left out from {@code recipe}: the budget options one by one, the
   * method options all together and only if none was given (else from {@link Recipe#MEZO}).
   */
  private void applyRecipe(Recipe recipe) {
    // a pair recipe's objective belongs to its method: its rate was tuned for that loss
    boolean otherObjective =
        recipe.objective() != null && objective != null && !objective.equals(recipe.objective());
    boolean methodGiven =
        trainParams != null
            || lr != null
            || eps != null
            || otherObjective
            || optimizerOptions.methodGiven();
    Recipe method = methodGiven ? Recipe.MEZO : recipe;
    objective = objective != null ? objective : method.objective();
    trainParams = trainParams != null ? trainParams : method.trainParams();
    lr = lr != null ? lr : method.lr();
    eps = eps != null ? eps : method.eps();
    optimizerOptions.fillFrom(method);
    steps = steps != null ? steps : recipe.steps();
    batch = batch != null ? batch : recipe.batch();
    evalEvery = evalEvery != null ? evalEvery : recipe.evalEvery();
    recipeNote =
        methodGiven || recipe == Recipe.MEZO
            ? null
            : "recipe " + recipe.name() + ": " + recipe.methodOptions();
  }

  /**
   * auto, but a resumed run keeps the dtype its run.json records (f32 for runs that predate the
   * option), so the command that started a run also continues it.
   */
  private String defaultDType() throws IOException {
    Path runJson = out.resolve(RunFolder.RUN);
    return resume && Files.isRegularFile(runJson)
        ? RunSettings.recordedDType(new RunFolder(out).readRun().path("config"))
        : LoadDType.AUTO.option();
  }

  /** Loads the model and runs; shared with {@code mezo4j demo}. */
  static FineTuner.Result run(
      FineTuneConfig config,
      String modelSpec,
      Dataset data,
      LabelPrompts prompts,
      HeadSpec headSpec,
      Path out,
      boolean resume,
      int threads,
      List<Example> monitor,
      long prefixCacheBytes,
      ClassifierRunner runner)
      throws Exception {
    LoadDType dtype = LoadDType.parse(config.run().dtype());
    Models.checkFits(
        Models.plan(
            modelSpec,
            dtype,
            config.run().batch(),
            Models.tokenEstimate(data),
            config.run().optim().stateBytesPerWeight()));
    BertCheckpoint base = Models.load(modelSpec, dtype);
    WordPieceTokenizer tokenizer = Tokenizers.of(base, modelSpec);
    BertEncoder encoder = BertEncoder.of(base.config(), base.parameters());
    Workers workers = Workers.of(threads);
    // the prompt head is a placeholder: the run puts its initial head in its place
    EncoderClassifier classifier =
        EncoderClassifier.meanPooled(
            encoder,
            tokenizer,
            PromptHead.of(
                prompts.sentences(), headSpec.scale(), tokenizer, base.config().padTokenId()));
    LabeledTexts train = LabeledTexts.of(data.train(), data.labels());
    LabeledTexts dev = LabeledTexts.of(data.dev(), data.labels());
    LabeledTexts monitorSet = monitor == null ? null : LabeledTexts.of(monitor, data.labels());
    // lora: the adapters join the encoder here (FineTuner keeps them), so the count includes them;
    // sparse:S counts the weights inside the mask of the base weights
    classifier = config.withAdapters(classifier);
    encoder = classifier.embedder().encoder();
    long trainable =
        MagnitudeMask.trainableCount(
            classifier.trainable(config.selector(encoder.layerCount())),
            FineTuner.directions(config, classifier));
    // top:K: the layers below run once per sentence, from a cache FineTuner keeps using
    int frozen = config.frozenLayers(encoder.layerCount());
    String cacheNote = "";
    if (frozen > 0) {
      classifier =
          classifier.withPrefixCache(
              new FrozenPrefixCache(
                  encoder,
                  frozen,
                  prefixCacheBytes,
                  line -> System.err.println("mezo4j: " + line)));
      long tokens = tokens(classifier, train) + tokens(classifier, dev);
      if (monitorSet != null) {
        tokens += tokens(classifier, monitorSet);
      }
      for (String s : prompts.sentences()) {
        tokens += classifier.tokenizer().encode(s).ids().length;
      }
      long bytes = FrozenPrefixCache.bytesFor(tokens, encoder.hiddenSize());
      cacheNote =
          String.format(
              Locale.ROOT,
              "; embeddings and layers 0-%d frozen, their outputs cached once per sentence: at"
                  + " most %.1f MB (%,d tokens x %d x 4 bytes; cap %.0f MB%s)",
              frozen - 1,
              bytes / 1e6,
              tokens,
              encoder.hiddenSize(),
              prefixCacheBytes / 1048576.0,
              bytes > prefixCacheBytes ? ", over it: the rest recompute" : "");
    }
    System.err.printf(
        "mezo4j finetune: %s (%s) on %s (%d train, %d dev examples), %s head, MeZO trains %,d of"
            + " %,d encoder weights (%s)%s, out %s%n",
        modelSpec,
        storageSummary(encoder.parameters()),
        config.run().task(),
        train.size(),
        dev.size(),
        config.head(),
        trainable,
        encoder.parameters().elementCount(),
        config.run().params(),
        cacheNote,
        out.toAbsolutePath().normalize());
    if (!config.run().optim().equals(OptimizerSettings.DEFAULT)) {
      System.err.println("optimizer: " + config.run().optim().describe());
    }
    // closed at the end: mezo4j sweep runs finetune many times in one JVM, and each run's helper
    // threads would otherwise stay parked for the rest of it
    try (workers) {
      return runner.run(
          new FineTuner.Run(
              config,
              classifier,
              c -> headSpec.create(c, train, workers),
              base.config(),
              base.tokenizer().orElse(null),
              train,
              dev,
              new RunDriver.Context(out, resume, workers, System.err, ProgressBar.terminal(), null),
              monitorSet));
    }
  }

  /** Real tokens of every example of {@code data} as {@code classifier} tokenizes them. */
  private static long tokens(EncoderClassifier classifier, LabeledTexts data) {
    long n = 0;
    for (int i = 0; i < data.size(); i++) {
      n +=
          (data.pairs() == null
                  ? classifier.tokenizer().encode(data.texts().get(i))
                  : classifier.tokenizer().encode(data.texts().get(i), data.pairs().get(i)))
              .ids()
              .length;
    }
    return n;
  }

  /** "f32 weights, 90.3 MB", "bf16 weights, 45.1 MB" or "mixed f32/bf16 weights, ...". */
  static String storageSummary(ParameterSet params) {
    long bytes = 0;
    boolean f32 = false;
    boolean bf16 = false;
    for (Parameter p : params) {
      bytes += p.bytes();
      f32 |= p.dtype() == DType.F32;
      bf16 |= p.dtype() == DType.BF16;
    }
    String kind = f32 && bf16 ? "mixed f32/bf16" : bf16 ? "bf16" : "f32";
    return "%s weights, %.1f MB".formatted(kind, bytes / 1e6);
  }
}
