package io.github.mezo4j.cli;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.nn.io.MemoryPlan;
import io.github.mezo4j.nn.model.SequenceScorer;
import io.github.mezo4j.train.data.Dataset;
import io.github.mezo4j.train.data.Task;
import io.github.mezo4j.train.decoder.CandidateScore;
import io.github.mezo4j.train.decoder.DecoderFineTuneConfig;
import io.github.mezo4j.train.decoder.DecoderFineTuner;
import io.github.mezo4j.train.decoder.DecoderMetrics;
import io.github.mezo4j.train.decoder.DecoderObjective;
import io.github.mezo4j.train.metrics.ClassificationLoss;
import io.github.mezo4j.train.metrics.DevMetric;
import io.github.mezo4j.train.prompt.DecoderTemplate;
import io.github.mezo4j.train.prompt.DecoderTemplates;
import io.github.mezo4j.train.report.ProgressBar;
import io.github.mezo4j.train.trainer.OptimizerSettings;
import io.github.mezo4j.train.trainer.RunDriver;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code mezo4j finetune} for decoder models: MeZO on every weight of the LM, with the task's
 * prompt template and candidate scoring ({@code --objective ce|accuracy|f1}) or the language-model
 * loss of its texts ({@code --objective lm}, evaluated by perplexity).
 */
final class DecoderFinetune {
  /** A prompt template's tokens beside the text (BOS, EOS, words, candidates), about. */
  private static final int TEMPLATE_TOKENS = 16;

  private DecoderFinetune() {}

  static int run(FinetuneCommand cmd, OptimizerSettings optim, LoadDType dtype) throws Exception {
    Task task = cmd.taskOptions.resolve();
    DecoderObjective objective = DecoderObjective.parse(cmd.objective);
    CandidateScore score = CandidateScore.parse(cmd.decoderOptions.score);
    Dataset data = cmd.taskOptions.load(task);
    Map<String, String> dataInfo = new LinkedHashMap<>();
    dataInfo.put("source", data.source());
    if (cmd.taskOptions.kShotSeed != null) {
      dataInfo.put("k_shot_seed", cmd.taskOptions.kShotSeed.toString());
    }
    DevMetric metric =
        objective.languageModel()
            ? DevMetric.PERPLEXITY
            : objective.classification() == ClassificationLoss.F1
                ? DevMetric.MACRO_F1
                : TaskOptions.metric(task);
    DecoderFineTuneConfig config =
        new DecoderFineTuneConfig(
            cmd.runSettings(task.name(), metric, dataInfo, dtype, optim),
            cmd.decoderOptions.tokenizer == null
                ? null
                : cmd.decoderOptions.tokenizer.toAbsolutePath().normalize().toString(),
            objective,
            score);
    // custom tasks have no template: they can still adapt the LM to their texts
    DecoderTemplate template = objective.languageModel() ? null : DecoderTemplates.forTask(task);
    int textTokens = Models.tokenEstimate(data) + TEMPLATE_TOKENS;
    // texts run DecoderMetrics.CHUNK to a forward pass: activations are a chunk's
    int batch = Math.min(cmd.batch, DecoderMetrics.CHUNK);
    Models.checkFits(
        DecoderModels.plan(
            cmd.model,
            dtype,
            MemoryPlan.FINETUNE_RUNTIME,
            optim.stateBytesPerWeight(),
            c ->
                MemoryPlan.decoderActivations(
                    c,
                    batch,
                    Math.min(textTokens, c.maxSequenceLength()),
                    2,
                    Math.min(batch * textTokens, SequenceScorer.ROWS_PER_CHUNK)),
            "batch %d (%d per forward pass) x about %d tokens, both signs"
                .formatted(cmd.batch, batch, textTokens)));
    DecoderModels.Loaded m = DecoderModels.load(cmd.model, cmd.decoderOptions.tokenizer, dtype);
    System.err.printf(
        "mezo4j finetune: %s (decoder, %,d of %,d weights trained) on %s (%d train, %d dev examples),"
            + " objective %s, out %s%n",
        cmd.model,
        config.trainable(m.lm().model().parameters()).elementCount(),
        m.lm().parametersElementCount(),
        task.name(),
        data.train().size(),
        data.dev().size(),
        objective.option(),
        cmd.out.toAbsolutePath().normalize());
    if (!optim.equals(OptimizerSettings.DEFAULT)) {
      System.err.println("optimizer: " + optim.describe());
    }
    try (Workers workers = Workers.of(Arguments.threads("--threads", cmd.threads))) {
      DecoderFineTuner.Result r =
          cmd.runners
              .decoders()
              .run(
                  new DecoderFineTuner.Run(
                      config,
                      m.lm(),
                      template,
                      task.labels().size(),
                      m.config(),
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
}
