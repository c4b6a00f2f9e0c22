package io.github.mezo4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.train.checkpoint.Checkpoint;
import io.github.mezo4j.train.checkpoint.EmbeddingCheckpoints;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import io.github.mezo4j.train.data.Dataset;
import io.github.mezo4j.train.data.Example;
import io.github.mezo4j.train.data.PairTask;
import io.github.mezo4j.train.data.Task;
import io.github.mezo4j.train.data.Tasks;
import io.github.mezo4j.train.head.HeadSpec;
import io.github.mezo4j.train.head.LinearProbe;
import io.github.mezo4j.train.head.PromptHead;
import io.github.mezo4j.train.metrics.DevMetric;
import io.github.mezo4j.train.report.PassProgress;
import io.github.mezo4j.train.trainer.EncoderClassifier;
import io.github.mezo4j.train.trainer.Evaluation;
import io.github.mezo4j.train.trainer.LabeledTexts;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mezo4j eval}: the metrics of a checkpoint, or of an untrained model, on a data file. */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    header = "Print the metrics of a checkpoint or an untrained model as one JSON line.",
    description = {
      "Evaluate a fine-tuned checkpoint (or an untrained model) and print one JSON line:",
      "accuracy, macro_f1, loss (cross-entropy) and the task's metric; for decoder",
      "models and checkpoints also the perplexity of the examples' texts.",
      "",
      "  mezo4j eval --checkpoint RUN_OR_CHECKPOINT_DIR --data FILE",
      "  mezo4j eval --model minilm --task sst2 [--head prompt|linear] [--data FILE]",
      "  mezo4j eval --model minilm --task stsb",
      "",
      "Sentence-pair tasks (stsb, --pairs) print spearman and pearson of the cosine vs",
      "the gold score, or for positive pairs recall@1, recall@10 and mrr@10 of each",
      "query against all passages of the file (exact search).",
      "",
      "--checkpoint takes a run folder (its best checkpoint) or a checkpoint folder.",
      "--data takes any file in the task's format; without it, the dev split of",
      "--data-dir / --k-shot-seed."
    })
final class EvalCommand implements Callable<Integer> {
  @Option(names = "--checkpoint", description = "A run folder or a checkpoint folder.")
  Path checkpoint;

  @Option(names = "--model", description = "An untrained model: minilm, a folder or an .onnx.")
  String model;

  @Mixin TaskOptions taskOptions;

  @Mixin DecoderOptions decoderOptions;

  @Option(
      names = "--data",
      description =
          "The file to evaluate on (the task's format), or k-shot-eval: the set the k-shot"
              + " protocol evaluates on for --k-shot-seed (a checkpoint: its run's seed): GLUE"
              + " dev for sst2, the dev set for sst5, the carved dev split less the seed's k-shot"
              + " examples for trec.")
  Path data;

  @Option(
      names = "--head",
      defaultValue = "prompt",
      description =
          "With --model: prompt (zero-shot), linear (linear probing on the train split),"
              + " similarity or zero (untrained heads that start at chance). Default: prompt.")
  String head;

  @Option(names = "--scale", defaultValue = "20", description = "Prompt head scale. Default: 20.")
  double scale;

  @Option(
      names = "--replay",
      description = "Rebuild the weights from the step log even when the checkpoint saved them.")
  boolean replay;

  @Option(
      names = "--dtype",
      defaultValue = "auto",
      description =
          "With --model: weight storage, auto (bf16 tensors stay bf16), f32 or bf16 (a"
              + " checkpoint uses its run's). Default: ${DEFAULT-VALUE}.")
  String dtype;

  @Option(names = "--threads", defaultValue = "0", description = "Worker threads; 0 = all cores.")
  int threads;

