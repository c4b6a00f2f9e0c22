package io.github.mezo4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.tokenizer.WordPieceTokenizer;
import io.github.mezo4j.train.checkpoint.Checkpoint;
import io.github.mezo4j.train.checkpoint.EmbeddingCheckpoints;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import io.github.mezo4j.train.data.PairKind;
import io.github.mezo4j.train.data.PairTask;
import io.github.mezo4j.train.data.TextPair;
import io.github.mezo4j.train.metrics.DevMetric;
import io.github.mezo4j.train.metrics.PairLoss;
import io.github.mezo4j.train.report.ProgressBar;
import io.github.mezo4j.train.trainer.OptimizerSettings;
import io.github.mezo4j.train.trainer.PairEncoder;
import io.github.mezo4j.train.trainer.PairEvaluation;
import io.github.mezo4j.train.trainer.PairFineTuneConfig;
import io.github.mezo4j.train.trainer.PairFineTuner;
import io.github.mezo4j.train.trainer.RunDriver;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code finetune} and {@code eval} on sentence pairs (the built-in {@code stsb}, or own files with
 * {@code --pairs}): an embedding model, mean pooled and normalised, trained with a pair objective
 * and reported with Spearman's correlation or retrieval metrics.
 */
final class PairCommands {
  private PairCommands() {}

  /** {@code finetune} on pairs; the command's recipe is already applied. */
  static int finetune(
      FinetuneCommand cmd, PairTask task, OptimizerSettings optim, LoadDType loadDType)
      throws Exception {
    PairLoss loss =
        cmd.objective == null ? PairLoss.defaultFor(task.kind()) : PairLoss.parse(cmd.objective);
    double scale = scale(cmd.scale, cmd.temperature);
    DevMetric metric =
        cmd.metric != null
            ? DevMetric.parse(
                cmd.metric, PairEvaluation.metrics(task.kind()), task.kind().option() + " pairs")
            : PairEvaluation.metrics(task.kind()).getFirst();
    PairTask.Splits data = cmd.taskOptions.loadPairs(task);
    Map<String, String> dataInfo = new LinkedHashMap<>();
    dataInfo.put("source", data.source());
    PairFineTuneConfig config =
        new PairFineTuneConfig(
            cmd.runSettings(task.name(), metric, dataInfo, loadDType, optim),
            task.kind(),
            loss,
            scale);
    if (cmd.recipeNote != null) {
      System.err.println(cmd.recipeNote);
    }
    BertCheckpoint base = Models.load(cmd.model, loadDType);
    BertEncoder encoder = BertEncoder.of(base.config(), base.parameters());
    PairEncoder model = PairEncoder.meanPooled(encoder, Tokenizers.of(base, cmd.model));
    long trainable =
        encoder.parameters().select(config.selector(encoder.layerCount())).elementCount();
    System.err.printf(
        "mezo4j finetune: %s (%s) on %s (%d train, %d dev %s pairs), objective %s (scale %s),"
            + " mean pooling, MeZO trains %,d of %,d encoder weights (%s), out %s%n",
        cmd.model,
        FinetuneCommand.storageSummary(encoder.parameters()),
        task.name(),
        data.train().size(),
        data.dev().size(),
        task.kind().option(),
        loss.option(),
        scale,
        trainable,
        encoder.parameters().elementCount(),
        config.run().params(),
        cmd.out.toAbsolutePath().normalize());
    if (!optim.equals(OptimizerSettings.DEFAULT)) {
      System.err.println("optimizer: " + optim.describe());
    }
    try (Workers workers = Workers.of(Arguments.threads("--threads", cmd.threads))) {
      PairFineTuner.Result r =
          cmd.runners
              .pairs()
              .run(
                  new PairFineTuner.Run(
                      config,
                      task,
                      model,
                      base.config(),
                      base.tokenizer().orElse(null),
                      data.train(),
                      data.dev(),
                      new RunDriver.Context(
                          cmd.out, cmd.resume, workers, System.err, ProgressBar.terminal(), null)));
      if (r != null) { // a data-parallel worker's runner has no run folder to report
        FinetuneCommand.report(cmd.out, r.summary(), r.best(), r.last());
      }
    }
    return 0;
  }

