package io.github.mezo4j.cli;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.nn.model.FrozenPrefixCache;
import io.github.mezo4j.nn.tokenizer.WordPieceTokenizer;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import io.github.mezo4j.train.checkpoint.RunFolder;
import io.github.mezo4j.train.data.Dataset;
import io.github.mezo4j.train.data.Task;
import io.github.mezo4j.train.head.HeadSpec;
import io.github.mezo4j.train.head.LinearProbe;
import io.github.mezo4j.train.head.PromptHead;
import io.github.mezo4j.train.metrics.ClassificationLoss;
import io.github.mezo4j.train.prompt.LabelPrompts;
import io.github.mezo4j.train.report.ProgressBar;
import io.github.mezo4j.train.trainer.EncoderClassifier;
import io.github.mezo4j.train.trainer.FineTuneConfig;
import io.github.mezo4j.train.trainer.FineTuner;
import io.github.mezo4j.train.trainer.LabeledTexts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

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
      "--resume and ends bit-identical to an uninterrupted one."
    })
final class FinetuneCommand implements Callable<Integer> {
  private static final String TRAIN_PARAMS_DEFAULT = "all";

  @Option(
      names = "--model",
      defaultValue = "minilm",
      description =
          "minilm (built in), a Hugging Face folder or an .onnx file; or a decoder LM (a"
              + " llama2.c .bin, a Llama/OPT/GPT-2 folder, hf:ORG/NAME). Default: minilm.")
  String model;

  @Mixin TaskOptions taskOptions;

  @Mixin DecoderOptions decoderOptions;

  @Option(names = "--steps", defaultValue = "1000", description = "MeZO steps. Default: 1000.")
  int steps;

  @Option(names = "--lr", defaultValue = "1.5e-4", description = "Learning rate. Default: 1.5e-4.")
  double lr;

  @Option(
      names = "--eps",
      defaultValue = "1e-3",
      description = "Perturbation scale. Default: 1e-3.")
  double eps;

  @Option(
      names = "--batch",
      defaultValue = "32",
      description = "Training examples per step (capped at the training set). Default: 32.")
  int batch;

  @Option(names = "--seed", defaultValue = "42", description = "Run seed. Default: 42.")
  long seed;

  @Option(
      names = "--eval-every",
      defaultValue = "100",
      description = "Evaluate and checkpoint every N steps. Default: 100.")
  int evalEvery;

  @Option(names = "--out", required = true, description = "The run folder.")
  Path out;

  @Option(
      names = "--objective",
      defaultValue = "ce",
      description =
          "ce, accuracy or f1 (non-differentiable ones work with MeZO); decoders also lm"
              + " (next-token loss of the task's texts, dev perplexity). Default: ce.")
  String objective;

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
      defaultValue = TRAIN_PARAMS_DEFAULT,
      description =
          "Weights MeZO trains: all, bias-norm (biases and LayerNorm weights), top:K (every"
              + " weight of the last K encoder layers, K from 1 to the layer count, 6 for minilm:"
              + " the frozen layers below run once per sentence and are cached, so steps are"
              + " faster) or a glob over weight names. The head's own weights always train."
              + " Default: ${DEFAULT-VALUE}.")
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
      names = "--dtype",
      description =
          "Weight storage in memory: auto (bf16 tensors stay bf16, f32/f16 load as f32), f32 or"
              + " bf16 (f32/f16 rounded at load: half the weight memory). bf16 weights train with"
              + " stochastic rounding. Default: auto, or with --resume the run's own.")
  String dtype;

  @Override
  public Integer call() throws Exception {
    Arguments.atLeast("--steps", steps, 0);
    Arguments.positiveFinite("--eps", eps);
    Arguments.positiveFinite("--lr", lr);
    Arguments.positive("--batch", batch);
    Arguments.positive("--eval-every", evalEvery);
    Arguments.atLeast("--prefix-cache-mb", prefixCacheMb, 0);
    LoadDType loadDType = LoadDType.parse(dtype != null ? dtype : defaultDType());
    if (DecoderModels.isDecoder(model)) {
      DecoderModels.checkDType(loadDType);
      return DecoderFinetune.run(this);
    }
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
    Map<String, String> dataInfo = new LinkedHashMap<>();
    dataInfo.put("source", data.source());
    if (taskOptions.kShotSeed != null) {
      dataInfo.put("k_shot_seed", taskOptions.kShotSeed.toString());
    }
    FineTuneConfig config =
        new FineTuneConfig(
            task.name(),
            model,
            head,
            trainParams,
            loss,
            loss == ClassificationLoss.F1 ? "macro_f1" : TaskOptions.metricName(task),
            steps,
            lr,
            eps,
            batch,
            seed,
            evalEvery,
            saveWeights,
            dataInfo,
            loadDType.option());
    FineTuner.Result r =
        run(
            config,
            model,
            data,
            taskOptions.prompts(task),
            headSpec,
            out,
            resume,
            Arguments.threads("--threads", threads),
            (long) prefixCacheMb << 20);
    System.out.println(JsonFiles.line(r.summary()));
    return 0;
  }

  /**
   * auto, but a resumed run keeps the dtype its run.json records (f32 for runs that predate the
   * option), so the command that started a run also continues it.
   */
  private String defaultDType() throws IOException {
    Path runJson = out.resolve(RunFolder.RUN);
    return resume && Files.isRegularFile(runJson)
        ? FineTuneConfig.recordedDType(JsonFiles.read(runJson).path("config"))
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
      int threads)
      throws Exception {
    return run(
        config,
        modelSpec,
        data,
        prompts,
        headSpec,
        out,
        resume,
        threads,
        FrozenPrefixCache.DEFAULT_MAX_BYTES);
  }

  /** {@link #run} with a cap on the frozen-prefix cache of a {@code top:K} run, in bytes. */
  static FineTuner.Result run(
      FineTuneConfig config,
      String modelSpec,
      Dataset data,
      LabelPrompts prompts,
      HeadSpec headSpec,
      Path out,
      boolean resume,
      int threads,
      long prefixCacheBytes)
      throws Exception {
    BertCheckpoint base = Models.load(modelSpec, LoadDType.parse(config.dtype()));
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
    long trainable = classifier.trainable(config.selector(encoder.layerCount())).elementCount();
    // top:K: the layers below run once per sentence, from a cache FineTuner keeps using
    OptionalInt top = FineTuneConfig.topLayers(config.params());
    int frozen = top.isPresent() ? encoder.layerCount() - top.getAsInt() : 0;
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
        config.task(),
        train.size(),
        dev.size(),
        config.head(),
        trainable,
        encoder.parameters().elementCount(),
        config.params(),
        cacheNote,
        out.toAbsolutePath().normalize());
    return FineTuner.run(
        new FineTuner.Run(
            config,
            classifier,
            c -> headSpec.create(c, train, workers),
            base.config(),
            base.tokenizer().orElse(null),
            train,
            dev,
            out,
            resume,
            workers,
            System.err,
            ProgressBar.terminal(),
            null));
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