  @Override
  public Integer call() throws Exception {
    LoadDType loadDType = LoadDType.parse(dtype);
    if (DecoderEval.applies(this)) {
      return DecoderEval.run(this, loadDType);
    }
    if ((checkpoint == null) == (model == null)) {
      throw new IllegalArgumentException("give exactly one of --checkpoint and --model");
    }
    if (checkpoint != null && taskOptions.labelSentences != null) {
      throw new IllegalArgumentException(
          "--label-sentence is for --model: a checkpoint's head keeps the sentences it was trained"
              + " with");
    }
    Checkpoint embeddingRun = null;
    if (checkpoint != null) {
      Checkpoint ckpt = Checkpoint.open(checkpoint);
      if (EmbeddingCheckpoints.isEmbedding(ckpt)) {
        embeddingRun = ckpt;
        if (taskOptions.task == null) {
          taskOptions.task = ckpt.task();
        }
      }
    }
    if (taskOptions.task != null) {
      Optional<PairTask> pairTask = taskOptions.pairTask();
      if (pairTask.isPresent()) {
        return PairCommands.eval(this, pairTask.get(), embeddingRun);
      }
    }
    if (embeddingRun != null) {
      throw new IllegalArgumentException(
          ("%s is an embedding run on sentence pairs (task %s): describe its pairs with the"
                  + " options it was trained with (--pairs, --text-column, ...)")
              .formatted(checkpoint, embeddingRun.task()));
    }
    Workers workers = Workers.of(Arguments.threads("--threads", threads));
    ObjectNode out = JsonFiles.object();
    EncoderClassifier classifier;
    Task task;
    DevMetric metric;
    if (checkpoint != null) {
      Checkpoint ckpt = Checkpoint.open(checkpoint);
      if (taskOptions.task == null) {
        taskOptions.task = ckpt.task();
      }
      task = taskOptions.custom() ? taskOptions.resolve() : Tasks.get(taskOptions.task);
      classifier = CheckpointModels.load(ckpt, workers, replay);
      metric = DevMetric.parse(ckpt.manifest().path("metric_name").asText("accuracy"));
      out.put("checkpoint", ckpt.dir().toString());
      out.put("step", ckpt.step());
      out.put("model", ckpt.baseModel());
    } else {
      task = taskOptions.resolve();
      metric = TaskOptions.metric(task);
      CheckpointModels.Base base = CheckpointModels.base(model, loadDType);
      List<String> sentences = taskOptions.prompts(task).sentences();
      // a head with the task's classes, so the probe's data check passes
      EncoderClassifier atBase =
          base.classifier()
              .withHead(
                  PromptHead.of(
                      sentences, scale, base.classifier().tokenizer(), base.classifier().padId()));
      LabeledTexts train =
          head.equals("linear") || head.equals("zero") // these two need the label names
              ? LabeledTexts.of(taskOptions.load(task).train(), task.labels())
              : null;
      classifier =
          atBase.withHead(
              new HeadSpec(head, sentences, scale, LinearProbe.Options.defaults())
                  .create(atBase, train, workers));
      out.put("model", model);
      out.put("head", head);
    }
    List<Example> examples;
    if (data != null) {
      Integer seed = taskOptions.kShotSeed;
      if (seed == null && checkpoint != null) {
        JsonNode s = Checkpoint.open(checkpoint).manifest().path("config").path("data");
        seed = s.has("k_shot_seed") ? s.get("k_shot_seed").asInt() : null;
      }
      examples = taskOptions.readLabelled(task, "--data", data, seed);
      out.put("data", data.toString());
    } else {
      Dataset d = taskOptions.load(task);
      examples = d.dev();
      out.put("data", d.source() + " (dev)");
    }
    LabeledTexts set = LabeledTexts.of(examples, task.labels());
    Evaluation e =
        classifier.evaluate(
            classifier.batch(classifier.tokenize(set)),
            workers,
            PassProgress.onStderr("eval", set.size()));
    out.put("task", task.name());
    out.put("examples", e.examples());
    out.put("accuracy", e.accuracy());
    out.put("macro_f1", e.macroF1());
    out.put("loss", e.loss());
    out.put("metric_name", metric.label());
    out.put("metric", e.metric(metric));
    System.out.println(JsonFiles.line(out));
    return 0;
  }
}