  /**
   * {@code eval} on pairs: an untrained model ({@code --model}) or an embedding checkpoint (its
   * saved weights, else the base model plus a replay of its step log), on {@code --data} or the
   * task's dev split.
   */
  static int eval(EvalCommand cmd, PairTask task, Checkpoint ckpt) throws Exception {
    ObjectNode out = JsonFiles.object();
    PairEncoder model;
    PairLoss loss;
    double scale;
    try (Workers workers = Workers.of(Arguments.threads("--threads", cmd.threads))) {
      if (ckpt != null) {
        out.put("checkpoint", ckpt.dir().toString());
        out.put("step", ckpt.step());
        out.put("model", ckpt.baseModel());
        LoadDType dtype = LoadDType.parse(ckpt.baseDType());
        BertCheckpoint base = Models.load(ckpt.baseModel(), dtype);
        WordPieceTokenizer tokenizer = Tokenizers.of(base, ckpt.baseModel());
        BertEncoder encoder;
        if (!cmd.replay && ckpt.weights().isPresent()) {
          BertCheckpoint saved = CheckpointModels.savedWeights(ckpt);
          encoder = BertEncoder.of(saved.config(), saved.parameters());
        } else {
          encoder = BertEncoder.of(base.config(), base.parameters());
          EmbeddingCheckpoints.replay(ckpt, encoder, workers);
        }
        model = PairEncoder.meanPooled(encoder, tokenizer);
        loss = PairLoss.parse(ckpt.config().path("objective").asText());
        scale = ckpt.config().path("scale").asDouble(PairLoss.DEFAULT_SCALE);
      } else {
        BertCheckpoint base = Models.load(cmd.model, LoadDType.parse(cmd.dtype));
        model =
            PairEncoder.meanPooled(
                BertEncoder.of(base.config(), base.parameters()), Tokenizers.of(base, cmd.model));
        loss = PairLoss.defaultFor(task.kind());
        scale = PairLoss.DEFAULT_SCALE;
        out.put("model", cmd.model);
      }
      List<TextPair> pairs;
      if (cmd.data != null) {
        pairs = task.read(cmd.data);
        out.put("data", cmd.data.toString());
      } else {
        PairTask.Splits s = cmd.taskOptions.loadPairs(task);
        pairs = s.dev();
        out.put("data", s.source() + " (dev)");
      }
      PairKind kind = task.kind();
      PairEvaluation e =
          model.evaluate(
              model.evaluationBatch(model.tokenize(task, pairs), kind), kind, loss, scale, workers);
      DevMetric metric =
          ckpt != null
              ? DevMetric.parse(ckpt.manifest().path("metric_name").asText())
              : PairEvaluation.metrics(kind).getFirst();
      out.put("task", task.name());
      out.put("pairs", kind.option());
      out.put("examples", e.examples());
      e.putInto(out, "");
      out.put("loss_objective", loss.option());
      out.put("metric_name", metric.label());
      out.put("metric", e.metric(metric));
      System.out.println(JsonFiles.line(out));
    }
    return 0;
  }

  /** The cosine scale: {@code 1 / temperature} when a temperature is given, else {@code scale}. */
  private static double scale(double scale, Double temperature) {
    if (temperature == null) {
      Arguments.positiveFinite("--scale", scale);
      return scale;
    }
    if (scale != PairLoss.DEFAULT_SCALE) {
      throw new IllegalArgumentException("give --temperature or --scale, not both");
    }
    Arguments.positiveFinite("--temperature", temperature);
    return 1 / temperature;
  }
}
