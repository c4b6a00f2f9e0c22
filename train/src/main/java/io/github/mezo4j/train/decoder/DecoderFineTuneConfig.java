package io.github.mezo4j.train.decoder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import io.github.mezo4j.train.trainer.FineTuneConfig;
import io.github.mezo4j.train.trainer.OptimizerSettings;
import io.github.mezo4j.train.trainer.RunSettings;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The settings of a decoder fine-tuning run, all of which (but {@link #steps} and {@link
 * #saveWeights}) must match when a run is resumed.
 *
 * @param task the task's name
 * @param model the base model as the user gave it (a llama2.c .bin, a folder, hf:...)
 * @param tokenizer the tokenizer file or folder the run was given ({@code --tokenizer}, absolute),
 *     or null for the model's own; eval and replay use it too
 * @param params which weights MeZO trains: all, bias-norm or a glob over weight names ({@link
 *     FineTuneConfig#selector})
 * @param objective what MeZO minimises
 * @param score how candidate tokens combine into class scores (classification objectives)
 * @param metric the dev metric that picks the best checkpoint: "accuracy" or "macro_f1" (higher is
 *     better) or "perplexity" (lower is better; the only one for {@code lm})
 * @param steps the step the run ends at
 * @param lr the learning rate (the peak of the schedule {@code optim} names)
 * @param eps perturbation scale
 * @param batch training examples per step (at most the training set)
 * @param seed the run seed: step seeds and the data order derive from (seed, step)
 * @param evalEvery evaluate on the dev split (and checkpoint) every this many steps
 * @param saveWeights also save the full weights (a Hugging Face folder) in each checkpoint
 * @param data where the data came from, recorded as given
 * @param dtype how the base model's weights were stored ({@code --dtype}: auto, f32 or bf16);
 *     replay loads them the same way
 * @param optim the optimizer, schedule and estimator, as for encoders ({@link
 *     OptimizerSettings#DEFAULT}: MeZO's ZO-SGD at the constant rate {@code lr}, two-sided)
 */
public record DecoderFineTuneConfig(
    String task,
    String model,
    String tokenizer,
    String params,
    DecoderObjective objective,
    CandidateScore score,
    String metric,
    int steps,
    double lr,
    double eps,
    int batch,
    long seed,
    int evalEvery,
    boolean saveWeights,
    Map<String, String> data,
    String dtype,
    OptimizerSettings optim)
    implements RunSettings {

  /** The dev metric of language-model runs. */
  public static final String PERPLEXITY = "perplexity";

  /** Checks ranges and that the metric fits the objective. */
  public DecoderFineTuneConfig {
    data = Map.copyOf(new LinkedHashMap<>(data));
    FineTuneConfig.selector(params); // refuses a blank selection early
    RunSettings.checkBudget(steps, batch, evalEvery, lr, eps);
    boolean lm = objective.languageModel();
    if (lm != metric.equals(PERPLEXITY)
        || (!lm && !metric.equals("accuracy") && !metric.equals("macro_f1"))) {
      throw new IllegalArgumentException(
          "dev metric '%s' does not fit objective %s: expected %s"
              .formatted(metric, objective.option(), lm ? PERPLEXITY : "accuracy or macro_f1"));
    }
    FineTuneConfig.checkDType(dtype);
    Objects.requireNonNull(optim, "optim");
    optim.check(lr, steps);
  }

  /** A run with MeZO's optimizer settings ({@link OptimizerSettings#DEFAULT}). */
  public DecoderFineTuneConfig(
      String task,
      String model,
      String params,
      DecoderObjective objective,
      CandidateScore score,
      String metric,
      int steps,
      double lr,
      double eps,
      int batch,
      long seed,
      int evalEvery,
      boolean saveWeights,
      Map<String, String> data) {
    this(
        task,
        model,
        null,
        params,
        objective,
        score,
        metric,
        steps,
        lr,
        eps,
        batch,
        seed,
        evalEvery,
        saveWeights,
        data,
        FineTuneConfig.DEFAULT_DTYPE,
        OptimizerSettings.DEFAULT);
  }

  @Override
  public String metricName() {
    return metric;
  }

  /** The weights of {@code all} (a model's parameters) that MeZO trains. */
  public ParameterSet trainable(ParameterSet all) {
    return all.select(FineTuneConfig.selector(params));
  }

  /** Whether a larger dev metric is better (perplexity: smaller is). */
  public boolean higherIsBetter() {
    return !metric.equals(PERPLEXITY);
  }

  /** As JSON ({@code run.json}'s {@code config}). */
  public ObjectNode toJson() {
    ObjectNode o = JsonFiles.object();
    o.put("kind", "decoder");
    o.put("task", task);
    o.put("model", model);
    if (tokenizer != null) {
      o.put("tokenizer", tokenizer);
    }
    o.put("params", params);
    o.put("objective", objective.option());
    o.put("score", score.option());
    o.put("metric", metric);
    o.put("steps", steps);
    o.put("lr", lr);
    o.put("eps", eps);
    o.put("batch", batch);
    o.put("seed", seed);
    o.put("eval_every", evalEvery);
    o.put("save_weights", saveWeights);
    o.put("dtype", dtype);
    optim.putInto(o);
    ObjectNode d = o.putObject("data");
    new TreeMap<>(data).forEach(d::put);
    return o;
  }

  /**
   * Checks that a resumed run has this run's settings; settings the recorded config lacks (it
   * predates them) stand for their old defaults.
   *
   * @throws IllegalArgumentException naming the first setting that differs
   */
  public void checkResumable(JsonNode recorded, String source) {
    ObjectNode theirs = OptimizerSettings.withDefaults(recorded);
    theirs.put("dtype", FineTuneConfig.recordedDType(recorded));
    FineTuneConfig.checkResumable(toJson(), theirs, source);
  }
}
