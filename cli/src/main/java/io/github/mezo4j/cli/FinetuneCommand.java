package io.github.mezo4j.cli;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.nn.tokenizer.WordPieceTokenizer;
import io.github.mezo4j.train.checkpoint.JsonFiles;
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
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
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
          "Weights MeZO trains: all, bias-norm (biases and LayerNorm weights) or a glob"
              + " over weight names. Default: ${DEFAULT-VALUE}.")
  String trainParams;

  @Option(
      names = "--threads",
      defaultValue = "0",
      description = "Worker threads; 0 = one per core. Results do not depend on it.")
  int threads;

  @Option(names = "--resume", description = "Continue the run in --out.")
  boolean resume;

  @Option(names = "--save-weights", description = "Also save full weights in each checkpoint.")
  boolean saveWeights;

  @Override
  public Integer call() throws Exception {
    Arguments.atLeast("--steps", steps, 0);
    Arguments.positiveFinite("--eps", eps);
    Arguments.positiveFinite("--lr", lr);
    Arguments.positive("--batch", batch);
    Arguments.positive("--eval-every", evalEvery);
    if (DecoderModels.isDecoder(model)) {
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
            dataInfo);
    FineTuner.Result r =
        run(
            config,
            model,
            data,
            taskOptions.prompts(task),
            headSpec,
            out,
            resume,
            Arguments.threads("--threads", threads));
    System.out.println(JsonFiles.line(r.summary()));
    return 0;
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
    BertCheckpoint base = Models.load(modelSpec);
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
    System.err.printf(
        "mezo4j finetune: %s on %s (%d train, %d dev examples), %s head, MeZO trains %,d of %,d"
            + " encoder weights (%s), out %s%n",
        modelSpec,
        config.task(),
        train.size(),
        dev.size(),
        config.head(),
        classifier.trainable(config.selector()).elementCount(),
        encoder.parameters().elementCount(),
        config.params(),
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
}
