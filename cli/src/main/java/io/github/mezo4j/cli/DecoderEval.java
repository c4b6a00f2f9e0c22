package io.github.mezo4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.train.checkpoint.Checkpoint;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import io.github.mezo4j.train.data.Dataset;
import io.github.mezo4j.train.data.Example;
import io.github.mezo4j.train.data.Task;
import io.github.mezo4j.train.data.Tasks;
import io.github.mezo4j.train.decoder.CandidateScore;
import io.github.mezo4j.train.decoder.DecoderEvaluation;
import io.github.mezo4j.train.decoder.DecoderLm;
import io.github.mezo4j.train.decoder.DecoderMetrics;
import io.github.mezo4j.train.metrics.DevMetric;
import io.github.mezo4j.train.prompt.DecoderTemplate;
import io.github.mezo4j.train.prompt.DecoderTemplates;
import java.util.List;

/**
 * {@code mezo4j eval} for decoders: prompted accuracy (where the task has a template) and the
 * perplexity of the examples' texts, of a decoder checkpoint or an untrained decoder model.
 */
final class DecoderEval {
  private DecoderEval() {}

  /** Whether {@code cmd} evaluates a decoder (checkpoint or model). */
  static boolean applies(EvalCommand cmd) throws Exception {
    return cmd.checkpoint != null
        ? DecoderModels.isDecoderCheckpoint(cmd.checkpoint)
        : DecoderModels.isDecoder(cmd.model);
  }

  static int run(EvalCommand cmd, LoadDType dtype) throws Exception {
    if ((cmd.checkpoint == null) == (cmd.model == null)) {
      throw new IllegalArgumentException("give exactly one of --checkpoint and --model");
    }
    ObjectNode out = JsonFiles.object();
    try (Workers workers = Workers.of(Arguments.threads("--threads", cmd.threads))) {
      DecoderModels.Loaded m;
      Task task;
      DevMetric metric;
      CandidateScore score;
      if (cmd.checkpoint != null) {
        Checkpoint ckpt = Checkpoint.open(cmd.checkpoint);
        if (cmd.taskOptions.task == null) {
          cmd.taskOptions.task = ckpt.task();
        }
        task =
            cmd.taskOptions.custom() ? cmd.taskOptions.resolve() : Tasks.get(cmd.taskOptions.task);
        m = DecoderModels.fineTuned(ckpt, cmd.decoderOptions.tokenizer, workers, cmd.replay);
        metric = DevMetric.parse(ckpt.manifest().path("metric_name").asText("accuracy"));
        score = CandidateScore.parse(ckpt.config().path("score").asText("mean"));
        out.put("checkpoint", ckpt.dir().toString());
        out.put("step", ckpt.step());
        out.put("model", ckpt.baseModel());
      } else {
        task = cmd.taskOptions.resolve();
        m = DecoderModels.load(cmd.model, cmd.decoderOptions.tokenizer, dtype);
        metric = TaskOptions.metric(task);
        score = CandidateScore.parse(cmd.decoderOptions.score);
        out.put("model", cmd.model);
      }
      List<Example> examples;
      if (cmd.data != null) {
        examples = task.read(cmd.data);
        out.put("data", cmd.data.toString());
      } else {
        Dataset d = cmd.taskOptions.load(task);
        examples = d.dev();
        out.put("data", d.source() + " (dev)");
      }
      DecoderLm lm = m.lm();
      out.put("task", task.name());
      out.put("examples", examples.size());
      DecoderTemplate template = template(task);
      if (template != null) {
        DecoderEvaluation c =
            DecoderMetrics.classification(
                lm, template, task.labels().size(), score, examples, workers);
        out.put("score", score.option());
        out.put("accuracy", c.accuracy());
        out.put("macro_f1", c.macroF1());
        out.put("loss", c.loss());
      }
      DecoderEvaluation p = DecoderMetrics.perplexity(lm, examples, workers);
      out.put("nll_per_token", p.loss());
      out.put("perplexity", p.perplexity());
      out.put("metric_name", metric.label());
      out.put("metric", out.get(metric.label()).asDouble());
    }
    System.out.println(JsonFiles.line(out));
    return 0;
  }

  /** The task's decoder template, or null when it has none (perplexity only). */
  private static DecoderTemplate template(Task task) {
    try {
      return DecoderTemplates.forTask(task);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
